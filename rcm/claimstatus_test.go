package rcm

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

// legalMoves is the lifecycle written out by hand, independently of
// claimTransitions: every pair not listed (and not a status to itself) must
// be refused.
var legalMoves = strings.Fields(`
	draft>scrubbing draft>voided
	scrubbing>scrub_failed scrubbing>ready
	scrub_failed>resubmitted scrub_failed>written_off scrub_failed>voided
	ready>batched ready>submitted ready>on_hold ready>voided
	on_hold>ready on_hold>voided
	batched>submitted
	submitted>acknowledged submitted>rejected
	acknowledged>accepted acknowledged>rejected
	rejected>resubmitted rejected>written_off rejected>voided
	accepted>paid accepted>partially_paid accepted>patient_billing accepted>needs_correction accepted>appeal_pending
	denied>paid denied>partially_paid denied>patient_billing denied>needs_correction denied>appeal_pending
	needs_correction>resubmitted needs_correction>appealed needs_correction>written_off needs_correction>appeal_lapsed
	appeal_pending>appealed appeal_pending>written_off appeal_pending>appeal_lapsed
	appealed>paid appealed>partially_paid appealed>patient_billing appealed>needs_correction appealed>appeal_pending
	appeal_lapsed>written_off
	resubmitted>scrubbing
	paid>ready paid>accepted partially_paid>ready partially_paid>accepted
`)

// storedBefore are the status strings claims.status held before rcm: the
// ten of the staff endpoint, the sixteen of the claim workflow and the
// batch run's batched. Every one must still parse.
var storedBefore = strings.Fields(`
	draft ready submitted accepted rejected paid partially_paid denied appealed voided
	scrubbing scrub_failed acknowledged needs_correction appeal_pending patient_billing written_off appeal_lapsed resubmitted
	batched`)

func TestStoredStatusesStayValid(t *testing.T) {
	for _, s := range storedBefore {
		if _, err := ParseClaimStatus(s); err != nil {
			t.Errorf("stored status %q no longer parses: %v", s, err)
		}
	}
	if _, err := ParseClaimStatus("Paid"); !errors.Is(err, ErrIllegalTransition) {
		t.Errorf("ParseClaimStatus(Paid) = %v, want an unknown status error", err)
	}
	if len(ClaimStatuses) != 21 {
		t.Errorf("%d statuses, want 21 (the 20 stored before and on_hold)", len(ClaimStatuses))
	}
}

func TestEveryPair(t *testing.T) {
	legal := map[string]bool{}
	for _, m := range legalMoves {
		legal[m] = true
	}
	n := 0
	for _, from := range ClaimStatuses {
		for _, to := range ClaimStatuses {
			pair := string(from) + ">" + string(to)
			want := from == to || legal[pair]
			if got := CanTransition(from, to); got != want {
				t.Errorf("CanTransition(%s) = %v, want %v", pair, got, want)
			}
			err := CheckTransition(from, to)
			switch {
			case want && err != nil:
				t.Errorf("CheckTransition(%s) = %v", pair, err)
			case !want:
				var ite *IllegalTransitionError
				if !errors.As(err, &ite) || ite.From != from || ite.To != to || !errors.Is(err, ErrIllegalTransition) {
					t.Errorf("CheckTransition(%s) = %v, want an *IllegalTransitionError", pair, err)
				}
			}
			if legal[pair] {
				n++
			}
		}
	}
	if n != len(legalMoves) {
		t.Errorf("matched %d of %d listed moves: a listed move names an unknown status", n, len(legalMoves))
	}
	for _, bad := range [][2]ClaimStatus{{"sent", StatusPaid}, {StatusReady, "sent"}, {"", StatusReady}} {
		var ue *UnknownStatusError
		if err := CheckTransition(bad[0], bad[1]); !errors.As(err, &ue) {
			t.Errorf("CheckTransition(%q, %q) = %v, want an unknown status", bad[0], bad[1], err)
		}
		if CanTransition(bad[0], bad[1]) {
			t.Errorf("CanTransition(%q, %q) = true", bad[0], bad[1])
		}
	}
}

func TestFinal(t *testing.T) {
	want := []ClaimStatus{StatusPaid, StatusPartiallyPaid, StatusPatientBilling, StatusWrittenOff, StatusVoided}
	var got []ClaimStatus
	for _, s := range ClaimStatuses {
		if s.Final() {
			got = append(got, s)
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("final statuses = %v, want %v", got, want)
	}
}

// decisionsBy is the decision table written out by hand: status → the
// decisions open in it.
var decisionsBy = map[ClaimStatus][]Decision{
	StatusScrubFailed:     {DecisionResubmit, DecisionWriteOff, DecisionVoid},
	StatusRejected:        {DecisionResubmit, DecisionWriteOff, DecisionVoid},
	StatusNeedsCorrection: {DecisionCorrect, DecisionAppeal, DecisionWriteOff},
	StatusAppealPending:   {DecisionAppeal, DecisionWriteOff},
	StatusAppealLapsed:    {DecisionWriteOff},
	StatusReady:           {DecisionVoid, DecisionHold},
	StatusOnHold:          {DecisionVoid, DecisionRelease},
}

var decisionTo = map[Decision]ClaimStatus{
	DecisionResubmit: StatusResubmitted, DecisionCorrect: StatusResubmitted, DecisionAppeal: StatusAppealed,
	DecisionWriteOff: StatusWrittenOff, DecisionVoid: StatusVoided, DecisionHold: StatusOnHold, DecisionRelease: StatusReady,
}

func TestDecisions(t *testing.T) {
	all := []Decision{DecisionResubmit, DecisionCorrect, DecisionAppeal, DecisionWriteOff, DecisionVoid, DecisionHold, DecisionRelease}
	for _, s := range ClaimStatuses {
		if got, want := AllowedDecisions(s), decisionsBy[s]; !slices.Equal(got, want) {
			t.Errorf("AllowedDecisions(%s) = %v, want %v", s, got, want)
		}
		for _, d := range all {
			to, err := CheckDecision(s, d)
			if slices.Contains(decisionsBy[s], d) {
				if err != nil || to != decisionTo[d] {
					t.Errorf("CheckDecision(%s, %s) = %s, %v; want %s", s, d, to, err, decisionTo[d])
				}
				if !CanTransition(s, to) {
					t.Errorf("decision %s from %s leads to %s, which the lifecycle refuses", d, s, to)
				}
				continue
			}
			var dn *DecisionNotAllowedError
			if !errors.As(err, &dn) || !errors.Is(err, ErrIllegalTransition) || dn.Status != s || dn.Decision != d {
				t.Errorf("CheckDecision(%s, %s) = %v, want a refusal", s, d, err)
			}
		}
	}
	var ud *UnknownDecisionError
	if _, err := CheckDecision(StatusRejected, "delete"); !errors.As(err, &ud) {
		t.Errorf("CheckDecision(delete) = %v, want an unknown decision", err)
	}
	for _, r := range Decisions() {
		if r.Permission != "claim:write" {
			t.Errorf("%s needs %q", r.Decision, r.Permission)
		}
	}
}

// TestDecisionFor: a requested status names the decision that reaches it,
// for every status pair.
func TestDecisionFor(t *testing.T) {
	for _, from := range ClaimStatuses {
		for _, to := range ClaimStatuses {
			var want Decision
			for _, d := range decisionsBy[from] {
				if decisionTo[d] == to {
					if want != "" {
						t.Fatalf("two decisions lead from %s to %s", from, to)
					}
					want = d
				}
			}
			got, err := DecisionFor(from, to)
			if want != "" {
				if err != nil || got != want {
					t.Errorf("DecisionFor(%s, %s) = %s, %v; want %s", from, to, got, err, want)
				}
				continue
			}
			var ite *IllegalTransitionError
			if !errors.As(err, &ite) || !ite.ByStaff {
				t.Errorf("DecisionFor(%s, %s) = %s, %v; want a staff refusal", from, to, got, err)
			}
		}
	}
	_, err := DecisionFor(StatusAccepted, StatusPaid)
	if err == nil || !strings.Contains(err.Error(), "staff cannot move a claim from accepted to paid") {
		t.Errorf("message = %v", err)
	}
	_, err = DecisionFor(StatusRejected, StatusPaid)
	if err == nil || !strings.Contains(err.Error(), "resubmitted, written_off, voided") {
		t.Errorf("message lacks the reachable statuses: %v", err)
	}
}
