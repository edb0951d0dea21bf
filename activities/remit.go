package activities

import (
	"context"
	"fmt"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/claimflow/claimflow/edi"
	"github.com/claimflow/claimflow/edi/x835"
	"github.com/claimflow/claimflow/rcm"
)

// RemitRecords is the store as remittance posting uses it.
type RemitRecords interface {
	PutRemittance(ctx context.Context, r rcm.Remittance) (id string, existed bool, err error)
	PostClaimPayment(ctx context.Context, remittanceID string, p rcm.ClaimPaymentRecord) (claimID string, posted bool, err error)
	ReconcileEFT(ctx context.Context, remittanceID string) (bool, error)
	ClaimEventRecorder
}

// RemitService implements RemittancePoster: it reads one 835 transaction
// from the archive, checks that it balances (SNIP 3), and posts each claim
// payment in its own database transaction, exactly once.
type RemitService struct {
	Files interface {
		Fetch(ctx context.Context, key string) ([]byte, error)
	}
	Records RemitRecords
	// AfterPost, when set, runs after each claim payment is committed (a
	// fault-injection point: tests kill the worker there).
	AfterPost func(seq int)
}

func malformed(format string, args ...any) error {
	return temporal.NewNonRetryableApplicationError(fmt.Sprintf(format, args...), "MalformedRemittance", nil)
}

// Post posts the req.Transaction-th transaction set of the archived file.
func (s *RemitService) Post(ctx context.Context, req RemittanceRequest) (PostingResult, error) {
	var res PostingResult
	stop := heartbeatEvery(ctx, 5*time.Second)
	defer stop()
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
	for i, cp := range rem.Claims {
		rec := rcm.ClaimPaymentRecord{Seq: i + 1, PatientControl: cp.PatientControlNumber, StatusCode: cp.Status,
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
		claimID, posted, err := s.Records.PostClaimPayment(ctx, rid, rec)
		if err != nil {
			return res, fmt.Errorf("post claim payment %d: %w", i+1, err)
		}
		if activity.IsActivity(ctx) {
			activity.RecordHeartbeat(ctx, i)
		}
		if s.AfterPost != nil {
			s.AfterPost(i + 1)
		}
		switch {
		case claimID == "":
			res.Unmatched++
			continue
		case posted:
			res.NewlyPosted++
		default:
			res.AlreadyPosted++
		}
		// An ERA for a provider not enrolled for 835 with the payer is
		// posted all the same (the money arrived) and flagged to staff.
		if reason, err := flagERAEnrollment(ctx, s.Records, rid, rec.Seq, claimID, date); err != nil {
			return res, fmt.Errorf("enrollment check of claim payment %d: %w", i+1, err)
		} else if reason != "" {
			res.NotEnrolled++
		}
		// The claim's 835 event, also when a retry finds it posted.
		codes := make([]string, 0, len(pay.Adjustments)+len(pay.RARCs))
		for _, a := range pay.Adjustments {
			codes = append(codes, a.Group+"-"+a.Reason)
		}
		codes = append(codes, pay.RARCs...)
		if err := s.Records.RecordClaimEvent(ctx, rcm.ClaimEvent{ClaimID: claimID, Kind: rcm.Event835, Dedup: fmt.Sprintf("%s/%d", rid, rec.Seq),
			FileKey: req.FileKey, SetIndex: req.Transaction, Seq: rec.Seq, Codes: codes,
			Summary: "835 trace " + req.TraceNumber + ": CLP02 " + cp.Status + ", paid " + rcm.Dollars(rec.PaidCents) + " of " + rcm.Dollars(rec.ChargeCents)}); err != nil {
			return res, fmt.Errorf("record 835 event %d: %w", i+1, err)
		}
		pay.ClaimID = claimID
		res.Payments = append(res.Payments, pay)
	}
	if rem.Payment.Amount > 0 {
		if res.EFTReconciled, err = s.Records.ReconcileEFT(ctx, rid); err != nil {
			return res, err
		}
	}
	return res, nil
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
