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

	"github.com/claimflow/claimflow/edi"
	"github.com/claimflow/claimflow/edi/eligibility"
	"github.com/claimflow/claimflow/edi/snip"
	"github.com/claimflow/claimflow/rcm"
)

// EligibilityRecords is the store as eligibility uses it.
type EligibilityRecords interface {
	GetEligibilityBundle(ctx context.Context, a rcm.Actor, appointmentID string) (rcm.EligibilityBundle, error)
	BillingProfileFor(ctx context.Context, orgID string) (rcm.BillingProfile, error)
	PutEligibility(ctx context.Context, c rcm.EligibilityCheck) error
	UpcomingAppointments(ctx context.Context, from, to time.Time) ([]string, error)
	EnrollmentReader
}

// ErrTypeNotEnrolled: the payer requires enrollment and the appointment's
// provider is not approved for eligibility inquiries (270) on its date;
// no 270 is sent.
const ErrTypeNotEnrolled = "NotEnrolled"

// RealTimeSender sends a 270 or a 276 to a clearinghouse's real-time
// endpoint and returns the 271 or 277 (CORE connectivity; the same payload
// ID on a retry).
type RealTimeSender interface {
	RealTime270(ctx context.Context, clearinghouse, payloadID string, x12 []byte) ([]byte, error)
	RealTime276(ctx context.Context, clearinghouse, payloadID string, x12 []byte) ([]byte, error)
}

// Benefits is what is stored (sealed) from a 271 for the patient, for
// health benefit plan coverage (service type 30).
type Benefits struct {
	Active               bool   `json:"active"`
	Plan                 string `json:"plan,omitempty"`
	InsuranceType        string `json:"insurance_type,omitempty"`
	DeductibleCents      *int64 `json:"deductible_cents,omitempty"`
	DeductibleLeftCents  *int64 `json:"deductible_remaining_cents,omitempty"`
	OutOfPocketCents     *int64 `json:"out_of_pocket_cents,omitempty"`
	OutOfPocketLeftCents *int64 `json:"out_of_pocket_remaining_cents,omitempty"`
	CoPayCents           *int64 `json:"copay_cents,omitempty"`
	CoInsurance          string `json:"coinsurance,omitempty"`
}

// EligibilityService implements EligibilityChecker: a 270 from the
// appointment's patient, primary coverage and provider; real time through
// the clearinghouse's CORE endpoint, or in a batch file; the 271 read into
// stored (sealed) benefits or AAA reasons.
type EligibilityService struct {
	Records  EligibilityRecords
	RealTime RealTimeSender
	Files    FileSender
	Now      func() time.Time
	// Deviations records what the tolerant inbound check finds in a
	// real-time 271 (a batch 271's are recorded by the router); nil
	// records nothing.
	Deviations DeviationRecorder
}

func (s *EligibilityService) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now().UTC()
}

// build270 makes the inquiry interchange for an appointment.
func (s *EligibilityService) build270(ctx context.Context, req EligibilityRequest) (rcm.EligibilityBundle, []byte, error) {
	b, err := s.Records.GetEligibilityBundle(ctx, rcm.System, req.AppointmentID)
	switch {
	case errors.Is(err, rcm.ErrNoCoverage):
		return b, nil, temporal.NewNonRetryableApplicationError("appointment's patient has no coverage in force", "NoCoverage", nil)
	case errors.Is(err, rcm.ErrNotFound):
		return b, nil, temporal.NewNonRetryableApplicationError("appointment not found", "AppointmentNotFound", nil)
	case err != nil:
		return b, nil, err
	}
	prof, err := s.Records.BillingProfileFor(ctx, b.Appointment.OrgID)
	if err != nil {
		return b, nil, temporal.NewNonRetryableApplicationError("no billing profile for the appointment's organisation", "NoBillingProfile", err)
	}
	hold, err := enrollmentHold(ctx, s.Records, b.Provider, b.Payer, rcm.EnrollEligibility, b.Appointment.StartsAt.UTC().Format(time.DateOnly))
	if err != nil {
		return b, nil, err
	}
	if hold != "" {
		return b, nil, temporal.NewNonRetryableApplicationError(hold, ErrTypeNotEnrolled, nil)
	}
	ymd := func(d string) string { return strings.ReplaceAll(d, "-", "") }
	cov := eligibility.Coverage{PayerName: strings.ToUpper(b.Payer.Name), PayerID: payerIdentifier(b.Payer), MemberID: b.Coverage.MemberID,
		GroupNumber: b.Coverage.GroupNumber, Relationship: map[string]string{"self": "18", "spouse": "01", "child": "19", "other": "34"}[b.Coverage.Relationship]}
	if b.Coverage.Relationship != "self" {
		cov.Subscriber = eligibility.Person{LastName: strings.ToUpper(b.Coverage.SubscriberLastName), FirstName: strings.ToUpper(b.Coverage.SubscriberFirstName),
			BirthDate: ymd(b.Coverage.SubscriberBirthDate)}
	}
	pat := eligibility.Person{LastName: strings.ToUpper(b.Patient.LastName), FirstName: strings.ToUpper(b.Patient.FirstName),
		BirthDate: ymd(b.Patient.BirthDate), Gender: b.Patient.Sex}
	prov := eligibility.Provider{Name: strings.ToUpper(b.Provider.LastName), FirstName: strings.ToUpper(b.Provider.FirstName),
		NPI: b.Provider.NPI, Individual: true}
	originator := "1" + prof.TaxID
	tx := eligibility.Inquiry270(req.TraceNumber, originator, cov, pat, prov, b.Appointment.StartsAt.UTC().Format("20060102"), "30")
	now := s.now()
	tx.Date, tx.Time = now.Format("20060102"), now.Format("1504")
	ic, err := eligibility.BuildInquiry(eligibility.Envelope{SenderID: prof.SubmitterID, ReceiverID: strings.ToUpper(b.Payer.Clearinghouse),
		Time: now, Control: edi.Control{Interchange: controlFromTrace(req.TraceNumber), Group: 1, Set: 1}}, tx)
	if err != nil {
		return b, nil, temporal.NewNonRetryableApplicationError(fmt.Sprintf("build 270: %v", err), "Invalid270", nil)
	}
	var buf bytes.Buffer
	if err := edi.Write(&buf, ic); err != nil {
		return b, nil, err
	}
	// What claimflow sends passes the strictest level (SNIP 1-5).
	rep, err := snip.ValidateBytes(buf.Bytes(), snip.Options{Level: snip.Strict})
	if err != nil {
		return b, nil, err
	}
	if errs := reportErrors(rep); len(errs) > 0 {
		return b, nil, temporal.NewNonRetryableApplicationError(fmt.Sprintf("built 270 fails validation: %v", errs), "Invalid270", nil)
	}
	return b, buf.Bytes(), nil
}

// controlFromTrace derives a stable ISA13 from the trace, so a retried
// activity sends the same interchange.
func controlFromTrace(trace string) int {
	h := 0
	for i := 0; i < len(trace); i++ {
		h = (h*31 + int(trace[i])) % 999999999
	}
	return h + 1
}

// CheckRealtime sends the 270 in real time and stores what the 271 says.
func (s *EligibilityService) CheckRealtime(ctx context.Context, req EligibilityRequest) (EligibilityResult, error) {
	if s.RealTime == nil {
		return EligibilityResult{}, errors.New("no real-time connection is configured")
	}
	b, x270, err := s.build270(ctx, req)
	if reason, held := notEnrolled(err); held {
		return s.held(ctx, req, b, "realtime", reason)
	}
	if err != nil {
		return EligibilityResult{}, err
	}
	// One attempt per activity try; the trace number is the PayloadID, so
	// a retried attempt repeats the same request.
	x271, err := s.RealTime.RealTime270(ctx, b.Payer.Clearinghouse, req.TraceNumber, x270)
	if err != nil {
		return EligibilityResult{}, nonRetryableIfPermanent(err, ErrTypeRealTimeRejected)
	}
	res, err := s.store(ctx, req, b, x271, "realtime", "")
	if err != nil {
		return res, err
	}
	// After the check is stored, which the deviations link to.
	return res, s.recordDeviations(ctx, b.Payer.Clearinghouse, req.TraceNumber, x271)
}

// recordDeviations records the findings of the tolerant inbound check
// (the router's, snip.Options.Inbound) in a real-time 271: all of it
// answers the one check, so every finding is linked to it. The file key is
// the 271's archive key (its content hash), so a retried activity records
// nothing twice.
func (s *EligibilityService) recordDeviations(ctx context.Context, partner, trace string, x271 []byte) error {
	if s.Deviations == nil {
		return nil
	}
	rep, err := snip.ValidateBytes(x271, snip.Options{Inbound: true, Base: edi.Options{MaxErrors: maxDeviations}})
	if err != nil || len(rep.Errors) == 0 {
		return nil // the 271 was read and stored; a check that cannot run records nothing
	}
	f := InboundFile{Partner: partner, Hash: rcm.EDIHash(x271)}
	var ds []rcm.InboundDeviation
	seen := make(map[*edi.Error]bool, len(rep.Errors))
	add := func(e *edi.Error, index int, st edi.Seg) {
		seen[e] = true
		d := deviationOf(f, e, index, st)
		d.EligibilityTrace = trace
		ds = append(ds, d)
	}
	n := -1
	for _, ic := range rep.Interchanges {
		for _, e := range ic.Errors {
			add(e, -1, nil)
		}
		for _, g := range ic.Groups {
			for _, e := range g.Errors {
				add(e, -1, nil)
			}
			for _, st := range g.Sets {
				n++
				for _, e := range st.Errors {
					add(e, n, st.ST)
				}
			}
		}
	}
	for _, e := range rep.Errors {
		if !seen[e] {
			add(e, -1, nil)
		}
	}
	if _, err := s.Deviations.RecordInboundDeviations(ctx, ds); err != nil {
		return fmt.Errorf("record deviations of the real-time 271: %w", err)
	}
	return nil
}

// SubmitBatch sends the 270 in a batch file; the 271 comes back through
// inbound routing, matched by trace number.
func (s *EligibilityService) SubmitBatch(ctx context.Context, req EligibilityRequest) error {
	if s.Files == nil {
		return notWired("batch eligibility (no clearinghouse)")
	}
	b, x270, err := s.build270(ctx, req)
	if reason, held := notEnrolled(err); held {
		// Recorded for staff; the workflow ends with the reason rather
		// than wait for a 271 that no 270 asked for.
		if _, serr := s.held(ctx, req, b, "batch", reason); serr != nil {
			return serr
		}
		return err
	}
	if err != nil {
		return err
	}
	wfID := ""
	if activity.IsActivity(ctx) {
		wfID = activity.GetInfo(ctx).WorkflowExecution.ID
	}
	if err := s.Records.PutEligibility(ctx, rcm.EligibilityCheck{TraceNumber: req.TraceNumber, AppointmentID: req.AppointmentID,
		CoverageID: b.Coverage.ID, WorkflowID: wfID, Mode: "batch", Status: "pending", RequestKey: s.Files.Key(x270)}); err != nil {
		return err
	}
	_, err = s.Files.SendFile(ctx, b.Payer.Clearinghouse, x270)
	return err
}

// notEnrolled reports whether build270 refused the inquiry for the
// provider's payer enrollment, and why.
func notEnrolled(err error) (string, bool) {
	var app *temporal.ApplicationError
	if errors.As(err, &app) && app.Type() == ErrTypeNotEnrolled {
		return app.Message(), true
	}
	return "", false
}

// held records a check that was not sent because the provider is not
// enrolled with the payer: rejected, with the reason, so staff see why
// the appointment has no benefits.
func (s *EligibilityService) held(ctx context.Context, req EligibilityRequest, b rcm.EligibilityBundle, mode, reason string) (EligibilityResult, error) {
	wfID := ""
	if activity.IsActivity(ctx) {
		wfID = activity.GetInfo(ctx).WorkflowExecution.ID
	}
	res := EligibilityResult{Status: "rejected", RejectCodes: []string{reason}, Mode: mode, Held: reason}
	if err := s.Records.PutEligibility(ctx, rcm.EligibilityCheck{TraceNumber: req.TraceNumber, AppointmentID: req.AppointmentID,
		CoverageID: b.Coverage.ID, WorkflowID: wfID, Mode: mode, Status: res.Status, RejectCodes: res.RejectCodes}); err != nil {
		return res, err
	}
	return res, nil
}

// StoreResponse reads a batch 271 from the archive and stores it.
func (s *EligibilityService) StoreResponse(ctx context.Context, req EligibilityRequest, fileKey string) (EligibilityResult, error) {
	body, err := s.Files.Fetch(ctx, fileKey)
	if err != nil {
		return EligibilityResult{}, err
	}
	b, err := s.Records.GetEligibilityBundle(ctx, rcm.System, req.AppointmentID)
	if err != nil {
		return EligibilityResult{}, err
	}
	return s.store(ctx, req, b, body, "batch", fileKey)
}

func (s *EligibilityService) store(ctx context.Context, req EligibilityRequest, b rcm.EligibilityBundle, x271 []byte, mode, key string) (EligibilityResult, error) {
	ics, err := edi.ParseBytes(x271)
	if err != nil {
		return EligibilityResult{}, temporal.NewNonRetryableApplicationError(fmt.Sprintf("271: %v", err), "Malformed271", nil)
	}
	txs, err := eligibility.ReadAll(ics)
	if err != nil || len(txs) == 0 {
		return EligibilityResult{}, temporal.NewNonRetryableApplicationError("271: no eligibility response in the file", "Malformed271", nil)
	}
	tx := txs[0]
	for _, t := range txs { // the one answering our trace
		if p := t.Patient(); p != nil {
			for _, tr := range p.Traces {
				if tr.Number == req.TraceNumber {
					tx = t
				}
			}
		}
	}
	res := EligibilityResult{Mode: mode}
	chk := rcm.EligibilityCheck{TraceNumber: req.TraceNumber, AppointmentID: req.AppointmentID, CoverageID: b.Coverage.ID, Mode: mode, ResponseKey: key}
	// Every AAA of the transaction: the source's, the receiver's and each
	// member's (the patient's summary repeats the patient's own, so it is
	// not added again).
	rejections := tx.Rejections()
	p := tx.Patient()
	if p != nil {
		sum := p.Summary("30")
		if sum.Known {
			cents := func(m *eligibility.Money) *int64 {
				if m == nil {
					return nil
				}
				v := int64(*m)
				return &v
			}
			chk.Benefits = Benefits{Active: sum.Active, Plan: sum.PlanDescription, InsuranceType: sum.InsuranceType,
				DeductibleCents: cents(sum.Deductible), DeductibleLeftCents: cents(sum.DeductibleRemaining),
				OutOfPocketCents: cents(sum.OutOfPocket), OutOfPocketLeftCents: cents(sum.OutOfPocketRemaining),
				CoPayCents: cents(sum.CoPay), CoInsurance: sum.CoInsurance}
			res.Status = "inactive"
			if sum.Active {
				res.Status = "active"
			}
		}
	}
	for _, r := range rejections {
		res.RejectCodes = append(res.RejectCodes, "AAA03:"+r.Reason)
	}
	if res.Status == "" {
		res.Status = "rejected"
	}
	chk.Status, chk.RejectCodes = res.Status, res.RejectCodes
	if err := s.Records.PutEligibility(ctx, chk); err != nil {
		return res, err
	}
	res.BenefitsID = req.TraceNumber
	return res, nil
}

// UpcomingAppointments lists booked appointments in [from, to).
func (s *EligibilityService) UpcomingAppointments(ctx context.Context, from, to time.Time) ([]string, error) {
	return s.Records.UpcomingAppointments(ctx, from, to)
}
