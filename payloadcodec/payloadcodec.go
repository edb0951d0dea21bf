// Package payloadcodec keeps PHI out of Temporal's workflow history: every
// payload a client or worker sends is sealed with keyring.SealBlob before it
// leaves the process, and opened again when it comes back. Handler serves the
// same codec to the Temporal Web UI, so an authorised engineer can read
// payloads there.
//
// Only payloads are encrypted. Workflow IDs, search attributes, memo keys,
// activity and signal names, and failure messages reach the server as they
// are: never put PHI in them.
package payloadcodec

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
	"google.golang.org/protobuf/proto"

	"github.com/claimflow/claimflow/keyring"
)

const (
	// EncodingEncrypted is the metadata "encoding" of a sealed payload.
	EncodingEncrypted = "binary/encrypted"
	// MetadataKeyID names the KEK version that wraps the payload's data key,
	// for operators (rotation reports); decoding does not need it.
	MetadataKeyID = "encryption-key-id"

	// codecTimeout bounds one Encode or Decode (a KMS call at most).
	codecTimeout = 30 * time.Second
	// maxBody bounds a codec server request.
	maxBody = 32 << 20
)

// aad binds sealed payloads to their use: a blob sealed for another purpose
// (an archived file, a database field) does not open as a payload.
var aad = []byte("claimflow/temporal-payload/v1")

type codec struct{ k *keyring.Keyring }

// New returns a PayloadCodec that seals every payload, metadata and data,
// into a new payload with encoding EncodingEncrypted and the KEK version in
// MetadataKeyID. Decode opens sealed payloads and leaves any other payload
// untouched (history written before the codec was enabled stays readable).
func New(k *keyring.Keyring) converter.PayloadCodec {
	if k == nil {
		panic("payloadcodec: nil keyring")
	}
	return codec{k: k}
}

// DataConverter is Temporal's default data converter with New(k) applied:
// set it on every client and worker of a namespace.
func DataConverter(k *keyring.Keyring) converter.DataConverter {
	return converter.NewCodecDataConverter(converter.GetDefaultDataConverter(), New(k))
}

// Encode seals payloads.
func (c codec) Encode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	ctx, cancel := context.WithTimeout(context.Background(), codecTimeout)
	defer cancel()
	out := make([]*commonpb.Payload, len(payloads))
	for i, p := range payloads {
		plain, err := proto.Marshal(p)
		if err != nil {
			return payloads, errors.New("payloadcodec: cannot marshal a payload")
		}
		blob, err := c.k.SealBlob(ctx, plain, aad)
		clear(plain)
		if err != nil {
			return payloads, fmt.Errorf("payloadcodec: seal: %w", err)
		}
		id, err := keyring.BlobKeyID(blob)
		if err != nil {
			return payloads, fmt.Errorf("payloadcodec: %w", err)
		}
		out[i] = &commonpb.Payload{
			Metadata: map[string][]byte{
				converter.MetadataEncoding: []byte(EncodingEncrypted),
				MetadataKeyID:              []byte(id),
			},
			Data: blob,
		}
	}
	return out, nil
}

// Decode opens sealed payloads and passes others through.
func (c codec) Decode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	ctx, cancel := context.WithTimeout(context.Background(), codecTimeout)
	defer cancel()
	out := make([]*commonpb.Payload, len(payloads))
	for i, p := range payloads {
		if string(p.GetMetadata()[converter.MetadataEncoding]) != EncodingEncrypted {
			out[i] = p
			continue
		}
		plain, err := c.k.OpenBlob(ctx, p.GetData(), aad)
		if err != nil {
			return payloads, fmt.Errorf("payloadcodec: open: %w", err)
		}
		var dp commonpb.Payload
		if err := proto.Unmarshal(plain, &dp); err != nil {
			return payloads, errors.New("payloadcodec: an opened payload is not a payload")
		}
		out[i] = &dp
	}
	return out, nil
}

// Handler is the codec server for the Temporal Web UI: POST <prefix>/decode
// and <prefix>/encode with a JSON {"payloads": [...]} body, as
// converter.NewPayloadCodecHTTPHandler serves them.
//
// Every POST must pass authorize (nil authorizes nothing); a refusal is
// answered with application/problem+json: an *AuthError's status and detail
// (what is missing, for the engineer), else 401. Browsers may call it from
// allowedOrigins only (exact origins, such as "http://127.0.0.1:8233"): for
// those it answers CORS preflights (POST; headers Content-Type, X-Namespace
// and Authorization; credentials allowed) and labels responses; a request
// carrying any other Origin is refused 403. Requests without an Origin
// (command-line tools) are not subject to CORS.
func Handler(k *keyring.Keyring, authorize func(*http.Request) error, allowedOrigins []string) http.Handler {
	inner := converter.NewPayloadCodecHTTPHandler(New(k))
	allowed := make(map[string]bool, len(allowedOrigins))
	for _, o := range allowedOrigins {
		allowed[strings.TrimSuffix(o, "/")] = true
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Add("Vary", "Origin")
		origin := r.Header.Get("Origin")
		if origin != "" {
			if !allowed[origin] {
				writeProblem(w, r, http.StatusForbidden, "forbidden-origin", "Forbidden", "this origin may not use the codec server")
				return
			}
			h.Set("Access-Control-Allow-Origin", origin)
			h.Set("Access-Control-Allow-Credentials", "true")
		}
		if r.Method == http.MethodOptions {
			if origin == "" {
				writeProblem(w, r, http.StatusBadRequest, "bad-request", "Bad request", "a preflight request needs an Origin")
				return
			}
			h.Set("Access-Control-Allow-Methods", "POST, OPTIONS")
			h.Set("Access-Control-Allow-Headers", "Content-Type, X-Namespace, Authorization, Authorization-Extras")
			h.Set("Access-Control-Max-Age", "600")
			w.WriteHeader(http.StatusNoContent)
			return
		}
		if r.Method != http.MethodPost {
			h.Set("Allow", "POST, OPTIONS")
			writeProblem(w, r, http.StatusMethodNotAllowed, "method-not-allowed", "Method not allowed", "use POST")
			return
		}
		if !strings.HasSuffix(r.URL.Path, "/decode") && !strings.HasSuffix(r.URL.Path, "/encode") {
			writeProblem(w, r, http.StatusNotFound, "not-found", "Not found", "the codec server answers /decode and /encode")
			return
		}
		if authorize == nil {
			h.Set("WWW-Authenticate", `Bearer realm="claimflow codec"`)
			writeProblem(w, r, http.StatusUnauthorized, "unauthorized", "Unauthorized", "not authorised to use the codec server")
			return
		}
		if err := authorize(r); err != nil {
			writeAuthError(w, r, err)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxBody)
		inner.ServeHTTP(w, r)
	})
}

// AuthError is a refusal authorize returns: Status 401 (no or a bad
// credential) or 403 (a missing permission), and a Detail that says what is
// missing and how to get it.
type AuthError struct {
	Status int
	Detail string
}

func (e *AuthError) Error() string { return e.Detail }

func writeAuthError(w http.ResponseWriter, r *http.Request, err error) {
	var ae *AuthError
	if !errors.As(err, &ae) {
		ae = &AuthError{Status: http.StatusUnauthorized, Detail: "not authorised to use the codec server"}
	}
	if ae.Status == http.StatusForbidden {
		w.Header().Set("WWW-Authenticate", `Bearer realm="claimflow codec", error="insufficient_scope"`)
		writeProblem(w, r, http.StatusForbidden, "forbidden", "Forbidden", ae.Detail)
		return
	}
	w.Header().Set("WWW-Authenticate", `Bearer realm="claimflow codec", error="invalid_token"`)
	writeProblem(w, r, http.StatusUnauthorized, "unauthorized", "Unauthorized", ae.Detail)
}

// writeProblem answers with an RFC 9457 problem document, as the API does.
func writeProblem(w http.ResponseWriter, r *http.Request, status int, code, title, detail string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"type":     "https://claimflow.dev/problems/" + code,
		"title":    title,
		"status":   status,
		"detail":   detail,
		"instance": r.URL.Path,
	})
}
