package activities

import (
	"context"
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/claimflow/claimflow/edi"
	"github.com/claimflow/claimflow/edi/x835"
	"github.com/claimflow/claimflow/rcm"
)

// RemitRecords is the store as remittance posting uses it.
type RemitRecords interface {
	PutRemittance(ctx context.Context, r rcm.Remittance) (id string, existed bool, err error)
	// PostClaimPayments posts a slice of the remittance's claim payments in
	// one transaction, each exactly once (keyed by remittance and CLP
	// position), with each matched claim's 835 event and the ERA
	// enrollment check.
	PostClaimPayments(ctx context.Context, remittanceID string, ps []rcm.ClaimPaymentPost, opt rcm.PostingOptions) ([]rcm.PostedClaimPayment, error)
	ReconcileEFT(ctx context.Context, remittanceID string) (bool, error)
	// RemittancePayments reads a posted remittance's matched claim payments
	// after seq, in order, at most limit.
	RemittancePayments(ctx context.Context, partner, payerID, trace string, afterSeq, limit int) ([]rcm.PostedRemittancePayment, error)
}

// DefaultPostingSlice is how many claim payments PostClaimPayments posts in
// one transaction: a few round trips per slice instead of 15 per payment
// (issue 20: 10,000 payments took 3 min 35 s one transaction each).
const DefaultPostingSlice = 500

// RemitService implements RemittancePoster: it reads one 835 transaction
// from the archive, checks that it balances (SNIP 3), and posts its claim
// payments a slice at a time, one database transaction per slice, each
// payment exactly once.
type RemitService struct {
	Files interface {
		Fetch(ctx context.Context, key string) ([]byte, error)
	}
	Records RemitRecords
	// Slice is how many claim payments are posted per transaction
	// (DefaultPostingSlice when 0).
	Slice int
	// AfterPost, when set, runs after each slice is committed with the
	// position of its last claim payment (a fault-injection point: tests
	// kill the worker there).
	AfterPost func(seq int)
}

// PostingProgress is how far a posting attempt got: the claim payments
// committed (Done, from the first) and what posting them did. Post
// heartbeats it after each slice; a retried attempt of a paged posting
// resumes after Done instead of posting those slices again.
type PostingProgress struct {
	Done          int
	NewlyPosted   int
	AlreadyPosted int
	Unmatched     int
	NotEnrolled   int
}

func malformed(format string, args ...any) error {
	return temporal.NewNonRetryableApplicationError(fmt.Sprintf(format, args...), "MalformedRemittance", nil)
}

// Post posts the req.Transaction-th transaction set of the archived file.
// Unless req.Paged, the result lists every matched claim payment (the
// remittance workflow's first version carried them in its history; the
// paged one reads them with Payments a page at a time).
func (s *RemitService) Post(ctx context.Context, req RemittanceRequest) (PostingResult, error) {
	var res PostingResult
	body, err := s.Files.Fetch(ctx, req.FileKey)
	if err != nil {
		return res, fmt.Errorf("fetch 835 %s: %w", req.FileKey, err)
	}
	ics, err := edi.ParseBytes(body)
	if err != nil {
		return res, malformed("835 file: %v", err)
	}
	ic, t := nthTransaction(ics, "835", req.Transaction)
	if t == nil {
		return res, malformed("835 file has no transaction set %d", req.Transaction)
	}
	rem, err := x835.Read(t, ic.Delims)
	if err != nil {
		return res, malformed("835 set %d: %v", req.Transaction, err)
	}
	var plb int64
	for _, a := range rem.Adjustments {
		plb += int64(a.Amount)
	}
	res.PaidCents, res.ProviderAdjCents = int64(rem.Payment.Amount), plb
	res.Balanced = true
	for _, e := range x835.CheckBalance(t) {
		res.Balanced = false
		res.BalanceProblems = append(res.BalanceProblems, e.Error())
	}
	date := ""
	if d := rem.Payment.EffectiveDate; len(d) == 8 {
		date = d[:4] + "-" + d[4:6] + "-" + d[6:]
	}
	rid, _, err := s.Records.PutRemittance(ctx, rcm.Remittance{Partner: req.Partner, PayerID: req.PayerID, TraceNumber: req.TraceNumber, FileKey: req.FileKey,
		TransactionIndex: req.Transaction, PaidCents: res.PaidCents, ProviderAdjCents: plb, Balanced: res.Balanced,
		BalanceProblems: res.BalanceProblems, PaymentDate: date, PayerName: rem.Payer.Name, PaymentMethod: rem.Payment.Method,
		ProviderAdjustments: providerAdjustments(rem.Adjustments)})
	if err != nil {
		return res, err
	}
	var prog PostingProgress
	if req.Paged {
		// A retried attempt resumes after the slices the last one committed
		// (a crash between a commit and its heartbeat re-posts one slice,
		// which finds its payments posted).
		if resumeFrom(ctx, &prog) && (prog.Done < 0 || prog.Done > len(rem.Claims)) {
			prog = PostingProgress{}
		}
	}
	record, stop := progressHeartbeats(ctx, prog, 5*time.Second)
	defer stop()
	slice := s.Slice
	if slice <= 0 {
		slice = DefaultPostingSlice
	}
	for start := prog.Done; start < len(rem.Claims); start += slice {
		end := min(start+slice, len(rem.Claims))
		posts := make([]rcm.ClaimPaymentPost, 0, end-start)
		pays := make([]ClaimPayment, 0, end-start)
		for i, cp := range rem.Claims[start:end] {
			post, pay := claimPaymentPost(req, rid, start+i+1, cp)
			posts, pays = append(posts, post), append(pays, pay)
		}
		out, err := s.Records.PostClaimPayments(ctx, rid, posts, rcm.PostingOptions{CheckEnrollment: true, PaymentDate: date})
		if err != nil {
			return res, fmt.Errorf("post claim payments %d-%d: %w", start+1, end, err)
		}
		for i, o := range out {
			switch {
			case o.ClaimID == "":
				prog.Unmatched++
				continue
			case o.Posted:
				prog.NewlyPosted++
			default:
				prog.AlreadyPosted++
			}
			if o.NotEnrolled != "" {
				prog.NotEnrolled++
			}
			if !req.Paged {
				pays[i].ClaimID = o.ClaimID
				res.Payments = append(res.Payments, pays[i])
			}
		}
		prog.Done = end
		record(prog)
		if s.AfterPost != nil {
			s.AfterPost(end)
		}
	}
	res.NewlyPosted, res.AlreadyPosted, res.Unmatched, res.NotEnrolled = prog.NewlyPosted, prog.AlreadyPosted, prog.Unmatched, prog.NotEnrolled
	if rem.Payment.Amount > 0 {
		if res.EFTReconciled, err = s.Records.ReconcileEFT(ctx, rid); err != nil {
			return res, err
		}
	}
	return res, nil
}

// claimPaymentPost is one CLP loop as posted (with the claim's 835 event)
// and as the claim's workflow is told of it (ClaimID filled once matched).
func claimPaymentPost(req RemittanceRequest, rid string, seq int, cp x835.ClaimPayment) (rcm.ClaimPaymentPost, ClaimPayment) {
	rec := rcm.ClaimPaymentRecord{Seq: seq, PatientControl: cp.PatientControlNumber, StatusCode: cp.Status,
		ChargeCents: int64(cp.Charge), PaidCents: int64(cp.Paid), PatientRespCents: int64(cp.PatientResponsibility),
		PayerClaimNumber: cp.PayerControlNumber, RARCs: cp.Remarks}
	pay := ClaimPayment{TraceNumber: req.TraceNumber, FileKey: req.FileKey, PayerID: req.PayerID, ClaimStatusCode: cp.Status,
		ChargeCents: rec.ChargeCents, PaidCents: rec.PaidCents, PatientRespCents: rec.PatientRespCents,
		PayerClaimNumber: cp.PayerControlNumber, RARCs: append([]string(nil), cp.Remarks...)}
	add := func(line int, as []x835.Adjustment) {
		for _, a := range as {
			rec.Adjustments = append(rec.Adjustments, rcm.PaymentAdjustment{Line: line, Group: a.Group, Reason: a.Reason, AmountCents: int64(a.Amount)})
			pay.Adjustments = append(pay.Adjustments, Adjustment{Group: a.Group, Reason: a.Reason, AmountCents: int64(a.Amount)})
		}
	}
	add(0, cp.Adjustments)
	for li, l := range cp.Lines {
		add(li+1, l.Adjustments)
		rec.Lines = append(rec.Lines, paymentLine(li+1, l))
		rec.RARCs = append(rec.RARCs, l.Remarks...)
		pay.RARCs = append(pay.RARCs, l.Remarks...)
	}
	// The claim's 835 event, also when a retry finds the payment posted.
	codes := make([]string, 0, len(pay.Adjustments)+len(pay.RARCs))
	for _, a := range pay.Adjustments {
		codes = append(codes, a.Group+"-"+a.Reason)
	}
	codes = append(codes, pay.RARCs...)
	ev := &rcm.ClaimEvent{Kind: rcm.Event835, Dedup: fmt.Sprintf("%s/%d", rid, seq), FileKey: req.FileKey, SetIndex: req.Transaction,
		Seq: seq, Codes: codes,
		Summary: "835 trace " + req.TraceNumber + ": CLP02 " + cp.Status + ", paid " + rcm.Dollars(rec.PaidCents) + " of " + rcm.Dollars(rec.ChargeCents)}
	return rcm.ClaimPaymentPost{ClaimPaymentRecord: rec, Event: ev}, pay
}

// Payments reads a page of a posted remittance's matched claim payments,
// after req.AfterSeq, as each claim's workflow is told of them.
func (s *RemitService) Payments(ctx context.Context, req RemittancePageRequest) (RemittancePage, error) {
	var page RemittancePage
	limit := req.Limit
	if limit <= 0 {
		limit = 200
	}
	ps, err := s.Records.RemittancePayments(ctx, req.Remittance.Partner, req.Remittance.PayerID, req.Remittance.TraceNumber, req.AfterSeq, limit)
	if err != nil {
		return page, err
	}
	page.NextSeq = req.AfterSeq
	for _, p := range ps {
		pay := ClaimPayment{ClaimID: p.ClaimID, TraceNumber: req.Remittance.TraceNumber, FileKey: req.Remittance.FileKey, PayerID: req.Remittance.PayerID,
			ClaimStatusCode: p.StatusCode, ChargeCents: p.ChargeCents, PaidCents: p.PaidCents, PatientRespCents: p.PatientRespCents,
			PayerClaimNumber: p.PayerClaimNumber, RARCs: p.RARCs}
		for _, a := range p.Adjustments {
			pay.Adjustments = append(pay.Adjustments, Adjustment{Group: a.Group, Reason: a.Reason, AmountCents: a.AmountCents})
		}
		if len(pay.RARCs) == 0 {
			pay.RARCs = nil
		}
		page.Payments = append(page.Payments, pay)
		page.NextSeq = p.Seq
	}
	page.More = len(ps) == limit
	return page, nil
}

// providerAdjustments are the PLB adjustments as the ERA viewer shows them.
func providerAdjustments(as []x835.ProviderAdjustment) []rcm.ProviderAdjustment {
	out := make([]rcm.ProviderAdjustment, len(as))
	for i, a := range as {
		out[i] = rcm.ProviderAdjustment{ProviderID: a.ProviderID, FiscalPeriod: a.FiscalPeriod, Reason: a.Reason,
			Reference: a.Reference, AmountCents: int64(a.Amount)}
	}
	return out
}

// paymentLine is one SVC loop as the ERA viewer shows it.
func paymentLine(n int, l x835.LinePayment) rcm.PaymentLine {
	pl := rcm.PaymentLine{Line: n, ProcedureQual: l.ProcedureQual, Procedure: l.Procedure, Modifiers: l.Modifiers,
		RevenueCode: l.RevenueCode, Units: l.Units, ChargeCents: int64(l.Charge), PaidCents: int64(l.Paid),
		ServiceDate: l.ServiceDate, LineControl: l.LineControl, RARCs: l.Remarks}
	if pl.ServiceDate == "" {
		pl.ServiceDate = l.ServiceFrom
	}
	if l.HasAllowed {
		allowed := int64(l.Allowed)
		pl.AllowedCents = &allowed
	}
	return pl
}

// nthTransaction finds the n-th transaction set of the file (0-based,
// counted across all groups, as the router numbers them) if its ST01 is id.
func nthTransaction(ics []*edi.Interchange, id string, n int) (*edi.Interchange, *edi.Transaction) {
	i := 0
	for _, ic := range ics {
		for _, g := range ic.Groups {
			for _, t := range g.Sets {
				if i == n {
					if t.ST().El(1) != id {
						return nil, nil
					}
					return ic, t
				}
				i++
			}
		}
	}
	return nil, nil
}
