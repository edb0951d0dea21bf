package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"

	"github.com/claimflow/claimflow/keyring"
	"github.com/claimflow/claimflow/logging"
	"github.com/claimflow/claimflow/payloadcodec"
	"github.com/claimflow/claimflow/store"
)

// codecHandler is the Temporal UI's codec server: every decode is scoped
// to the caller's organisations by the keys it can fetch, and audited under
// the organisation each payload belongs to.
func (m *Main) codecHandler() http.Handler {
	return payloadcodec.Handler(payloadcodec.HandlerOptions[*keyring.DataKey]{
		Keyring: m.Keyring, Keys: m.Store, Authenticate: m.authenticateDecoder, Origins: m.codecOrigins(),
	})
}

// authenticateDecoder admits a claimflow access token (the Temporal UI's
// sign-in through claimflow, or `claimflow token`; authenticateCodec), a
// session or an API token, of a user who may decode something:
// workflow:decode at some organisation, or the workflow:decode-system
// platform grant.
func (m *Main) authenticateDecoder(r *http.Request) (payloadcodec.Caller, error) {
	userID, perms, err := m.authenticateCodec(r)
	if err != nil {
		return nil, err
	}
	return m.codecCaller(r, userID, perms)
}

// codecCaller is the codec caller of an authenticated user (whatever the
// credential: API token, session, or an OpenID Connect access token).
func (m *Main) codecCaller(r *http.Request, userID string, perms map[string]bool) (payloadcodec.Caller, error) {
	host, _, _ := net.SplitHostPort(r.RemoteAddr)
	a := store.Actor{UserID: userID, SourceIP: host, RequestID: logging.RequestID(r.Context())}
	if !perms[store.PermWorkflowDecode] {
		sys, err := m.Store.MayDecodeSystem(r.Context(), a)
		if err != nil {
			return nil, err
		}
		if !sys {
			return nil, fmt.Errorf("%w: the %s permission is needed to decode workflow payloads (an admin grants the engineer role at your organisation)",
				payloadcodec.ErrForbidden, store.PermWorkflowDecode)
		}
	}
	return codecCaller{s: m.Store, a: a}, nil
}

// codecCaller opens keys through the store's scoped lookup only.
type codecCaller struct {
	s *store.Store
	a store.Actor
}

func (c codecCaller) DecodeKey(ctx context.Context, id string) ([]byte, string, error) {
	w, org, err := c.s.DecodablePayloadKey(ctx, c.a, id)
	switch {
	case errors.Is(err, store.ErrDecodeRefused):
		return nil, org, payloadcodec.ErrRefused
	case errors.Is(err, store.ErrNotFound):
		return nil, "", payloadcodec.ErrUnknownKey
	}
	return w, org, err
}

func (c codecCaller) MayDecodeLegacy(ctx context.Context) (bool, error) {
	return c.s.MayDecodeSystem(ctx, c.a)
}

func (c codecCaller) Audit(ctx context.Context, orgID, namespace string, keyIDs []string, refused bool) error {
	return c.s.RecordDecode(ctx, c.a, orgID, namespace, keyIDs, refused)
}
