package store

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/claimflow/claimflow/store/internal/pgq"
)

// RecordAccess writes one audit row for a PHI access that happens outside
// the records services (decoding workflow payloads, reading archived EDI).
func (s *Store) RecordAccess(ctx context.Context, a Actor, e AuditEntry) error {
	return s.tx(ctx, func(tx pgx.Tx) error { return s.audit(ctx, tx, a, e) })
}

// RecordArchiveRead audits that an operator decrypted an archived EDI file
// (claimflow archive get): one row per organisation whose records the file
// carries, or one without an organisation when none is known (a file not
// yet routed, or one that matched no claim). It returns those
// organisations.
func (s *Store) RecordArchiveRead(ctx context.Context, a Actor, hash string) ([]string, error) {
	var orgs []string
	err := s.tx(ctx, func(tx pgx.Tx) error {
		var err error
		if orgs, err = pgq.New(tx).ArchiveFileOrgs(ctx, hash); err != nil {
			return err
		}
		entries := make([]AuditEntry, 0, max(len(orgs), 1))
		for _, org := range orgs {
			entries = append(entries, AuditEntry{OrgID: org, Action: ActionRead, Resource: "archive_file", ResourceID: hash})
		}
		if len(orgs) == 0 {
			entries = append(entries, AuditEntry{Action: ActionRead, Resource: "archive_file", ResourceID: hash})
		}
		return s.audit(ctx, tx, a, entries...)
	})
	return orgs, err
}
