package rcm

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// ClaimStatus is where a claim is in its lifecycle: the value of
// claims.status and of each claim_status_history row, the claim workflow's
// state and its ClaimStatus search attribute. The strings are stored, so
// they never change; a new status is added, never renamed.
type ClaimStatus string

// The claim statuses. The claim workflow is the only writer of all of them
// (StatusDraft is the status a claim is created in). StatusBatched is never
// written any more: a batch run's reservation (a batch_claims row for the
// claim's current attempt) makes a ready claim count as batched when a move
// is checked, and rows written as batched before that stay valid.
const (
	StatusDraft           ClaimStatus = "draft"            // created; its workflow has not scrubbed it yet
	StatusScrubbing       ClaimStatus = "scrubbing"        // checked against the payer's and the guide's rules
	StatusScrubFailed     ClaimStatus = "scrub_failed"     // the scrub found problems; waits for staff
	StatusReady           ClaimStatus = "ready"            // waits for the next 837 batch
	StatusOnHold          ClaimStatus = "on_hold"          // held back from batches by staff
	StatusBatched         ClaimStatus = "batched"          // reserved for an 837 being built and sent
	StatusSubmitted       ClaimStatus = "submitted"        // in an uploaded 837
	StatusAcknowledged    ClaimStatus = "acknowledged"     // a TA1/999 accepted its interchange
	StatusRejected        ClaimStatus = "rejected"         // a 999 or 277CA rejected it (front end); waits for staff
	StatusAccepted        ClaimStatus = "accepted"         // the payer's 277CA accepted it; waits for the 835
	StatusPaid            ClaimStatus = "paid"             // paid in full (after contractual and patient amounts)
	StatusPartiallyPaid   ClaimStatus = "partially_paid"   // paid less than expected
	StatusDenied          ClaimStatus = "denied"           // legacy: set by staff before the workflow owned status; never written now
	StatusNeedsCorrection ClaimStatus = "needs_correction" // denied for a correctable reason; waits for staff
	StatusAppealPending   ClaimStatus = "appeal_pending"   // denied, appealable until the filing deadline; waits for staff
	StatusAppealed        ClaimStatus = "appealed"         // appeal filed; waits for the payer's next 835
	StatusPatientBilling  ClaimStatus = "patient_billing"  // denied to patient responsibility
	StatusWrittenOff      ClaimStatus = "written_off"      // staff gave up the balance
	StatusAppealLapsed    ClaimStatus = "appeal_lapsed"    // the filing deadline passed without a decision; waits for a write-off
	StatusResubmitted     ClaimStatus = "resubmitted"      // resubmitted or corrected: the next attempt starts
	StatusVoided          ClaimStatus = "voided"           // withdrawn by staff before a payer adjudicated it
)

// ClaimStatuses lists every status, in lifecycle order.
var ClaimStatuses = []ClaimStatus{
	StatusDraft, StatusScrubbing, StatusScrubFailed, StatusReady, StatusOnHold, StatusBatched, StatusSubmitted,
	StatusAcknowledged, StatusRejected, StatusAccepted, StatusPaid, StatusPartiallyPaid, StatusDenied,
	StatusNeedsCorrection, StatusAppealPending, StatusAppealed, StatusPatientBilling, StatusWrittenOff,
	StatusAppealLapsed, StatusResubmitted, StatusVoided,
}

// claimTransitions is the lifecycle: from each status, the statuses a claim
// may move to. A status absent as a key is final. Recording the status a
// claim already has (a note: overdue, 276 inquiry, escalation) is always
// allowed and not listed.
var claimTransitions = map[ClaimStatus][]ClaimStatus{
	StatusDraft:       {StatusScrubbing, StatusVoided},
	StatusScrubbing:   {StatusScrubFailed, StatusReady},
	StatusScrubFailed: {StatusResubmitted, StatusWrittenOff, StatusVoided},
	// ready → submitted: the workflow's own view (it never sees batched).
	StatusReady:           {StatusBatched, StatusSubmitted, StatusOnHold, StatusVoided},
	StatusOnHold:          {StatusReady, StatusVoided},
	StatusBatched:         {StatusSubmitted},
	StatusSubmitted:       {StatusAcknowledged, StatusRejected},
	StatusAcknowledged:    {StatusAccepted, StatusRejected},
	StatusRejected:        {StatusResubmitted, StatusWrittenOff, StatusVoided},
	StatusAccepted:        adjudicated,
	StatusDenied:          adjudicated, // a legacy row takes the outcome of the 835 its workflow still waits for
	StatusNeedsCorrection: {StatusResubmitted, StatusAppealed, StatusWrittenOff, StatusAppealLapsed},
	StatusAppealPending:   {StatusAppealed, StatusWrittenOff, StatusAppealLapsed},
	StatusAppealed:        adjudicated,
	StatusAppealLapsed:    {StatusWrittenOff},
	StatusResubmitted:     {StatusScrubbing},
}

// nextPayerMoves are coordination of benefits' moves: once a payer has
// paid, the claim goes to the patient's next payer, billed by us (ready)
// or forwarded by the payer itself, a crossover, waiting for the next
// payer's 835 (accepted). Only the claim workflow makes them, when the
// patient has a later coverage; for staff, the dashboard and the checks
// of a run, paid and partially paid stay final (Final).
var nextPayerMoves = map[ClaimStatus][]ClaimStatus{
	StatusPaid:          nextPayer,
	StatusPartiallyPaid: nextPayer,
}

// nextPayer are the moves of a paid claim to the patient's next payer.
var nextPayer = []ClaimStatus{StatusReady, StatusAccepted}

// adjudicated are the outcomes of an 835 for a claim.
var adjudicated = []ClaimStatus{StatusPaid, StatusPartiallyPaid, StatusPatientBilling, StatusNeedsCorrection, StatusAppealPending}

// Valid reports whether s is one of the claim statuses.
func (s ClaimStatus) Valid() bool { return slices.Contains(ClaimStatuses, s) }

// Final reports whether no transition leaves s other than to the
// patient's next payer (nextPayerMoves).
func (s ClaimStatus) Final() bool {
	_, open := claimTransitions[s]
	return s.Valid() && !open
}

// Next lists the statuses a claim in s may move to (a copy).
func (s ClaimStatus) Next() []ClaimStatus {
	return append(slices.Clone(claimTransitions[s]), nextPayerMoves[s]...)
}

// ParseClaimStatus returns the status named s, or an *UnknownStatusError.
func ParseClaimStatus(s string) (ClaimStatus, error) {
	if st := ClaimStatus(s); st.Valid() {
		return st, nil
	}
	return "", &UnknownStatusError{Status: s}
}

// CanTransition reports whether a claim in from may be recorded in to.
func CanTransition(from, to ClaimStatus) bool {
	if !from.Valid() || !to.Valid() {
		return false
	}
	return from == to || slices.Contains(claimTransitions[from], to) || slices.Contains(nextPayerMoves[from], to)
}

// CheckTransition returns nil when from → to is allowed, an
// *UnknownStatusError when either is not a claim status, and an
// *IllegalTransitionError otherwise.
func CheckTransition(from, to ClaimStatus) error {
	for _, s := range []ClaimStatus{from, to} {
		if !s.Valid() {
			return &UnknownStatusError{Status: string(s)}
		}
	}
	if !CanTransition(from, to) {
		return &IllegalTransitionError{From: from, To: to}
	}
	return nil
}

// Decision is what staff can do to a claim. Staff never set a status
// directly: they decide, and the claim workflow applies the decision
// (claim.decide update), moving the claim to the decision's status.
type Decision string

// The staff decisions.
const (
	DecisionResubmit Decision = "resubmit"  // send again after a scrub failure or a front-end rejection, edited
	DecisionCorrect  Decision = "correct"   // a corrected claim (frequency code 7) after a correctable denial
	DecisionAppeal   Decision = "appeal"    // file an appeal before the filing deadline
	DecisionWriteOff Decision = "write_off" // give up the balance
	DecisionVoid     Decision = "void"      // withdraw a claim no payer has adjudicated (not yet sent, or rejected)
	DecisionHold     Decision = "hold"      // keep a ready claim out of the next batches
	DecisionRelease  Decision = "release"   // let a held claim go out with the next batch
)

// DecisionRule is one row of the decision table.
type DecisionRule struct {
	Decision Decision
	// From lists the statuses in which staff may take the decision.
	From []ClaimStatus
	// To is the status the claim workflow moves the claim to.
	To ClaimStatus
	// Permission is what the acting user needs at the claim's organisation.
	Permission string
}

// decisionTable lists every staff decision. Each (From, To) pair is in
// claimTransitions (a test checks), and no status has two decisions
// leading to the same status, so a requested status names one decision.
var decisionTable = []DecisionRule{
	{DecisionResubmit, []ClaimStatus{StatusScrubFailed, StatusRejected}, StatusResubmitted, PermClaimWrite},
	{DecisionCorrect, []ClaimStatus{StatusNeedsCorrection}, StatusResubmitted, PermClaimWrite},
	{DecisionAppeal, []ClaimStatus{StatusNeedsCorrection, StatusAppealPending}, StatusAppealed, PermClaimWrite},
	{DecisionWriteOff, []ClaimStatus{StatusScrubFailed, StatusRejected, StatusNeedsCorrection, StatusAppealPending, StatusAppealLapsed}, StatusWrittenOff, PermClaimWrite},
	{DecisionVoid, []ClaimStatus{StatusScrubFailed, StatusReady, StatusOnHold, StatusRejected}, StatusVoided, PermClaimWrite},
	{DecisionHold, []ClaimStatus{StatusReady}, StatusOnHold, PermClaimWrite},
	{DecisionRelease, []ClaimStatus{StatusOnHold}, StatusReady, PermClaimWrite},
}

// Decisions lists the decision table (a copy).
func Decisions() []DecisionRule {
	out := slices.Clone(decisionTable)
	for i := range out {
		out[i].From = slices.Clone(out[i].From)
	}
	return out
}

// Rule returns the decision's row, and false for an unknown decision.
func (d Decision) Rule() (DecisionRule, bool) {
	i := slices.IndexFunc(decisionTable, func(r DecisionRule) bool { return r.Decision == d })
	if i < 0 {
		return DecisionRule{}, false
	}
	return decisionTable[i], true
}

// Valid reports whether d is one of the decisions.
func (d Decision) Valid() bool {
	_, ok := d.Rule()
	return ok
}

// AllowedDecisions lists the decisions staff may take on a claim in s, in
// table order.
func AllowedDecisions(s ClaimStatus) []Decision {
	var out []Decision
	for _, r := range decisionTable {
		if slices.Contains(r.From, s) {
			out = append(out, r.Decision)
		}
	}
	return out
}

// CheckDecision returns the status the decision moves a claim in s to, an
// *UnknownDecisionError for an unknown decision, or a *DecisionNotAllowedError.
func CheckDecision(s ClaimStatus, d Decision) (ClaimStatus, error) {
	r, ok := d.Rule()
	if !ok {
		return "", &UnknownDecisionError{Decision: string(d)}
	}
	if !slices.Contains(r.From, s) {
		return "", &DecisionNotAllowedError{Status: s, Decision: d, Allowed: AllowedDecisions(s)}
	}
	return r.To, nil
}

// DecisionFor names the decision that moves a claim in from to the
// requested status to (what a staff "set status" request means). An
// unknown status is an *UnknownStatusError; a status no decision reaches
// from here is an *IllegalTransitionError.
func DecisionFor(from, to ClaimStatus) (Decision, error) {
	for _, s := range []ClaimStatus{from, to} {
		if !s.Valid() {
			return "", &UnknownStatusError{Status: string(s)}
		}
	}
	for _, r := range decisionTable {
		if r.To == to && slices.Contains(r.From, from) {
			return r.Decision, nil
		}
	}
	return "", &IllegalTransitionError{From: from, To: to, ByStaff: true}
}

// ErrIllegalTransition is matched (errors.Is) by every
// *IllegalTransitionError, *DecisionNotAllowedError and
// *UnknownStatusError/*UnknownDecisionError: a claim cannot move so.
var ErrIllegalTransition = errors.New("illegal claim status transition")

// IllegalTransitionError: the lifecycle has no move from From to To.
type IllegalTransitionError struct {
	From, To ClaimStatus
	// ByStaff: no staff decision leads from From to To (the workflow may
	// still move the claim there on its own, from an EDI answer).
	ByStaff bool
}

func (e *IllegalTransitionError) Error() string {
	if e.ByStaff {
		next := []string{}
		for _, d := range AllowedDecisions(e.From) {
			r, _ := d.Rule()
			next = append(next, string(r.To))
		}
		return fmt.Sprintf("staff cannot move a claim from %s to %s (staff can move it to: %s)", e.From, e.To, orNone(next))
	}
	return fmt.Sprintf("a claim cannot move from %s to %s", e.From, e.To)
}

// Is makes errors.Is(err, ErrIllegalTransition) true.
func (e *IllegalTransitionError) Is(target error) bool { return target == ErrIllegalTransition }

// DecisionNotAllowedError: the decision is not open in the claim's status.
type DecisionNotAllowedError struct {
	Status   ClaimStatus
	Decision Decision
	Allowed  []Decision
}

func (e *DecisionNotAllowedError) Error() string {
	allowed := make([]string, len(e.Allowed))
	for i, d := range e.Allowed {
		allowed[i] = string(d)
	}
	return fmt.Sprintf("decision %s is not allowed while the claim is %s (allowed: %s)", e.Decision, e.Status, orNone(allowed))
}

// Is makes errors.Is(err, ErrIllegalTransition) true.
func (e *DecisionNotAllowedError) Is(target error) bool { return target == ErrIllegalTransition }

// UnknownStatusError: not a claim status.
type UnknownStatusError struct{ Status string }

func (e *UnknownStatusError) Error() string {
	return fmt.Sprintf("%q is not a claim status", e.Status)
}

// Is makes errors.Is(err, ErrIllegalTransition) true.
func (e *UnknownStatusError) Is(target error) bool { return target == ErrIllegalTransition }

// UnknownDecisionError: not a staff decision.
type UnknownDecisionError struct{ Decision string }

func (e *UnknownDecisionError) Error() string {
	names := make([]string, len(decisionTable))
	for i, r := range decisionTable {
		names[i] = string(r.Decision)
	}
	return fmt.Sprintf("%q is not a claim decision (one of: %s)", e.Decision, strings.Join(names, ", "))
}

// Is makes errors.Is(err, ErrIllegalTransition) true.
func (e *UnknownDecisionError) Is(target error) bool { return target == ErrIllegalTransition }

func orNone(s []string) string {
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ", ")
}
