package rcm

import (
	"slices"
	"testing"
)

// TestCorrectableStatusesAreWhereACorrectionIsDecided: a claim may be
// edited exactly in the statuses from which staff can send it again
// (correct or resubmit), so an edit is never stranded on a claim no
// decision resends.
func TestCorrectableStatusesAreWhereACorrectionIsDecided(t *testing.T) {
	for _, s := range ClaimStatuses {
		ds := AllowedDecisions(s)
		resend := slices.Contains(ds, DecisionCorrect) || slices.Contains(ds, DecisionResubmit)
		if resend != s.Correctable() {
			t.Errorf("%s: correctable %v, but decisions %v", s, s.Correctable(), ds)
		}
	}
}

// TestClaimEditValidate names every invalid field and keeps the current
// coding for what the edit leaves out.
func TestClaimEditValidate(t *testing.T) {
	cur := ClaimVersion{Diagnoses: []string{"Z00.00", "I10"}, Charges: []Charge{{Code: "99213", DiagnosisPointers: []int{2}, Units: 1, AmountCents: 100}}}
	e := ClaimEdit{Diagnoses: []string{"J06.9"}} // line 1 still points at diagnosis 2
	err := e.Validate(cur)
	ve, ok := err.(*ValidationError)
	if !ok || len(ve.Fields) != 1 || ve.Fields[0].Pointer != "/charges/0/diagnosis_pointers/0" {
		t.Fatalf("pointer past the new diagnoses: %v", err)
	}
	if err := (&ClaimEdit{}).Validate(cur); err == nil {
		t.Error("an empty edit passed")
	}
	ok2 := ClaimEdit{MemberID: "ZZ0000002", Note: "new card"}
	if err := ok2.Validate(cur); err != nil {
		t.Fatal(err)
	}
	next := ok2.Apply(cur)
	if next.Version != 1 || next.MemberID != "ZZ0000002" || next.Diagnoses[1] != "I10" || next.TotalCents != 100 {
		t.Errorf("applied = %+v", next)
	}
}
