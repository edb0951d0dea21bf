package activities_test

import (
	"context"
	"slices"
	"testing"

	"github.com/claimflow/claimflow/activities"
	"github.com/claimflow/claimflow/rcm"
	"github.com/claimflow/claimflow/store"
)

// TestScrubHoldsAChildPracticeWithoutItsOwnProfile (issue 16, item 2): a
// practice under a health system with a billing profile used to bill as
// the health system. Its claim is now held at scrubbing with the reason
// until staff choose to inherit; then it goes out under the parent's
// profile.
func TestScrubHoldsAChildPracticeWithoutItsOwnProfile(t *testing.T) {
	w := newWorld(t, 0, true, "")
	ctx := context.Background()
	s := w.s
	practice, err := s.CreateOrg(ctx, store.System, store.Org{Kind: "practice", Name: "TEST CHILD PRACTICE", ParentID: w.org.ID})
	if err != nil {
		t.Fatal(err)
	}
	prov, err := s.CreateProvider(ctx, store.System, store.Provider{OrgID: practice.ID, NPI: "1234567893", FirstName: "TESTDOC", LastName: "TWO", Taxonomy: "207Q00000X"})
	if err != nil {
		t.Fatal(err)
	}
	pat, err := s.CreatePatient(ctx, store.System, store.Patient{OrgID: practice.ID, FirstName: "TESTPATIENT", LastName: "CHILD",
		BirthDate: "1980-01-01", Sex: "F", Address: "1 TEST ST, TESTVILLE, NY 99999"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateCoverage(ctx, store.System, store.Coverage{PatientID: pat.ID, PayerID: w.payer.ID, MemberID: "ZZ0000009", Relationship: "self", Priority: 1}); err != nil {
		t.Fatal(err)
	}
	enc, err := s.CreateEncounter(ctx, store.System, store.Encounter{PatientID: pat.ID, ProviderID: prov.ID, DateOfService: "2026-01-07",
		PlaceOfService: "11", Diagnoses: []string{"E11.9"},
		Charges: []store.Charge{{Code: "99213", DiagnosisPointers: []int{1}, Units: 1, AmountCents: 12500}}})
	if err != nil {
		t.Fatal(err)
	}
	c, err := s.CreateClaim(ctx, store.System, enc.ID)
	if err != nil {
		t.Fatal(err)
	}
	svc := &activities.ClaimStore{Records: s}
	res, err := svc.Scrub(ctx, activities.ScrubRequest{ClaimID: c.ID})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(res.Problems, rcm.NoProfileReason) {
		t.Fatalf("child practice's claim scrubbed with problems %q; want it held for its missing billing profile", res.Problems)
	}
	if _, err := s.PutPracticeBilling(ctx, store.System, practice.ID, rcm.BillingSetup{InheritFromParent: true}); err != nil {
		t.Fatal(err)
	}
	if res, err = svc.Scrub(ctx, activities.ScrubRequest{ClaimID: c.ID}); err != nil || len(res.Problems) != 0 {
		t.Fatalf("after inheriting: problems %q, %v", res.Problems, err)
	}
}
