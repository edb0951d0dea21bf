package store

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/claimflow/claimflow/rcm"
	"github.com/claimflow/claimflow/store/internal/pgq"
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
	var actor *string
	if validID(p.ActorID) {
		actor = &p.ActorID
	}
	return s.tx(ctx, func(tx pgx.Tx) error {
		// The row lock orders this write after any other on the claim (the
		// batch run's reservation), so the check sees the stored status.
		c, err := scanClaim(tx.QueryRow(ctx, q("GetClaimForUpdate"), p.ClaimID))
		if err != nil {
			return err
		}
		db := pgq.New(tx)
		n, err := db.InsertClaimProgress(ctx, pgq.InsertClaimProgressParams{ClaimID: p.ClaimID, Seq: int32(p.Attempt*1000 + p.Seq),
			Status: p.Status, Reason: p.Note, At: p.At, ActorID: actor})
		if err != nil {
			return err
		}
		if n == 0 {
			return nil
		}
		from := rcm.ClaimStatus(c.Status)
		if from == rcm.StatusReady {
			// A batch run reserved the claim without writing its status
			// (only the workflow writes it): for the check it is batched,
			// so a hold or void decided on the workflow's view (ready) is
			// refused while its 837 is on the way.
			reserved, err := db.ClaimReserved(ctx, p.ClaimID)
			if err != nil {
				return err
			}
			if reserved {
				from = rcm.StatusBatched
			}
		}
		if err := rcm.CheckTransition(from, to); err != nil {
			return err
		}
		n, err = db.UpdateClaimProgress(ctx, pgq.UpdateClaimProgressParams{ID: p.ClaimID, Status: p.Status, Attempt: int32(p.Attempt),
			FrequencyCode: p.FrequencyCode, PaidCents: p.PaidCents, PayerClaimNumber: p.PayerClaimNumber})
		if err == nil && n == 0 {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		return recordDenial(ctx, tx, p)
	})
}

// PutBillingProfile creates or replaces an organisation's profile.
func (s *Store) PutBillingProfile(ctx context.Context, b BillingProfile) error {
	if !ValidNPI(b.NPI) {
		return &ValidationError{Fields: []FieldProblem{{Pointer: "/npi", Detail: "not a valid NPI (check digit)"}}}
	}
	return pgq.New(s.Pool).PutBillingProfile(ctx, pgq.PutBillingProfileParams{OrgID: b.OrgID, Name: b.Name, Npi: b.NPI, TaxID: b.TaxID,
		Taxonomy: b.Taxonomy, AddressLine1: b.AddressLine1, City: b.City, State: b.State, Zip: b.Zip, SubmitterID: b.SubmitterID,
		ContactName: b.ContactName, ContactPhone: b.ContactPhone})
}

// ReserveBatches returns the batches of run runID: the ones reserved
// before (a retried run) or, when there are none, new ones holding every
// ready claim of the clearinghouse (up to limit), one batch per payer, with
// fresh interchange control numbers. A reserved claim's status is left to its
// workflow (the only writer of claim status): its batch_claims row for the
// current attempt keeps other runs from taking it.
func (s *Store) ReserveBatches(ctx context.Context, clearinghouse, runID string, limit int) ([]ReservedBatch, error) {
	return s.ReserveBatchesFor(ctx, clearinghouse, "", runID, limit)
}

// ReserveBatchesFor is ReserveBatches taking only the ready claims of
// organisation orgID and those below it (all of them when orgID is empty):
// a practice's "Submit now" sends its own claims, not its neighbours'.
func (s *Store) ReserveBatchesFor(ctx context.Context, clearinghouse, orgID, runID string, limit int) ([]ReservedBatch, error) {
	if orgID != "" && !validID(orgID) {
		return nil, ErrNotFound
	}
	var out []ReservedBatch
	err := s.tx(ctx, func(tx pgx.Tx) error {
		var err error
		if out, err = batchesForRun(ctx, tx, runID); err != nil || len(out) > 0 {
			return err
		}
		db := pgq.New(tx)
		claims, err := db.LockReadyClaims(ctx, pgq.LockReadyClaimsParams{Clearinghouse: clearinghouse, OrgID: nullText(orgID),
			MaxClaims: int32(min(limit, math.MaxInt32))})
		if err != nil {
			return err
		}
		for _, c := range claims {
			if err := db.AddTradingPartnerOrg(ctx, pgq.AddTradingPartnerOrgParams{Partner: clearinghouse, OrgID: c.OrgID}); err != nil {
				return err
			}
			if len(out) == 0 || out[len(out)-1].PayerID != c.PayerID {
				n, err := db.NextInterchangeControl(ctx)
				if err != nil {
					return err
				}
				b := ReservedBatch{ID: fmt.Sprintf("%s/%09d", runID, n), Clearinghouse: clearinghouse, PayerID: c.PayerID,
					ISA13: fmt.Sprintf("%09d", n), GS06: fmt.Sprint(n)}
				if err := db.InsertBatch(ctx, pgq.InsertBatchParams{ID: b.ID, RunID: runID, Clearinghouse: clearinghouse,
					PayerID: b.PayerID, Isa13: b.ISA13, Gs06: b.GS06}); err != nil {
					return err
				}
				out = append(out, b)
			}
			b := &out[len(out)-1]
			bc := BatchedClaim{ClaimID: c.ID, Attempt: int(c.Attempt), ST02: fmt.Sprintf("%04d", len(b.Claims)+1)}
			if err := db.InsertBatchClaim(ctx, pgq.InsertBatchClaimParams{BatchID: b.ID, ClaimID: bc.ClaimID,
				Attempt: c.Attempt, St02: bc.ST02}); err != nil {
				return err
			}
			if err := db.SetClaimBatch(ctx, pgq.SetClaimBatchParams{ID: bc.ClaimID, BatchID: &b.ID}); err != nil {
				return err
			}
			b.Claims = append(b.Claims, bc)
		}
		return nil
	})
	return out, err
}

func batchesForRun(ctx context.Context, tx pgx.Tx, runID string) ([]ReservedBatch, error) {
	rows, err := pgq.New(tx).BatchesForRun(ctx, runID)
	if err != nil {
		return nil, err
	}
	var out []ReservedBatch
	for _, r := range rows {
		if len(out) == 0 || out[len(out)-1].ID != r.ID {
			out = append(out, ReservedBatch{ID: r.ID, Clearinghouse: r.Clearinghouse, PayerID: r.PayerID, ISA13: r.Isa13,
				GS06: r.Gs06, FileKey: r.FileKey, Uploaded: r.Uploaded})
		}
		last := &out[len(out)-1]
		last.Claims = append(last.Claims, BatchedClaim{ClaimID: r.ClaimID, Attempt: int(r.Attempt), ST02: r.St02})
	}
	return out, nil
}

// SetBatchFile records the archive key of the batch's built 837 before it
// is uploaded, so a retry re-sends the same bytes.
func (s *Store) SetBatchFile(ctx context.Context, batchID, fileKey string) error {
	return pgq.New(s.Pool).SetBatchFile(ctx, pgq.SetBatchFileParams{ID: batchID, FileKey: fileKey})
}

// MarkBatchUploaded records that the clearinghouse has the batch.
func (s *Store) MarkBatchUploaded(ctx context.Context, batchID string) error {
	return pgq.New(s.Pool).MarkBatchUploaded(ctx, batchID)
}

// BatchClaimsByControl finds the claims of the batch a TA1/999 answers, by
// clearinghouse and ISA13.
func (s *Store) BatchClaimsByControl(ctx context.Context, clearinghouse, isa13 string) (batchID string, claimIDs []string, err error) {
	db := pgq.New(s.Pool)
	batchID, err = db.BatchByControl(ctx, pgq.BatchByControlParams{Clearinghouse: clearinghouse, Isa13: isa13})
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil, ErrNotFound
	}
	if err != nil {
		return "", nil, err
	}
	claimIDs, err = db.BatchClaims(ctx, batchID)
	return batchID, claimIDs, err
}

// ClaimIDByControlNumber resolves CLM01 (the patient control number) of
// a file received through the trading-partner account partner to a claim
// sent through that account: an answer never reaches a claim, or a tenant,
// that did not bill through the account it came through.
func (s *Store) ClaimIDByControlNumber(ctx context.Context, partner, pcn string) (string, error) {
	c, err := pgq.New(s.Pool).ClaimSentThrough(ctx, pgq.ClaimSentThroughParams{PatientControlNumber: pcn, Clearinghouse: partner})
	if errors.Is(err, pgx.ErrNoRows) {
		return "", ErrNotFound
	}
	return c.ID, err
}

// PutRemittance records the remittance once and returns its ID (the same
// ID for a re-delivery of the same account, payer and trace number).
func (s *Store) PutRemittance(ctx context.Context, r Remittance) (id string, existed bool, err error) {
	id = newID()
	var date *time.Time
	if r.PaymentDate != "" {
		d, err := time.Parse(time.DateOnly, r.PaymentDate)
		if err != nil {
			return "", false, &ValidationError{Fields: []FieldProblem{{Pointer: "/payment_date", Detail: "must be a date YYYY-MM-DD"}}}
		}
		date = &d
	}
	problems := r.BalanceProblems
	if problems == nil {
		problems = []string{}
	}
	err = s.tx(ctx, func(tx pgx.Tx) error {
		db := pgq.New(tx)
		n, err := db.InsertRemittance(ctx, pgq.InsertRemittanceParams{ID: id, PayerID: r.PayerID, TraceNumber: r.TraceNumber,
			FileKey: r.FileKey, TransactionIndex: int32(r.TransactionIndex), PaidCents: r.PaidCents, ProviderAdjCents: r.ProviderAdjCents,
			Balanced: r.Balanced, BalanceProblems: problems, PaymentDate: date, Partner: r.Partner})
		if err != nil {
			return err
		}
		if n == 0 {
			existed = true
			id, err = db.GetRemittanceByTrace(ctx, pgq.GetRemittanceByTraceParams{Partner: r.Partner, PayerID: r.PayerID, TraceNumber: r.TraceNumber})
			return err
		}
		if err := recordRemittanceDetails(ctx, db, id, r); err != nil {
			return err
		}
		if !r.Balanced {
			err = db.EnqueueRemitWork(ctx, pgq.EnqueueRemitWorkParams{RemittanceID: id, Seq: 0, Kind: "unbalanced", Detail: fmt.Sprint(r.BalanceProblems)})
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
// organisation. Posting an 835 sends its payments a slice at a time
// (PostClaimPayments); this is a slice of one.
func (s *Store) PostClaimPayment(ctx context.Context, remittanceID string, p ClaimPaymentRecord) (claimID string, posted bool, err error) {
	out, err := s.PostClaimPayments(ctx, remittanceID, []ClaimPaymentPost{{ClaimPaymentRecord: p}}, PostingOptions{})
	if err != nil {
		return "", false, err
	}
	return out[0].ClaimID, out[0].Posted, nil
}

// GetClaimSubmission reads the claim's current submission attempt.
func (s *Store) GetClaimSubmission(ctx context.Context, claimID string) (ClaimSubmission, error) {
	r, err := pgq.New(s.Pool).ClaimSubmission(ctx, claimID)
	if errors.Is(err, pgx.ErrNoRows) {
		return ClaimSubmission{}, ErrNotFound
	}
	return ClaimSubmission{FrequencyCode: r.FrequencyCode, PayerClaimNumber: r.PayerClaimNumber, Attempt: int(r.Attempt)}, err
}

// BatchClaimControls lists the claims of the interchange a TA1/999 answers
// (by clearinghouse and ISA13) with their transaction set control numbers.
func (s *Store) BatchClaimControls(ctx context.Context, clearinghouse, isa13 string) ([]BatchedClaimControl, error) {
	rows, err := pgq.New(s.Pool).BatchClaimControls(ctx, pgq.BatchClaimControlsParams{Clearinghouse: clearinghouse, Isa13: isa13})
	if err != nil {
		return nil, err
	}
	out := make([]BatchedClaimControl, len(rows))
	for i, r := range rows {
		out[i] = BatchedClaimControl{ClaimID: r.ClaimID, ST02: r.St02}
	}
	return out, nil
}

// RecordAppeal records the appeal once per claim and payer claim number.
func (s *Store) RecordAppeal(ctx context.Context, a Appeal) error {
	codes := a.DenialCodes
	if codes == nil {
		codes = []string{}
	}
	return pgq.New(s.Pool).InsertAppeal(ctx, pgq.InsertAppealParams{ClaimID: a.ClaimID, PayerClaimNumber: a.PayerClaimNumber,
		DenialCodes: codes, Note: a.Note, FiledBy: a.FiledBy})
}

// ClaimPatientID returns the patient a claim bills for.
func (s *Store) ClaimPatientID(ctx context.Context, claimID string) (string, error) {
	id, err := pgq.New(s.Pool).ClaimPatient(ctx, claimID)
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
	return pgq.New(s.Pool).RecordStatusInquiry(ctx, pgq.RecordStatusInquiryParams{ClaimID: in.ClaimID, Attempt: int32(in.Attempt),
		Trace: in.Trace, Partner: in.Partner, RequestKey: in.RequestKey, ResponseKey: in.ResponseKey, Stc: in.STC, Note: in.Note,
		SentAt: in.SentAt})
}

// ClaimStatusInquiries lists the claim's inquiries, oldest first (the
// caller has already checked the claim is visible, with GetClaim).
func (s *Store) ClaimStatusInquiries(ctx context.Context, claimID string) ([]StatusInquiry, error) {
	if !validID(claimID) {
		return nil, ErrNotFound
	}
	rows, err := pgq.New(s.Pool).ClaimStatusInquiries(ctx, claimID)
	if err != nil {
		return nil, err
	}
	out := make([]StatusInquiry, len(rows))
	for i, r := range rows {
		out[i] = StatusInquiry{ID: r.ID, ClaimID: r.ClaimID, Attempt: int(r.Attempt), Trace: r.Trace, Partner: r.Partner,
			RequestKey: r.RequestKey, ResponseKey: r.ResponseKey, STC: r.Stc, Note: r.Note, SentAt: r.SentAt}
	}
	return out, nil
}
