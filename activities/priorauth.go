package activities

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/claimflow/claimflow/edi"
	"github.com/claimflow/claimflow/edi/snip"
	"github.com/claimflow/claimflow/edi/x278"
	"github.com/claimflow/claimflow/rcm"
)

// Prior authorization (issue 19): the activities of an authorization's
// workflow send its 278 request in real time through the payer's
// clearinghouse, read the 278 response and record the outcome; the claim
// scrub reads the payer's rules and the patient's authorizations.

// PriorAuthRecords is the store as the authorization activities use it.
type PriorAuthRecords interface {
	AuthorizationBundle(ctx context.Context, id string) (rcm.AuthBundle, error)
	BillingProfileFor(ctx context.Context, orgID string) (rcm.BillingProfile, error)
	RecordAuthOutcome(ctx context.Context, id string, o rcm.AuthOutcome) error
	ExpireAuthorization(ctx context.Context, id string) error
}

// AuthSender sends a 278 request to a clearinghouse's real-time endpoint
// and returns the 278 response (the same payload ID on a retry).
type AuthSender interface {
	RealTime278(ctx context.Context, clearinghouse, payloadID string, x12 []byte) ([]byte, error)
}

// PriorAuthService implements the authorization activities.
type PriorAuthService struct {
	Records  PriorAuthRecords
	RealTime AuthSender
	// FollowUp is how long the workflow waits before asking again about a
	// pended review (default 4h).
	FollowUp time.Duration
	Now      func() time.Time
}

// PriorAuthRequest names the authorization and the attempt (a follow-up of
// a pended review is attempt 2, 3...).
type PriorAuthRequest struct {
	AuthID  string
	Attempt int
}

// PriorAuthResult is the recorded outcome, and when to follow up a pended
// one.
type PriorAuthResult struct {
	Status   string // rcm.AuthApproved, AuthDenied, AuthPended, AuthError
	Decision string // HCR01
	Number   string
	From, To string // YYYY-MM-DD
	Units    int
	Reason   string
	FollowUp time.Duration
}

// Errors of the authorization activities.
const (
	ErrTypeInvalid278    = "Invalid278"
	ErrTypeAuthNotFound  = "AuthorizationNotFound"
	ErrTypeUnreadable278 = "Unreadable278"
)

// RequestPriorAuth sends (or, for a pended review, sends again) the
// authorization's 278 and records the payer's answer.
func (a *Activities) RequestPriorAuth(ctx context.Context, req PriorAuthRequest) (PriorAuthResult, error) {
	if a.PriorAuth == nil {
		return PriorAuthResult{}, notWired("prior authorization")
	}
	return a.PriorAuth.Request(ctx, req)
}

// ExpirePriorAuth marks an approved authorization expired.
func (a *Activities) ExpirePriorAuth(ctx context.Context, authID string) error {
	if a.PriorAuth == nil {
		return notWired("prior authorization")
	}
	return a.PriorAuth.Records.ExpireAuthorization(ctx, authID)
}

func (s *PriorAuthService) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now().UTC()
}

// Build278 makes the request interchange for an authorization.
func Build278(b rcm.AuthBundle, prof rcm.BillingProfile, attempt int, now time.Time) ([]byte, error) {
	ymd := func(d string) string { return strings.ReplaceAll(d, "-", "") }
	au := &b.Auth
	originator := "1" + prof.TaxID
	tx := &x278.Transaction{Reference: au.Trace, Date: now.Format("20060102"), Time: now.Format("1504"),
		UMO:       x278.Party{EntityCode: "X3", EntityType: "2", Name: strings.ToUpper(b.Payer.Name), IDQual: "PI", ID: payerIdentifier(b.Payer)},
		Requester: x278.Party{EntityCode: "1P", EntityType: "1", Name: strings.ToUpper(b.Provider.LastName), FirstName: strings.ToUpper(b.Provider.FirstName), IDQual: "XX", ID: b.Provider.NPI, Taxonomy: b.Provider.Taxonomy},
		Event: x278.Event{Trace: au.Trace, Originator: originator, Category: "HS", CertType: "I", ServiceType: "1",
			EventDates: x278.Dates{From: ymd(au.ServiceFrom), To: ymd(au.ServiceTo)}},
	}
	pat := x278.Member{LastName: strings.ToUpper(b.Patient.LastName), FirstName: strings.ToUpper(b.Patient.FirstName),
		BirthDate: ymd(b.Patient.BirthDate), Gender: b.Patient.Sex}
	if b.Coverage.Relationship == "self" || b.Coverage.Relationship == "" {
		pat.MemberID = b.Coverage.MemberID
		tx.Subscriber = pat
	} else {
		tx.Subscriber = x278.Member{LastName: strings.ToUpper(b.Coverage.SubscriberLastName), FirstName: strings.ToUpper(b.Coverage.SubscriberFirstName),
			MemberID: b.Coverage.MemberID, BirthDate: ymd(b.Coverage.SubscriberBirthDate)}
		pat.Relationship = map[string]string{"spouse": "01", "child": "19", "other": "G8"}[b.Coverage.Relationship]
		tx.Dependent = &pat
	}
	for _, d := range au.Diagnoses {
		tx.Event.Diagnoses = append(tx.Event.Diagnoses, strings.ReplaceAll(d, ".", ""))
	}
	for i, c := range au.Codes {
		tx.Event.Services = append(tx.Event.Services, x278.Service{Trace: au.Trace + "-" + strconv.Itoa(i+1), Originator: originator,
			Dates: x278.Dates{From: ymd(au.ServiceFrom), To: ymd(au.ServiceTo)}, Procedure: c, Unit: "UN", Quantity: strconv.Itoa(au.Units)})
	}
	if attempt > 1 {
		// A follow-up: the same review asked again, under its trace.
		tx.Event.CertType = "I"
		tx.Event.Messages = []string{"FOLLOW-UP " + strconv.Itoa(attempt)}
	}
	ic, err := x278.BuildRequest(x278.Envelope{SenderID: prof.SubmitterID, ReceiverID: strings.ToUpper(b.Payer.Clearinghouse), Time: now,
		Control: edi.Control{Interchange: controlFromTrace(au.Trace + strconv.Itoa(attempt)), Group: 1, Set: 1}}, tx)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := edi.Write(&buf, ic); err != nil {
		return nil, err
	}
	// What claimflow sends passes the strictest level (SNIP 1-5).
	rep, err := snip.ValidateBytes(buf.Bytes(), snip.Options{Level: snip.Strict})
	if err != nil {
		return nil, err
	}
	if errs := reportErrors(rep); len(errs) > 0 {
		return nil, fmt.Errorf("built 278 fails validation: %v", errs)
	}
	return buf.Bytes(), nil
}

// Request sends the 278 and records what the response says.
func (s *PriorAuthService) Request(ctx context.Context, req PriorAuthRequest) (PriorAuthResult, error) {
	if s.RealTime == nil {
		return PriorAuthResult{}, notWired("prior authorization (no real-time connection)")
	}
	b, err := s.Records.AuthorizationBundle(ctx, req.AuthID)
	if errors.Is(err, rcm.ErrNotFound) {
		return PriorAuthResult{}, temporal.NewNonRetryableApplicationError("authorization not found", ErrTypeAuthNotFound, nil)
	}
	if err != nil {
		return PriorAuthResult{}, err
	}
	prof, err := s.Records.BillingProfileFor(ctx, b.Auth.OrgID)
	if err != nil {
		return PriorAuthResult{}, temporal.NewNonRetryableApplicationError("no billing profile for the authorization's organisation", "NoBillingProfile", err)
	}
	attempt := max(req.Attempt, 1)
	x, err := Build278(b, prof, attempt, s.now())
	if err != nil {
		return PriorAuthResult{}, temporal.NewNonRetryableApplicationError(err.Error(), ErrTypeInvalid278, nil)
	}
	// The trace and attempt are the PayloadID: a retried try repeats the
	// same request; a follow-up is a new one.
	resp, err := s.RealTime.RealTime278(ctx, b.Payer.Clearinghouse, b.Auth.Trace+"-"+strconv.Itoa(attempt), x)
	if err != nil {
		return PriorAuthResult{}, nonRetryableIfPermanent(err, ErrTypeRealTimeRejected)
	}
	out, err := Read278Outcome(resp, b.Auth.Trace)
	if err != nil {
		return PriorAuthResult{}, temporal.NewNonRetryableApplicationError(err.Error(), ErrTypeUnreadable278, nil)
	}
	if err := s.Records.RecordAuthOutcome(ctx, req.AuthID, out); err != nil {
		return PriorAuthResult{}, err
	}
	follow := s.FollowUp
	if follow <= 0 {
		follow = 4 * time.Hour
	}
	return PriorAuthResult{Status: out.Status, Decision: out.Decision, Number: out.Number, From: out.From, To: out.To, Units: out.Units,
		Reason: out.Reason, FollowUp: follow}, nil
}

// Read278Outcome reads the 278 response for the trace: approved (A1, A2,
// A6 with an authorization number), denied (A3), pended (A4 and the
// rest), or an error (AAA rejections, or no answer for the trace).
func Read278Outcome(x []byte, trace string) (rcm.AuthOutcome, error) {
	ics, err := edi.ParseBytes(x)
	if err != nil {
		return rcm.AuthOutcome{}, fmt.Errorf("278 response: %w", err)
	}
	txs, err := x278.ReadAll(ics)
	if err != nil {
		return rcm.AuthOutcome{}, err
	}
	for _, tx := range txs {
		if tx.Event.Trace != trace {
			continue
		}
		r := tx.Result()
		date := func(d string) string {
			if len(d) != 8 {
				return ""
			}
			return d[:4] + "-" + d[4:6] + "-" + d[6:]
		}
		o := rcm.AuthOutcome{Decision: r.Action, Number: r.Number, From: date(r.From), To: date(r.To), Reason: r.Reason}
		o.Units, _ = strconv.Atoi(r.Units)
		switch {
		case len(r.Rejected) > 0 && r.Action == "":
			o.Status, o.Reason = rcm.AuthError, "AAA "+strings.Join(r.Rejected, ",")
		case r.Action == x278.Certified || r.Action == x278.Partial || r.Action == x278.Modified:
			if !rcm.ValidAuthNumber(o.Number) || o.From == "" || o.To == "" {
				return o, errors.New("278 response: a certification without an authorization number or dates")
			}
			o.Status = rcm.AuthApproved
		case r.Action == x278.NotCertified:
			o.Status = rcm.AuthDenied
		default:
			o.Status = rcm.AuthPended
		}
		return o, nil
	}
	return rcm.AuthOutcome{}, errors.New("278 response does not answer the request's trace number")
}

// AuthChecker is what the claim scrub reads and records of prior
// authorizations.
type AuthChecker interface {
	AuthRulesFor(ctx context.Context, payerID string) (rcm.AuthRules, error)
	// PatientAuthorizations lists the patient's authorizations with the
	// payer, used units leaving out claimID's own.
	PatientAuthorizations(ctx context.Context, patientID, payerID, claimID string) ([]rcm.Authorization, error)
	RecordAuthUse(ctx context.Context, authID, claimID string, units int) error
}

// priorAuth checks the claim's services against the payer's rules: a
// missing, expired or used-up authorization is a problem (the hold staff
// see); an approved one in force goes on the claim (REF*G1), and its ID and
// the claim's units under it are returned for recording once the claim
// passes.
func (c *ClaimStore) priorAuth(ctx context.Context, b *rcm.ClaimBundle, res *ScrubResult) (string, int, error) {
	if c.Auths == nil {
		return "", 0, nil
	}
	rules, err := c.Auths.AuthRulesFor(ctx, b.Payer.ID)
	if err != nil || len(rules.Rules) == 0 {
		return "", 0, err
	}
	units := map[string]int{}
	var codes []string
	for _, ch := range b.Encounter.Charges {
		if _, seen := units[ch.Code]; !seen {
			codes = append(codes, ch.Code)
		}
		units[ch.Code] += int(max(1, ch.Units+0.999))
	}
	need := rules.NeedsAuth(codes)
	if len(need) == 0 {
		return "", 0, nil
	}
	auths, err := c.Auths.PatientAuthorizations(ctx, b.Claim.PatientID, b.Payer.ID, b.Claim.ID)
	if err != nil {
		return "", 0, err
	}
	hold, number := rcm.AuthHold(b.Payer.Name, rules, auths, units, codes, b.Encounter.DateOfService)
	if hold != "" {
		res.Problems = append(res.Problems, hold)
		b.PriorAuthorization = ""
		return "", 0, nil
	}
	b.PriorAuthorization = number
	for _, a := range auths {
		if a.Number == number && a.Status == rcm.AuthApproved {
			n := 0
			for _, c := range need {
				n += units[c]
			}
			return a.ID, n, nil
		}
	}
	return "", 0, nil
}
