package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/claimflow/claimflow/rcm"
)

// RecordClaimProgress appends the change to the claim's history and sets
// its current status, once: a repeated (claim, attempt, seq) changes
// nothing, so a retried activity or a replayed workflow cannot move a claim
// back. A move the claim lifecycle does not allow from the stored status is
// an error matching rcm.ErrIllegalTransition, and nothing is written.
func (s *Store) RecordClaimProgress(ctx context.Context, p ClaimProgress) error {
	if !validID(p.ClaimID) {
		return ErrNotFound
	}
	to, err := rcm.ParseClaimStatus(p.Status)
	if err != nil {
		return err
	}
	if p.FrequencyCode == "" {
		p.FrequencyCode = "1"
	}
	var actor any
	if validID(p.ActorID) {
		actor = p.ActorID
	}
	return s.tx(ctx, func(tx pgx.Tx) error {
		// The row lock orders this write after any other on the claim (the
		// batch run's reservation), so the check sees the stored status.
		c, err := scanClaim(tx.QueryRow(ctx, q("GetClaimForUpdate"), p.ClaimID))
		if err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, q("InsertClaimProgress"), p.ClaimID, p.Attempt*1000+p.Seq, p.Status, p.Note, p.At, actor)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return nil
		}
		if err := rcm.CheckTransition(rcm.ClaimStatus(c.Status), to); err != nil {
			return err
		}
		tag, err = tx.Exec(ctx, q("UpdateClaimProgress"), p.ClaimID, p.Status, p.Attempt, p.FrequencyCode, p.PaidCents, p.PayerClaimNumber)
		if err == nil && tag.RowsAffected() == 0 {
			return ErrNotFound
		}
		return err
	})
}

// GetBillingProfile returns the profile of org or of its nearest ancestor.
func (s *Store) GetBillingProfile(ctx context.Context, orgID string) (BillingProfile, error) {
	var b BillingProfile
	err := s.Pool.QueryRow(ctx, q("GetBillingProfile"), orgID).Scan(&b.OrgID, &b.Name, &b.NPI, &b.TaxID, &b.Taxonomy,
		&b.AddressLine1, &b.City, &b.State, &b.Zip, &b.SubmitterID, &b.ContactName, &b.ContactPhone)
	if errors.Is(err, pgx.ErrNoRows) {
		return b, ErrNotFound
	}
	return b, err
}

// PutBillingProfile creates or replaces an organisation's profile.
func (s *Store) PutBillingProfile(ctx context.Context, b BillingProfile) error {
	if !ValidNPI(b.NPI) {
		return &ValidationError{Fields: []FieldProblem{{Pointer: "/npi", Detail: "not a valid NPI (check digit)"}}}
	}
	_, err := s.Pool.Exec(ctx, q("PutBillingProfile"), b.OrgID, b.Name, b.NPI, b.TaxID, b.Taxonomy, b.AddressLine1,
		b.City, b.State, b.Zip, b.SubmitterID, b.ContactName, b.ContactPhone)
	return err
}

// ReserveBatches returns the batches of run runID: the ones reserved
// before (a retried run) or, when there are none, new ones holding every
// ready claim of the clearinghouse (up to limit), one batch per payer, with
// fresh interchange control numbers. Reserved claims become 'batched' in the
// same transaction, so no other run takes them.
func (s *Store) ReserveBatches(ctx context.Context, clearinghouse, runID string, limit int) ([]ReservedBatch, error) {
	var out []ReservedBatch
	err := s.tx(ctx, func(tx pgx.Tx) error {
		var err error
		if out, err = batchesForRun(ctx, tx, runID); err != nil || len(out) > 0 {
			return err
		}
		rows, err := tx.Query(ctx, q("LockReadyClaims"), clearinghouse, limit)
		if err != nil {
			return err
		}
		type ready struct {
			id, payer, org string
			attempt        int
		}
		var claims []ready
		for rows.Next() {
			var r ready
			if err := rows.Scan(&r.id, &r.payer, &r.attempt, &r.org); err != nil {
				rows.Close()
				return err
			}
			claims = append(claims, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, c := range claims {
			if _, err := tx.Exec(ctx, q("AddTradingPartnerOrg"), clearinghouse, c.org); err != nil {
				return err
			}
			if len(out) == 0 || out[len(out)-1].PayerID != c.payer {
				var n int64
				if err := tx.QueryRow(ctx, q("NextInterchangeControl")).Scan(&n); err != nil {
					return err
				}
				b := ReservedBatch{ID: fmt.Sprintf("%s/%09d", runID, n), Clearinghouse: clearinghouse, PayerID: c.payer,
					ISA13: fmt.Sprintf("%09d", n), GS06: fmt.Sprint(n)}
				if _, err := tx.Exec(ctx, q("InsertBatch"), b.ID, runID, clearinghouse, b.PayerID, b.ISA13, b.GS06); err != nil {
					return err
				}
				out = append(out, b)
			}
			b := &out[len(out)-1]
			bc := BatchedClaim{ClaimID: c.id, Attempt: c.attempt, ST02: fmt.Sprintf("%04d", len(b.Claims)+1)}
			if _, err := tx.Exec(ctx, q("InsertBatchClaim"), b.ID, bc.ClaimID, bc.Attempt, bc.ST02); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, q("MarkClaimBatched"), bc.ClaimID, b.ID); err != nil {
				return err
			}
			b.Claims = append(b.Claims, bc)
		}
		return nil
	})
	return out, err
}

func batchesForRun(ctx context.Context, tx pgx.Tx, runID string) ([]ReservedBatch, error) {
	rows, err := tx.Query(ctx, q("BatchesForRun"), runID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ReservedBatch
	for rows.Next() {
		var b ReservedBatch
		var c BatchedClaim
		if err := rows.Scan(&b.ID, &b.Clearinghouse, &b.PayerID, &b.ISA13, &b.GS06, &b.FileKey, &b.Uploaded, &c.ClaimID, &c.Attempt, &c.ST02); err != nil {
			return nil, err
		}
		if len(out) == 0 || out[len(out)-1].ID != b.ID {
			out = append(out, b)
		}
		last := &out[len(out)-1]
		last.Claims = append(last.Claims, c)
	}
	return out, rows.Err()
}

// SetBatchFile records the archive key of the batch's built 837 before it
// is uploaded, so a retry re-sends the same bytes.
func (s *Store) SetBatchFile(ctx context.Context, batchID, fileKey string) error {
	_, err := s.Pool.Exec(ctx, q("SetBatchFile"), batchID, fileKey)
	return err
}

// MarkBatchUploaded records that the clearinghouse has the batch.
func (s *Store) MarkBatchUploaded(ctx context.Context, batchID string) error {
	_, err := s.Pool.Exec(ctx, q("MarkBatchUploaded"), batchID)
	return err
}

// BatchClaimsByControl finds the claims of the batch a TA1/999 answers, by
// clearinghouse and ISA13.
func (s *Store) BatchClaimsByControl(ctx context.Context, clearinghouse, isa13 string) (batchID string, claimIDs []string, err error) {
	err = s.Pool.QueryRow(ctx, q("BatchByControl"), clearinghouse, isa13).Scan(&batchID)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil, ErrNotFound
	}
	if err != nil {
		return "", nil, err
	}
	rows, err := s.Pool.Query(ctx, q("BatchClaims"), batchID)
	if err != nil {
		return "", nil, err
	}
	claimIDs, err = pgx.CollectRows(rows, pgx.RowTo[string])
	return batchID, claimIDs, err
}

// ClaimIDByControlNumber resolves CLM01 (the patient control number) of
// a file received through the trading-partner account partner to a claim
// sent through that account: an answer never reaches a claim, or a tenant,
// that did not bill through the account it came through.
func (s *Store) ClaimIDByControlNumber(ctx context.Context, partner, pcn string) (string, error) {
	var id, org string
	err := s.Pool.QueryRow(ctx, q("ClaimSentThrough"), pcn, partner).Scan(&id, &org)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", ErrNotFound
	}
	return id, err
}

// PutRemittance records the remittance once and returns its ID (the same
// ID for a re-delivery of the same account, payer and trace number).
func (s *Store) PutRemittance(ctx context.Context, r Remittance) (id string, existed bool, err error) {
	id = newID()
	var date any
	if r.PaymentDate != "" {
		date = r.PaymentDate
	}
	problems := r.BalanceProblems
	if problems == nil {
		problems = []string{}
	}
	err = s.tx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, q("InsertRemittance"), id, r.PayerID, r.TraceNumber, r.FileKey, r.TransactionIndex,
			r.PaidCents, r.ProviderAdjCents, r.Balanced, problems, date, r.Partner)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			existed = true
			var bal, rec bool
			if err := tx.QueryRow(ctx, q("GetRemittanceByTrace"), r.PayerID, r.TraceNumber, r.Partner).Scan(&id, &bal, &rec); err != nil {
				return err
			}
			return nil
		}
		if !r.Balanced {
			_, err = tx.Exec(ctx, q("EnqueueRemitWork"), id, 0, "unbalanced", fmt.Sprint(r.BalanceProblems))
		}
		return err
	})
	return id, existed, err
}

// PostClaimPayment posts one claim payment in its own transaction, exactly
// once. It returns the matched claim ID ("" when no claim sent through the
// remittance's account has that patient control number: the payment goes
// to the work queue, owned by the organisations billing through the
// account) and whether this call posted it (false: it was posted before).
// A matched payment and its adjustments belong to the claim's
// organisation.
func (s *Store) PostClaimPayment(ctx context.Context, remittanceID string, p ClaimPaymentRecord) (claimID string, posted bool, err error) {
	rarcs := p.RARCs
	if rarcs == nil {
		rarcs = []string{}
	}
	err = s.tx(ctx, func(tx pgx.Tx) error {
		var cid, org *string
		var id, orgID, partner string
		if err := tx.QueryRow(ctx, q("RemittancePartner"), remittanceID).Scan(&partner); err != nil {
			return err
		}
		err := tx.QueryRow(ctx, q("ClaimSentThrough"), p.PatientControl, partner).Scan(&id, &orgID)
		switch {
		case err == nil:
			cid, org = &id, &orgID
		case !errors.Is(err, pgx.ErrNoRows):
			return err
		}
		tag, err := tx.Exec(ctx, q("InsertClaimPayment"), remittanceID, p.Seq, cid, p.PatientControl, p.StatusCode,
			p.ChargeCents, p.PaidCents, p.PatientRespCents, p.PayerClaimNumber, rarcs, org)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 { // posted before
			var prev *string
			if err := tx.QueryRow(ctx, q("GetClaimPayment"), remittanceID, p.Seq).Scan(&prev); err != nil {
				return err
			}
			if prev != nil {
				claimID = *prev
			}
			return nil
		}
		posted = true
		for n, a := range p.Adjustments {
			if _, err := tx.Exec(ctx, q("InsertAdjustment"), remittanceID, p.Seq, a.Line, n+1, a.Group, a.Reason, a.AmountCents, org); err != nil {
				return err
			}
		}
		if cid == nil {
			_, err = tx.Exec(ctx, q("EnqueueRemitWork"), remittanceID, p.Seq, "unmatched_claim", "no claim with this patient control number")
			return err
		}
		claimID = *cid
		_, err = tx.Exec(ctx, q("AddClaimPaid"), claimID, p.PaidCents)
		return err
	})
	return claimID, posted, err
}

// ReconcileEFT matches the remittance's EFT trace and amount against a
// recorded deposit; without one, the remittance waits in the work queue.
func (s *Store) ReconcileEFT(ctx context.Context, remittanceID, trace string, amountCents int64) (bool, error) {
	ok := false
	err := s.tx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, q("ReconcileEFT"), trace, remittanceID, amountCents)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 1 {
			ok = true
			_, err = tx.Exec(ctx, q("MarkRemittanceReconciled"), remittanceID)
			return err
		}
		_, err = tx.Exec(ctx, q("EnqueueRemitWork"), remittanceID, 0, "eft_unreconciled", "no deposit with this trace number and amount yet")
		return err
	})
	return ok, err
}

// GetClaimSubmission reads the claim's current submission attempt.
func (s *Store) GetClaimSubmission(ctx context.Context, claimID string) (ClaimSubmission, error) {
	var c ClaimSubmission
	err := s.Pool.QueryRow(ctx, q("ClaimSubmission"), claimID).Scan(&c.FrequencyCode, &c.PayerClaimNumber, &c.Attempt)
	if errors.Is(err, pgx.ErrNoRows) {
		return c, ErrNotFound
	}
	return c, err
}

// BatchClaimControls lists the claims of the interchange a TA1/999 answers
// (by clearinghouse and ISA13) with their transaction set control numbers.
func (s *Store) BatchClaimControls(ctx context.Context, clearinghouse, isa13 string) ([]BatchedClaimControl, error) {
	rows, err := s.Pool.Query(ctx, q("BatchClaimControls"), clearinghouse, isa13)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (BatchedClaimControl, error) {
		var c BatchedClaimControl
		return c, r.Scan(&c.ClaimID, &c.ST02)
	})
}

// RecordAppeal records the appeal once per claim and payer claim number.
func (s *Store) RecordAppeal(ctx context.Context, a Appeal) error {
	codes := a.DenialCodes
	if codes == nil {
		codes = []string{}
	}
	_, err := s.Pool.Exec(ctx, q("InsertAppeal"), a.ClaimID, a.PayerClaimNumber, codes, a.Note, a.FiledBy)
	return err
}

// ClaimPatientID returns the patient a claim bills for.
func (s *Store) ClaimPatientID(ctx context.Context, claimID string) (string, error) {
	var id string
	err := s.Pool.QueryRow(ctx, q("ClaimPatient"), claimID).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", ErrNotFound
	}
	return id, err
}

// RecordStatusInquiry stores the inquiry, once per (claim, trace): a
// retried activity updates its row.
func (s *Store) RecordStatusInquiry(ctx context.Context, in StatusInquiry) error {
	if !validID(in.ClaimID) {
		return ErrNotFound
	}
	if in.SentAt.IsZero() {
		in.SentAt = time.Now()
	}
	_, err := s.Pool.Exec(ctx, q("RecordStatusInquiry"), in.ClaimID, in.Attempt, in.Trace, in.Partner, in.RequestKey,
		in.ResponseKey, in.STC, in.Note, in.SentAt)
	return err
}

// ClaimStatusInquiries lists the claim's inquiries, oldest first (the
// caller has already checked the claim is visible, with GetClaim).
func (s *Store) ClaimStatusInquiries(ctx context.Context, claimID string) ([]StatusInquiry, error) {
	if !validID(claimID) {
		return nil, ErrNotFound
	}
	rows, err := s.Pool.Query(ctx, q("ClaimStatusInquiries"), claimID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (StatusInquiry, error) {
		var x StatusInquiry
		return x, r.Scan(&x.ID, &x.ClaimID, &x.Attempt, &x.Trace, &x.Partner, &x.RequestKey, &x.ResponseKey, &x.STC, &x.Note, &x.SentAt)
	})
}
