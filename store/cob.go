package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/claimflow/claimflow/rcm"
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
		var orgID, patientID, coverageID, payerUUID string
		var seq, priority int32
		var dos time.Time
		err := tx.QueryRow(ctx, q("COBClaimForUpdate"), in.ClaimID).Scan(&orgID, &patientID, &coverageID, &payerUUID, &seq, &priority, &dos)
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		var rid string
		var ps int32
		err = tx.QueryRow(ctx, q("COBPaymentOf"), in.ClaimID, in.TraceNumber, in.FileKey).Scan(&rid, &ps)
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("store: no posted payment of the claim in 835 trace %s", in.TraceNumber)
		}
		if err != nil {
			return err
		}
		var done int32
		switch err := tx.QueryRow(ctx, q("COBPartOfPayment"), in.ClaimID, rid, ps).Scan(&done); {
		case err == nil:
			if done >= seq {
				return nil // recorded as the last part
			}
			next = rcm.COBNext{Next: true, Seq: int(done) + 1}
			return tx.QueryRow(ctx, q("COBPart"), in.ClaimID, next.Seq).Scan(&next.Crossover, &next.PayerID, &next.PayerName)
		case !errors.Is(err, pgx.ErrNoRows):
			return err
		}
		if _, err := tx.Exec(ctx, q("COBPutPart"), in.ClaimID, seq, orgID, coverageID, payerUUID, false, rid, ps); err != nil {
			return err
		}
		if seq >= rcm.COBTertiary {
			return nil
		}
		var nextCov, nextPayer string
		err = tx.QueryRow(ctx, q("COBNextCoverage"), patientID, priority, dos).Scan(&nextCov, &nextPayer, &next.PayerID, &next.PayerName)
		if errors.Is(err, pgx.ErrNoRows) {
			next = rcm.COBNext{}
			return nil
		}
		if err != nil {
			return err
		}
		next.Next, next.Seq, next.Crossover = true, int(seq)+1, in.Crossover
		if _, err := tx.Exec(ctx, q("COBMoveClaim"), in.ClaimID, next.Seq, nextCov, nextPayer); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, q("COBPutPart"), in.ClaimID, next.Seq, orgID, nextCov, nextPayer, in.Crossover, nil, nil)
		return err
	})
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
	rows, err := tx.Query(ctx, q("COBParts"), claimID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []cobPart
	for rows.Next() {
		var p cobPart
		var seq int32
		if err := rows.Scan(&seq, &p.Crossover, &p.coverageID, &p.PayerID, &p.PayerName, &p.remittanceID, &p.paymentSeq,
			&p.StatusCode, &p.BilledCents, &p.PaidCents, &p.PatientRespCents, &p.payerClaimNum, &p.PaymentDate, &p.AdjustmentCents); err != nil {
			return nil, err
		}
		p.Seq = int(seq)
		p.Responsibility = rcm.COBPartName(p.Seq)
		p.Adjudicated = p.remittanceID != ""
		out = append(out, p)
	}
	return out, rows.Err()
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
		var orgID string
		err := tx.QueryRow(ctx, "SELECT org_id::text FROM claims WHERE id = $1", claimID).Scan(&orgID)
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		if err := requireScope(ctx, tx, a, PermClaimRead, orgID); err != nil {
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
		var orgID, patientID string
		var seq int32
		err := tx.QueryRow(ctx, "SELECT org_id::text, patient_id::text, cob_seq FROM claims WHERE id = $1", claimID).Scan(&orgID, &patientID, &seq)
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		if err := requireScope(ctx, tx, a, PermClaimRead, orgID); err != nil {
			return err
		}
		parts, err := cobParts(ctx, tx, claimID)
		if err != nil {
			return err
		}
		for _, p := range parts {
			if p.Seq >= int(seq) {
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
		return s.audit(ctx, tx, a, AuditEntry{OrgID: orgID, PatientID: patientID, Action: ActionRead, Resource: "claim_prior_payers",
			ResourceID: claimID, Fields: append([]string{}, coveragePHI...)})
	})
	return out, err
}

func cobAdjustments(ctx context.Context, tx pgx.Tx, remittanceID string, seq int32) ([]rcm.PaymentAdjustment, error) {
	rows, err := tx.Query(ctx, q("COBPaymentAdjustments"), remittanceID, seq)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []rcm.PaymentAdjustment
	for rows.Next() {
		var a rcm.PaymentAdjustment
		var line int32
		if err := rows.Scan(&line, &a.Group, &a.Reason, &a.AmountCents); err != nil {
			return nil, err
		}
		a.Line = int(line)
		out = append(out, a)
	}
	return out, rows.Err()
}

func cobLines(ctx context.Context, tx pgx.Tx, remittanceID string, seq int32) ([]rcm.PaymentLine, error) {
	rows, err := tx.Query(ctx, q("COBPaymentLines"), remittanceID, seq)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []rcm.PaymentLine
	for rows.Next() {
		var l rcm.PaymentLine
		var line int32
		if err := rows.Scan(&line, &l.ProcedureQual, &l.Procedure, &l.Modifiers, &l.RevenueCode, &l.Units, &l.ChargeCents,
			&l.PaidCents, &l.ServiceDate); err != nil {
			return nil, err
		}
		l.Line = int(line)
		out = append(out, l)
	}
	return out, rows.Err()
}

// HasLaterPayer reports whether the patient of the claim has a coverage
// in force after the one billed to the payer whose ID (2010BB NM109, the
// 835's REF*2U) is payerID: that payer's patient responsibility is not
// the patient's final share yet.
func (s *Store) HasLaterPayer(ctx context.Context, claimID, payerID string) (bool, error) {
	if !validID(claimID) || payerID == "" {
		return false, nil
	}
	var later bool
	err := s.Pool.QueryRow(ctx, q("COBLaterPayer"), claimID, payerID).Scan(&later)
	return later, err
}
