package clearinghouse

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/google/uuid"

	"github.com/claimflow/claimflow/rcm"
)

// RealTimeClient sends CORE real-time requests (270/271, 276/277). It makes
// one attempt per call: retries belong to the caller (a Temporal activity's
// retry policy), which repeats the request with the same PayloadID
// (DoWithID), so the server answers a repeat with the response it already
// gave.
type RealTimeClient struct {
	URL                string // the partner's CORE endpoint
	Partner            string // partner ID, for the archive
	SenderID           string
	ReceiverID         string
	Username, Password string // HTTP basic auth
	HTTP               *http.Client
	// Timeout bounds one try; default 20s (CORE expects an answer within
	// 20 seconds).
	Timeout time.Duration
	// Archive, when set, stores the request before it is sent and the
	// response before it is returned.
	Archive Archiver
}

// COREError is a response whose ErrorCode is not Success.
type COREError struct {
	Code, Message string
	Status        int
}

func (e *COREError) Error() string {
	return fmt.Sprintf("core: %s (HTTP %d): %s", e.Code, e.Status, e.Message)
}

// Permanent reports whether repeating the request cannot help: the server
// refused the request itself (HTTP 4xx), not its own state (5xx).
func (e *COREError) Permanent() bool { return e.Status < 500 }

// Do sends payload as payloadType (e.g. PayloadType270) once and returns
// the response envelope. Network faults, timeouts, server errors and
// malformed responses are returned for the caller to retry with the same
// PayloadID (DoWithID); CORE errors are returned as *COREError, permanent
// (IsPermanent) when they are about the request.
func (c *RealTimeClient) Do(ctx context.Context, payloadType string, payload []byte) (*COREEnvelope, error) {
	return c.DoWithID(ctx, uuid.NewString(), payloadType, payload)
}

// DoWithID is Do with the caller's PayloadID, for a caller that must repeat
// a request across process restarts (keep the ID with the request).
func (c *RealTimeClient) DoWithID(ctx context.Context, payloadID, payloadType string, payload []byte) (*COREEnvelope, error) {
	if c.Archive != nil {
		if _, _, err := c.Archive.Put(ctx, payload, rcm.EDIMeta{Direction: rcm.Outbound, Partner: c.Partner}); err != nil {
			return nil, err
		}
	}
	req := &COREEnvelope{
		PayloadType: payloadType, ProcessingMode: RealTime, PayloadID: payloadID,
		TimeStamp: time.Now().UTC().Format(time.RFC3339), SenderID: c.SenderID, ReceiverID: c.ReceiverID,
		CORERuleVersion: CORERuleVersion, Payload: payload,
	}
	body, ct, err := req.Encode()
	if err != nil {
		return nil, err
	}
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = 20 * time.Second
	}
	resp, err := c.try(ctx, hc, timeout, body, ct)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("core: %s: %w", payloadID, err)
	}
	if resp.PayloadID != payloadID {
		return nil, fmt.Errorf("core: %s: response PayloadID does not match the request", payloadID)
	}
	if c.Archive != nil && len(resp.Payload) > 0 {
		if _, _, err := c.Archive.Put(ctx, resp.Payload, rcm.EDIMeta{Direction: rcm.Inbound, Partner: c.Partner}); err != nil {
			return nil, err
		}
	}
	return resp, nil
}

func (c *RealTimeClient) try(ctx context.Context, hc *http.Client, timeout time.Duration, body []byte, ct string) (*COREEnvelope, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, c.URL, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	hr.Header.Set("Content-Type", ct)
	if c.Username != "" {
		hr.SetBasicAuth(c.Username, c.Password)
	}
	res, err := hc.Do(hr)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	env, err := DecodeCOREEnvelope(res.Header.Get("Content-Type"), res.Body)
	if err != nil {
		return nil, fmt.Errorf("core: malformed response (HTTP %d): %w", res.StatusCode, err)
	}
	if env.ErrorCode == "" {
		return nil, fmt.Errorf("core: malformed response (HTTP %d): no ErrorCode", res.StatusCode)
	}
	if env.ErrorCode != CORESuccess {
		return nil, &COREError{Code: env.ErrorCode, Message: env.ErrorMessage, Status: res.StatusCode}
	}
	if res.StatusCode != http.StatusOK {
		return nil, &COREError{Code: env.ErrorCode, Message: "unexpected HTTP status", Status: res.StatusCode}
	}
	return env, nil
}
