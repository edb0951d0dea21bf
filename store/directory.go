package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/claimflow/claimflow/rcm"
	"github.com/claimflow/claimflow/store/internal/pgq"
)

// The payer directory (issue 19, queries in directory.sql): reference
// data every tenant reads (no tenant owns it, so no visibility function
// applies; the API asks payer:read), the payers staff make from its
// entries, and the claims held for enrollment until the provider's
// approval is recorded.

// MaxDirectoryResults bounds a directory search.
const MaxDirectoryResults = 100

// likePattern makes a case-insensitive "contains" LIKE pattern of q, its
// wildcards escaped (backslash is LIKE's default escape).
func likePattern(q string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(q) + "%"
}

// SearchPayerDirectory lists the directory's entries matching q, by name.
// The query is checked by the caller (the API names bad parameters).
func (s *Store) SearchPayerDirectory(ctx context.Context, q rcm.DirectoryQuery) ([]rcm.DirectoryEntry, error) {
	limit := q.Limit
	if limit <= 0 || limit > MaxDirectoryResults {
		limit = MaxDirectoryResults
	}
	p := pgq.SearchDirectoryParams{RowLimit: int32(limit), Clearinghouse: nullText(q.Clearinghouse)}
	if t := strings.TrimSpace(q.Q); t != "" {
		p.Pattern, p.Code = nullText(likePattern(t)), nullText(strings.ToUpper(t))
	}
	if q.Transaction != "" {
		p.Txs = rcm.DirectoryTransactions(q.Transaction)
	}
	db := pgq.New(s.Pool)
	rows, err := db.SearchDirectory(ctx, p)
	if err != nil {
		return nil, err
	}
	out := make([]rcm.DirectoryEntry, len(rows))
	ids := make([]string, len(rows))
	for i, r := range rows {
		out[i] = rcm.DirectoryEntry{ID: r.ID, Name: r.Name, Aliases: r.Aliases, Transactions: r.Transactions,
			EnrollmentRequired: r.EnrollmentRequired, Source: r.Source, PayerIDs: []rcm.DirectoryPayerID{}}
		ids[i] = r.ID
	}
	return out, directoryPayerIDs(ctx, db, out, ids)
}

// directoryPayerIDs fills each entry's payer IDs (entries in ids order).
func directoryPayerIDs(ctx context.Context, db *pgq.Queries, out []rcm.DirectoryEntry, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	pos := make(map[string]int, len(ids))
	for i, id := range ids {
		pos[id] = i
	}
	rows, err := db.DirectoryPayerIDs(ctx, ids)
	if err != nil {
		return err
	}
	for _, r := range rows {
		i := pos[r.EntryID]
		out[i].PayerIDs = append(out[i].PayerIDs, rcm.DirectoryPayerID{Clearinghouse: r.Clearinghouse, PayerID: r.PayerID})
	}
	return nil
}

// GetPayerDirectoryEntry reads one entry (ErrNotFound when there is none).
func (s *Store) GetPayerDirectoryEntry(ctx context.Context, id string) (rcm.DirectoryEntry, error) {
	return getDirectoryEntry(ctx, s.Pool, id)
}

func getDirectoryEntry(ctx context.Context, dbtx pgq.DBTX, id string) (rcm.DirectoryEntry, error) {
	db := pgq.New(dbtx)
	r, err := db.GetDirectoryEntry(ctx, id)
	if errors.Is(err, pgx.ErrNoRows) {
		return rcm.DirectoryEntry{}, ErrNotFound
	}
	if err != nil {
		return rcm.DirectoryEntry{}, err
	}
	out := []rcm.DirectoryEntry{{ID: r.ID, Name: r.Name, Aliases: r.Aliases, Transactions: r.Transactions,
		EnrollmentRequired: r.EnrollmentRequired, Source: r.Source, PayerIDs: []rcm.DirectoryPayerID{}}}
	return out[0], directoryPayerIDs(ctx, db, out, []string{r.ID})
}

// DirectoryImport counts what an import did.
type DirectoryImport struct {
	Added    int // entries that were not in the directory
	Replaced int // entries replaced by the file's
	Kept     int // entries already present that a seed left alone
}

// ImportPayerDirectory loads a directory file (checked with
// rcm.ParseDirectoryFile): each entry added, or replaced when its ID is
// present already (with replace false, present entries are kept: the seed
// `migrate up` runs never undoes an operator's import). One transaction:
// a file that fails part-way changes nothing. An operator's tool (the
// directory is shared by every tenant): no actor.
func (s *Store) ImportPayerDirectory(ctx context.Context, f rcm.DirectoryFile, replace bool) (DirectoryImport, error) {
	var res DirectoryImport
	err := s.tx(ctx, func(tx pgx.Tx) error {
		db := pgq.New(tx)
		for _, e := range f.Entries {
			aliases := e.Aliases
			if aliases == nil {
				aliases = []string{}
			}
			req := e.EnrollmentRequired
			if req == nil {
				req = []string{}
			}
			if !replace {
				n, err := db.InsertDirectoryEntryIfMissing(ctx, pgq.InsertDirectoryEntryIfMissingParams{ID: e.ID, Name: e.Name,
					Aliases: aliases, Transactions: e.Transactions, EnrollmentRequired: req, Source: e.Source})
				if err != nil {
					return fmt.Errorf("directory entry %s: %w", e.ID, err)
				}
				if n == 0 {
					res.Kept++
					continue
				}
				res.Added++
			} else {
				_, err := db.GetDirectoryEntry(ctx, e.ID)
				switch {
				case err == nil:
					res.Replaced++
				case errors.Is(err, pgx.ErrNoRows):
					res.Added++
				default:
					return err
				}
				if err := db.UpsertDirectoryEntry(ctx, pgq.UpsertDirectoryEntryParams{ID: e.ID, Name: e.Name, Aliases: aliases,
					Transactions: e.Transactions, EnrollmentRequired: req, Source: e.Source}); err != nil {
					return fmt.Errorf("directory entry %s: %w", e.ID, err)
				}
				if err := db.DeleteDirectoryPayerIDs(ctx, e.ID); err != nil {
					return err
				}
			}
			for _, p := range e.PayerIDs {
				if err := db.InsertDirectoryPayerID(ctx, pgq.InsertDirectoryPayerIDParams{EntryID: e.ID, Clearinghouse: p.Clearinghouse,
					PayerID: p.PayerID}); err != nil {
					return fmt.Errorf("directory entry %s payer ID at %s: %w", e.ID, p.Clearinghouse, err)
				}
			}
		}
		return nil
	})
	return res, err
}

// seedPayerDirectory adds the sample directory's missing entries (run by
// MigrateUp once the directory's table exists).
func (s *Store) seedPayerDirectory(ctx context.Context, file []byte) error {
	var exists bool
	if err := s.Pool.QueryRow(ctx, `SELECT to_regclass('payer_directory') IS NOT NULL`).Scan(&exists); err != nil || !exists {
		return err
	}
	f, err := rcm.ParseDirectoryFile(file)
	if err != nil {
		return fmt.Errorf("the sample payer directory: %w", err)
	}
	_, err = s.ImportPayerDirectory(ctx, f, false)
	return err
}

// CreatePayerFromDirectory makes a payer at an organisation from a
// directory entry (payer:write there): its payer ID is the entry's at the
// chosen clearinghouse, its name the entry's unless staff give one, and it
// requires enrollment when the entry does for claims, remittance or
// eligibility; the entry's transactions and enrollment requirements are
// kept with it. Audited as the payer's creation.
func (s *Store) CreatePayerFromDirectory(ctx context.Context, a Actor, entryID string, in rcm.DirectoryPayerNew) (rcm.DirectoryPayer, error) {
	var out rcm.DirectoryPayer
	err := s.tx(ctx, func(tx pgx.Tx) error {
		if !validID(in.OrgID) {
			return &ValidationError{Fields: []FieldProblem{{Pointer: "/org_id", Detail: "is required"}}}
		}
		if err := requireScope(ctx, tx, a, PermPayerWrite, in.OrgID); err != nil {
			return orgMissing()
		}
		e, err := getDirectoryEntry(ctx, tx, entryID)
		if err != nil {
			return err
		}
		code := e.PayerIDAt(in.Clearinghouse)
		if code == "" {
			var at []string
			for _, p := range e.PayerIDs {
				at = append(at, p.Clearinghouse)
			}
			return &ValidationError{Fields: []FieldProblem{{Pointer: "/clearinghouse",
				Detail: "the directory lists no payer ID for this payer at that clearinghouse; it lists one at " + strings.Join(at, ", ")}}}
		}
		p := Payer{OrgID: in.OrgID, PayerID: code, Name: e.Name, Clearinghouse: in.Clearinghouse, EnrollmentRequired: e.RequiresEnrollment()}
		if in.Name != "" {
			p.Name = in.Name
		}
		if err := p.Validate(); err != nil {
			return err
		}
		p.ID = newID()
		db := pgq.New(tx)
		r, err := db.InsertPayer(ctx, pgq.InsertPayerParams{ID: p.ID, OrgID: p.OrgID, PayerID: p.PayerID, Name: p.Name,
			Clearinghouse: p.Clearinghouse, ClearinghousePayer: p.ClearinghousePayer, EnrollmentRequired: p.EnrollmentRequired})
		if _, dup := isPgCode(err, "23505"); dup {
			return &ValidationError{Fields: []FieldProblem{{Pointer: "/payer_id", Detail: "is already registered at this organisation (payer ID " + code + ")"}}}
		}
		if err != nil {
			return err
		}
		p.CreatedAt, p.UpdatedAt = r.CreatedAt, r.UpdatedAt
		req := e.EnrollmentRequired
		if req == nil {
			req = []string{}
		}
		if err := db.InsertDirectoryLink(ctx, pgq.InsertDirectoryLinkParams{PayerID: p.ID, EntryID: e.ID, Transactions: e.Transactions,
			EnrollmentRequired: req}); err != nil {
			return err
		}
		if err := s.audit(ctx, tx, a, rcm.AuditEntry{OrgID: p.OrgID, Action: rcm.ActionCreate, Resource: "payer", ResourceID: p.ID,
			Fields: []string{"payer_id", "name", "clearinghouse", "enrollment_required", "directory_id"}}); err != nil {
			return err
		}
		out = rcm.DirectoryPayer{Payer: p, DirectoryID: e.ID, Transactions: e.Transactions, EnrollmentRequiredFor: req}
		return nil
	})
	return out, err
}

// PayerDirectoryLink reads what a payer inherited from the directory
// (ErrNotFound for a payer not made from an entry, or one the actor does
// not see).
func (s *Store) PayerDirectoryLink(ctx context.Context, a Actor, payerID string) (rcm.DirectoryPayer, error) {
	p, err := s.GetPayer(ctx, a, payerID)
	if err != nil {
		return rcm.DirectoryPayer{}, err
	}
	r, err := pgq.New(s.Pool).GetDirectoryLink(ctx, p.ID)
	if errors.Is(err, pgx.ErrNoRows) {
		return rcm.DirectoryPayer{}, ErrNotFound
	}
	if err != nil {
		return rcm.DirectoryPayer{}, err
	}
	return rcm.DirectoryPayer{Payer: p, DirectoryID: r.EntryID, Transactions: r.Transactions, EnrollmentRequiredFor: r.EnrollmentRequired}, nil
}

// RecordEnrollmentHold records that the scrub held the claim for its
// provider's claims enrollment (the reason and the claim's attempt). It
// reports false when the enrollment was approved for the date of service
// since the scrub read it: then nothing holds the claim.
func (s *Store) RecordEnrollmentHold(ctx context.Context, claimID, reason string) (bool, error) {
	if !validID(claimID) {
		return false, ErrNotFound
	}
	n, err := pgq.New(s.Pool).RecordEnrollmentHold(ctx, pgq.RecordEnrollmentHoldParams{ClaimID: claimID, Reason: reason})
	return n > 0, err
}

// CloseEnrollmentHold marks a claim's hold released once its scrub passes.
func (s *Store) CloseEnrollmentHold(ctx context.Context, claimID string) error {
	return pgq.New(s.Pool).CloseEnrollmentHold(ctx, claimID)
}

// EnrollmentHoldNote is the resubmission note of a claim released by its
// provider's enrollment approval.
const EnrollmentHoldNote = "payer enrollment for claims approved: released from the enrollment hold"

// releaseEnrollmentHolds releases the open holds of the provider's claims
// with the payer that an approval from effective (YYYY-MM-DD) covers, in
// the approval's transaction: each claim's resubmission is an outbox
// intent (the claim workflow's staff decision update, on behalf of the
// staff member who recorded the approval).
func releaseEnrollmentHolds(ctx context.Context, tx pgx.Tx, a Actor, providerID, payerID, effective string) ([]string, error) {
	eff, err := time.Parse(time.DateOnly, effective)
	if err != nil {
		return nil, err
	}
	return pgq.New(tx).ReleaseEnrollmentHolds(ctx, pgq.ReleaseEnrollmentHoldsParams{Actor: nullText(a.UserID), ProviderID: providerID,
		PayerID: payerID, Effective: eff, Note: EnrollmentHoldNote})
}

// EnrollmentHold is one claim held for enrollment.
type EnrollmentHold struct {
	ClaimID       string    `json:"claim_id"`
	ProviderID    string    `json:"provider_id"`
	PayerID       string    `json:"payer_id"`
	DateOfService string    `json:"date_of_service"`
	Reason        string    `json:"reason"`
	HeldAt        time.Time `json:"held_at"`
}

// OpenEnrollmentHolds lists the claims held for enrollment at an
// organisation and below it (payer:read there).
func (s *Store) OpenEnrollmentHolds(ctx context.Context, a Actor, orgID string) ([]EnrollmentHold, error) {
	if !validID(orgID) {
		return nil, ErrNotFound
	}
	out := []EnrollmentHold{}
	err := s.tx(ctx, func(tx pgx.Tx) error {
		if err := requireScope(ctx, tx, a, PermPayerRead, orgID); err != nil {
			return err
		}
		rows, err := pgq.New(tx).OpenEnrollmentHolds(ctx, pgq.OpenEnrollmentHoldsParams{OrgID: orgID, Actor: nullText(a.UserID), Perm: PermPayerRead})
		if err != nil {
			return err
		}
		for _, r := range rows {
			out = append(out, EnrollmentHold{ClaimID: r.ClaimID, ProviderID: r.ProviderID, PayerID: r.PayerID, DateOfService: r.DateOfService,
				Reason: r.Reason, HeldAt: r.HeldAt})
		}
		return nil
	})
	return out, err
}

// FlagRemittanceEnrollment checks a posted claim payment's provider's
// remittance (835) enrollment with the claim's payer on the payment date
// (YYYY-MM-DD; today when empty). The payment stays posted — the money
// arrived — but a provider not enrolled for ERAs is a work item for staff
// (kind not_enrolled_835, with the reason). It returns the reason, or ""
// when nothing is wrong. Repeating it adds nothing.
func (s *Store) FlagRemittanceEnrollment(ctx context.Context, remittanceID string, seq int, claimID, paymentDate string) (string, error) {
	db := pgq.New(s.Pool)
	c, err := db.ClaimEnrollmentParties(ctx, claimID)
	if err != nil {
		return "", err
	}
	if paymentDate == "" {
		paymentDate = time.Now().UTC().Format(time.DateOnly)
	}
	reason, err := s.enrollmentReason(ctx, s.Pool, c.ProviderID, c.PayerID, paymentDate)
	if err != nil || reason == "" {
		return "", err
	}
	return reason, db.EnqueueEnrollmentWork(ctx, pgq.EnqueueEnrollmentWorkParams{RemittanceID: remittanceID, Seq: int32(min(seq, 1<<30)), Detail: reason})
}
