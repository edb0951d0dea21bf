package store_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/claimflow/claimflow/rcm"
	"github.com/claimflow/claimflow/store"
)

func fieldPointers(err error) []string {
	var ve *rcm.ValidationError
	if !errors.As(err, &ve) {
		return nil
	}
	var out []string
	for _, f := range ve.Fields {
		out = append(out, f.Pointer)
	}
	return out
}

// TestPayerEnrollmentScopedAndAudited (issue 16): enrollments are kept per
// provider, payer and transaction, one row each (a second put replaces
// the first), listed per organisation and below, audited by the names of
// the fields that changed, and invisible to another tenant, who can
// neither list nor set them nor name the first tenant's provider.
func TestPayerEnrollmentScopedAndAudited(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	biller := userWithRole(t, f.s, f.root.ID, "enroll-biller", "biller")
	// Tenant B: a health system of its own, with its own provider and payer.
	other, err := f.s.CreateOrg(ctx, store.System, store.Org{Kind: "health_system", Name: "TEST OTHER SYSTEM"})
	if err != nil {
		t.Fatal(err)
	}
	adminB := userWithRole(t, f.s, other.ID, "enroll-admin-b", "admin")
	provOther := must[store.Provider](t)(f.s.CreateProvider(ctx, adminB, store.Provider{OrgID: other.ID, NPI: "1245319599", LastName: "TESTDOC OTHER", Taxonomy: "207Q00000X"}))
	payerOther := must[store.Payer](t)(f.s.CreatePayer(ctx, adminB, store.Payer{OrgID: other.ID, PayerID: "ZZPAYER1", Name: "TEST PAYER B", Clearinghouse: "local"}))

	set := rcm.EnrollmentSet{ProviderID: f.provA.ID, PayerID: f.payerA.ID, Transaction: rcm.EnrollClaims, Status: rcm.EnrollSubmitted, Notes: "sent 2026-01-02"}
	e, err := f.s.PutEnrollment(ctx, biller, f.facA.ID, set)
	if err != nil {
		t.Fatal(err)
	}
	if e.Status != "submitted" || e.Clearinghouse != "local" || e.ProviderName != "TESTDOC A" || e.ProviderNPI != "1234567893" ||
		e.PayerName != "TEST PAYER" || e.PayerCode != "ZZPAYER1" || e.OrgID != f.facA.ID || e.UpdatedByName != "enroll-biller" || e.EffectiveDate != "" {
		t.Fatalf("stored %+v; want submitted via the payer's route (local), named", e)
	}
	// Approved without a date is refused by field; with one it replaces
	// the row (same ID), and the audit names only the changed fields.
	set.Status = rcm.EnrollApproved
	if _, err := f.s.PutEnrollment(ctx, biller, f.facA.ID, set); !slices.Equal(fieldPointers(err), []string{"/effective_date"}) {
		t.Fatalf("approved without a date: %v", err)
	}
	set.EffectiveDate = "2026-01-01"
	e2, err := f.s.PutEnrollment(ctx, biller, f.facA.ID, set)
	if err != nil || e2.ID != e.ID || e2.Status != "approved" || e2.EffectiveDate != "2026-01-01" || e2.Notes != set.Notes {
		t.Fatalf("approve: %+v, %v", e2, err)
	}
	if _, err := f.s.PutEnrollment(ctx, biller, f.facA.ID, rcm.EnrollmentSet{ProviderID: f.provA.ID, PayerID: f.payerA.ID,
		Transaction: rcm.EnrollEligibility, Status: rcm.EnrollNotStarted}); err != nil {
		t.Fatal(err)
	}
	var audits [][]string
	rows, err := f.s.Pool.Query(ctx, `SELECT action, fields FROM audit_log WHERE resource = 'payer_enrollment' AND resource_id = $1 ORDER BY at, seq`, e.ID)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var action string
		var fields []string
		if err := rows.Scan(&action, &fields); err != nil {
			t.Fatal(err)
		}
		audits = append(audits, append([]string{action}, fields...))
	}
	if len(audits) != 2 || !slices.Equal(audits[0], []string{"create", "status", "effective_date", "clearinghouse", "notes"}) ||
		!slices.Equal(audits[1], []string{"update", "status", "effective_date"}) {
		t.Errorf("audit rows %v; want the create naming every field, then the update naming status and effective_date", audits)
	}

	// Listed at the facility and at the system above it; not at facility B.
	for _, org := range []string{f.facA.ID, f.root.ID} {
		got, err := f.s.ListEnrollments(ctx, biller, org)
		if err != nil || len(got) != 2 || got[0].Transaction != "837" || got[1].Transaction != "270" {
			t.Fatalf("list at %s = %+v, %v; want the 837 and 270 rows", org, got, err)
		}
	}
	if got, err := f.s.ListEnrollments(ctx, biller, f.facB.ID); err != nil || len(got) != 0 {
		t.Fatalf("list at facility B = %+v, %v; want none", got, err)
	}
	// Setting it through facility B (whose subtree holds no provider A) is
	// refused by field.
	if _, err := f.s.PutEnrollment(ctx, biller, f.facB.ID, set); !slices.Equal(fieldPointers(err), []string{"/provider_id"}) {
		t.Errorf("provider A through facility B: %v, want /provider_id", err)
	}

	// Tenant B: A's organisation does not exist for it.
	if _, err := f.s.ListEnrollments(ctx, adminB, f.facA.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("tenant B lists A's enrollments: %v, want ErrNotFound", err)
	}
	bad := set
	bad.Status = rcm.EnrollRejected
	if _, err := f.s.PutEnrollment(ctx, adminB, f.facA.ID, bad); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("tenant B sets A's enrollment: %v, want ErrNotFound", err)
	}
	// Nor can it name A's provider or payer from its own organisation.
	if _, err := f.s.PutEnrollment(ctx, adminB, other.ID, bad); !slices.Equal(fieldPointers(err), []string{"/provider_id"}) {
		t.Errorf("tenant B names A's provider: %v, want /provider_id", err)
	}
	if _, err := f.s.PutEnrollment(ctx, adminB, other.ID, rcm.EnrollmentSet{ProviderID: provOther.ID, PayerID: f.payerA.ID,
		Transaction: "837", Status: "submitted"}); !slices.Equal(fieldPointers(err), []string{"/payer_id"}) {
		t.Errorf("tenant B names A's payer: %v, want /payer_id", err)
	}
	if got, err := f.s.ListEnrollments(ctx, adminB, other.ID); err != nil || len(got) != 0 {
		t.Errorf("tenant B's own list = %+v, %v; want empty", got, err)
	}
	if _, err := f.s.PutEnrollment(ctx, adminB, other.ID, rcm.EnrollmentSet{ProviderID: provOther.ID, PayerID: payerOther.ID,
		Transaction: "835", Status: "submitted"}); err != nil {
		t.Errorf("tenant B's own enrollment: %v", err)
	}
	if got, _ := f.s.EnrollmentFor(ctx, f.provA.ID, f.payerA.ID, "837"); got.Status != "approved" {
		t.Errorf("A's enrollment after tenant B's attempts: %+v", got)
	}
	if _, err := f.s.EnrollmentFor(ctx, f.provA.ID, f.payerA.ID, "835"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("835 never set: %v, want ErrNotFound", err)
	}
}

// TestProviderNPIPatchAndPayerEnrollmentFlag: a provider's NPI can be
// corrected (check digit validated, unique at its organisation) and a
// payer marked as requiring enrollment; existing payers default to not.
func TestProviderNPIPatchAndPayerEnrollmentFlag(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if f.payerA.EnrollmentRequired {
		t.Fatal("a new payer requires enrollment by default")
	}
	bad, good := "1234567890", "1245319599"
	if _, err := f.s.UpdateProvider(ctx, f.admin, f.provA.ID, store.ProviderPatch{NPI: &bad}); !slices.Equal(fieldPointers(err), []string{"/npi"}) {
		t.Errorf("NPI with a wrong check digit: %v", err)
	}
	p, err := f.s.UpdateProvider(ctx, f.admin, f.provA.ID, store.ProviderPatch{NPI: &good})
	if err != nil || p.NPI != good {
		t.Fatalf("NPI corrected: %+v, %v", p, err)
	}
	second := must[store.Provider](t)(f.s.CreateProvider(ctx, f.admin, store.Provider{OrgID: f.facA.ID, NPI: "1234567893", LastName: "TESTDOC A2", Taxonomy: "207Q00000X"}))
	if _, err := f.s.UpdateProvider(ctx, f.admin, second.ID, store.ProviderPatch{NPI: &good}); !slices.Equal(fieldPointers(err), []string{"/npi"}) {
		t.Errorf("NPI taken at the organisation: %v", err)
	}
	yes := true
	py, err := f.s.UpdatePayer(ctx, f.admin, f.payerA.ID, store.PayerPatch{EnrollmentRequired: &yes})
	if err != nil || !py.EnrollmentRequired {
		t.Fatalf("payer marked: %+v, %v", py, err)
	}
	if got, err := f.s.GetPayer(ctx, f.admin, f.payerA.ID); err != nil || !got.EnrollmentRequired {
		t.Errorf("payer re-read: %+v, %v", got, err)
	}
	created, err := f.s.CreatePayer(ctx, f.admin, store.Payer{OrgID: f.root.ID, PayerID: "ZZPAYER2", Name: "TEST PAYER 2", Clearinghouse: "local", EnrollmentRequired: true})
	if err != nil || !created.EnrollmentRequired {
		t.Errorf("payer created requiring enrollment: %+v, %v", created, err)
	}
}
