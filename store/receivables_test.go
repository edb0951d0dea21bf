package store_test

import (
	"context"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/claimflow/claimflow/store"
)

// arWorld builds claims for the A/R and analytics test: an encounter and
// claim per call, then the status history, 835 claim payments with their
// CAS adjustments and patient payments written as the workflow and the
// posting would write them.
type arWorld struct {
	t   *testing.T
	f   *fixture
	ctx context.Context
	n   int
	at  time.Time // history and postings are written one minute apart from here
}

type arPayment struct {
	status           string // CLP02
	charge, paid, pr int64
	adjustments      [][3]any // group, reason, cents
}

func (w *arWorld) claim(a store.Actor, patient store.Patient, prov store.Provider, dos string, cents int64, status string, history []string, payments ...arPayment) store.Claim {
	t, ctx := w.t, w.ctx
	t.Helper()
	enc, err := w.f.s.CreateEncounter(ctx, a, store.Encounter{PatientID: patient.ID, ProviderID: prov.ID, DateOfService: dos,
		PlaceOfService: "11", Diagnoses: []string{"Z00.00"},
		Charges: []store.Charge{{Code: "99213", DiagnosisPointers: []int{1}, Units: 1, AmountCents: cents}}})
	if err != nil {
		t.Fatal(err)
	}
	c, err := w.f.s.CreateClaim(ctx, a, enc.ID)
	if err != nil {
		t.Fatal(err)
	}
	exec := func(sql string, args ...any) {
		t.Helper()
		if _, err := w.f.s.Pool.Exec(ctx, sql, args...); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	exec(`UPDATE claims SET status = $2 WHERE id = $1`, c.ID, status)
	for i, st := range history {
		w.at = w.at.Add(time.Minute)
		exec(`INSERT INTO claim_status_history (claim_id, seq, status, at) VALUES ($1, $2, $3, $4)`, c.ID, 100+i, st, w.at)
	}
	for _, p := range payments {
		w.n++
		w.at = w.at.Add(time.Minute)
		rid := fmt.Sprintf("00000000-0000-4000-8000-%012d", w.n)
		exec(`INSERT INTO remittances (id, payer_id, trace_number, file_key, transaction_index, paid_cents, balanced)
		      VALUES ($1, 'ZZPAYER1', $2, 'test', 0, $3, true)`, rid, fmt.Sprintf("ZZTRACE%d", w.n), p.paid)
		exec(`INSERT INTO claim_payments (remittance_id, seq, claim_id, org_id, patient_control, status_code, charge_cents, paid_cents, patient_resp_cents, posted_at)
		      VALUES ($1, 1, $2, $3, $4, $5, $6, $7, $8, $9)`, rid, c.ID, c.OrgID, c.PatientControlNumber, p.status, p.charge, p.paid, p.pr, w.at)
		for i, adj := range p.adjustments {
			exec(`INSERT INTO claim_adjustments (remittance_id, seq, line, n, group_code, reason, amount_cents, org_id) VALUES ($1, 1, 0, $2, $3, $4, $5, $6)`,
				rid, i+1, adj[0], adj[1], adj[2], c.OrgID)
		}
	}
	return c
}

// patientPaid posts a patient payment on a statement of the claim, and
// refunds refunded of it.
func (w *arWorld) patientPaid(c store.Claim, billed, paid, refunded int64) {
	w.t.Helper()
	w.n++
	id := fmt.Sprintf("%s-ZZTRACE%d", c.ID, w.n)
	if err := w.f.s.OpenStatement(w.ctx, store.Statement{ID: id, PatientID: c.PatientID, AmountCents: billed}); err != nil {
		w.t.Fatal(err)
	}
	if _, err := w.f.s.Pool.Exec(w.ctx, `INSERT INTO patient_payments (payment_intent_id, statement_id, event_id, amount_cents) VALUES ($1, $2, $3, $4)`,
		fmt.Sprintf("pi_test_%d", w.n), id, fmt.Sprintf("evt_test_%d", w.n), paid); err != nil {
		w.t.Fatal(err)
	}
	if refunded > 0 {
		if _, err := w.f.s.Pool.Exec(w.ctx, `INSERT INTO patient_refunds (refund_id, statement_id, payment_intent_id, amount_cents) VALUES ($1, $2, $3, $4)`,
			fmt.Sprintf("re_test_%d", w.n), id, fmt.Sprintf("pi_test_%d", w.n), refunded); err != nil {
			w.t.Fatal(err)
		}
	}
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

// TestReceivablesHandComputed checks every A/R and analytics figure of
// DashReceivables against answers computed by hand (below) for a small
// practice, with an out-of-scope facility and a second tenant whose claims
// would change every figure if they counted.
func TestReceivablesHandComputed(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	// Balances are aged to 2030-06-30.
	f.s.UseClock(func() time.Time { return time.Date(2030, 6, 30, 15, 0, 0, 0, time.UTC) })
	w := &arWorld{t: t, f: f, ctx: ctx, at: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}
	payer2 := must[store.Payer](t)(f.s.CreatePayer(ctx, f.admin, store.Payer{OrgID: f.root.ID, PayerID: "ZZPAYER2", Name: "TEST PAYER 2", Clearinghouse: "local"}))
	patientC := must[store.Patient](t)(f.s.CreatePatient(ctx, f.admin, store.Patient{OrgID: f.facA.ID, FirstName: "TESTPATIENT", LastName: "CHARLIE", BirthDate: "1973-03-03", Sex: "U"}))
	for _, cv := range []store.Coverage{
		{PatientID: f.patientA.ID, PayerID: f.payerA.ID, MemberID: "ZZ0000001", Relationship: "self", Priority: 1},
		{PatientID: patientC.ID, PayerID: payer2.ID, MemberID: "ZZ0000003", Relationship: "self", Priority: 1},
		{PatientID: f.patientB.ID, PayerID: f.payerA.ID, MemberID: "ZZ0000002", Relationship: "self", Priority: 1},
	} {
		must[store.Coverage](t)(f.s.CreateCoverage(ctx, f.admin, cv))
	}
	sent := []string{"scrubbing", "ready", "submitted", "acknowledged", "accepted"}
	co := func(reason string, cents int64) [3]any { return [3]any{"CO", reason, cents} }
	pr := func(reason string, cents int64) [3]any { return [3]any{"PR", reason, cents} }

	// Facility A (TEST PAYER = P1, TEST PAYER 2 = P2). Age = days from the
	// date of service to 2030-06-30.
	// C1 2030-06-20 (age 10) $200 P1: paid 120, CO-45 50, PR-1 30; the
	// patient paid 10 of the 30 (and 7 more, refunded: net 10).
	c1 := w.claim(f.admin, f.patientA, f.provA, "2030-06-20", 20000, "paid", sent,
		arPayment{"1", 20000, 12000, 3000, [][3]any{co("45", 5000), pr("1", 3000)}})
	w.patientPaid(c1, 3000, 1000, 0)
	w.patientPaid(c1, 2000, 700, 700)
	// C2 2030-05-15 (age 46) $300 P1: paid 100, CO-45 60, PR-2 40; partially paid.
	w.claim(f.admin, f.patientA, f.provA, "2030-05-15", 30000, "partially_paid", sent,
		arPayment{"1", 30000, 10000, 4000, [][3]any{co("45", 6000), pr("2", 4000)}})
	// C3 2030-04-10 (age 81) $150 P2: rejected by the payer, resubmitted,
	// accepted, then denied CO-16.
	w.claim(f.admin, patientC, f.provA, "2030-04-10", 15000, "needs_correction",
		[]string{"scrubbing", "ready", "submitted", "rejected", "resubmitted", "scrubbing", "ready", "submitted", "accepted"},
		arPayment{"4", 15000, 0, 0, [][3]any{co("16", 15000)}})
	// C4 2030-03-01 (age 121) $100 P2: accepted, no 835 yet.
	w.claim(f.admin, patientC, f.provA, "2030-03-01", 10000, "accepted", sent)
	// C5 2030-03-20 (age 102) $80 P1: ready, never sent.
	w.claim(f.admin, f.patientA, f.provA, "2030-03-20", 8000, "ready", []string{"scrubbing", "ready"})
	// C6 2030-06-01 (age 29) $120 P2: accepted, denied CO-16 60 + CO-197 60.
	w.claim(f.admin, patientC, f.provA, "2030-06-01", 12000, "appeal_pending", sent,
		arPayment{"4", 12000, 0, 0, [][3]any{co("16", 6000), co("197", 6000)}})
	// C7 2030-06-25 (age 5) $50 P1: failed the scrub (a claim edit), fixed,
	// sent once, paid 40, CO-45 10.
	w.claim(f.admin, f.patientA, f.provA, "2030-06-25", 5000, "paid",
		[]string{"scrubbing", "scrub_failed", "resubmitted", "scrubbing", "ready", "submitted", "accepted"},
		arPayment{"1", 5000, 4000, 0, [][3]any{co("45", 1000)}})
	// C9 2030-06-15 (age 15) $90 P1: submitted, no acknowledgement yet.
	w.claim(f.admin, f.patientA, f.provA, "2030-06-15", 9000, "submitted", []string{"scrubbing", "ready", "submitted"})

	// Out of scope for facility A's biller: facility B's denied $1,000
	// claim with a patient share; and a second tenant's.
	w.claim(f.admin, f.patientB, f.provB, "2030-06-10", 100000, "needs_correction", sent,
		arPayment{"4", 100000, 0, 0, [][3]any{co("16", 100000)}})
	root2 := must[store.Org](t)(f.s.CreateOrg(ctx, store.System, store.Org{Kind: "health_system", Name: "TEST TENANT 2"}))
	admin2 := userWithRole(t, f.s, root2.ID, "admin-2", "admin")
	prov2 := must[store.Provider](t)(f.s.CreateProvider(ctx, admin2, store.Provider{OrgID: root2.ID, NPI: "1234567893", LastName: "TESTDOC T2", Taxonomy: "207Q00000X"}))
	payerT2 := must[store.Payer](t)(f.s.CreatePayer(ctx, admin2, store.Payer{OrgID: root2.ID, PayerID: "ZZPAYER9", Name: "TEST PAYER T2", Clearinghouse: "local"}))
	patT2 := must[store.Patient](t)(f.s.CreatePatient(ctx, admin2, store.Patient{OrgID: root2.ID, FirstName: "TESTPATIENT", LastName: "TANGO", BirthDate: "1974-04-04", Sex: "U"}))
	must[store.Coverage](t)(f.s.CreateCoverage(ctx, admin2, store.Coverage{PatientID: patT2.ID, PayerID: payerT2.ID, MemberID: "ZZ0000009", Relationship: "self", Priority: 1}))
	t2 := w.claim(admin2, patT2, prov2, "2030-06-10", 500000, "partially_paid", sent,
		arPayment{"1", 500000, 100000, 50000, [][3]any{co("45", 100000), pr("1", 50000)}})
	w.patientPaid(t2, 50000, 20000, 0)

	billerA := userWithRole(t, f.s, f.facA.ID, "biller-ar", "biller")
	r, err := f.s.DashReceivables(ctx, billerA)
	if err != nil {
		t.Fatal(err)
	}
	if r.AsOf != "2030-06-30" {
		t.Errorf("as of %q", r.AsOf)
	}

	// Payer A/R = charge − paid − contractual (CO, not on a denial) −
	// patient responsibility, on claims not paid/written off/voided/
	// patient billing/draft:
	//   P1: C1 paid → 0; C2 30000−10000−6000−4000 = 10000 (31–60; charge
	//       minus paid would have said 20000); C5 8000 (91–120); C7 paid →
	//       0; C9 9000 (0–30). Total 27000, 3 claims.
	//   P2: C3 15000 (61–90: the denial's CO-16 is not a write-off);
	//       C4 10000 (120+); C6 12000 (0–30). Total 37000, 3 claims.
	want := []store.AgingRow{
		{Payer: "TEST PAYER", Claims: 3, Days0to30: 9000, Days31to60: 10000, Days91to120: 8000, TotalCents: 27000},
		{Payer: "TEST PAYER 2", Claims: 3, Days0to30: 12000, Days61to90: 15000, DaysOver120: 10000, TotalCents: 37000},
	}
	if fmt.Sprint(r.Aging) != fmt.Sprint(want) {
		t.Errorf("payer aging\n got %+v\nwant %+v", r.Aging, want)
	}
	// Patient A/R = patient responsibility − patient payments: C1 3000−1000
	// = 2000 (0–30), C2 4000 (31–60); one patient (ALPHA) owes 6000.
	wantP := store.AgingRow{Payer: "Patients", Claims: 2, Days0to30: 2000, Days31to60: 4000, TotalCents: 6000}
	if r.Patients != wantP || r.PatientCount != 1 {
		t.Errorf("patient aging %+v (%d patients), want %+v (1)", r.Patients, r.PatientCount, wantP)
	}

	an := r.Analytics
	// The period is the 90 days to 2030-06-30 (age 0–89): C1, C2, C3, C6,
	// C7, C9 (C4 at 121 and C5 at 102 days are older).
	// Clean-claim rate: submitted C1 C2 C3 C6 C7 C9 = 6; clean C1 C2 C6 = 3
	// (C3 rejected, C7 failed a claim edit, C9 not accepted yet): 3/6 = 0.5.
	if an.PeriodDays != 90 || an.Submitted != 6 || an.Clean != 3 || !near(an.CleanClaimRate, 0.5) {
		t.Errorf("clean-claim rate: %d/%d = %v over %d days, want 3/6 = 0.5 over 90", an.Clean, an.Submitted, an.CleanClaimRate, an.PeriodDays)
	}
	// First-pass resolution: adjudicated C1 C2 C3 C6 C7 = 5; processed on
	// their first submission C1 C2 C7 = 3 (C7 was sent once: its scrub
	// failure came before): 3/5 = 0.6.
	if an.Adjudicated != 5 || an.FirstPass != 3 || !near(an.FirstPassResolution, 0.6) {
		t.Errorf("first-pass resolution: %d/%d = %v, want 3/5 = 0.6", an.FirstPass, an.Adjudicated, an.FirstPassResolution)
	}
	// Denial rate: C3, C6 denied of 5 adjudicated = 0.4. By reason: CO-16
	// (C3, C6) 2/5 = 0.4, CO-197 (C6) 1/5 = 0.2. By payer: P2 2/2 = 1, P1
	// 0/3 = 0.
	if an.Denied != 2 || !near(an.DenialRate, 0.4) {
		t.Errorf("denial rate %d/%d = %v, want 2/5 = 0.4", an.Denied, an.Adjudicated, an.DenialRate)
	}
	wantCARC := []store.DenialRate{{Key: "CO-16", Denied: 2, Adjudicated: 5, Rate: 0.4, Grade: "bad"}, {Key: "CO-197", Denied: 1, Adjudicated: 5, Rate: 0.2, Grade: "bad"}}
	if fmt.Sprint(an.DenialsByCARC) != fmt.Sprint(wantCARC) {
		t.Errorf("denials by reason %+v, want %+v", an.DenialsByCARC, wantCARC)
	}
	wantPayer := []store.DenialRate{{Key: "TEST PAYER 2", Denied: 2, Adjudicated: 2, Rate: 1, Grade: "bad"}, {Key: "TEST PAYER", Denied: 0, Adjudicated: 3, Rate: 0, Grade: "good"}}
	if fmt.Sprint(an.DenialsByPayer) != fmt.Sprint(wantPayer) {
		t.Errorf("denials by payer %+v, want %+v", an.DenialsByPayer, wantPayer)
	}
	// Days in A/R: total A/R 27000 + 37000 + 6000 = 70000; the period's
	// charges 20000+30000+15000+12000+5000+9000 = 91000 over 90 days =
	// 1011.11/day; 70000 ÷ (91000/90) = 6300000/91000 = 69.2307...
	if an.TotalARCents != 70000 || an.PeriodChargesCts != 91000 || !near(an.DaysInAR, 6300000.0/91000) {
		t.Errorf("days in A/R: %d ÷ (%d/90) = %v, want 70000 ÷ (91000/90) = 69.23", an.TotalARCents, an.PeriodChargesCts, an.DaysInAR)
	}
	// Net collection rate: payments 12000 + 10000 + 4000 (payers) + 1000
	// (patient) = 27000; contractual 5000 + 6000 + 1000 = 12000 (the
	// denials' CO are not); 27000 ÷ (91000 − 12000) = 27000/79000 = 0.3418.
	if an.PaymentsCents != 27000 || an.ContractualCents != 12000 || !near(an.NetCollectionRate, 27000.0/79000) {
		t.Errorf("net collection: %d ÷ (%d − %d) = %v, want 27000/79000", an.PaymentsCents, an.PeriodChargesCts, an.ContractualCents, an.NetCollectionRate)
	}

	// Graded against rcm.Benchmarks: 40 % denials (> 10 %), 50 % clean
	// (< 90 %), 60 % first pass (< 85 %), 69 days (> 50), 34 % collected
	// (< 90 %) are all bad.
	for k, g := range map[string]store.Grade{"denial_rate": "bad", "clean_claim_rate": "bad", "first_pass_resolution_rate": "bad", "days_in_ar": "bad", "net_collection_rate": "bad"} {
		if an.Grades[k] != g {
			t.Errorf("grade of %s = %q, want %q", k, an.Grades[k], g)
		}
	}

	// The second tenant sees its own claim only: payer 500000 − 100000 −
	// 100000 − 50000 = 250000 (age 20), patient 50000 − 20000 = 30000.
	r2, err := f.s.DashReceivables(ctx, admin2)
	if err != nil {
		t.Fatal(err)
	}
	want2 := []store.AgingRow{{Payer: "TEST PAYER T2", Claims: 1, Days0to30: 250000, TotalCents: 250000}}
	if fmt.Sprint(r2.Aging) != fmt.Sprint(want2) || r2.Patients.TotalCents != 30000 || r2.Analytics.Adjudicated != 1 || r2.Analytics.TotalARCents != 280000 {
		t.Errorf("tenant 2: %+v patients %+v analytics %+v", r2.Aging, r2.Patients, r2.Analytics)
	}
}
