package store

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/claimflow/claimflow/rcm"
	"github.com/claimflow/claimflow/store/internal/pgq"
)

// Inbound deviations (issue 17, store/deviations.sql, migration 00156):
// what the router's tolerant check found in a received file, recorded once
// per position and code, shown on the claim and the remittance.

// RecordInboundDeviations records the findings of one file in one
// transaction. A finding recorded before (a retried routing activity)
// is left as it is; it returns how many were new. A claim or eligibility
// check that does not exist links nothing (the finding is still recorded).
// An acknowledgment's finding is linked to each of its AckClaims.
func (s *Store) RecordInboundDeviations(ctx context.Context, ds []rcm.InboundDeviation) (int, error) {
	if len(ds) == 0 {
		return 0, nil
	}
	n := 0
	err := s.tx(ctx, func(tx pgx.Tx) error {
		db := pgq.New(tx)
		n = 0
		for _, d := range ds {
			claim := nullText(d.ClaimID)
			if claim != nil && !validID(*claim) {
				claim = nil
			}
			k, err := db.RecordInboundDeviation(ctx, pgq.RecordInboundDeviationParams{Partner: d.Partner, FileKey: d.FileKey,
				SetIndex: int32(d.SetIndex), TransactionSet: d.TransactionSet, St02: d.ST02, SegIndex: int32(d.Segment),
				SegPos: int32(d.Position), SegID: d.SegmentID, LoopID: d.Loop, Elem: int32(d.Element), Comp: int32(d.Component),
				Rep: int32(d.Repetition), SnipLevel: int32(d.SNIPLevel), AckKind: d.Kind, Code: d.Code, Severity: d.Severity,
				Description: d.Description, ClpSeq: int32(d.ClaimSeq), ClaimID: claim, EligibilityTrace: nullText(d.EligibilityTrace)})
			if err != nil {
				return fmt.Errorf("record deviation at segment %d: %w", d.Segment, err)
			}
			n += int(k)
			for _, c := range d.AckClaims {
				if !validID(c) {
					continue
				}
				if _, err := db.LinkInboundDeviationClaim(ctx, pgq.LinkInboundDeviationClaimParams{Partner: d.Partner, FileKey: d.FileKey,
					SegIndex: int32(d.Segment), Elem: int32(d.Element), Comp: int32(d.Component), Rep: int32(d.Repetition),
					AckKind: d.Kind, Code: d.Code, ClaimID: c}); err != nil {
					return fmt.Errorf("link deviation at segment %d to a claim: %w", d.Segment, err)
				}
			}
		}
		return nil
	})
	return n, err
}

// eligibilityDeviations lists the deviations of the 271s answering the
// check with this trace that the actor sees with appointment:read (the
// caller has checked the appointment's scope and audits the read).
func eligibilityDeviations(ctx context.Context, tx pgx.Tx, a Actor, trace string) ([]rcm.Deviation, error) {
	rows, err := pgq.New(tx).EligibilityDeviations(ctx, pgq.EligibilityDeviationsParams{Trace: trace, Actor: nullText(a.UserID),
		Perm: PermAppointmentRead})
	if err != nil {
		return nil, err
	}
	out := make([]rcm.Deviation, len(rows))
	for i, r := range rows {
		out[i] = deviation(pgq.RemittanceDeviationsRow(r))
	}
	return out, nil
}

// ClaimDeviations lists the deviations of the files received about a
// claim the actor sees with claim:read (ErrNotFound otherwise), as an
// audited read.
func (s *Store) ClaimDeviations(ctx context.Context, a Actor, claimID string) ([]rcm.Deviation, error) {
	if !validID(claimID) {
		return nil, ErrNotFound
	}
	var out []rcm.Deviation
	err := s.tx(ctx, func(tx pgx.Tx) error {
		c, err := getClaim(ctx, tx, claimID)
		if err != nil {
			return err
		}
		if err := requireScope(ctx, tx, a, PermClaimRead, c.OrgID); err != nil {
			return err
		}
		rows, err := pgq.New(tx).ClaimDeviations(ctx, pgq.ClaimDeviationsParams{ClaimID: claimID, Actor: nullText(a.UserID), Perm: PermClaimRead})
		if err != nil {
			return err
		}
		out = make([]rcm.Deviation, len(rows))
		for i, r := range rows {
			out[i] = deviation(pgq.RemittanceDeviationsRow(r))
		}
		if len(out) == 0 {
			return nil
		}
		return s.audit(ctx, tx, a, AuditEntry{OrgID: c.OrgID, Action: ActionRead, Resource: "claim_deviations", ResourceID: claimID,
			Fields: []string{"deviations"}})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// eraDeviations fills the ERA's deviations (its transaction set's that
// the actor sees; with claimID, that claim's and those outside any claim)
// and audits their read when there are any.
func (s *Store) eraDeviations(ctx context.Context, tx pgx.Tx, a Actor, e *rcm.ERA, claimID string) error {
	db := pgq.New(tx)
	rows, err := db.RemittanceDeviations(ctx, pgq.RemittanceDeviationsParams{RemittanceID: e.ID, ClaimID: nullText(claimID),
		Actor: nullText(a.UserID), Perm: PermClaimRead})
	if err != nil {
		return err
	}
	e.Deviations = make([]rcm.Deviation, len(rows))
	for i, r := range rows {
		e.Deviations[i] = deviation(r)
	}
	if len(rows) == 0 {
		return nil
	}
	return s.audit(ctx, tx, a, AuditEntry{Action: ActionRead, Resource: "era_deviations", ResourceID: e.ID, Fields: []string{"deviations"}})
}

func deviation(r pgq.RemittanceDeviationsRow) rcm.Deviation {
	return rcm.Deviation{TransactionSet: r.TransactionSet, ST02: r.St02, SetIndex: int(r.SetIndex), Segment: int(r.SegIndex),
		Position: int(r.SegPos), SegmentID: r.SegID, Loop: r.LoopID, Element: int(r.Elem), Component: int(r.Comp),
		Repetition: int(r.Rep), SNIPLevel: int(r.SnipLevel), Kind: r.AckKind, Code: r.AckKind + " " + r.Code, Severity: r.Severity,
		Description: r.Description, ClaimSeq: int(r.ClpSeq), ClaimID: r.ClaimID, RecordedAt: r.RecordedAt,
		Where: rcm.DeviationWhere(r.SegID, int(r.Elem), int(r.Comp), int(r.Rep), int(r.SegPos), r.St02, r.LoopID, int(r.SegIndex))}
}
