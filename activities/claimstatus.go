package activities

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/claimflow/claimflow/archive"
	"github.com/claimflow/claimflow/edi"
	"github.com/claimflow/claimflow/edi/claimstatus"
	"github.com/claimflow/claimflow/edi/snip"
	"github.com/claimflow/claimflow/rcm"
)

// StatusRecords is the store as status inquiries use it.
type StatusRecords interface {
	GetClaimBundle(ctx context.Context, a rcm.Actor, claimID string) (rcm.ClaimBundle, error)
	BillingProfileFor(ctx context.Context, orgID string) (rcm.BillingProfile, error)
	GetClaimSubmission(ctx context.Context, claimID string) (rcm.ClaimSubmission, error)
	// RecordStatusInquiry keeps which archived 276 and 277 (by hash) the
	// inquiry exchanged, for the dashboard's claim timeline.
	RecordStatusInquiry(ctx context.Context, in rcm.StatusInquiry) error
	ClaimEventRecorder
}

// StatusInquiryService implements StatusInquirer: a 276 for the claim sent
// in real time to its clearinghouse, the 277's claim-level STC returned.
type StatusInquiryService struct {
	Records  StatusRecords
	RealTime RealTimeSender
	Now      func() time.Time
}

// Inquire asks the payer about one claim.
func (s *StatusInquiryService) Inquire(ctx context.Context, claimID string) (StatusInquiryResult, error) {
	b, err := s.Records.GetClaimBundle(ctx, rcm.System, claimID)
	if errors.Is(err, rcm.ErrNotFound) {
		return StatusInquiryResult{}, temporal.NewNonRetryableApplicationError("claim not found", "ClaimNotFound", nil)
	}
	if err != nil {
		return StatusInquiryResult{}, err
	}
	prof, err := s.Records.BillingProfileFor(ctx, b.Claim.OrgID)
	if err != nil {
		return StatusInquiryResult{}, err
	}
	sub, err := s.Records.GetClaimSubmission(ctx, claimID)
	if err != nil {
		return StatusInquiryResult{}, err
	}
	// One trace per inquiry, the same on a retry of the same activity.
	trace := b.Claim.PatientControlNumber
	if activity.IsActivity(ctx) {
		info := activity.GetInfo(ctx)
		trace = fmt.Sprintf("%s-%d-%s", b.Claim.PatientControlNumber, sub.Attempt, info.ActivityID)
	}
	if len(trace) > 50 {
		trace = trace[:50]
	}
	charge := claimstatus.Money(b.Claim.TotalCents)
	dos := strings.ReplaceAll(b.Encounter.DateOfService, "-", "")
	subscriber := claimstatus.Person{LastName: strings.ToUpper(b.Patient.LastName), FirstName: strings.ToUpper(b.Patient.FirstName),
		MemberID: b.Coverage.MemberID, BirthDate: strings.ReplaceAll(b.Patient.BirthDate, "-", ""), Gender: b.Patient.Sex}
	var patient *claimstatus.Person
	if b.Coverage.Relationship != "self" {
		p := subscriber
		subscriber = claimstatus.Person{LastName: strings.ToUpper(b.Coverage.SubscriberLastName), FirstName: strings.ToUpper(b.Coverage.SubscriberFirstName),
			MemberID: b.Coverage.MemberID}
		p.MemberID = ""
		patient = &p
	}
	tx := claimstatus.Inquiry276(
		claimstatus.Party{EntityType: "2", Name: strings.ToUpper(b.Payer.Name), IDQual: "PI", ID: payerIdentifier(b.Payer)},
		claimstatus.Party{EntityType: "2", Name: strings.ToUpper(prof.Name), IDQual: "46", ID: prof.SubmitterID},
		claimstatus.Party{EntityType: "2", Name: strings.ToUpper(prof.Name), IDQual: "XX", ID: prof.NPI},
		subscriber, patient,
		claimstatus.Claim{Trace: trace, PayerClaimControl: sub.PayerClaimNumber, PatientControlNumber: b.Claim.PatientControlNumber,
			Charge: &charge, ServiceFrom: dos})
	now := time.Now().UTC()
	if s.Now != nil {
		now = s.Now()
	}
	ic, err := claimstatus.BuildInquiry(claimstatus.Envelope{SenderID: prof.SubmitterID, ReceiverID: strings.ToUpper(b.Payer.Clearinghouse),
		Time: now, Control: edi.Control{Interchange: controlFromTrace(trace), Group: 1, Set: 1}}, tx)
	if err != nil {
		return StatusInquiryResult{}, temporal.NewNonRetryableApplicationError(fmt.Sprintf("build 276: %v", err), "Invalid276", nil)
	}
	var buf bytes.Buffer
	if err := edi.Write(&buf, ic); err != nil {
		return StatusInquiryResult{}, err
	}
	// What claimflow sends passes the strictest level (SNIP 1-5).
	if rep, err := snip.ValidateBytes(buf.Bytes(), snip.Options{Level: snip.Strict}); err != nil {
		return StatusInquiryResult{}, err
	} else if errs := reportErrors(rep); len(errs) > 0 {
		return StatusInquiryResult{}, temporal.NewNonRetryableApplicationError(fmt.Sprintf("built 276 fails validation: %v", errs), "Invalid276", nil)
	}
	x277, err := s.RealTime.RealTime276(ctx, b.Payer.Clearinghouse, trace, buf.Bytes())
	// The real-time client archives the 276 before sending and the 277 it
	// receives; the inquiry row names both by their archive keys.
	inq := rcm.StatusInquiry{ClaimID: claimID, Attempt: sub.Attempt, Trace: trace, Partner: b.Payer.Clearinghouse,
		RequestKey: archive.Hash(buf.Bytes()), SentAt: now}
	record := func(res StatusInquiryResult, note string) error {
		if len(x277) > 0 {
			inq.ResponseKey = archive.Hash(x277)
		}
		if res.Category != "" {
			inq.STC = strings.TrimPrefix(res.Summary(), "STC ")
		}
		inq.Note = note
		if err := s.Records.RecordStatusInquiry(ctx, inq); err != nil {
			return err
		}
		ev := rcm.ClaimEvent{ClaimID: claimID, Kind: rcm.EventInquiry276, Dedup: trace, Attempt: sub.Attempt,
			FileKey: inq.RequestKey, ResponseKey: inq.ResponseKey, Codes: []string{}, At: now}
		ev.Summary = "276 inquiry, trace " + trace + ": "
		switch {
		case inq.STC != "":
			ev.Summary += "277 STC " + inq.STC
			ev.Codes = append(ev.Codes, inq.STC)
		case note != "":
			ev.Summary += note
		default:
			ev.Summary += "no answer"
		}
		return s.Records.RecordClaimEvent(ctx, ev)
	}
	if err != nil {
		if rerr := record(StatusInquiryResult{}, "no answer"); rerr != nil {
			return StatusInquiryResult{}, errors.Join(err, rerr)
		}
		return StatusInquiryResult{}, nonRetryableIfPermanent(err, ErrTypeRealTimeRejected)
	}
	ics, err := edi.ParseBytes(x277)
	var txs []*claimstatus.Transaction
	if err == nil {
		txs, err = claimstatus.ReadAll(ics)
	}
	if err != nil {
		if rerr := record(StatusInquiryResult{}, "unreadable 277"); rerr != nil {
			return StatusInquiryResult{}, rerr
		}
		return StatusInquiryResult{}, temporal.NewNonRetryableApplicationError(fmt.Sprintf("277: %v", err), "Malformed277", nil)
	}
	for _, t := range txs {
		c := t.Find(trace)
		if c == nil {
			c = t.Find(b.Claim.PatientControlNumber)
		}
		if c == nil || len(c.Status) == 0 {
			continue
		}
		st := c.Status[0]
		res := StatusInquiryResult{Category: st.Category, Status: st.Code, Entity: st.Entity}
		if d, err := time.Parse("20060102", st.Date); err == nil {
			res.Date = d
		}
		return res, record(res, "")
	}
	res := StatusInquiryResult{Note: "the 277 does not mention the claim"}
	return res, record(res, res.Note)
}
