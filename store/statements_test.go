package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/claimflow/claimflow/store"
)

// A statement shows the practice (the nearest practice at or above the
// patient's organisation, else the organisation's own name) and its
// claim's date of service; staff elsewhere cannot release it.
func TestStatementView(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	c := newClaim(t, f) // patient A at facility A, date of service 2030-01-07
	id := c.ID + "-ZZTRACE1"
	if err := f.s.OpenStatement(ctx, store.Statement{ID: id, PatientID: f.patientA.ID, AmountCents: 2500}); err != nil {
		t.Fatal(err)
	}
	v, err := f.s.StatementView(ctx, store.System, id)
	if err != nil {
		t.Fatal(err)
	}
	want := time.Date(2030, 1, 7, 0, 0, 0, 0, time.UTC)
	if v.PracticeName != "TEST FACILITY A" || len(v.ServiceDates) != 1 || !v.ServiceDates[0].Equal(want) || v.DueCents() != 2500 || !v.AwaitingRelease() {
		t.Errorf("view %+v", v)
	}

	// A patient in a department of a practice: the practice's name.
	prac := must[store.Org](t)(f.s.CreateOrg(ctx, store.System, store.Org{Kind: "practice", Name: "TEST PRACTICE P", ParentID: f.root.ID}))
	dept := must[store.Org](t)(f.s.CreateOrg(ctx, store.System, store.Org{Kind: "department", Name: "TEST DEPT", ParentID: prac.ID}))
	p := must[store.Patient](t)(f.s.CreatePatient(ctx, f.admin, store.Patient{OrgID: dept.ID, FirstName: "TESTPATIENT", LastName: "DELTA", BirthDate: "1972-03-03", Sex: "U"}))
	if err := f.s.OpenStatement(ctx, store.Statement{ID: "stmt-no-claim", PatientID: p.ID, AmountCents: 100}); err != nil {
		t.Fatal(err)
	}
	if v, err := f.s.StatementView(ctx, store.System, "stmt-no-claim"); err != nil || v.PracticeName != "TEST PRACTICE P" || len(v.ServiceDates) != 0 {
		t.Errorf("department patient's statement: %+v, %v", v, err)
	}

	if _, err := f.s.StatementView(ctx, store.System, "no-such-statement"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown statement: %v", err)
	}
	billerB := userWithRole(t, f.s, f.facB.ID, "biller-b", "biller")
	if _, err := f.s.AuthorizeStatementRelease(ctx, billerB, id); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("release by another facility's biller: %v", err)
	}
	if l, err := f.s.StatementsAwaitingRelease(ctx, billerB); err != nil || len(l) != 0 {
		t.Errorf("another facility lists %+v, %v", l, err)
	}
	billerA := userWithRole(t, f.s, f.facA.ID, "biller-a", "biller")
	if l, err := f.s.StatementsAwaitingRelease(ctx, billerA); err != nil || len(l) != 1 || l[0].ID != id {
		t.Errorf("facility A lists %+v (%v), want its own statement", l, err)
	}
	if l, err := f.s.StatementsAwaitingRelease(ctx, f.admin); err != nil || len(l) != 2 {
		t.Errorf("the root's admin lists %d statements (%v), want 2", len(l), err)
	}
	if _, err := f.s.AuthorizeStatementRelease(ctx, billerA, id); err != nil {
		t.Errorf("release by the facility's biller: %v", err)
	}
	if err := f.s.SetStatementIntent(ctx, id, "pi_test_view"); err != nil {
		t.Fatal(err)
	}
	if l, _ := f.s.StatementsAwaitingRelease(ctx, f.admin); len(l) != 1 || l[0].ID != "stmt-no-claim" {
		t.Errorf("after release: %+v", l)
	}
}
