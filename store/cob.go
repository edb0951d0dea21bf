package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/claimflow/claimflow/rcm"
	"github.com/claimflow/claimflow/store/internal/pgq"
)

// AdvanceClaimPayer records the part of the claim that a payer's posted
// 835 claim payment settles (the claim's current part) and, when the
// patient has a later coverage in force on the date of service, moves the
// claim to it: the claim's coverage and payer become the next payer's, its
// cob_seq the next part, so the next batch run bills that payer (or, for
// a crossover, the claim waits for that payer's 835). A payment recorded
// before (a retried activity) answers what it answered then.
func (s *Store) AdvanceClaimPayer(ctx context.Context, in rcm.COBAdvance) (rcm.COBNext, error) {
	var next rcm.COBNext
	if !validID(in.ClaimID) {
		return next, ErrNotFound
	}
	err := s.tx(ctx, func(tx pgx.Tx) error {
		db := pgq.New(tx)
		c, err := db.COBClaimForUpdate(ctx, in.ClaimID)
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		claimID := in.ClaimID
		pay, err := db.COBPaymentOf(ctx, pgq.COBPaymentOfParams{ClaimID: &claimID, TraceNumber: in.TraceNumber, FileKey: in.FileKey})
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("store: no posted payment of the claim in 835 trace %s", in.TraceNumber)
		}
		if err != nil {
			return err
		}
		done, err := db.COBPartOfPayment(ctx, pgq.COBPartOfPaymentParams{ClaimID: in.ClaimID, RemittanceID: pay.RemittanceID, PaymentSeq: pay.Seq})
		switch {
		case err == nil:
			// Recorded before (a retried activity): answer as then.
			if done >= c.CobSeq {
				return nil
			}
			p, err := db.COBPart(ctx, pgq.COBPartParams{ClaimID: in.ClaimID, Seq: done + 1})
			next = rcm.COBNext{Next: true, Seq: int(done) + 1, PayerID: p.PayerCode, PayerName: p.Name, Crossover: p.Crossover}
			return err
		case !errors.Is(err, pgx.ErrNoRows):
			return err
		}
		if err := db.COBPutPart(ctx, pgq.COBPutPartParams{ClaimID: in.ClaimID, Seq: c.CobSeq, OrgID: c.OrgID, CoverageID: c.CoverageID,
			PayerID: c.PayerID, RemittanceID: &pay.RemittanceID, PaymentSeq: &pay.Seq}); err != nil {
			return err
		}
		if c.CobSeq >= rcm.COBTertiary {
			return nil
		}
		nc, err := db.COBNextCoverage(ctx, pgq.COBNextCoverageParams{PatientID: c.PatientID, AfterPriority: c.Priority, DateOfService: c.DateOfService})
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		next = rcm.COBNext{Next: true, Seq: int(c.CobSeq) + 1, PayerID: nc.PayerCode, PayerName: nc.Name, Crossover: in.Crossover}
		if err := db.COBMoveClaim(ctx, pgq.COBMoveClaimParams{ClaimID: in.ClaimID, CobSeq: int32(next.Seq), CoverageID: nc.CoverageID, PayerID: nc.PayerUuid}); err != nil {
			return err
		}
		return db.COBPutPart(ctx, pgq.COBPutPartParams{ClaimID: in.ClaimID, Seq: int32(next.Seq), OrgID: c.OrgID, CoverageID: nc.CoverageID,
			PayerID: nc.PayerUuid, Crossover: in.Crossover})
	})
	if err != nil {
		next = rcm.COBNext{}
	}
	return next, err
}

type cobPart struct {
	rcm.PayerPart
	coverageID    string
	remittanceID  string
	paymentSeq    int32
	payerClaimNum string
}

func cobParts(ctx context.Context, tx pgx.Tx, claimID string) ([]cobPart, error) {
	rows, err := pgq.New(tx).COBParts(ctx, claimID)
	if err != nil {
		return nil, err
	}
	out := make([]cobPart, 0, len(rows))
	for _, r := range rows {
		out = append(out, cobPart{PayerPart: rcm.PayerPart{Seq: int(r.Seq), Responsibility: rcm.COBPartName(int(r.Seq)), PayerID: r.PayerCode,
			PayerName: r.PayerName, Crossover: r.Crossover, Adjudicated: r.RemittanceID != "", StatusCode: r.StatusCode,
			BilledCents: r.ChargeCents, PaidCents: r.PaidCents, AdjustmentCents: r.AdjustmentCents, PatientRespCents: r.PatientRespCents,
			PaymentDate: r.PaymentDate}, coverageID: r.CoverageID, remittanceID: r.RemittanceID, paymentSeq: r.PaymentSeq,
			payerClaimNum: r.PayerClaimNumber})
	}
	return out, nil
}

// ClaimPayerParts lists the claim's payer parts in order (primary,
// secondary, tertiary) with what each payer's posted 835 says: billed,
// paid, adjustments and the patient's responsibility after it. A claim
// billed to one payer only (or before COB) has none. Outside the actor's
// organisations the claim does not exist (ErrNotFound).
func (s *Store) ClaimPayerParts(ctx context.Context, a Actor, claimID string) ([]rcm.PayerPart, error) {
	if !validID(claimID) {
		return nil, ErrNotFound
	}
	out := []rcm.PayerPart{}
	err := s.tx(ctx, func(tx pgx.Tx) error {
		c, err := pgq.New(tx).COBClaimScope(ctx, claimID)
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		if err := requireScope(ctx, tx, a, PermClaimRead, c.OrgID); err != nil {
			return err
		}
		parts, err := cobParts(ctx, tx, claimID)
		if err != nil {
			return err
		}
		for _, p := range parts {
			out = append(out, p.PayerPart)
		}
		return nil
	})
	return out, err
}

// PriorPayers reads, for the claim's current payer's 837, every earlier
// payer's part: its coverage (the other subscriber, unsealed), the payer
// and its posted claim payment with adjustments and lines. One audited
// PHI read.
func (s *Store) PriorPayers(ctx context.Context, a Actor, claimID string) ([]rcm.PriorPayer, error) {
	if !validID(claimID) {
		return nil, ErrNotFound
	}
	var out []rcm.PriorPayer
	err := s.tx(ctx, func(tx pgx.Tx) error {
		c, err := pgq.New(tx).COBClaimScope(ctx, claimID)
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		if err := requireScope(ctx, tx, a, PermClaimRead, c.OrgID); err != nil {
			return err
		}
		parts, err := cobParts(ctx, tx, claimID)
		if err != nil {
			return err
		}
		for _, p := range parts {
			if p.Seq >= int(c.CobSeq) {
				break
			}
			if p.remittanceID == "" {
				return fmt.Errorf("store: COB part %d of the claim has no posted payment", p.Seq)
			}
			cov, err := s.getCoverage(ctx, tx, p.coverageID)
			if err != nil {
				return err
			}
			pp := rcm.PriorPayer{Seq: p.Seq, Relationship: cov.Relationship, GroupNumber: cov.GroupNumber, MemberID: cov.MemberID,
				SubscriberLast: cov.SubscriberLastName, SubscriberFirst: cov.SubscriberFirstName, PayerName: p.PayerName, PayerID: p.PayerID,
				PayerClaimNumber: p.payerClaimNum, PaymentDate: p.PaymentDate, ChargeCents: p.BilledCents, PaidCents: p.PaidCents,
				PatientRespCents: p.PatientRespCents}
			if pp.Adjustments, err = cobAdjustments(ctx, tx, p.remittanceID, p.paymentSeq); err != nil {
				return err
			}
			if pp.Lines, err = cobLines(ctx, tx, p.remittanceID, p.paymentSeq); err != nil {
				return err
			}
			out = append(out, pp)
		}
		if len(out) == 0 {
			return nil
		}
		return s.audit(ctx, tx, a, AuditEntry{OrgID: c.OrgID, PatientID: c.PatientID, Action: ActionRead, Resource: "claim_prior_payers",
			ResourceID: claimID, Fields: append([]string{}, coveragePHI...)})
	})
	return out, err
}

func cobAdjustments(ctx context.Context, tx pgx.Tx, remittanceID string, seq int32) ([]rcm.PaymentAdjustment, error) {
	rows, err := pgq.New(tx).COBPaymentAdjustments(ctx, pgq.COBPaymentAdjustmentsParams{RemittanceID: remittanceID, Seq: seq})
	if err != nil {
		return nil, err
	}
	out := make([]rcm.PaymentAdjustment, 0, len(rows))
	for _, r := range rows {
		out = append(out, rcm.PaymentAdjustment{Line: int(r.Line), Group: r.GroupCode, Reason: r.Reason, AmountCents: r.AmountCents})
	}
	return out, nil
}

func cobLines(ctx context.Context, tx pgx.Tx, remittanceID string, seq int32) ([]rcm.PaymentLine, error) {
	rows, err := pgq.New(tx).COBPaymentLines(ctx, pgq.COBPaymentLinesParams{RemittanceID: remittanceID, Seq: seq})
	if err != nil {
		return nil, err
	}
	out := make([]rcm.PaymentLine, 0, len(rows))
	for _, r := range rows {
		out = append(out, rcm.PaymentLine{Line: int(r.Line), ProcedureQual: r.ProcedureQual, Procedure: r.Procedure, Modifiers: r.Modifiers,
			RevenueCode: r.RevenueCode, Units: r.Units, ChargeCents: r.ChargeCents, PaidCents: r.PaidCents, ServiceDate: r.ServiceDate})
	}
	return out, nil
}

// HasLaterPayer reports whether the patient of the claim has a coverage
// in force after the one billed to the payer whose ID (2010BB NM109, the
// 835's REF*2U) is payerID: that payer's patient responsibility is not
// the patient's final share yet.
func (s *Store) HasLaterPayer(ctx context.Context, claimID, payerID string) (bool, error) {
	if !validID(claimID) || payerID == "" {
		return false, nil
	}
	return pgq.New(s.Pool).COBLaterPayer(ctx, pgq.COBLaterPayerParams{ClaimID: claimID, PayerCode: payerID})
}
