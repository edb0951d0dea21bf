package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"

	"github.com/claimflow/claimflow/activities"
	"github.com/claimflow/claimflow/api"
	"github.com/claimflow/claimflow/config"
	"github.com/claimflow/claimflow/identity"
	"github.com/claimflow/claimflow/internal/temporalmetrics"
	"github.com/claimflow/claimflow/keyring"
	"github.com/claimflow/claimflow/logging"
	"github.com/claimflow/claimflow/payloadcodec"
	"github.com/claimflow/claimflow/store"
	"github.com/claimflow/claimflow/workflows"
)

// Main wires claimflow's parts together: configuration, logger, Postgres,
// the Temporal client, the HTTP API and the worker. End-to-end tests reuse
// it. Open connects, Run serves until the context ends, Close releases.
type Main struct {
	Config config.Config
	Log    *slog.Logger
	// getenv reads secrets the configuration names (e.g. a partner's
	// real-time password variable).
	getenv func(string) string

	// What Run starts.
	Serve bool
	Work  bool

	Store    *store.Store
	Keyring  *keyring.Keyring
	Temporal client.Client
	API      *api.Server
	Worker   worker.Worker
	// Identity is the OpenID Connect provider (the Temporal UI's sign-in).
	Identity *identity.Provider
	// Registry holds the process's metrics: Go runtime, process, the
	// Temporal SDK's (every client Open dials records into it) and the HTTP
	// servers'. The API's /metrics serves it, and so does the worker's own
	// listener.
	Registry *prometheus.Registry

	// mayCreateKeys lets openStoreOnly create a local key file that does
	// not exist yet: only the setup and server paths (migrate, serve, work,
	// dev) set it. An operator command run from the wrong directory must not
	// make a fresh key that can decrypt nothing already stored.
	mayCreateKeys bool

	httpServer *http.Server
	listener   net.Listener
	// The same API over TLS (CLAIMFLOW_HTTPS_ADDR), for the codec endpoint.
	httpsServer *http.Server
	tlsListener net.Listener
	// The worker's own /healthz, /readyz and /metrics (worker_http.go).
	workerHTTP     *http.Server
	workerListener net.Listener
	workerRunning  atomic.Bool
	sdkMetrics     *temporalmetrics.Metrics
	// clearinghouses are the configured partner IDs; closers release their
	// connections.
	clearinghouses   []string
	closers          []func() error
	eligibilityWired bool
	activities       *activities.Activities
	reminderOptions  workflows.ReminderOptions
}

// NewMain reads the configuration from the environment.
func NewMain(getenv func(string) string, logOut io.Writer) (*Main, error) {
	cfg, err := config.Load(getenv)
	if err != nil {
		return nil, err
	}
	if getenv == nil {
		getenv = os.Getenv
	}
	return &Main{Config: cfg, Log: logging.New(logOut, cfg.LogLevel), getenv: getenv}, nil
}

// Open connects to Postgres and Temporal and builds the enabled parts.
func (m *Main) Open(ctx context.Context) error {
	var err error
	m.mayCreateKeys = true
	if err := m.openStoreOnly(ctx); err != nil {
		return err
	}
	m.Registry = prometheus.NewRegistry()
	m.Registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.sdkMetrics = temporalmetrics.New(m.Registry, temporalmetrics.Options{Log: m.Log.With("component", "temporal-metrics")})
	m.closers = append(m.closers, m.sdkMetrics.Close)
	copts, err := m.temporalOptions()
	if err != nil {
		return fmt.Errorf("temporal: %w", err)
	}
	if m.Work {
		// The worker cannot do anything without the server: fail fast.
		if m.Temporal, err = client.DialContext(ctx, copts); err != nil {
			return fmt.Errorf("temporal: dial %s: %w", m.Config.TemporalAddress, err)
		}
	} else {
		// The API starts without Temporal and reports it in /readyz.
		if m.Temporal, err = client.NewLazyClient(copts); err != nil {
			return fmt.Errorf("temporal: %w", err)
		}
	}
	if m.Work {
		host, _ := os.Hostname()
		acts := &activities.Activities{Store: m.Store, WorkerID: host + ":" + strconv.Itoa(os.Getpid())}
		if err := m.wireRevenueCycle(ctx, acts); err != nil {
			return err
		}
		m.activities = acts
		eng, err := m.engagement()
		if err != nil {
			return err
		}
		m.Worker = worker.New(m.Temporal, m.Config.TaskQueue, workflows.WorkerOptions(m.Config.WorkerPollers))
		workflows.Register(m.Worker, acts)
		workflows.RegisterEngagementActivities(m.Worker, eng)
		if err := m.registerImports(); err != nil {
			return err
		}
		// In dev the API serves the same endpoints, SDK metrics included.
		if !m.Serve && m.Config.WorkerHTTPAddr != "" {
			if err := m.openWorkerHTTP(); err != nil {
				return err
			}
		}
	}
	if m.Serve {
		trusted, err := api.ParseTrustedProxies(m.Config.TrustedProxies)
		if err != nil {
			return fmt.Errorf("config: CLAIMFLOW_TRUSTED_PROXIES: %w", err)
		}
		chs, err := m.clearinghouseIDs()
		if err != nil {
			return err
		}
		m.API = api.New(api.Options{
			Logger:         m.Log.With("component", "api"),
			Version:        version,
			Records:        m.Store,
			Registry:       m.Registry,
			Checks:         m.readinessChecks(),
			TrustedProxies: trusted,
			Clearinghouses: chs,
		})
		// The Temporal UI decodes workflow payloads through this endpoint;
		// every decode is authorised and audited.
		m.mountWebhooks()
		m.mountPayPage()
		m.mountAppointmentPage()
		m.API.Router().Mount("/codec", http.StripPrefix("/codec", m.codecHandler()))
		// The billing dashboard: its API endpoints and the embedded app.
		m.mountDashboard()
		m.mountImports()
		if m.listener, err = net.Listen("tcp", m.Config.HTTPAddr); err != nil {
			return fmt.Errorf("http: listen %s: %w", m.Config.HTTPAddr, err)
		}
		m.httpServer = newHTTPServer(m.Config, m.API, m.Log)
		if err := m.openIdentity(); err != nil {
			return err
		}
		if err := m.openTLS(); err != nil {
			return err
		}
	}
	return nil
}

// temporalOptions are the client options every claimflow process dials
// with: address, namespace and connection security from the configuration
// (temporalClientOptions: TLS, mTLS, API key); the payload codec, which seals
// every workflow input, result, signal and memo with the keyring, so no PHI
// sits in plaintext in workflow history; and, once Open made it, the
// Prometheus handler for the SDK's metrics.
func (m *Main) temporalOptions() (client.Options, error) {
	opts, err := temporalClientOptions(m.Config)
	if err != nil {
		return client.Options{}, err
	}
	opts.Logger = tlog.NewStructuredLogger(m.Log.With("component", "temporal"))
	opts.DataConverter = payloadcodec.DataConverter(m.Keyring, m.Store)
	if m.sdkMetrics != nil {
		opts.MetricsHandler = m.sdkMetrics.Handler()
	}
	return opts, nil
}

// readinessChecks are what /readyz asks: Postgres and Temporal answer.
func (m *Main) readinessChecks() []api.Check {
	return []api.Check{
		{Name: "postgres", Fn: m.Store.Ping},
		{Name: "temporal", Fn: func(ctx context.Context) error {
			_, err := m.Temporal.CheckHealth(ctx, &client.CheckHealthRequest{})
			return err
		}},
	}
}

// codecOrigins are the browser origins of the Temporal UI.
func (m *Main) codecOrigins() []string {
	o := strings.TrimRight(m.Config.TemporalUIURL, "/")
	out := []string{o}
	if strings.Contains(o, "127.0.0.1") {
		out = append(out, strings.Replace(o, "127.0.0.1", "localhost", 1))
	}
	return out
}

// Addr is the address the API listens on (useful with port 0).
func (m *Main) Addr() string {
	if m.listener == nil {
		return ""
	}
	return m.listener.Addr().String()
}

// Run serves until ctx ends, then shuts down gracefully within the
// configured timeout.
func (m *Main) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errs := make(chan error, 2)
	var wg sync.WaitGroup
	serve := func(what, prefix string, srv *http.Server, ln net.Listener) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			m.Log.Info(what+" listening", "addr", ln.Addr().String())
			if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				errs <- fmt.Errorf("%s: %w", prefix, err)
			}
		}()
	}
	// The worker's own endpoints come first: /healthz answers while the
	// worker starts, /readyz once it polls.
	if m.workerHTTP != nil {
		serve("worker http", "worker http", m.workerHTTP, m.workerListener)
	}
	var runErr error
	if m.Worker != nil {
		if err := m.Worker.Start(); err != nil {
			runErr = fmt.Errorf("worker: start: %w", err)
		} else {
			m.workerRunning.Store(true)
			m.Log.Info("worker started", "task_queue", m.Config.TaskQueue, "temporal", m.Config.TemporalAddress)
			if runErr = workflows.EnsureSchedules(ctx, m.Temporal, m.schedules()); runErr == nil {
				wg.Add(1)
				go func() {
					defer wg.Done()
					m.dispatchOutbox(ctx)
				}()
			}
		}
	}
	if runErr == nil && m.httpServer != nil {
		serve("http api", "http", m.httpServer, m.listener)
	}
	if runErr == nil && m.httpsServer != nil {
		serve("https api", "https", m.httpsServer, m.tlsListener)
	}
	if runErr == nil {
		select {
		case <-ctx.Done():
		case runErr = <-errs:
		}
	}
	cancel() // stops the outbox dispatcher
	m.Log.Info("shutting down")
	sctx, scancel := context.WithTimeout(context.Background(), m.Config.ShutdownTimeout)
	defer scancel()
	stop := func(name string, srv *http.Server, ln net.Listener) {
		if srv == nil {
			return
		}
		if err := srv.Shutdown(sctx); err != nil {
			m.Log.Warn(name+" shutdown", "err", err.Error())
		}
		_ = ln.Close() // in case it never served
	}
	stop("http", m.httpServer, m.listener)
	stop("https", m.httpsServer, m.tlsListener)
	if m.workerRunning.Swap(false) {
		m.Worker.Stop()
	}
	// Last, so the worker's probes and metrics last while it drains.
	stop("worker http", m.workerHTTP, m.workerListener)
	wg.Wait()
	return runErr
}

// Close releases connections.
func (m *Main) Close() error {
	for _, ln := range []net.Listener{m.listener, m.tlsListener, m.workerListener} {
		if ln != nil {
			_ = ln.Close() // Open listened but Run never served
		}
	}
	for _, c := range m.closers {
		_ = c()
	}
	if m.Temporal != nil {
		m.Temporal.Close()
	}
	if m.Store != nil {
		m.Store.Close()
	}
	return nil
}

// openStoreOnly connects to Postgres alone (for migrate and operator tools),
// with the keyring that seals PHI and keys the audit chain.
func (m *Main) openStoreOnly(ctx context.Context) error {
	var err error
	if m.Keyring == nil {
		if !m.mayCreateKeys {
			if err := keyFileExists(m.Config); err != nil {
				return err
			}
		}
		if m.Keyring, err = keyring.FromConfig(ctx, keyringSettings(m.Config)); err != nil {
			return err
		}
	}
	if m.Store, err = store.Open(ctx, m.Config.DatabaseURL); err != nil {
		return err
	}
	m.Store.UseKeys(store.KeysFrom[*keyring.DataKey](m.Keyring))
	c := m.Config
	m.Store.UsePolicy(authPolicy(c))
	m.Store.UseBookingBatches(store.BookingBatches{Runners: c.BookingRunners, Max: c.BookingBatchMax})
	return nil
}

// keyFileExists refuses to go on when the local key-encryption key file is
// missing (with KMS there is no local file). Opening the keyring would
// create a fresh key, and nothing already sealed (archived files, PHI,
// payload keys) can be decrypted with it: the operator gets told where the
// key was looked for instead.
func keyFileExists(cfg config.Config) error {
	if cfg.KMSEndpoint != "" {
		return nil
	}
	if _, err := os.Stat(cfg.KeyFile); errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("no key file at %s: run this command where claimflow keeps its data (the directory `make run` was started in), "+
			"or set CLAIMFLOW_DATA_DIR or CLAIMFLOW_KEY_FILE; a new key would decrypt nothing already stored, so none is created", cfg.KeyFile)
	} else if err != nil {
		return fmt.Errorf("key file %s: %w", cfg.KeyFile, err)
	}
	return nil
}
