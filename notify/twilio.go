package notify

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"
)

// TwilioAPIBase is Twilio's REST API root.
const TwilioAPIBase = "https://api.twilio.com"

// Twilio sends SMS through Twilio's Messages resource:
// POST {BaseURL}/2010-04-01/Accounts/{AccountSID}/Messages.json with HTTP
// basic auth (account SID, auth token) and a form body (To, From, Body).
type Twilio struct {
	BaseURL    string // default TwilioAPIBase
	AccountSID string
	AuthToken  string
	From       string // E.164 sender number or messaging service SID (MG...)
	// StatusCallback, when set, asks Twilio to post delivery status there.
	StatusCallback string
	HTTPClient     *http.Client
}

type twilioMessage struct {
	SID     string `json:"sid"`
	Status  string `json:"status"`
	Code    int    `json:"code"`
	Message string `json:"message"`
}

// twilioUnsubscribed is Twilio's error code for a recipient who replied STOP.
const twilioUnsubscribed = 21610

// SendSMS sends m and returns the message SID. 4xx answers (other than 429)
// are permanent; 5xx, 429 and network errors are transient.
func (t *Twilio) SendSMS(ctx context.Context, m SMS) (string, error) {
	base := t.BaseURL
	if base == "" {
		base = TwilioAPIBase
	}
	form := url.Values{}
	form.Set("To", m.To)
	if strings.HasPrefix(t.From, "MG") {
		form.Set("MessagingServiceSid", t.From)
	} else {
		form.Set("From", t.From)
	}
	form.Set("Body", m.Body)
	if t.StatusCallback != "" {
		form.Set("StatusCallback", t.StatusCallback)
	}
	endpoint := strings.TrimRight(base, "/") + "/2010-04-01/Accounts/" + url.PathEscape(t.AccountSID) + "/Messages.json"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return "", fmt.Errorf("%w: twilio request: %v", ErrPermanent, err)
	}
	req.SetBasicAuth(t.AccountSID, t.AuthToken)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	hc := t.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	resp, err := hc.Do(req)
	if err != nil {
		return "", fmt.Errorf("notify: twilio: %w", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	var msg twilioMessage
	_ = json.Unmarshal(body, &msg)
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		if msg.SID == "" {
			return "", fmt.Errorf("notify: twilio: answer without a message sid")
		}
		return msg.SID, nil
	case msg.Code == twilioUnsubscribed:
		return "", ErrOptedOut
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		return "", fmt.Errorf("notify: twilio: status %d (code %d)", resp.StatusCode, msg.Code)
	default:
		// Twilio's message text may echo the number; report codes only.
		return "", fmt.Errorf("%w: twilio: status %d (code %d)", ErrPermanent, resp.StatusCode, msg.Code)
	}
}

// TwilioSignature computes the X-Twilio-Signature of a request Twilio made
// to fullURL (exactly as configured in Twilio, query included) with form
// parameters params: base64(HMAC-SHA1(authToken, URL + each parameter name
// and value, sorted by name)).
func TwilioSignature(authToken, fullURL string, params url.Values) string {
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	mac := hmac.New(sha1.New, []byte(authToken))
	_, _ = io.WriteString(mac, fullURL) // a hash.Hash's Write never fails
	for _, k := range keys {
		vals := append([]string(nil), params[k]...)
		sort.Strings(vals)
		for _, v := range vals {
			_, _ = io.WriteString(mac, k)
			_, _ = io.WriteString(mac, v)
		}
	}
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// ValidTwilioSignature reports whether signature is Twilio's signature of
// the request, compared in constant time.
func ValidTwilioSignature(authToken, fullURL string, params url.Values, signature string) bool {
	if authToken == "" || signature == "" {
		return false
	}
	want := TwilioSignature(authToken, fullURL, params)
	return hmac.Equal([]byte(want), []byte(signature))
}
