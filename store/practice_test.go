package store_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/claimflow/claimflow/rcm"
	"github.com/claimflow/claimflow/store"
)

func testSetup(name string) rcm.BillingSetup {
	return rcm.BillingSetup{Name: name, NPI: "1245319599", TaxID: "12-3456789", Taxonomy: "207Q00000X", AddressLine1: "1 TEST WAY",
		City: "TESTVILLE", State: "NY", Zip: "10001-0001", SubmitterID: "ZZSUBMIT1", ContactName: "TEST BILLING OFFICE", ContactPhone: "5550100000"}
}

// TestChildPracticeDoesNotSilentlyInheritProfile (issue 16, item 2): a
// facility under a health system with a billing profile gets no profile
// for its claims until staff choose to inherit the parent's, and then it
// is shown as inherited from the parent; its own profile replaces that.
func TestChildPracticeDoesNotSilentlyInheritProfile(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if _, err := f.s.PutPracticeBilling(ctx, f.admin, f.root.ID, testSetup("TEST HEALTH BILLING")); err != nil {
		t.Fatal(err)
	}
	// The bug: the facility's claims went out under the system's identity.
	if got, err := f.s.BillingProfileFor(ctx, f.facA.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("facility without a profile of its own bills as %q (%v); want none (its claims held)", got.Name, err)
	}
	pb, err := f.s.GetPracticeBilling(ctx, f.admin, f.facA.ID)
	if err != nil || pb.Mode != rcm.ProfileMissing || pb.HoldReason != rcm.NoProfileReason || pb.Profile != nil {
		t.Fatalf("facility's setup = %+v, %v; want missing with the hold reason", pb, err)
	}

	// Staff choose to inherit: the system's profile, named as inherited.
	pb, err = f.s.PutPracticeBilling(ctx, f.admin, f.facA.ID, rcm.BillingSetup{InheritFromParent: true})
	if err != nil || pb.Mode != rcm.ProfileInherited || pb.InheritedFrom == nil || pb.InheritedFrom.ID != f.root.ID ||
		pb.InheritedFrom.Name != "TEST HEALTH SYSTEM" || pb.Profile == nil || pb.Profile.Name != "TEST HEALTH BILLING" {
		t.Fatalf("after inherit: %+v, %v", pb, err)
	}
	if got, err := f.s.BillingProfileFor(ctx, f.facA.ID); err != nil || got.OrgID != f.root.ID || got.TaxID != "123456789" {
		t.Fatalf("inherited profile = %+v, %v", got, err)
	}
	// Facility B did not choose: still held.
	if _, err := f.s.BillingProfileFor(ctx, f.facB.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("facility B: %v, want ErrNotFound", err)
	}

	// Its own profile replaces the inheritance.
	pb, err = f.s.PutPracticeBilling(ctx, f.admin, f.facA.ID, testSetup("TEST FACILITY A BILLING"))
	if err != nil || pb.Mode != rcm.ProfileOwn || pb.InheritedFrom != nil || pb.Profile.Zip != "100010001" {
		t.Fatalf("own profile: %+v, %v", pb, err)
	}
	if got, _ := f.s.BillingProfileFor(ctx, f.facA.ID); got.Name != "TEST FACILITY A BILLING" {
		t.Fatalf("profile for A = %q", got.Name)
	}

	// A health system cannot inherit.
	var ve *rcm.ValidationError
	if _, err := f.s.PutPracticeBilling(ctx, f.admin, f.root.ID, rcm.BillingSetup{InheritFromParent: true}); !errors.As(err, &ve) || ve.Fields[0].Pointer != "/inherit_from_parent" {
		t.Fatalf("root inherits: %v", err)
	}

	// Every change is audited, naming fields, never values.
	rows, err := f.s.Pool.Query(ctx, `SELECT coalesce(array_to_string(fields, ','), '') FROM audit_log WHERE resource = 'billing_profile' AND resource_id = $1`, f.facA.ID)
	if err != nil {
		t.Fatal(err)
	}
	var puts int
	for rows.Next() {
		var fields string
		if err := rows.Scan(&fields); err != nil {
			t.Fatal(err)
		}
		puts++
		if strings.Contains(fields, "1245319599") || strings.Contains(fields, "TEST FACILITY") {
			t.Errorf("audit row carries a value: %s", fields)
		}
	}
	rows.Close()
	if puts != 2 {
		t.Errorf("audit rows for facility A's billing profile = %d, want 2", puts)
	}
}

// TestPracticeBillingValidationAndScope: each invalid field is named; a
// user outside the organisation sees nothing and changes nothing.
func TestPracticeBillingValidationAndScope(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	bad := testSetup("TEST")
	bad.NPI, bad.TaxID, bad.Zip, bad.State, bad.AddressLine1 = "1234567890", "12345", "10001", "ZZ", "PO BOX 1"
	_, err := f.s.PutPracticeBilling(ctx, f.admin, f.facA.ID, bad)
	var ve *rcm.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("invalid profile accepted: %v", err)
	}
	var got []string
	for _, p := range ve.Fields {
		got = append(got, p.Pointer)
	}
	for _, want := range []string{"/npi", "/tax_id", "/zip", "/state", "/address_line1"} {
		if !slices.Contains(got, want) {
			t.Errorf("problems %v do not name %s", got, want)
		}
	}
	// The desk at facility A holds no org:write; facility B is outside its scope.
	if _, err := f.s.PutPracticeBilling(ctx, f.deskA, f.facB.ID, testSetup("TEST")); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("desk at A sets B's profile: %v, want ErrNotFound", err)
	}
	if _, err := f.s.GetPracticeBilling(ctx, f.deskA, f.facB.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("desk at A reads B's setup: %v, want ErrNotFound", err)
	}
}

// TestReserveBatchesForOneOrganisation (issue 16, item 3): a practice's
// "Submit now" reserves its own ready claims (and those below it), never
// another practice's; a run for the health system takes what is left.
func TestReserveBatchesForOneOrganisation(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	a := newClaim(t, f)
	if _, err := f.s.CreateCoverage(ctx, f.admin, store.Coverage{PatientID: f.patientB.ID, PayerID: f.payerA.ID, MemberID: "ZZ0000002", Relationship: "self", Priority: 1}); err != nil {
		t.Fatal(err)
	}
	enc, err := f.s.CreateEncounter(ctx, f.admin, store.Encounter{PatientID: f.patientB.ID, ProviderID: f.provB.ID, DateOfService: "2030-01-07",
		PlaceOfService: "11", Diagnoses: []string{"Z00.00"},
		Charges: []store.Charge{{Code: "99213", DiagnosisPointers: []int{1}, Units: 1, AmountCents: 12500}}})
	if err != nil {
		t.Fatal(err)
	}
	b, err := f.s.CreateClaim(ctx, f.admin, enc.ID)
	if err != nil {
		t.Fatal(err)
	}
	markReady(t, f, a.ID)
	markReady(t, f, b.ID)
	claimsOf := func(bs []store.ReservedBatch) []string {
		var out []string
		for _, x := range bs {
			for _, c := range x.Claims {
				out = append(out, c.ClaimID)
			}
		}
		return out
	}
	got, err := f.s.ReserveBatchesFor(ctx, "local", f.facA.ID, "batch/local/org-a", 100)
	if err != nil || !slices.Equal(claimsOf(got), []string{a.ID}) {
		t.Fatalf("facility A's run reserved %v (%v), want only A's claim %s", claimsOf(got), err, a.ID)
	}
	got, err = f.s.ReserveBatchesFor(ctx, "local", f.root.ID, "batch/local/system", 100)
	if err != nil || !slices.Equal(claimsOf(got), []string{b.ID}) {
		t.Fatalf("the system's run reserved %v (%v), want B's claim %s", claimsOf(got), err, b.ID)
	}
}
