package activities

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/claimflow/claimflow/edi"
	"github.com/claimflow/claimflow/edi/snip"
	"github.com/claimflow/claimflow/edi/x837p"
	"github.com/claimflow/claimflow/rcm"
)

// Receiver names the clearinghouse in the 837's envelope (ISA08/GS03 and
// loop 1000B).
type Receiver struct {
	ID   string // ISA08, NM109 of 1000B
	Name string // NM103 of 1000B
	// Usage is ISA15: P production, T test.
	Usage string
}

// ClaimRecords is the records store as the claim activities use it.
type ClaimRecords interface {
	GetClaimBundle(ctx context.Context, a rcm.Actor, claimID string) (rcm.ClaimBundle, error)
	BillingProfileFor(ctx context.Context, orgID string) (rcm.BillingProfile, error)
	RecordClaimProgress(ctx context.Context, p rcm.ClaimProgress) error
	EnrollmentReader
	EnrollmentHolds
}

// EnrollmentReader reads a provider's payer enrollment for a transaction
// (rcm.ErrNotFound when none is recorded).
type EnrollmentReader interface {
	EnrollmentFor(ctx context.Context, providerID, payerID, transaction string) (rcm.Enrollment, error)
}

// enrollmentHold is why the payer takes no transaction tx from the
// provider on date (rcm.EnrollmentHold), or "".
func enrollmentHold(ctx context.Context, r EnrollmentReader, prov rcm.Provider, payer rcm.Payer, tx, date string) (string, error) {
	if !payer.EnrollmentRequired {
		return "", nil
	}
	var e *rcm.Enrollment
	got, err := r.EnrollmentFor(ctx, prov.ID, payer.ID, tx)
	switch {
	case err == nil:
		e = &got
	case !errors.Is(err, rcm.ErrNotFound):
		return "", err
	}
	return rcm.EnrollmentHold(prov, payer, e, tx, date), nil
}

// ClaimStore implements ClaimService over the records store: scrubbing
// builds the claim's 837P and validates it against the guide, and status
// changes land in the claim's history.
type ClaimStore struct {
	Records ClaimRecords
	// Filing limits by payer ID (days); DefaultFilingDays otherwise.
	FilingDays        map[string]int
	DefaultFilingDays int
	// Auths, when set, holds claims whose services need a prior
	// authorization that is missing, expired or used up.
	Auths AuthChecker
}

// Scrub builds the claim's 837P and runs the guide's validation (SNIP 1–2
// and balancing) plus the checks the guide cannot see. Problems name loops,
// elements and codes, never PHI.
func (c *ClaimStore) Scrub(ctx context.Context, req ScrubRequest) (ScrubResult, error) {
	b, err := c.Records.GetClaimBundle(ctx, rcm.System, req.ClaimID)
	if errors.Is(err, rcm.ErrNotFound) {
		return ScrubResult{}, temporal.NewNonRetryableApplicationError("claim not found", "ClaimNotFound", nil)
	}
	if err != nil {
		return ScrubResult{}, err
	}
	res := ScrubResult{PayerID: b.Payer.PayerID, ClearinghouseID: b.Payer.Clearinghouse, ChargeCents: b.Claim.TotalCents,
		FilingLimitDays: c.DefaultFilingDays}
	if d, ok := c.FilingDays[b.Payer.PayerID]; ok {
		res.FilingLimitDays = d
	}
	prof, err := c.Records.BillingProfileFor(ctx, b.Claim.OrgID)
	if errors.Is(err, rcm.ErrNotFound) {
		res.Problems = append(res.Problems, rcm.NoProfileReason)
		return res, nil
	}
	if err != nil {
		return res, err
	}
	// A payer that requires enrollment takes no claim from a provider not
	// approved for claims on the date of service: the claim is held with
	// the reason, and staff resubmit it once the approval is recorded.
	hold, err := enrollmentHold(ctx, c.Records, b.Provider, b.Payer, rcm.EnrollClaims, b.Encounter.DateOfService)
	if err != nil {
		return res, err
	}
	if hold, err = recordEnrollmentHold(ctx, c.Records, req.ClaimID, hold); err != nil {
		return res, err
	}
	if hold != "" {
		res.Problems = append(res.Problems, hold)
	}
	// A service the payer's rules say needs prior authorization needs an
	// approved one in force with units left (priorauth.go).
	authID, units, err := c.priorAuth(ctx, &b, &res)
	if err != nil {
		return res, err
	}
	res.Problems = append(res.Problems, recordProblems(b)...)
	tx, err := Claim837(prof, b, req.FrequencyCode, req.PayerClaimNumber)
	if err != nil {
		res.Problems = append(res.Problems, err.Error())
		return res, nil
	}
	body, err := Write837(Receiver{ID: "SCRUB", Name: "SCRUB"}, prof, time.Now().UTC(), edi.Control{Interchange: 1, Group: 1, Set: 1}, tx)
	if err != nil {
		res.Problems = append(res.Problems, err.Error())
		return res, nil
	}
	rep, err := snip.ValidateBytes(body, snip.Options{Level: snip.Strict})
	if err != nil {
		return res, fmt.Errorf("validate built 837P: %w", err)
	}
	res.Problems = append(res.Problems, reportErrors(rep)...)
	if authID != "" && len(res.Problems) == 0 {
		if err := c.Auths.RecordAuthUse(ctx, authID, b.Claim.ID, units); err != nil {
			return res, err
		}
	}
	return res, nil
}

// reportErrors lists a validation report's errors (positions and codes).
func reportErrors(rep *edi.Report) []string {
	var out []string
	for _, e := range rep.Errors {
		out = append(out, e.Error())
	}
	return out
}

// recordProblems are checks on the records the 837 guide does not make.
func recordProblems(b rcm.ClaimBundle) []string {
	var p []string
	if len(b.Encounter.Charges) == 0 {
		p = append(p, "2400: the encounter has no charges")
	}
	var sum int64
	for _, ch := range b.Encounter.Charges {
		sum += ch.AmountCents
		for _, ptr := range ch.DiagnosisPointers {
			if ptr < 1 || ptr > len(b.Encounter.Diagnoses) {
				p = append(p, fmt.Sprintf("2400 SV107 line %d: diagnosis pointer %d has no diagnosis", ch.Line, ptr))
			}
		}
	}
	if sum != b.Claim.TotalCents {
		p = append(p, fmt.Sprintf("2300 CLM02: claim total %d cents differs from the charges' %d cents", b.Claim.TotalCents, sum))
	}
	dos, err := time.Parse(time.DateOnly, b.Encounter.DateOfService)
	if err == nil {
		if b.Coverage.EffectiveFrom != "" {
			if from, err := time.Parse(time.DateOnly, b.Coverage.EffectiveFrom); err == nil && dos.Before(from) {
				p = append(p, "2000B: the date of service precedes the coverage's effective date")
			}
		}
		if b.Coverage.EffectiveTo != "" {
			if to, err := time.Parse(time.DateOnly, b.Coverage.EffectiveTo); err == nil && dos.After(to) {
				p = append(p, "2000B: the date of service follows the coverage's end date")
			}
		}
	}
	if !rcm.ValidNPI(b.Provider.NPI) {
		p = append(p, "2310B NM109: rendering provider NPI fails its check digit")
	}
	return p
}

var addrRE = regexp.MustCompile(`^\s*(.+?)\s*,\s*([^,]+?)\s*,\s*([A-Za-z]{2})\s+([0-9]{5}(?:-?[0-9]{4})?)\s*$`)

// parseAddress reads "line 1, city, ST 12345" (the records API's form).
func parseAddress(s string) (x837p.Address, bool) {
	m := addrRE.FindStringSubmatch(s)
	if m == nil {
		return x837p.Address{}, false
	}
	return x837p.Address{Line1: strings.ToUpper(m[1]), City: strings.ToUpper(m[2]), State: strings.ToUpper(m[3]), Zip: strings.ReplaceAll(m[4], "-", "")}, true
}

var relationshipCodes = map[string]string{"spouse": "01", "child": "19", "other": "G8"}

// Claim837 maps one claim's records to an 837P transaction: billing
// provider from the billing profile, subscriber (and patient, when the
// patient is not the subscriber) from the coverage and the patient, the
// claim and its lines from the encounter.
func Claim837(prof rcm.BillingProfile, b rcm.ClaimBundle, freq, payerClaimNumber string) (*x837p.Transaction, error) {
	if freq == "" {
		freq = "1"
	}
	if (freq == "7" || freq == "8") && payerClaimNumber == "" {
		return nil, errors.New("2300 REF*F8: a replacement or void claim needs the payer's claim control number")
	}
	ymd := func(d string) string { return strings.ReplaceAll(d, "-", "") }
	claim := x837p.Claim{
		PatientControlNumber: b.Claim.PatientControlNumber,
		TotalCharge:          x837p.Money(b.Claim.TotalCents),
		FacilityCode:         b.Encounter.PlaceOfService,
		Frequency:            freq,
		ProviderSignature:    "Y",
		Assignment:           "A",
		BenefitsAssigned:     "Y",
		ReleaseOfInfo:        "Y",
		PayerClaimControl:    payerClaimNumber,
		PriorAuthorization:   b.PriorAuthorization,
		Rendering: &x837p.Provider{EntityType: "1", LastName: strings.ToUpper(b.Provider.LastName),
			FirstName: strings.ToUpper(b.Provider.FirstName), NPI: b.Provider.NPI, Taxonomy: b.Provider.Taxonomy},
	}
	for _, d := range b.Encounter.Diagnoses {
		claim.Diagnoses = append(claim.Diagnoses, strings.ReplaceAll(d, ".", ""))
	}
	for _, ch := range b.Encounter.Charges {
		line := x837p.ServiceLine{Procedure: ch.Code, Modifiers: ch.Modifiers, Charge: x837p.Money(ch.AmountCents),
			Unit: "UN", Quantity: formatUnits(ch.Units), DiagPointers: ch.DiagnosisPointers, ServiceDate: ymd(b.Encounter.DateOfService)}
		// No REF*6R line control number: situational in the guide, and
		// moov-io/x12 v0.1.0 (the peer every 837P we write must pass)
		// lacks it. 835 lines are matched by position and procedure.
		if ch.PlaceOfService != "" && ch.PlaceOfService != b.Encounter.PlaceOfService {
			line.PlaceOfSvc = ch.PlaceOfService
		}
		claim.Lines = append(claim.Lines, line)
	}
	patAddr, ok := parseAddress(b.Patient.Address)
	if !ok {
		return nil, errors.New("2010BA/2010CA N3/N4: the patient's address is missing or not in the form 'line, city, ST zip'")
	}
	sub := x837p.Subscriber{
		Responsibility: [...]string{"P", "S", "T"}[max(0, min(2, b.Coverage.Priority-1))],
		GroupNumber:    b.Coverage.GroupNumber,
		FilingCode:     "CI",
		MemberID:       b.Coverage.MemberID,
		Payer:          x837p.Payer{Name: strings.ToUpper(b.Payer.Name), ID: payerIdentifier(b.Payer)},
	}
	if b.Coverage.Relationship == "self" {
		sub.Relationship = "18"
		sub.LastName, sub.FirstName = strings.ToUpper(b.Patient.LastName), strings.ToUpper(b.Patient.FirstName)
		sub.BirthDate, sub.Gender = ymd(b.Patient.BirthDate), b.Patient.Sex
		sub.Address = &patAddr
		sub.Claims = []x837p.Claim{claim}
	} else {
		if b.Coverage.SubscriberLastName == "" || b.Coverage.SubscriberBirthDate == "" {
			return nil, errors.New("2010BA: the coverage's subscriber name and birth date are required when the patient is not the subscriber")
		}
		sub.LastName, sub.FirstName = strings.ToUpper(b.Coverage.SubscriberLastName), strings.ToUpper(b.Coverage.SubscriberFirstName)
		sub.BirthDate, sub.Gender = ymd(b.Coverage.SubscriberBirthDate), "U"
		sub.Patients = []x837p.Patient{{
			Relationship: relationshipCodes[b.Coverage.Relationship],
			LastName:     strings.ToUpper(b.Patient.LastName), FirstName: strings.ToUpper(b.Patient.FirstName),
			Address: patAddr, BirthDate: ymd(b.Patient.BirthDate), Gender: b.Patient.Sex,
			Claims: []x837p.Claim{claim},
		}}
	}
	return &x837p.Transaction{
		Header:    x837p.Header{Purpose: "00", Reference: b.Claim.PatientControlNumber, Type: "CH"},
		Submitter: x837p.Submitter{EntityType: "2", Name: strings.ToUpper(prof.Name), ID: prof.SubmitterID, ContactName: strings.ToUpper(prof.ContactName), Phone: prof.ContactPhone},
		Billing: []x837p.BillingProvider{{
			Taxonomy: prof.Taxonomy, EntityType: "2", Name: strings.ToUpper(prof.Name), NPI: prof.NPI, TaxID: prof.TaxID,
			Address:    x837p.Address{Line1: strings.ToUpper(prof.AddressLine1), City: strings.ToUpper(prof.City), State: prof.State, Zip: prof.Zip},
			Subscriber: []x837p.Subscriber{sub},
		}},
	}, nil
}

func payerIdentifier(p rcm.Payer) string {
	if p.ClearinghousePayer != "" {
		return p.ClearinghousePayer
	}
	return p.PayerID
}

func formatUnits(u float64) string {
	s := fmt.Sprintf("%.3f", u)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	return s
}

// Write837 builds one interchange holding the transactions, with the given
// control numbers, and returns its bytes.
func Write837(rcv Receiver, prof rcm.BillingProfile, at time.Time, ctl edi.Control, txs ...*x837p.Transaction) ([]byte, error) {
	for _, tx := range txs {
		tx.Receiver = x837p.Receiver{Name: rcv.Name, ID: rcv.ID}
		tx.Header.Date, tx.Header.Time = at.Format("20060102"), at.Format("1504")
	}
	// ISA14 = 0: clearinghouses answer with a 999 (and a TA1 on envelope
	// errors) either way, and moov-io/x12 v0.1.0, the peer every 837P we
	// write must pass, accepts only 0.
	ic, err := x837p.Build(x837p.Envelope{SenderID: prof.SubmitterID, ReceiverID: rcv.ID, Usage: rcv.Usage, Time: at,
		Newline: "\n", Control: ctl}, txs...)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := edi.Write(&buf, ic); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// RecordStatus records a claim workflow's status change.
func (c *ClaimStore) RecordStatus(ctx context.Context, ch ClaimStatusChange) error {
	return c.Records.RecordClaimProgress(ctx, rcm.ClaimProgress{ClaimID: ch.ClaimID, Attempt: ch.Attempt, Seq: ch.Seq,
		Status: ch.Status, Note: ch.Note, At: ch.At, PaidCents: ch.PaidCents, PayerClaimNumber: ch.PayerClaimNumber,
		FrequencyCode: ch.FrequencyCode, ActorID: ch.Actor, Denial: ch.Denial})
}

// AppealLog implements AppealFiler: the appeal is recorded (once) for the
// billing team, who send the packet to the payer.
type AppealLog struct {
	Records interface {
		RecordAppeal(ctx context.Context, a rcm.Appeal) error
	}
}

// FileAppeal records the appeal.
func (l *AppealLog) FileAppeal(ctx context.Context, req AppealRequest) error {
	return l.Records.RecordAppeal(ctx, rcm.Appeal{ClaimID: req.ClaimID, PayerClaimNumber: req.PayerClaimNumber,
		DenialCodes: req.Codes, Note: req.Note, FiledBy: req.User})
}
