package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/claimflow/claimflow/store"
)

// claimReadModel is what the claim keeps of its balance and date of
// service (00165), beside what it is derived from.
type claimReadModel struct {
	owed, derivedOwed int64
	dos, derivedDOS   string
}

func readModel(t *testing.T, s *store.Store, claimID string) claimReadModel {
	t.Helper()
	var m claimReadModel
	if err := s.Pool.QueryRow(context.Background(), `SELECT c.payer_owed_cents, claim_payer_owed(c.id, c.total_cents),
		to_char(c.date_of_service, 'YYYY-MM-DD'), to_char(e.date_of_service, 'YYYY-MM-DD')
		FROM claims c JOIN encounters e ON e.id = c.encounter_id WHERE c.id = $1`, claimID).
		Scan(&m.owed, &m.derivedOwed, &m.dos, &m.derivedDOS); err != nil {
		t.Fatal(err)
	}
	return m
}

// allClaimsAgree fails on any claim whose kept balance or date of service
// differs from what it is derived from.
func allClaimsAgree(t *testing.T, s *store.Store) {
	t.Helper()
	var bad, n int
	if err := s.Pool.QueryRow(context.Background(), `SELECT count(*) FILTER (WHERE c.payer_owed_cents <> claim_payer_owed(c.id, c.total_cents)
		OR c.date_of_service <> e.date_of_service), count(*) FROM claims c JOIN encounters e ON e.id = c.encounter_id`).Scan(&bad, &n); err != nil {
		t.Fatal(err)
	}
	if bad != 0 || n == 0 {
		t.Errorf("%d of %d claims disagree with claim_payer_owed or their encounter", bad, n)
	}
}

// TestClaimReadModel checks the claim's payer balance and date of service
// kept by the triggers of 00165 (the worklist sorts by them, the A/R adds
// them up) against what they are derived from, by hand, after each write
// that changes them: a new claim, a payment with contractual and patient
// adjustments, a denial, a reversal, a write-off, a corrected total, an
// adjustment removed, a new date of service on the encounter; and after the migration's backfill of existing rows
// (the migration rolled back and applied again over the same data).
func TestClaimReadModel(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	w := &arWorld{t: t, f: f, ctx: ctx, at: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}
	for _, cv := range []store.Coverage{
		{PatientID: f.patientA.ID, PayerID: f.payerA.ID, MemberID: "ZZ0000001", Relationship: "self", Priority: 1},
		{PatientID: f.patientB.ID, PayerID: f.payerA.ID, MemberID: "ZZ0000002", Relationship: "self", Priority: 1},
	} {
		must[store.Coverage](t)(f.s.CreateCoverage(ctx, f.admin, cv))
	}
	exec := func(sql string, args ...any) {
		t.Helper()
		if _, err := f.s.Pool.Exec(ctx, sql, args...); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	check := func(what, claimID string, owed int64, dos string) {
		t.Helper()
		m := readModel(t, f.s, claimID)
		if m.owed != owed || m.derivedOwed != owed || m.dos != dos || m.derivedDOS != dos {
			t.Errorf("%s: kept %d owed on %s, derived %d on %s; want %d on %s", what, m.owed, m.dos, m.derivedOwed, m.derivedDOS, owed, dos)
		}
	}
	co := func(reason string, cents int64) [3]any { return [3]any{"CO", reason, cents} }
	pr := func(reason string, cents int64) [3]any { return [3]any{"PR", reason, cents} }

	// A new claim: nothing paid, the payer owes the charge.
	fresh := w.claim(f.admin, f.patientA, f.provA, "2030-05-01", 12000, "accepted", nil)
	check("new claim", fresh.ID, 12000, "2030-05-01")

	// Paid 120 of 200 with CO-45 50 and PR-1 30: the payer owes nothing.
	paid := w.claim(f.admin, f.patientA, f.provA, "2030-06-20", 20000, "paid", nil,
		arPayment{"1", 20000, 12000, 3000, [][3]any{co("45", 5000), pr("1", 3000)}})
	check("paid with adjustments", paid.ID, 0, "2030-06-20")

	// Partially paid: 100 of 300, CO-45 60, PR-2 40: 100 still owed.
	partial := w.claim(f.admin, f.patientB, f.provB, "2030-05-15", 30000, "partially_paid", nil,
		arPayment{"1", 30000, 10000, 4000, [][3]any{co("45", 6000), pr("2", 4000)}})
	check("partially paid", partial.ID, 10000, "2030-05-15")

	// Denied CO-16: a denial's CO adjustment does not count, all still owed.
	denied := w.claim(f.admin, f.patientA, f.provA, "2030-04-10", 15000, "needs_correction", nil,
		arPayment{"4", 15000, 0, 0, [][3]any{co("16", 15000)}})
	check("denied", denied.ID, 15000, "2030-04-10")

	// Paid 90 of 100 with CO-45 10, then reversed (CLP02 22, negative
	// amounts): owed again.
	reversed := w.claim(f.admin, f.patientA, f.provA, "2030-03-01", 10000, "accepted", nil,
		arPayment{"1", 10000, 9000, 0, [][3]any{co("45", 1000)}},
		arPayment{"22", -10000, -9000, 0, [][3]any{co("45", -1000)}})
	check("reversed", reversed.ID, 10000, "2030-03-01")

	// Written off: the kept balance is the payer's raw balance whatever the
	// status (the queries zero it in the closed statuses), so unchanged.
	exec(`UPDATE claims SET status = 'written_off' WHERE id = $1`, partial.ID)
	check("written off", partial.ID, 10000, "2030-05-15")
	list, _, err := f.s.DashClaims(ctx, f.admin, store.DashClaimFilter{Status: "written_off"}, store.Page{Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range list {
		if c.ID == partial.ID && (c.BalanceCents != 0 || c.DateOfService != "2030-05-15") {
			t.Errorf("worklist shows the written-off claim with balance %d, date %s; want 0, 2030-05-15", c.BalanceCents, c.DateOfService)
		}
	}

	// A corrected claim version with a new total (claimversions'
	// UpdateClaimFromVersion writes total_cents): owed moves with it.
	exec(`UPDATE claims SET total_cents = 13000, updated_at = now() WHERE id = $1`, fresh.ID)
	check("new total", fresh.ID, 13000, "2030-05-01")

	// An adjustment removed: the contractual no longer counts.
	exec(`DELETE FROM claim_adjustments a USING claim_payments cp
	      WHERE cp.remittance_id = a.remittance_id AND cp.seq = a.seq AND cp.claim_id = $1 AND a.group_code = 'CO'`, paid.ID)
	check("contractual removed", paid.ID, 5000, "2030-06-20")

	// The encounter's date of service changed (the application does not,
	// but a hand correction or a test's ageing of claims does).
	exec(`UPDATE encounters SET date_of_service = '2030-02-02' WHERE id = (SELECT encounter_id FROM claims WHERE id = $1)`, reversed.ID)
	check("new date of service", reversed.ID, 10000, "2030-02-02")

	// A write to the kept columns themselves is recomputed.
	exec(`UPDATE claims SET payer_owed_cents = 1, date_of_service = '1999-01-01' WHERE id = $1`, denied.ID)
	check("direct write", denied.ID, 15000, "2030-04-10")
	allClaimsAgree(t, f.s)

	// The migration's backfill: roll 00165 back (the columns go) and apply
	// it again over the same claims.
	before := map[string]claimReadModel{}
	for _, id := range []string{fresh.ID, paid.ID, partial.ID, denied.ID, reversed.ID} {
		before[id] = readModel(t, f.s, id)
	}
	// Later migrations, if any, are rolled back first and applied again.
	rollBackBelow(ctx, t, f.s, 165)
	var cols int
	if err := f.s.Pool.QueryRow(ctx, `SELECT count(*) FROM information_schema.columns
		WHERE table_name = 'claims' AND column_name IN ('payer_owed_cents', 'date_of_service')`).Scan(&cols); err != nil || cols != 0 {
		t.Fatalf("after rolling back 00165: %d read-model columns, %v", cols, err)
	}
	if _, err := f.s.MigrateUp(ctx); err != nil {
		t.Fatal(err)
	}
	for id, want := range before {
		if got := readModel(t, f.s, id); got != want {
			t.Errorf("claim %s after the backfill: %+v, before %+v", id, got, want)
		}
	}
	allClaimsAgree(t, f.s)
	// And the triggers are back.
	exec(`UPDATE claims SET total_cents = 14000 WHERE id = $1`, fresh.ID)
	check("new total after the backfill", fresh.ID, 14000, "2030-05-01")
}

// rollBackBelow rolls the database's migrations back one at a time until
// none at or above version is applied (a migration's test then applies them
// again to check its backfill).
func rollBackBelow(ctx context.Context, t *testing.T, s *store.Store, version int64) {
	t.Helper()
	for i := 0; ; i++ {
		var current int64
		if err := s.Pool.QueryRow(ctx, `SELECT max(version_id) FROM goose_db_version WHERE is_applied`).Scan(&current); err != nil {
			t.Fatal(err)
		}
		if current < version {
			return
		}
		if i == 20 {
			t.Fatalf("still at migration %d after rolling back %d", current, i)
		}
		if err := s.MigrateDown(ctx); err != nil {
			t.Fatal(err)
		}
	}
}
