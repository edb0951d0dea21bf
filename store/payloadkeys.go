package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/claimflow/claimflow/store/internal/pgq"
)

// PermWorkflowDecodeSystem lets a platform engineer decode the payloads of
// workflows no organisation owns (schedules, batches and polls across
// tenants) and payloads sealed before keys were per organisation. It is a
// platform grant (platform_grants), never a role at an organisation: only
// the operator CLI grants it.
const PermWorkflowDecodeSystem = "workflow:decode-system"

// ErrDecodeRefused is returned by DecodablePayloadKey for a key the actor
// may not use: it belongs to an organisation where the actor does not hold
// workflow:decode, or it is a system key and the actor holds no
// workflow:decode-system platform grant.
var ErrDecodeRefused = errors.New("not allowed to decode this organisation's payloads")

// PayloadKey returns the wrapped data key named id, with the organisation
// that owns it ("" for a system key), or ErrNotFound. It is the worker's
// lookup (the worker runs every tenant's workflows); the codec server uses
// DecodablePayloadKey.
func (s *Store) PayloadKey(ctx context.Context, id string) (wrapped []byte, orgID string, err error) {
	k, err := pgq.New(s.Pool).GetPayloadKey(ctx, id)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, "", ErrNotFound
	}
	if err != nil {
		return nil, "", fmt.Errorf("store: payload key: %w", err)
	}
	return k.Wrapped, k.OrgID, nil
}

// EnsurePayloadKey stores wrapped as the data key id of orgID ("" for the
// system) unless a key of that id exists, and returns the stored key: when
// two processes make the same month's key at once, both use the first.
func (s *Store) EnsurePayloadKey(ctx context.Context, id, orgID string, wrapped []byte) ([]byte, error) {
	if err := pgq.New(s.Pool).InsertPayloadKey(ctx, pgq.InsertPayloadKeyParams{ID: id, OrgID: nullText(orgID), Wrapped: wrapped}); err != nil {
		return nil, fmt.Errorf("store: insert payload key: %w", err)
	}
	stored, owner, err := s.PayloadKey(ctx, id)
	if err != nil {
		return nil, err
	}
	if owner != orgID {
		return nil, errors.New("store: payload key belongs to another organisation")
	}
	return stored, nil
}

// WorkflowTenant returns the organisation that owns the workflow with this
// ID (a claim's, an appointment's, ...), or "" when none does.
func (s *Store) WorkflowTenant(ctx context.Context, workflowID string) (string, error) {
	org, err := pgq.New(s.Pool).WorkflowOrg(ctx, workflowID)
	if err != nil {
		return "", fmt.Errorf("store: workflow organisation: %w", err)
	}
	return org, nil
}

// DecodablePayloadKey returns the wrapped data key named id only when the
// actor may decode with it: workflow:decode at the key's organisation (or
// an ancestor), or for a system key the workflow:decode-system platform
// grant. It answers ErrNotFound for an unknown key and ErrDecodeRefused
// otherwise, with the owning organisation either way once it is known.
// This is the codec server's only way to a key, so another tenant's
// payload cannot be opened with this tenant's grant.
func (s *Store) DecodablePayloadKey(ctx context.Context, a Actor, id string) (wrapped []byte, orgID string, err error) {
	err = s.tx(ctx, func(tx pgx.Tx) error {
		k, err := pgq.New(tx).GetPayloadKey(ctx, id)
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		orgID = k.OrgID
		var ok bool
		if orgID == "" {
			ok, err = s.hasPlatformGrant(ctx, tx, a, PermWorkflowDecodeSystem)
		} else {
			ok, err = inScope(ctx, tx, a, PermWorkflowDecode, orgID)
		}
		if err != nil {
			return err
		}
		if !ok {
			return ErrDecodeRefused
		}
		wrapped = k.Wrapped
		return nil
	})
	return wrapped, orgID, err
}

// MayDecodeSystem reports whether the actor holds the
// workflow:decode-system platform grant (payloads from before per-tenant
// keys carry no organisation and need it too).
func (s *Store) MayDecodeSystem(ctx context.Context, a Actor) (bool, error) {
	var ok bool
	err := s.tx(ctx, func(tx pgx.Tx) error {
		var err error
		ok, err = s.hasPlatformGrant(ctx, tx, a, PermWorkflowDecodeSystem)
		return err
	})
	return ok, err
}

func (s *Store) hasPlatformGrant(ctx context.Context, tx pgx.Tx, a Actor, perm string) (bool, error) {
	if a.UserID == "" {
		return a == System, nil
	}
	return pgq.New(tx).HasPlatformGrant(ctx, pgq.HasPlatformGrantParams{UserID: a.UserID, Permission: perm})
}

// GrantPlatformByLogin is GrantPlatform for the user with this login.
func (s *Store) GrantPlatformByLogin(ctx context.Context, a Actor, login, perm string) (string, error) {
	id, err := pgq.New(s.Pool).UserIDByLogin(ctx, login)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", ErrNotFound
	}
	if err != nil {
		return "", err
	}
	return id, s.GrantPlatform(ctx, a, id, perm)
}

// GrantPlatform gives a user a platform permission (workflow:decode-system).
// Only the System actor (the operator CLI) may; it is audited.
func (s *Store) GrantPlatform(ctx context.Context, a Actor, userID, perm string) error {
	if a != System {
		return ErrNotFound
	}
	if perm != PermWorkflowDecodeSystem {
		return &ValidationError{Fields: []FieldProblem{{Pointer: "/permission", Detail: "is not a platform permission"}}}
	}
	if !validID(userID) {
		return &ValidationError{Fields: []FieldProblem{{Pointer: "/user_id", Detail: "is not a user ID"}}}
	}
	return s.tx(ctx, func(tx pgx.Tx) error {
		if err := pgq.New(tx).InsertPlatformGrant(ctx, pgq.InsertPlatformGrantParams{UserID: userID, Permission: perm}); err != nil {
			return refError(err, map[string]string{"user_id": "/user_id"})
		}
		return s.audit(ctx, tx, a, AuditEntry{Action: "grant", Resource: "platform_grant", ResourceID: userID, Fields: []string{perm}})
	})
}

// RecordDecode audits one codec request's payloads of one organisation
// (orgID "" for system and legacy payloads): action "decode" for payloads
// opened, "decode_refused" for payloads left encoded, so each tenant sees
// who read (or tried to read) its workflow history.
func (s *Store) RecordDecode(ctx context.Context, a Actor, orgID, namespace string, keyIDs []string, refused bool) error {
	action := "decode"
	if refused {
		action = "decode_refused"
	}
	return s.RecordAccess(ctx, a, AuditEntry{OrgID: orgID, Action: action, Resource: "workflow_payloads", ResourceID: namespace, Fields: keyIDs})
}
