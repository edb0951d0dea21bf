// Package chaos drives claimflow while infrastructure fails and checks that
// nothing was lost or done twice (issue 20, "Faults under load"): it loads
// claims and bookings through the HTTP API of a running deployment (the
// rehearsal cluster of `make chaos`), then checks, in SQL against the
// deployment's database, that every claim reached a final status, each 835
// claim payment was posted exactly once, every exchanged file was archived
// exactly once, and every acknowledged booking is a row (none lost, none
// doubled). scripts/chaos.sh injects the faults; cmd/claimflow-chaos is the
// command it runs.
package chaos

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync/atomic"
	"time"
)

// Client calls the API servers of one deployment with one bearer token.
// A call that fails in transport, with a 5xx or 429, or with a 409 saying
// its key is in progress, is retried on the next server with the same
// Idempotency-Key, so a server killed in the middle of a request neither
// loses nor doubles it (the API answers a replayed key with the first
// answer, and takes over the key of a request whose process died after a
// minute).
type Client struct {
	APIs  []string
	Token string
	HTTP  *http.Client
	// Retry is how long a call keeps retrying (default 2 minutes).
	Retry time.Duration

	next     atomic.Uint64
	failures atomic.Int64 // attempts that failed in transport or with a retryable status
}

// StatusError is an API answer that is not retried (a 4xx).
type StatusError struct {
	Method, Path string
	Status       int
	Body         string
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("%s %s: %d %s", e.Method, e.Path, e.Status, e.Body)
}

// Failures reports how many attempts failed and were retried.
func (c *Client) Failures() int64 { return c.failures.Load() }

// Post sends body as JSON under the Idempotency-Key key and decodes the
// answer into out (when not nil). It returns the status of the answer that
// ended the call.
func (c *Client) Post(ctx context.Context, path, key string, body, out any) (int, error) {
	b, err := json.Marshal(body)
	if err != nil {
		return 0, err
	}
	retry := c.Retry
	if retry == 0 {
		retry = 2 * time.Minute
	}
	deadline := time.Now().Add(retry)
	wait := 50 * time.Millisecond
	for {
		base := c.APIs[int(c.next.Add(1))%len(c.APIs)]
		status, raw, err := c.once(ctx, base+path, key, b)
		switch {
		case err == nil && status < 300:
			if out != nil {
				if err := json.Unmarshal(raw, out); err != nil {
					return status, fmt.Errorf("POST %s: %w", path, err)
				}
			}
			return status, nil
		case err == nil && status != http.StatusTooManyRequests && status < 500 && !inProgress(status, raw):
			return status, &StatusError{Method: "POST", Path: path, Status: status, Body: string(raw)}
		}
		c.failures.Add(1)
		if err == nil {
			err = &StatusError{Method: "POST", Path: path, Status: status, Body: string(raw)}
		}
		if ctx.Err() != nil || time.Now().After(deadline) {
			return status, fmt.Errorf("gave up after %v: %w", retry, err)
		}
		select {
		case <-ctx.Done():
			return status, ctx.Err()
		case <-time.After(wait):
		}
		wait = min(2*wait, 2*time.Second)
	}
}

// inProgress: the API's answer while another request with the same key
// runs, or ran in a process that died (the key is taken over after a
// minute): worth asking again.
func inProgress(status int, body []byte) bool {
	return status == http.StatusConflict && bytes.Contains(body, []byte("idempotency-in-progress"))
}

func (c *Client) once(ctx context.Context, url, key string, body []byte) (int, []byte, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "POST", url, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+c.Token)
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, nil, errors.Join(errors.New("reading the answer"), err)
	}
	return resp.StatusCode, raw, nil
}
