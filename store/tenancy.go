package store

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"

	"github.com/claimflow/claimflow/store/internal/pgq"
)

// ActionDeny is the audit action of a refused request: a record outside
// the caller's organisations (answered as if it did not exist) or a route
// the caller's roles do not allow.
const ActionDeny = "deny"

// AuditDenial records a refused request in the actor's own organisation,
// never in the organisation of the record asked for: the row must not tell
// the actor's organisation whether that record exists, and must not put
// another tenant's name on the attempt. resource names the route,
// resourceID the ID the request named (empty when it named none or not an
// ID). Made-up IDs are recorded the same way as other tenants' records.
func (s *Store) AuditDenial(ctx context.Context, a Actor, resource, resourceID string) error {
	if a.UserID == "" {
		return nil
	}
	if !validID(resourceID) {
		resourceID = ""
	}
	return s.tx(ctx, func(tx pgx.Tx) error {
		u, err := pgq.New(tx).GetUserOrg(ctx, a.UserID)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		return s.audit(ctx, tx, a, AuditEntry{OrgID: u.OrgID, Action: ActionDeny, Resource: resource, ResourceID: resourceID})
	})
}
