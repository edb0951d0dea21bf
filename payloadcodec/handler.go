package payloadcodec

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"

	commonpb "go.temporal.io/api/common/v1"
	"google.golang.org/protobuf/encoding/protojson"
)

// maxBody bounds a codec server request.
const maxBody = 32 << 20

var (
	// ErrRefused is what Caller.DecodeKey wraps for a key the caller may not
	// use (another organisation's, or the system key without the platform
	// grant).
	ErrRefused = errors.New("payloadcodec: not allowed to decode")
	// ErrUnknownKey is what Caller.DecodeKey wraps for a key id no key has.
	ErrUnknownKey = errors.New("payloadcodec: unknown key")
	// ErrForbidden is what Authenticate wraps for a caller who is who they
	// say but may decode nothing at all (answered 403, not 401).
	ErrForbidden = errors.New("payloadcodec: forbidden")
	// ErrUnauthorized is what Authenticate wraps for a missing or bad
	// credential when it can say what is wrong (answered 401 with its
	// message: which token, why refused, how to get a good one).
	ErrUnauthorized = errors.New("payloadcodec: unauthorized")
)

// Caller is an authenticated user of the codec server, as Authenticate
// returns it. Every key the server opens for the caller comes through
// DecodeKey, which consults the caller's grants: there is no other way to
// a key in the server.
type Caller interface {
	// DecodeKey returns the wrapped data key named id and the organisation
	// owning it ("" for the system key) when the caller may decode with it;
	// otherwise an error wrapping ErrRefused (with the owner when known) or
	// ErrUnknownKey.
	DecodeKey(ctx context.Context, id string) (wrapped []byte, orgID string, err error)
	// MayDecodeLegacy reports whether the caller may open payloads sealed
	// before per-tenant keys (they name no tenant).
	MayDecodeLegacy(ctx context.Context) (bool, error)
	// Audit records that the caller decoded (or, refused, was refused)
	// payloads of organisation orgID ("" for system and legacy payloads)
	// sealed under keyIDs, in namespace.
	Audit(ctx context.Context, orgID, namespace string, keyIDs []string, refused bool) error
}

// HandlerOptions configure Handler; D is the keyring's data key type
// (HandlerOptions[*keyring.DataKey]).
type HandlerOptions[D DataKey] struct {
	Keyring Keyring[D]
	Keys    Keys
	// Authenticate identifies the caller of every POST; nil refuses all. An
	// error wrapping ErrForbidden is answered 403 with its message, one
	// wrapping ErrUnauthorized 401 with its message, any other 401.
	Authenticate func(*http.Request) (Caller, error)
	// Origins are the browser origins that may call (exact, such as
	// "http://127.0.0.1:8233").
	Origins []string
}

// Handler is the codec server for the Temporal Web UI: POST <prefix>/decode
// and <prefix>/encode with a JSON {"payloads": [...]} body, answered as
// converter.NewPayloadCodecHTTPHandler answers.
//
// /decode opens each payload whose key the caller may use and returns the
// others unchanged (still encoded, so the UI shows them encoded) with the
// reason in MetadataRefused and their count in the X-Claimflow-Decode-Refused
// header. Every decode and refusal is audited under the organisation the
// payload belongs to, before the answer is sent. /encode seals under the
// system key (the server does not know the workflow).
//
// Browsers may call it from Origins only: for those it answers CORS
// preflights (POST; headers Content-Type, X-Namespace, Authorization and
// Authorization-Extras, where the UI puts the ID token; credentials
// allowed) and labels responses; a request carrying any other Origin is
// refused 403. Requests without an Origin (command-line tools) are not
// subject to CORS.
func Handler[D DataKey](o HandlerOptions[D]) http.Handler {
	if o.Keyring == nil || o.Keys == nil {
		panic("payloadcodec: Handler needs a keyring and a key store")
	}
	codec := New(o.Keyring, o.Keys)
	allowed := make(map[string]bool, len(o.Origins))
	for _, x := range o.Origins {
		allowed[strings.TrimSuffix(x, "/")] = true
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
			h.Set("Access-Control-Expose-Headers", "X-Claimflow-Decode-Refused")
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
		decode := strings.HasSuffix(r.URL.Path, "/decode")
		if !decode && !strings.HasSuffix(r.URL.Path, "/encode") {
			writeProblem(w, r, http.StatusNotFound, "not-found", "Not found", "the codec server answers /decode and /encode")
			return
		}
		var caller Caller
		err := errors.New("no authenticator")
		if o.Authenticate != nil {
			caller, err = o.Authenticate(r)
		}
		if errors.Is(err, ErrForbidden) {
			writeProblem(w, r, http.StatusForbidden, "forbidden", "Forbidden", strings.TrimPrefix(err.Error(), ErrForbidden.Error()+": "))
			return
		}
		if err != nil || caller == nil {
			detail := "not authorised to use the codec server"
			if errors.Is(err, ErrUnauthorized) {
				detail = strings.TrimPrefix(err.Error(), ErrUnauthorized.Error()+": ")
			}
			h.Set("WWW-Authenticate", `Bearer realm="claimflow codec", error="invalid_token"`)
			writeProblem(w, r, http.StatusUnauthorized, "unauthorized", "Unauthorized", detail)
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
		var in commonpb.Payloads
		if err == nil {
			err = protojson.Unmarshal(body, &in)
		}
		if err != nil {
			writeProblem(w, r, http.StatusBadRequest, "bad-request", "Bad request", `the body must be {"payloads": [...]} within 32 MiB`)
			return
		}
		var out []*commonpb.Payload
		refused := -1
		if decode {
			out, refused, err = codec.decodeFor(r.Context(), caller, r.Header.Get("X-Namespace"), in.Payloads)
		} else {
			out, err = codec.EncodeFor(r.Context(), "", in.Payloads)
		}
		switch {
		case errors.Is(err, errAudit):
			writeProblem(w, r, http.StatusInternalServerError, "internal", "Internal error", "the decode could not be audited, so nothing was decoded")
			return
		case isDecrypt(err) || errors.Is(err, errNotPayload):
			writeProblem(w, r, http.StatusBadRequest, "bad-request", "Bad request", "a payload you may read does not open: it was altered or is not a payload")
			return
		case err != nil:
			writeProblem(w, r, http.StatusInternalServerError, "internal", "Internal error", "the codec server could not reach its keys; try again")
			return
		}
		if refused >= 0 {
			h.Set("X-Claimflow-Decode-Refused", strconv.Itoa(refused))
		}
		h.Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(&commonpb.Payloads{Payloads: out})
	})
}

var errAudit = errors.New("payloadcodec: audit failed")

// Reasons a payload is returned still encoded.
const (
	reasonOtherOrg = "sealed with the key of an organisation where you do not hold workflow:decode"
	reasonSystem   = "sealed with the system key (a workflow no organisation owns): the workflow:decode-system platform grant is needed"
	reasonLegacy   = "sealed before per-organisation keys: the workflow:decode-system platform grant is needed"
	reasonUnknown  = "sealed with a key this server does not have"
)

// decodeFor opens what caller may read, leaves the rest encoded with a
// reason, and audits both per organisation. A payload the caller may open
// that does not open (tampered) fails the request.
func (c Codec) decodeFor(ctx context.Context, caller Caller, namespace string, payloads []*commonpb.Payload) ([]*commonpb.Payload, int, error) {
	type keyResult struct {
		dk     DataKey
		org    string
		reason string
	}
	keys := map[string]keyResult{}
	type tally struct{ ok, refused []string }
	byOrg := map[string]*tally{}
	note := func(org, id string, refused bool) {
		t := byOrg[org]
		if t == nil {
			t = &tally{}
			byOrg[org] = t
		}
		if refused {
			if !slices.Contains(t.refused, id) {
				t.refused = append(t.refused, id)
			}
		} else if !slices.Contains(t.ok, id) {
			t.ok = append(t.ok, id)
		}
	}
	legacy := -1 // unknown yet
	out := make([]*commonpb.Payload, len(payloads))
	refused := 0
	for i, p := range payloads {
		if !Sealed(p) {
			out[i] = p
			continue
		}
		id := KeyIDOf(p)
		reason := ""
		var dp *commonpb.Payload
		var err error
		if IsLegacy(p) {
			if legacy < 0 {
				ok, err := caller.MayDecodeLegacy(ctx)
				if err != nil {
					return nil, 0, err
				}
				legacy = 0
				if ok {
					legacy = 1
				}
			}
			if legacy == 1 {
				dp, err = c.s.openV1(ctx, p)
				note("", "v1", false)
			} else {
				reason = reasonLegacy
				note("", "v1", true)
			}
		} else {
			kr, seen := keys[id]
			if !seen {
				wrapped, org, lerr := caller.DecodeKey(ctx, id)
				kr.org = org
				switch {
				case lerr == nil:
					if kr.dk, err = c.s.k.DataKey(ctx, wrapped); err != nil {
						return nil, 0, err
					}
				case errors.Is(lerr, ErrRefused) && org == "":
					kr.reason = reasonSystem
				case errors.Is(lerr, ErrRefused):
					kr.reason = reasonOtherOrg
				case errors.Is(lerr, ErrUnknownKey):
					kr.reason = reasonUnknown
				default:
					return nil, 0, lerr
				}
				keys[id] = kr
			}
			if kr.dk != nil {
				dp, err = openV2(kr.dk, id, p)
			}
			reason = kr.reason
			note(kr.org, id, reason != "")
		}
		if err != nil {
			return nil, 0, err
		}
		if reason != "" {
			refused++
			md := make(map[string][]byte, len(p.GetMetadata())+1)
			for k, v := range p.GetMetadata() {
				md[k] = v
			}
			md[MetadataRefused] = []byte(reason)
			out[i] = &commonpb.Payload{Metadata: md, Data: p.GetData()}
			continue
		}
		out[i] = dp
	}
	orgs := make([]string, 0, len(byOrg))
	for org := range byOrg {
		orgs = append(orgs, org)
	}
	slices.Sort(orgs)
	for _, org := range orgs {
		t := byOrg[org]
		if len(t.ok) > 0 {
			if err := caller.Audit(ctx, org, namespace, t.ok, false); err != nil {
				return nil, 0, errAudit
			}
		}
		if len(t.refused) > 0 {
			if err := caller.Audit(ctx, org, namespace, t.refused, true); err != nil {
				return nil, 0, errAudit
			}
		}
	}
	return out, refused, nil
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
