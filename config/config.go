// Package config reads claimflow's configuration from environment variables.
// Every setting has a documented default that works on a developer machine
// (see README.md, "Configuration"); Print shows the effective values with
// secrets masked.
package config

import (
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// Config is the effective configuration of one claimflow process.
// The `env` tag names the variable, `default` its default value, and
// `secret:"true"` marks values that Print masks.
type Config struct {
	HTTPAddr               string        `env:"CLAIMFLOW_HTTP_ADDR" default:"127.0.0.1:8080" help:"address the HTTP API listens on"`
	HTTPReadTimeout        time.Duration `env:"CLAIMFLOW_HTTP_READ_TIMEOUT" default:"30s" help:"longest time to read a request, body included (headers: 10s)"`
	HTTPWriteTimeout       time.Duration `env:"CLAIMFLOW_HTTP_WRITE_TIMEOUT" default:"60s" help:"longest time from the end of a request's headers to the end of its response"`
	HTTPIdleTimeout        time.Duration `env:"CLAIMFLOW_HTTP_IDLE_TIMEOUT" default:"120s" help:"how long a keep-alive connection waits for the next request"`
	TrustedProxies         string        `env:"CLAIMFLOW_TRUSTED_PROXIES" default:"" help:"comma-separated addresses or CIDRs of the proxies in front of the API (the ingress controller); their X-Forwarded-For names the client for sign-in limits and the audit log; empty = the connection's address"`
	DatabaseURL            string        `env:"DATABASE_URL" default:"postgres://postgres@127.0.0.1:5432/claimflow?sslmode=disable" secret:"true" help:"Postgres connection URL; the database is created when missing; pool_max_conns=N sets the pool (default 16, or 4 per CPU when more)"`
	TemporalAddress        string        `env:"TEMPORAL_ADDRESS" default:"127.0.0.1:7233" help:"Temporal frontend host:port"`
	TemporalNamespace      string        `env:"TEMPORAL_NAMESPACE" default:"default" help:"Temporal namespace"`
	TemporalTLS            bool          `env:"TEMPORAL_TLS" default:"false" help:"TLS to Temporal with the system's root CAs; any other TEMPORAL_TLS_* setting or TEMPORAL_API_KEY turns it on too"`
	TemporalTLSCAFile      string        `env:"TEMPORAL_TLS_CA_FILE" default:"" help:"PEM CA bundle that verifies the Temporal frontend (a private CA) instead of the system roots"`
	TemporalTLSCert        string        `env:"TEMPORAL_TLS_CERT_FILE" default:"" help:"PEM client certificate for mTLS to Temporal (with TEMPORAL_TLS_KEY_FILE); re-read on each new connection, so a rotated one needs no restart"`
	TemporalTLSKey         string        `env:"TEMPORAL_TLS_KEY_FILE" default:"" help:"PEM private key of the mTLS client certificate"`
	TemporalTLSServer      string        `env:"TEMPORAL_TLS_SERVER_NAME" default:"" help:"name the Temporal frontend's certificate must carry (and SNI); empty = the host of TEMPORAL_ADDRESS"`
	TemporalAPIKey         string        `env:"TEMPORAL_API_KEY" default:"" secret:"true" help:"Temporal Cloud API key (sent as a bearer token, over TLS); empty = none"`
	TaskQueue              string        `env:"CLAIMFLOW_TASK_QUEUE" default:"claimflow" help:"Temporal task queue the worker polls"`
	TemporalUIURL          string        `env:"TEMPORAL_UI_URL" default:"http://127.0.0.1:8233" help:"Temporal Web UI base URL (for links)"`
	ImportDir              string        `env:"CLAIMFLOW_IMPORT_DIR" default:"" help:"practice import drop directory: NDJSON and CSV imports name files inside it; empty = file imports off"`
	FHIRServersFile        string        `env:"CLAIMFLOW_FHIR_SERVERS" default:"" help:"JSON file naming the FHIR servers the worker may import from (base URL, SMART token URL, client ID, private key file); empty = none"`
	LogLevel               string        `env:"CLAIMFLOW_LOG_LEVEL" default:"info" help:"debug, info, warn or error"`
	DataDir                string        `env:"CLAIMFLOW_DATA_DIR" default:".data" help:"local state: keys, private Postgres cluster, dev server file"`
	KeyFile                string        `env:"CLAIMFLOW_KEY_FILE" default:"" help:"key-encryption key file (default <data dir>/keys/kek.json)"`
	KMSEndpoint            string        `env:"CLAIMFLOW_KMS_ENDPOINT" default:"" help:"AWS KMS endpoint URL holding the key-encryption key, or aws for the region's standard endpoint; empty = the local key file"`
	KMSKeyID               string        `env:"CLAIMFLOW_KMS_KEY_ID" default:"" help:"KMS key ID, ARN or alias of the key-encryption key (an alias lets it rotate)"`
	KMSRegion              string        `env:"CLAIMFLOW_KMS_REGION" default:"us-east-1" help:"KMS region"`
	KMSIndexKey            string        `env:"CLAIMFLOW_KMS_INDEX_KEY" default:"" secret:"true" help:"blind-index key wrapped by KMS (base64); empty = read or create <key file dir>/index-key.kms; every replica needs the same one"`
	ShutdownTimeout        time.Duration `env:"CLAIMFLOW_SHUTDOWN_TIMEOUT" default:"15s" help:"graceful shutdown limit"`
	WorkerPollers          int           `env:"CLAIMFLOW_WORKER_POLLERS" default:"8" help:"workflow and activity task pollers per worker"`
	WorkerHTTPAddr         string        `env:"CLAIMFLOW_WORKER_HTTP_ADDR" default:"127.0.0.1:8081" help:"where claimflow worker (alone; in dev the API has them) serves /healthz, /readyz and /metrics; - for none; a worker finding the default taken (another worker on the machine) runs without them and warns"`
	S3Endpoint             string        `env:"CLAIMFLOW_S3_ENDPOINT" default:"http://127.0.0.1:7070" help:"S3 endpoint of the EDI archive, or aws for the region's standard endpoint"`
	S3Bucket               string        `env:"CLAIMFLOW_S3_BUCKET" default:"claimflow-archive" help:"S3 bucket of the EDI archive"`
	S3Region               string        `env:"CLAIMFLOW_S3_REGION" default:"us-east-1" help:"S3 region"`
	S3AccessKey            string        `env:"CLAIMFLOW_S3_ACCESS_KEY" default:"claimflow" dev:"S3Endpoint" help:"S3 access key; empty = the AWS default credential chain (environment, web identity / workload identity, instance role); the development default is used only with an S3 endpoint on loopback"`
	S3SecretKey            string        `env:"CLAIMFLOW_S3_SECRET_KEY" default:"claimflow-dev-secret" dev:"S3Endpoint" secret:"true" help:"S3 secret key (with CLAIMFLOW_S3_ACCESS_KEY)"`
	Clearinghouses         string        `env:"CLAIMFLOW_CLEARINGHOUSES" default:"" help:"JSON file listing the clearinghouse partners (SFTP and CORE real-time settings, see docs/clearinghouse.md); empty = none"`
	BatchEvery             time.Duration `env:"CLAIMFLOW_BATCH_EVERY" default:"1h" help:"how often each clearinghouse's claim batch runs (Temporal Schedule)"`
	PollEvery              time.Duration `env:"CLAIMFLOW_POLL_EVERY" default:"5m" help:"how often each clearinghouse's inbound folder is polled (Temporal Schedule)"`
	CheckpointEvery        time.Duration `env:"CLAIMFLOW_AUDIT_CHECKPOINT_EVERY" default:"1h" help:"how often a signed checkpoint of the audit log's chain heads is exported to the archive (Temporal Schedule, where the archive is wired: with clearinghouses); 0 = never"`
	FilingDays             int           `env:"CLAIMFLOW_FILING_DAYS" default:"180" help:"appeal and corrected-claim filing limit in days, when a payer has none"`
	AuthFollowUp           time.Duration `env:"CLAIMFLOW_AUTH_FOLLOWUP" default:"4h" help:"how long a prior authorization the payer pended waits before its 278 is sent again"`
	ISAUsage               string        `env:"CLAIMFLOW_ISA_USAGE" default:"P" help:"ISA15 of outbound interchanges: P production, T test"`
	SMTPAddr               string        `env:"CLAIMFLOW_SMTP_ADDR" default:"127.0.0.1:1025" help:"SMTP server for reminders"`
	SMTPFrom               string        `env:"CLAIMFLOW_SMTP_FROM" default:"reminders@claimflow.invalid" help:"sender address of reminders"`
	SMTPUsername           string        `env:"CLAIMFLOW_SMTP_USERNAME" default:"" help:"SMTP username (PLAIN authentication, only over STARTTLS or to localhost); empty = none"`
	SMTPPassword           string        `env:"CLAIMFLOW_SMTP_PASSWORD" default:"" secret:"true" help:"SMTP password"`
	StripeAPIBase          string        `env:"CLAIMFLOW_STRIPE_API_BASE" default:"http://127.0.0.1:12111" help:"Stripe API base URL (stripe-mock locally)"`
	StripeSecretKey        string        `env:"STRIPE_SECRET_KEY" default:"sk_test_123" dev:"StripeAPIBase" secret:"true" help:"Stripe secret key; required unless CLAIMFLOW_STRIPE_API_BASE is a stripe-mock on loopback (the only place the development default goes)"`
	StripeWebhookKey       string        `env:"STRIPE_WEBHOOK_SECRET" default:"whsec_claimflow_dev" dev:"StripeAPIBase" secret:"true" help:"Stripe webhook signing secret; required unless CLAIMFLOW_STRIPE_API_BASE is on loopback"`
	TwilioAccountSID       string        `env:"TWILIO_ACCOUNT_SID" default:"" help:"Twilio account SID for reminder SMS; empty disables SMS"`
	TwilioAuthToken        string        `env:"TWILIO_AUTH_TOKEN" default:"" secret:"true" help:"Twilio auth token (REST API and inbound webhook signatures)"`
	TwilioFrom             string        `env:"CLAIMFLOW_TWILIO_FROM" default:"" help:"SMS sender: an E.164 number or a messaging service SID (MG...)"`
	TwilioWebhookURL       string        `env:"CLAIMFLOW_TWILIO_WEBHOOK_URL" default:"" help:"public URL of the inbound SMS webhook exactly as configured in Twilio (its signature covers it)"`
	ReminderOffsets        string        `env:"CLAIMFLOW_REMINDER_OFFSETS" default:"72h,24h,2h" help:"when appointment reminders go out, before the visit"`
	SMSQuietHours          string        `env:"CLAIMFLOW_SMS_QUIET_HOURS" default:"21:00-08:00" help:"local hours (patient's zone) when no SMS is sent; a send then moves out of them; - for none"`
	OfficePhone            string        `env:"CLAIMFLOW_OFFICE_PHONE" default:"" help:"phone number patient messages tell patients to call"`
	PayURL                 string        `env:"CLAIMFLOW_PAY_URL" default:"http://127.0.0.1:8080/pay" help:"patient payment page; ?t=<token> is appended (a sealed, expiring link for one statement)"`
	AppointmentURL         string        `env:"CLAIMFLOW_APPOINTMENT_URL" default:"http://127.0.0.1:8080/appointment" help:"page where patients without SMS confirm or cancel from the reminder email; ?t=<token> is appended; - for none (they are told to call the office)"`
	DefaultTimeZone        string        `env:"CLAIMFLOW_DEFAULT_TIME_ZONE" default:"UTC" help:"time zone of appointments whose provider has no weekly template"`
	SessionIdle            time.Duration `env:"CLAIMFLOW_SESSION_IDLE" default:"15m" help:"a staff session unused this long ends"`
	SessionMaxAge          time.Duration `env:"CLAIMFLOW_SESSION_MAX_AGE" default:"8h" help:"a staff session ends this long after sign-in, however active"`
	LoginMaxFailures       int           `env:"CLAIMFLOW_LOGIN_MAX_FAILURES" default:"5" help:"failed sign-ins in a row that lock an account"`
	LoginLockout           time.Duration `env:"CLAIMFLOW_LOGIN_LOCKOUT" default:"15m" help:"how long a locked account stays locked"`
	LoginRateAccount       int           `env:"CLAIMFLOW_LOGIN_RATE_ACCOUNT" default:"5" help:"sign-in attempts per login name in each CLAIMFLOW_LOGIN_RATE_WINDOW (counted in Postgres, shared by every API instance); more answer 429 with Retry-After; 0 = no limit"`
	LoginRateAddress       int           `env:"CLAIMFLOW_LOGIN_RATE_ADDRESS" default:"20" help:"sign-in attempts per source address in each window; 0 = no limit"`
	LoginRateWindow        time.Duration `env:"CLAIMFLOW_LOGIN_RATE_WINDOW" default:"1m" help:"the window sign-in attempts are counted in"`
	APITokenTTL            time.Duration `env:"CLAIMFLOW_API_TOKEN_TTL" default:"2160h" help:"lifetime of an API token (90 days); rotate it before with POST /v1/users/{id}/tokens/{token_id}/rotate"`
	APITokenGrace          time.Duration `env:"CLAIMFLOW_API_TOKEN_ROTATION_GRACE" default:"1h" help:"how long a rotated API token keeps working after its successor is issued"`
	BookingRunners         int           `env:"CLAIMFLOW_BOOKING_RUNNERS" default:"0" help:"booking transactions at once, each carrying a batch of concurrent bookings; 0 = an eighth of the Postgres pool (pool_max_conns in DATABASE_URL), 2 to 8"`
	BookingBatchMax        int           `env:"CLAIMFLOW_BOOKING_BATCH_MAX" default:"32" help:"most bookings in one transaction; 1 books each on its own"`
	HTTPSAddr              string        `env:"CLAIMFLOW_HTTPS_ADDR" default:"" help:"also serve the API over TLS here (the Temporal UI sends access tokens only to an https codec endpoint); empty = no TLS listener"`
	TLSCertFile            string        `env:"CLAIMFLOW_TLS_CERT_FILE" default:"" help:"PEM certificate of the TLS listener; empty = a self-signed one for 127.0.0.1 and localhost, made once in <data dir>/tls"`
	TLSKeyFile             string        `env:"CLAIMFLOW_TLS_KEY_FILE" default:"" help:"PEM private key of the TLS listener"`
	OIDCIssuer             string        `env:"CLAIMFLOW_OIDC_ISSUER" default:"" help:"public URL of claimflow's OpenID Connect provider (the API's /oidc); empty = http://<the API's listen address>/oidc, for loopback use"`
	OIDCTokenTTL           time.Duration `env:"CLAIMFLOW_OIDC_TOKEN_TTL" default:"15m" help:"lifetime of the access and ID tokens the OpenID Connect provider issues (Temporal UI sign-in, claimflow token)"`
	OIDCKeyRotation        time.Duration `env:"CLAIMFLOW_OIDC_KEY_ROTATION" default:"720h" help:"how long an OpenID Connect signing key signs before a new one replaces it (the old one stays published until its tokens expire)"`
	TemporalUIClientID     string        `env:"TEMPORAL_UI_OIDC_CLIENT_ID" default:"temporal-ui" help:"OpenID Connect client ID of the Temporal UI server"`
	TemporalUIClientSecret string        `env:"TEMPORAL_UI_OIDC_CLIENT_SECRET" default:"" secret:"true" help:"client secret of the Temporal UI server; empty = the Temporal UI cannot sign in through claimflow"`
}

// Load reads the environment through getenv (os.Getenv when nil).
func Load(getenv func(string) string) (Config, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	var c Config
	v := reflect.ValueOf(&c).Elem()
	t := v.Type()
	var devDefaults []reflect.StructField
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		raw := getenv(f.Tag.Get("env"))
		if raw == "" {
			raw = f.Tag.Get("default")
			if f.Tag.Get("dev") != "" {
				devDefaults = append(devDefaults, f)
			}
		}
		if err := set(v.Field(i), raw); err != nil {
			return Config{}, fmt.Errorf("config: %s: %w", f.Tag.Get("env"), err)
		}
	}
	if err := dropDevSecrets(v, devDefaults); err != nil {
		return Config{}, err
	}
	if c.WorkerHTTPAddr == "-" {
		c.WorkerHTTPAddr = "" // an empty variable means the default
	}
	if c.KeyFile == "" {
		c.KeyFile = c.DataDir + "/keys/kek.json"
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		return Config{}, fmt.Errorf("config: CLAIMFLOW_LOG_LEVEL: %q is not one of debug, info, warn, error", c.LogLevel)
	}
	if c.WorkerPollers < 1 {
		return Config{}, fmt.Errorf("config: CLAIMFLOW_WORKER_POLLERS: must be at least 1")
	}
	switch {
	case c.SessionIdle <= 0 || c.SessionMaxAge < c.SessionIdle:
		return Config{}, fmt.Errorf("config: CLAIMFLOW_SESSION_IDLE and CLAIMFLOW_SESSION_MAX_AGE: must be positive, the maximum age at least the idle limit")
	case c.LoginMaxFailures < 1 || c.LoginLockout <= 0:
		return Config{}, fmt.Errorf("config: CLAIMFLOW_LOGIN_MAX_FAILURES and CLAIMFLOW_LOGIN_LOCKOUT: must be at least 1 and positive")
	case c.LoginRateAccount < 0 || c.LoginRateAddress < 0 || c.LoginRateWindow <= 0:
		return Config{}, fmt.Errorf("config: CLAIMFLOW_LOGIN_RATE_ACCOUNT, CLAIMFLOW_LOGIN_RATE_ADDRESS and CLAIMFLOW_LOGIN_RATE_WINDOW: must be at least 0, 0 and positive")
	case c.APITokenTTL <= 0 || c.APITokenGrace < 0:
		return Config{}, fmt.Errorf("config: CLAIMFLOW_API_TOKEN_TTL and CLAIMFLOW_API_TOKEN_ROTATION_GRACE: must be positive and at least 0 (tokens always expire)")
	case c.HTTPReadTimeout <= 0 || c.HTTPWriteTimeout <= 0 || c.HTTPIdleTimeout <= 0:
		return Config{}, fmt.Errorf("config: CLAIMFLOW_HTTP_READ_TIMEOUT, CLAIMFLOW_HTTP_WRITE_TIMEOUT and CLAIMFLOW_HTTP_IDLE_TIMEOUT: must be positive")
	case c.OIDCTokenTTL <= 0 || c.OIDCKeyRotation <= c.OIDCTokenTTL:
		return Config{}, fmt.Errorf("config: CLAIMFLOW_OIDC_TOKEN_TTL and CLAIMFLOW_OIDC_KEY_ROTATION: must be positive, the rotation longer than a token lives")
	case (c.TLSCertFile == "") != (c.TLSKeyFile == ""):
		return Config{}, fmt.Errorf("config: CLAIMFLOW_TLS_CERT_FILE and CLAIMFLOW_TLS_KEY_FILE: set both or neither")
	case c.BookingRunners < 0 || c.BookingBatchMax < 1:
		return Config{}, fmt.Errorf("config: CLAIMFLOW_BOOKING_RUNNERS and CLAIMFLOW_BOOKING_BATCH_MAX: must be at least 0 and 1")
	}
	switch {
	case c.TemporalTLSCert != "" && c.TemporalTLSKey == "":
		return Config{}, fmt.Errorf("config: TEMPORAL_TLS_KEY_FILE: must be set with TEMPORAL_TLS_CERT_FILE (mTLS needs both)")
	case c.TemporalTLSKey != "" && c.TemporalTLSCert == "":
		return Config{}, fmt.Errorf("config: TEMPORAL_TLS_CERT_FILE: must be set with TEMPORAL_TLS_KEY_FILE (mTLS needs both)")
	}
	return c, nil
}

// dropDevSecrets keeps a development secret (a `dev:"Endpoint"` field left
// unset or empty) only when the endpoint it authenticates to is on
// loopback: the local S3 server and stripe-mock of `make run`. Anywhere
// else an unset S3 key pair means the AWS default credential chain
// (workload identity), and an unset Stripe secret is an error, so a
// deployment whose Secret holds an empty value never sends sk_test_123 or
// the dev S3 keys to a real service (issue 20).
func dropDevSecrets(v reflect.Value, defaulted []reflect.StructField) error {
	for _, f := range defaulted {
		endpoint := v.FieldByName(f.Tag.Get("dev")).String()
		if IsLoopbackURL(endpoint) {
			continue
		}
		v.FieldByName(f.Name).SetString("")
		if strings.HasPrefix(f.Name, "Stripe") {
			return fmt.Errorf("config: %s: required with CLAIMFLOW_STRIPE_API_BASE=%s (the development value is used only with a stripe-mock on loopback)",
				f.Tag.Get("env"), endpoint)
		}
	}
	c := v.Interface().(Config)
	if (c.S3AccessKey == "") != (c.S3SecretKey == "") {
		return fmt.Errorf("config: CLAIMFLOW_S3_ACCESS_KEY and CLAIMFLOW_S3_SECRET_KEY: set both, or neither for the AWS default credential chain")
	}
	return nil
}

// IsLoopbackURL reports whether a URL's host is localhost or a loopback
// address ("aws" and other non-URLs are not).
func IsLoopbackURL(endpoint string) bool {
	u, err := url.Parse(endpoint)
	if err != nil {
		return false
	}
	h := u.Hostname()
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

func set(f reflect.Value, raw string) error {
	switch f.Interface().(type) {
	case string:
		f.SetString(raw)
	case bool:
		b, err := strconv.ParseBool(raw)
		if err != nil {
			return fmt.Errorf("%q is not true or false", raw)
		}
		f.SetBool(b)
	case int:
		n, err := strconv.Atoi(raw)
		if err != nil {
			return fmt.Errorf("%q is not a whole number", raw)
		}
		f.SetInt(int64(n))
	case time.Duration:
		d, err := time.ParseDuration(raw)
		if err != nil {
			return fmt.Errorf("%q is not a duration such as 15s", raw)
		}
		f.SetInt(int64(d))
	}
	return nil
}

// Print writes every setting as NAME=value, masking secrets (and the
// password inside URLs).
func (c Config) Print(w io.Writer) {
	v := reflect.ValueOf(c)
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		val := fmt.Sprint(v.Field(i).Interface())
		if f.Tag.Get("secret") == "true" {
			val = mask(val)
		}
		fmt.Fprintf(w, "%s=%s\t# %s\n", f.Tag.Get("env"), val, f.Tag.Get("help"))
	}
}

// mask hides a secret: URLs keep their shape with the password replaced,
// other values show only their length class.
func mask(s string) string {
	if s == "" {
		return ""
	}
	if u, err := url.Parse(s); err == nil && u.Scheme != "" && u.Host != "" {
		if u.User != nil {
			if _, ok := u.User.Password(); ok {
				u.User = url.UserPassword(u.User.Username(), "xxxxx")
			}
		}
		return strings.Replace(u.String(), "xxxxx", "*****", 1)
	}
	return "*****"
}

// Fields lists the variables with their defaults and help, for the README.
func Fields() [][3]string {
	t := reflect.TypeOf(Config{})
	out := make([][3]string, 0, t.NumField())
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		out = append(out, [3]string{f.Tag.Get("env"), f.Tag.Get("default"), f.Tag.Get("help")})
	}
	return out
}

// Default is the documented default of the variable named env ("" when
// there is no such variable).
func Default(env string) string {
	for _, f := range Fields() {
		if f[0] == env {
			return f[1]
		}
	}
	return ""
}

// Markdown writes the configuration table for README.md.
func Markdown(w io.Writer) {
	fmt.Fprintln(w, "| variable | default | meaning |")
	fmt.Fprintln(w, "|---|---|---|")
	for _, f := range Fields() {
		d := f[1]
		if d == "" {
			d = "(empty)"
		}
		fmt.Fprintf(w, "| `%s` | `%s` | %s |\n", f[0], d, f[2])
	}
}
