package store

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// PermWorkflowDecode lets an engineer read decrypted workflow payloads in
// the Temporal UI (through the codec endpoint).
const PermWorkflowDecode = "workflow:decode"

// RecordAccess writes one audit row for a PHI access that happens outside
// the records services (decoding workflow payloads, reading archived EDI).
func (s *Store) RecordAccess(ctx context.Context, a Actor, e AuditEntry) error {
	return s.tx(ctx, func(tx pgx.Tx) error { return s.audit(ctx, tx, a, e) })
}
