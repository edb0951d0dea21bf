package store

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/claimflow/claimflow/rcm"
	"github.com/claimflow/claimflow/store/internal/pgq"
)

// Statements as patients and billing staff see them (store/statements.sql).

// statementFields are what a statement view discloses, for the audit log.
var statementFields = []string{"practice_name", "dates_of_service", "amount_cents", "paid_cents"}

func statementView(ctx context.Context, db *pgq.Queries, id string) (rcm.StatementView, error) {
	r, err := db.StatementView(ctx, id)
	if errors.Is(err, pgx.ErrNoRows) {
		return rcm.StatementView{}, ErrNotFound
	}
	if err != nil {
		return rcm.StatementView{}, err
	}
	v := rcm.StatementView{ID: r.ID, OrgID: r.OrgID, PatientID: r.PatientID, PracticeName: r.PracticeName, AmountCents: r.AmountCents,
		PaidCents: r.PaidCents, Currency: r.Currency, Status: r.Status, PaymentIntentID: r.PaymentIntentID, CreatedAt: r.CreatedAt}
	for _, d := range r.ServiceDates {
		v.ServiceDates = append(v.ServiceDates, time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, time.UTC))
	}
	return v, nil
}

// StatementView reads a statement for a caller that is already authorised
// for it: the system (the statement notice) or a patient holding its
// payment link (the token is the authority; the actor carries the
// request's address and ID). Every read is audited.
func (s *Store) StatementView(ctx context.Context, a Actor, id string) (rcm.StatementView, error) {
	var v rcm.StatementView
	err := s.tx(ctx, func(tx pgx.Tx) error {
		var err error
		if v, err = statementView(ctx, pgq.New(tx), id); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, AuditEntry{OrgID: v.OrgID, PatientID: v.PatientID, Action: ActionRead,
			Resource: "statement", ResourceID: v.ID, Fields: statementFields})
	})
	return v, err
}

// StatementsAwaitingRelease lists the statements staff have not released,
// oldest first, in the organisations where the actor holds claim:read;
// each listed statement is audited.
func (s *Store) StatementsAwaitingRelease(ctx context.Context, a Actor) ([]rcm.StatementView, error) {
	var out []rcm.StatementView
	err := s.tx(ctx, func(tx pgx.Tx) error {
		db := pgq.New(tx)
		ids, err := db.StatementsAwaitingRelease(ctx, pgq.StatementsAwaitingReleaseParams{Actor: nullText(a.UserID), Perm: PermClaimRead})
		if err != nil {
			return err
		}
		entries := make([]AuditEntry, 0, len(ids))
		for _, id := range ids {
			v, err := statementView(ctx, db, id)
			if err != nil {
				return err
			}
			out = append(out, v)
			entries = append(entries, AuditEntry{OrgID: v.OrgID, PatientID: v.PatientID, Action: ActionList,
				Resource: "statement", ResourceID: v.ID, Fields: statementFields})
		}
		return s.audit(ctx, tx, a, entries...)
	})
	return out, err
}

// AuthorizeStatementRelease checks that the actor holds claim:write where
// the statement's patient is (ErrNotFound otherwise, so another
// organisation's statement does not exist) and audits the release.
func (s *Store) AuthorizeStatementRelease(ctx context.Context, a Actor, id string) (rcm.StatementView, error) {
	var v rcm.StatementView
	err := s.tx(ctx, func(tx pgx.Tx) error {
		var err error
		if v, err = statementView(ctx, pgq.New(tx), id); err != nil {
			return err
		}
		if err := requireScope(ctx, tx, a, PermClaimWrite, v.OrgID); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, AuditEntry{OrgID: v.OrgID, PatientID: v.PatientID, Action: ActionUpdate,
			Resource: "statement", ResourceID: v.ID, Fields: []string{"released"}})
	})
	return v, err
}
