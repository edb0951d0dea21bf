package store_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/claimflow/claimflow/internal/testenv"
	"github.com/claimflow/claimflow/keyring"
	"github.com/claimflow/claimflow/rcm"
	"github.com/claimflow/claimflow/store"
)

// fixture is a health system with two facilities, an admin at the root and
// a front-desk user at facility A only.
type fixture struct {
	s                  *store.Store
	dsn                string
	root, facA, facB   store.Org
	admin, deskA       store.Actor
	provA, provB       store.Provider
	payerA             store.Payer
	patientA, patientB store.Patient
}

func newStore(t *testing.T) (*store.Store, string) {
	t.Helper()
	s, dsn := testenv.Store(t)
	k, err := keyring.OpenLocal(filepath.Join(t.TempDir(), "kek.json"))
	if err != nil {
		t.Fatal(err)
	}
	s.UseKeys(store.KeysFrom[*keyring.DataKey](k))
	return s, dsn
}

func must[T any](t *testing.T) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func userWithRole(t *testing.T, s *store.Store, org, login, role string) store.Actor {
	t.Helper()
	ctx := context.Background()
	u, _, err := s.CreateUser(ctx, store.System, store.NewUser{OrgID: org, Kind: "system", Login: login, DisplayName: login})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Grant(ctx, store.System, u.ID, org, role); err != nil {
		t.Fatal(err)
	}
	return store.Actor{UserID: u.ID, SourceIP: "192.0.2.1", RequestID: "req-" + login}
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{}
	f.s, f.dsn = newStore(t)
	org := must[store.Org](t)
	f.root = org(f.s.CreateOrg(ctx, store.System, store.Org{Kind: "health_system", Name: "TEST HEALTH SYSTEM"}))
	f.facA = org(f.s.CreateOrg(ctx, store.System, store.Org{Kind: "facility", Name: "TEST FACILITY A", ParentID: f.root.ID}))
	f.facB = org(f.s.CreateOrg(ctx, store.System, store.Org{Kind: "facility", Name: "TEST FACILITY B", ParentID: f.root.ID}))
	f.admin = userWithRole(t, f.s, f.root.ID, "admin", "admin")
	f.deskA = userWithRole(t, f.s, f.facA.ID, "desk-a", "front_desk")
	f.provA = must[store.Provider](t)(f.s.CreateProvider(ctx, f.admin, store.Provider{OrgID: f.facA.ID, NPI: "1234567893", LastName: "TESTDOC A", Taxonomy: "207Q00000X"}))
	f.provB = must[store.Provider](t)(f.s.CreateProvider(ctx, f.admin, store.Provider{OrgID: f.facB.ID, NPI: "1234567893", LastName: "TESTDOC B", Taxonomy: "207Q00000X"}))
	f.payerA = must[store.Payer](t)(f.s.CreatePayer(ctx, f.admin, store.Payer{OrgID: f.root.ID, PayerID: "ZZPAYER1", Name: "TEST PAYER", Clearinghouse: "local"}))
	pat := must[store.Patient](t)
	f.patientA = pat(f.s.CreatePatient(ctx, f.admin, store.Patient{OrgID: f.facA.ID, FirstName: "TESTPATIENT", LastName: "ALPHA", BirthDate: "1970-01-01", Sex: "U", Phone: "555-0100"}))
	f.patientB = pat(f.s.CreatePatient(ctx, f.admin, store.Patient{OrgID: f.facB.ID, FirstName: "TESTPATIENT", LastName: "BRAVO", BirthDate: "1971-02-02", Sex: "U"}))
	return f
}

func TestValidNPI(t *testing.T) {
	for _, tc := range []struct {
		npi  string
		want bool
	}{
		{"1234567893", true}, // the CMS example
		{"1234567890", false},
		{"123456789", false},
		{"12345678a3", false},
		{"1245319599", true},
	} {
		if got := store.ValidNPI(tc.npi); got != tc.want {
			t.Errorf("ValidNPI(%q) = %v, want %v", tc.npi, got, tc.want)
		}
	}
}

func TestScopeAndBlindIndexSearch(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	// The desk at A sees A's patient, not B's (which answers not found).
	if _, err := f.s.GetPatient(ctx, f.deskA, f.patientA.ID); err != nil {
		t.Fatalf("own patient: %v", err)
	}
	if _, err := f.s.GetPatient(ctx, f.deskA, f.patientB.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("other org's patient: err = %v, want ErrNotFound", err)
	}
	got, _, err := f.s.ListPatients(ctx, f.deskA, store.PatientFilter{}, store.Page{})
	if err != nil || len(got) != 1 || got[0].ID != f.patientA.ID {
		t.Fatalf("list = %+v, %v; want only patient A", got, err)
	}
	// The admin at the root sees both; exact search by name and birth date
	// works through the blind index, case and punctuation folded.
	got, _, err = f.s.ListPatients(ctx, f.admin, store.PatientFilter{LastName: " bravo", BirthDate: "1971-02-02"}, store.Page{})
	if err != nil || len(got) != 1 || got[0].ID != f.patientB.ID || got[0].FirstName != "TESTPATIENT" {
		t.Fatalf("search = %+v, %v; want patient B", got, err)
	}
	// The desk cannot write into B's org either.
	_, err = f.s.CreatePatient(ctx, f.deskA, store.Patient{OrgID: f.facB.ID, FirstName: "X", LastName: "Y", BirthDate: "1990-01-01", Sex: "U"})
	var ve *store.ValidationError
	if !errors.As(err, &ve) || ve.Fields[0].Pointer != "/org_id" {
		t.Fatalf("create in other org: err = %v, want /org_id invalid", err)
	}
}

func TestBookingLifecycleAndAudit(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	start := time.Date(2030, 1, 7, 15, 0, 0, 0, time.UTC)
	b := store.Booking{ProviderID: f.provA.ID, PatientID: f.patientA.ID, VisitType: "new", StartsAt: start, EndsAt: start.Add(30 * time.Minute)}
	appt, err := f.s.Book(ctx, f.deskA, b)
	if err != nil {
		t.Fatal(err)
	}
	// Overlap: conflict naming the existing slot.
	b2 := b
	b2.StartsAt, b2.EndsAt = start.Add(15*time.Minute), start.Add(45*time.Minute)
	_, err = f.s.Book(ctx, f.deskA, b2)
	var sc *store.SlotConflict
	if !errors.As(err, &sc) || !sc.StartsAt.Equal(start) || !errors.Is(err, store.ErrConflict) {
		t.Fatalf("overlap: err = %v (%+v), want SlotConflict at %v", err, sc, start)
	}
	// Back to back is fine.
	b3 := b
	b3.StartsAt, b3.EndsAt = start.Add(30*time.Minute), start.Add(time.Hour)
	second, err := f.s.Book(ctx, f.deskA, b3)
	if err != nil {
		t.Fatalf("adjacent: %v", err)
	}
	// Rescheduling onto the first clashes; cancelling the first frees it.
	if _, err := f.s.Reschedule(ctx, f.deskA, second.ID, start, start.Add(30*time.Minute)); !errors.As(err, &sc) {
		t.Fatalf("reschedule onto a booked slot: %v", err)
	}
	if _, err := f.s.Cancel(ctx, f.deskA, appt.ID, "patient request"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.Reschedule(ctx, f.deskA, second.ID, start, start.Add(30*time.Minute)); err != nil {
		t.Fatalf("reschedule onto a freed slot: %v", err)
	}
	// The desk at A cannot book B's provider.
	_, err = f.s.Book(ctx, f.deskA, store.Booking{ProviderID: f.provB.ID, PatientID: f.patientA.ID, VisitType: "new", StartsAt: start, EndsAt: start.Add(time.Hour)})
	var ve *store.ValidationError
	if !errors.As(err, &ve) || ve.Fields[0].Pointer != "/provider_id" {
		t.Fatalf("book other org's provider: %v", err)
	}
	// A weekly series of 3; the third week clashes with a blocker → none booked.
	sr := store.Series{First: store.Booking{ProviderID: f.provA.ID, PatientID: f.patientA.ID, VisitType: "follow-up",
		StartsAt: start.Add(48 * time.Hour), EndsAt: start.Add(48*time.Hour + 20*time.Minute)}, IntervalWeeks: 1, Count: 3}
	blocker := store.Booking{ProviderID: f.provA.ID, PatientID: f.patientA.ID, VisitType: "x", StartsAt: sr.First.StartsAt.Add(14 * 24 * time.Hour), EndsAt: sr.First.EndsAt.Add(14 * 24 * time.Hour)}
	if _, err := f.s.Book(ctx, f.deskA, blocker); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.BookSeries(ctx, f.deskA, sr); !errors.As(err, &sc) {
		t.Fatalf("series with a clash: %v", err)
	}
	sr.Count = 2
	got, err := f.s.BookSeries(ctx, f.deskA, sr)
	if err != nil || len(got.Appointments) != 2 {
		t.Fatalf("series: %+v %v", got, err)
	}

	// Audit: every PHI touch above left a verifiable chain.
	rep, err := f.s.VerifyAudit(ctx)
	if err != nil || !rep.OK || rep.Rows < 8 || rep.Chains != 32 {
		t.Fatalf("verify = %+v, %v", rep, err)
	}
	// Alter one row: detected.
	if _, err := f.s.Pool.Exec(ctx, `UPDATE audit_log SET source_ip = '198.51.100.9' WHERE id = (SELECT min(id) FROM audit_log WHERE resource = 'appointment')`); err != nil {
		t.Fatal(err)
	}
	rep, _ = f.s.VerifyAudit(ctx)
	if rep.OK || len(rep.Problems) == 0 {
		t.Fatalf("altered row not detected: %+v", rep)
	}
	if _, err := f.s.Pool.Exec(ctx, `UPDATE audit_log SET source_ip = '192.0.2.1' WHERE id = (SELECT min(id) FROM audit_log WHERE resource = 'appointment')`); err != nil {
		t.Fatal(err)
	}
	if rep, _ = f.s.VerifyAudit(ctx); !rep.OK {
		t.Fatalf("restored row still reported: %+v", rep)
	}
	// Delete a middle row, then the last row: both detected.
	if _, err := f.s.Pool.Exec(ctx, `DELETE FROM audit_log WHERE id = (SELECT min(id) + 1 FROM audit_log WHERE resource = 'appointment')`); err != nil {
		t.Fatal(err)
	}
	if rep, _ = f.s.VerifyAudit(ctx); rep.OK {
		t.Fatalf("deleted row not detected: %+v", rep)
	}
}

func TestAuditAppendsAreSerialized(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	errs := make(chan error, 40)
	for i := 0; i < 40; i++ {
		go func() {
			_, err := f.s.GetPatient(ctx, f.deskA, f.patientA.ID)
			errs <- err
		}()
	}
	for i := 0; i < 40; i++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	rep, err := f.s.VerifyAudit(ctx)
	if err != nil || !rep.OK {
		t.Fatalf("verify after concurrent appends = %+v, %v", rep, err)
	}
}

func TestClaimFromEncounter(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	cov, err := f.s.CreateCoverage(ctx, f.admin, store.Coverage{PatientID: f.patientA.ID, PayerID: f.payerA.ID, MemberID: "ZZ0000001", Relationship: "self", Priority: 1})
	if err != nil {
		t.Fatal(err)
	}
	enc, err := f.s.CreateEncounter(ctx, f.admin, store.Encounter{PatientID: f.patientA.ID, ProviderID: f.provA.ID, DateOfService: "2030-01-07",
		PlaceOfService: "11", Diagnoses: []string{"Z00.00", "E11.9"},
		Charges: []store.Charge{
			{Code: "99213", Modifiers: []string{"25"}, DiagnosisPointers: []int{1, 2}, Units: 1, AmountCents: 12500},
			{Code: "G0439", DiagnosisPointers: []int{1}, Units: 1, AmountCents: 9900},
		}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.s.CreateEncounter(ctx, f.admin, store.Encounter{PatientID: f.patientA.ID, ProviderID: f.provA.ID, DateOfService: "2030-01-07",
		PlaceOfService: "11", Diagnoses: []string{"Z00.00"}, Charges: []store.Charge{{Code: "9921", DiagnosisPointers: []int{2}, Units: 1, AmountCents: 9900}}})
	var ve *store.ValidationError
	if !errors.As(err, &ve) || len(ve.Fields) != 2 || ve.Fields[0].Pointer != "/charges/0/code" || ve.Fields[1].Pointer != "/charges/0/diagnosis_pointers/0" {
		t.Fatalf("invalid charges: %v", err)
	}
	c, err := f.s.CreateClaim(ctx, f.admin, enc.ID)
	if err != nil {
		t.Fatal(err)
	}
	if c.TotalCents != 22400 || c.CoverageID != cov.ID || c.PayerID != f.payerA.ID || c.Status != store.ClaimDraft {
		t.Fatalf("claim = %+v", c)
	}
	if _, err := f.s.CreateClaim(ctx, f.admin, enc.ID); !errors.As(err, &ve) {
		t.Fatalf("second claim for one encounter: %v", err)
	}
	at := time.Date(2030, 1, 8, 9, 0, 0, 0, time.UTC)
	if err := f.s.RecordClaimProgress(ctx, store.ClaimProgress{ClaimID: c.ID, Attempt: 1, Seq: 1, Status: "paid", At: at}); !errors.Is(err, rcm.ErrIllegalTransition) {
		t.Fatalf("draft -> paid allowed: %v", err)
	}
	for i, st := range []string{"scrubbing", "ready"} {
		if err := f.s.RecordClaimProgress(ctx, store.ClaimProgress{ClaimID: c.ID, Attempt: 1, Seq: i + 1, Status: st, At: at}); err != nil {
			t.Fatal(err)
		}
	}
	if c, err = f.s.GetClaim(ctx, f.admin, c.ID); err != nil {
		t.Fatal(err)
	}
	if len(c.History) != 3 || c.History[2].Status != "ready" || c.Status != "ready" {
		t.Fatalf("history = %+v", c.History)
	}
	b, err := f.s.GetClaimBundle(ctx, f.admin, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if b.Patient.LastName != "ALPHA" || b.Coverage.MemberID != "ZZ0000001" || len(b.Encounter.Charges) != 2 ||
		b.Encounter.Charges[0].Modifiers[0] != "25" || b.Provider.NPI != "1234567893" || b.Payer.PayerID != "ZZPAYER1" {
		t.Fatalf("bundle = %+v", b)
	}
	// Billers elsewhere cannot see it.
	billerB := userWithRole(t, f.s, f.facB.ID, "biller-b", "biller")
	if _, err := f.s.GetClaimBundle(ctx, billerB, c.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("other org's claim: %v", err)
	}
}

func TestKeyRotationKeepsRecordsReadable(t *testing.T) {
	ctx := context.Background()
	s, _ := testenv.Store(t)
	path := filepath.Join(t.TempDir(), "kek.json")
	k, err := keyring.OpenLocal(path)
	if err != nil {
		t.Fatal(err)
	}
	s.UseKeys(store.KeysFrom[*keyring.DataKey](k))
	root, err := s.CreateOrg(ctx, store.System, store.Org{Kind: "health_system", Name: "TEST"})
	if err != nil {
		t.Fatal(err)
	}
	admin := userWithRole(t, s, root.ID, "admin", "admin")
	var ids []string
	for i := 0; i < 7; i++ {
		p, err := s.CreatePatient(ctx, admin, store.Patient{OrgID: root.ID, FirstName: "TESTPATIENT", LastName: "ROTATE", BirthDate: "1980-01-01", Sex: "U"})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, p.ID)
	}
	if _, err := k.KEK().(*keyring.LocalKEK).Rotate(); err != nil {
		t.Fatal(err)
	}
	rep, err := s.RotateKeys(ctx, 3)
	if err != nil {
		t.Fatal(err)
	}
	if rep["patients"] != 7 {
		t.Fatalf("rotated = %v, want 7 patients", rep)
	}
	if rep, _ := s.RotateKeys(ctx, 3); rep["patients"] != 0 {
		t.Fatalf("second rotation re-wrapped again: %v", rep)
	}
	for _, id := range ids {
		if p, err := s.GetPatient(ctx, admin, id); err != nil || p.LastName != "ROTATE" {
			t.Fatalf("after rotation: %+v %v", p, err)
		}
	}
}

// TestAuditWaitsWhenEveryChainIsBusy: with every chain head held by other
// transactions, an audited write waits for one instead of failing, and the
// chains stay valid.
func TestAuditWaitsWhenEveryChainIsBusy(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	var holders []pgx.Tx
	for c := 0; c < 32; c++ {
		conn, err := pgx.Connect(ctx, f.dsn) // not from the store's small pool
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Close(context.Background()) })
		tx, err := conn.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.Exec(ctx, `SELECT 1 FROM audit_head WHERE chain = $1 FOR UPDATE`, c); err != nil {
			t.Fatal(err)
		}
		holders = append(holders, tx)
	}
	defer func() {
		for _, tx := range holders {
			_ = tx.Rollback(ctx)
		}
	}()
	done := make(chan error, 1)
	start := time.Date(2030, 3, 4, 15, 0, 0, 0, time.UTC)
	go func() {
		_, err := f.s.Book(ctx, f.deskA, store.Booking{ProviderID: f.provA.ID, PatientID: f.patientA.ID, VisitType: "new", StartsAt: start, EndsAt: start.Add(time.Hour)})
		done <- err
	}()
	select {
	case err := <-done:
		t.Fatalf("booked while every chain was held: %v", err)
	case <-time.After(300 * time.Millisecond):
	}
	for _, tx := range holders {
		_ = tx.Rollback(ctx)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if rep, err := f.s.VerifyAudit(ctx); err != nil || !rep.OK {
		t.Fatalf("verify = %+v, %v", rep, err)
	}
}

// TestAccessChangesAreAudited: creating a user, granting a role and issuing
// an API token each leave an audit row naming the user and what changed
// (never the secret itself).
func TestAccessChangesAreAudited(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	sys, _, err := f.s.CreateUser(ctx, f.admin, store.NewUser{OrgID: f.facA.ID, Kind: "system", Login: "audited-system", DisplayName: "audited"})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.s.Grant(ctx, f.admin, sys.ID, f.facA.ID, "scheduler_system"); err != nil {
		t.Fatal(err)
	}
	it, err := f.s.IssueAPIToken(ctx, f.admin, sys.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"create":      "{kind,login,display_name}",
		"grant":       "{role_grants/" + f.facA.ID + "/scheduler_system}",
		"issue_token": "{tokens/" + it.ID + "}",
	}
	rows, err := f.s.Pool.Query(ctx, `SELECT action, fields::text, actor_id::text, source_ip FROM audit_log WHERE resource = 'user' AND resource_id = $1 ORDER BY id`, sys.ID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var action, fields, actor, ip string
		if err := rows.Scan(&action, &fields, &actor, &ip); err != nil {
			t.Fatal(err)
		}
		if want[action] != fields || actor != f.admin.UserID || ip != f.admin.SourceIP {
			t.Errorf("audit row %s %s by %s from %s; want fields %s by %s", action, fields, actor, ip, want[action], f.admin.UserID)
		}
		n++
	}
	if n != len(want) {
		t.Fatalf("%d audit rows for the user, want %d", n, len(want))
	}
	if rep, err := f.s.VerifyAudit(ctx); err != nil || !rep.OK {
		t.Fatalf("verify = %+v, %v", rep, err)
	}
}
