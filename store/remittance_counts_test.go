package store_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/claimflow/claimflow/store"
)

// remittanceCountsAgree compares the counts kept per remittance
// (remittance_payment_counts, 00176) with a recount: a row for every
// remittance and no other, with its account, its claim payments and those
// of them that matched no claim; and the totals kept per remittance and
// owner (00179) with theirs (remittanceTotalsAgree).
func remittanceCountsAgree(t *testing.T, s *store.Store) {
	t.Helper()
	remittanceTotalsAgree(t, s)
	var rows, bad int
	var sample string
	if err := s.Pool.QueryRow(context.Background(), `WITH recount AS (
			SELECT r.id, r.partner, count(cp.remittance_id) AS payments, count(cp.remittance_id) FILTER (WHERE cp.org_id IS NULL) AS unmatched
			FROM remittances r LEFT JOIN claim_payments cp ON cp.remittance_id = r.id GROUP BY r.id, r.partner),
		diff AS (
			SELECT coalesce(c.id, k.remittance_id) AS id, c.partner, c.payments, c.unmatched,
			       k.partner AS kept_partner, k.payments AS kept_payments, k.unmatched AS kept_unmatched
			FROM recount c FULL JOIN remittance_payment_counts k ON k.remittance_id = c.id
			WHERE (c.partner, c.payments, c.unmatched) IS DISTINCT FROM (k.partner, k.payments, k.unmatched))
		SELECT (SELECT count(*) FROM remittance_payment_counts), (SELECT count(*) FROM diff),
		       coalesce((SELECT string_agg(format('%s: %s/%s/%s kept %s/%s/%s', id, partner, payments, unmatched,
		                                          kept_partner, kept_payments, kept_unmatched), '; ')
		                 FROM (SELECT * FROM diff ORDER BY id LIMIT 5) d), '')`).Scan(&rows, &bad, &sample); err != nil {
		t.Fatal(err)
	}
	if bad > 0 {
		t.Errorf("kept remittance counts: %d of %d rows differ from a recount (remittance: partner/payments/unmatched): %s", bad, rows, sample)
	}
}

// TestRemittancePageKeptCounts checks the remittance page, which finds the
// remittances seen through an account from the counts kept per remittance
// (00176), against every remittance asked (the old statements), for a
// tenant's biller, a facility's biller, a user granted in both tenants
// and tenant 1's biller, after each kind of write that moves the counts: a
// remittance inserted with no claim payment, claim payments inserted
// (matched and not), an unmatched payment matched, matched payments
// unmatched, a remittance and its payments inserted in one statement,
// payments deleted (some, then all of a remittance), a remittance moved
// to the other tenant's account, and a remittance deleted. Each step must
// change what one of them sees through an account (the kept count's
// question), so that a trigger missing shows.
func TestRemittancePageKeptCounts(t *testing.T) {
	ctx := context.Background()
	size := store.ScaleSize{Tenants: 2, Facilities: 3, PatientsPerTenant: 40, ClaimsPerTenant: 300, Payers: 3, Providers: 4, Years: 3}
	s, t0, t1, fac, biller, desk, both := scaleTwoTenantsUsers(t, size, "counts")
	exec := func(sql string, args ...any) {
		t.Helper()
		if _, err := s.Pool.Exec(ctx, sql, args...); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	exec(`INSERT INTO role_grants (user_id, org_id, role) VALUES ($1, $2, 'biller')`, both.UserID, t1.OrgID)
	actors := []struct {
		name string
		a    store.Actor
	}{{"biller", biller}, {"facility biller", desk}, {"both tenants", both},
		{"tenant 1's biller", store.Actor{UserID: t1.BillerID, SourceIP: "192.0.2.1", RequestID: "counts-test"}}}
	// What each sees through an account: the oracle's remittances that
	// carry an unmatched claim payment or none, with how many claim
	// payments each carries.
	throughAccount := func() string {
		t.Helper()
		var out string
		for _, x := range actors {
			var seen string
			if err := s.Pool.QueryRow(ctx, `SELECT coalesce(string_agg(o.id || ':' || (SELECT count(*) FROM claim_payments cp
				                                                          WHERE cp.remittance_id = o.id::uuid), ',' ORDER BY o.id), '')
				FROM (`+oldRemittanceIDsSQL+`) AS o (id)
				WHERE EXISTS (SELECT 1 FROM claim_payments cp WHERE cp.remittance_id = o.id::uuid AND cp.org_id IS NULL)
				   OR NOT EXISTS (SELECT 1 FROM claim_payments cp WHERE cp.remittance_id = o.id::uuid)`, x.a.UserID).Scan(&seen); err != nil {
				t.Fatal(err)
			}
			out += fmt.Sprintf("%s: %s; ", x.name, seen)
		}
		return out
	}
	last := ""
	check := func(step string) {
		t.Helper()
		remittanceCountsAgree(t, s)
		for _, x := range actors {
			remittancePagesAgree(t, s, step+", "+x.name, x.a, 9)
		}
		now := throughAccount()
		if step != "start" && now == last {
			t.Errorf("%s changed nothing seen through an account: the step checks nothing", step)
		}
		last = now
	}
	check("start")

	// Claims of the facility and of another facility of tenant 0.
	var facClaim, other, otherClaim string
	if err := s.Pool.QueryRow(ctx, `SELECT id::text FROM claims WHERE org_id = $1 ORDER BY id LIMIT 1`, fac).Scan(&facClaim); err != nil {
		t.Fatal(err)
	}
	if err := s.Pool.QueryRow(ctx, `SELECT org_id::text, id::text FROM claims WHERE tenant_id = $1 AND org_id <> $2 ORDER BY id LIMIT 1`,
		t0.OrgID, fac).Scan(&other, &otherClaim); err != nil {
		t.Fatal(err)
	}
	const newRem = "01a2ffff-0000-7000-8000-0000000000a1"
	exec(`INSERT INTO remittances (id, payer_id, trace_number, file_key, transaction_index, paid_cents, balanced, partner, created_at)
		VALUES ($1, 'ZZPAYER', 'ZZTRACE-A1', 'k', 0, 300, true, $2, now() + interval '1 day')`, newRem, t0.Partner)
	check("remittance with no claim payment inserted")

	exec(`INSERT INTO claim_payments (remittance_id, seq, claim_id, org_id, patient_control, status_code, charge_cents, paid_cents, patient_resp_cents)
		VALUES ($1, 1, $2, $3, 'ZZPCN1', '1', 100, 100, 0), ($1, 2, $4, $5, 'ZZPCN2', '1', 100, 100, 0)`, newRem, facClaim, fac, otherClaim, other)
	check("matched claim payments inserted")

	exec(`INSERT INTO claim_payments (remittance_id, seq, claim_id, org_id, patient_control, status_code, charge_cents, paid_cents, patient_resp_cents)
		VALUES ($1, 3, NULL, NULL, 'ZZPCN3', '1', 100, 100, 0)`, newRem)
	check("an unmatched claim payment inserted")

	exec(`UPDATE claim_payments SET claim_id = $2, org_id = $3 WHERE remittance_id = $1 AND seq = 3`, newRem, otherClaim, other)
	check("the unmatched claim payment matched")

	// Tenant 1's newest remittances (one statement, several remittances):
	// their claim payments no longer match.
	exec(`UPDATE claim_payments SET claim_id = NULL, org_id = NULL WHERE remittance_id IN (
		SELECT r.id FROM remittances r WHERE r.partner = $1 ORDER BY r.id DESC LIMIT 3)`, t1.Partner)
	check("matched claim payments unmatched")

	// A remittance and its (unmatched) claim payments in one statement:
	// the payments' trigger may run before the remittance's.
	exec(`WITH r AS (INSERT INTO remittances (id, payer_id, trace_number, file_key, transaction_index, paid_cents, balanced, partner, created_at)
		VALUES ('01a2ffff-0000-7000-8000-0000000000a2', 'ZZPAYER', 'ZZTRACE-A2', 'k', 0, 200, true, $1, now() + interval '2 days') RETURNING id)
		INSERT INTO claim_payments (remittance_id, seq, claim_id, org_id, patient_control, status_code, charge_cents, paid_cents, patient_resp_cents)
		SELECT r.id, s.n, NULL, NULL, 'ZZPCN' || s.n, '1', 100, 100, 0 FROM r, generate_series(1, 2) AS s (n)`, t1.Partner)
	check("a remittance and its claim payments in one statement")

	exec(`DELETE FROM claim_payments WHERE remittance_id = '01a2ffff-0000-7000-8000-0000000000a2' AND seq = 1`)
	exec(`DELETE FROM claim_payments WHERE remittance_id = $1 AND seq = 3`, newRem)
	exec(`UPDATE claim_payments SET claim_id = NULL, org_id = NULL WHERE remittance_id = $1 AND seq = 2`, newRem)
	check("claim payments deleted, one unmatched")

	exec(`DELETE FROM claim_payments WHERE remittance_id IN ($1, '01a2ffff-0000-7000-8000-0000000000a2')`, newRem)
	check("every claim payment of two remittances deleted")

	exec(`UPDATE remittances SET partner = $2 WHERE id = $1`, newRem, t1.Partner)
	check("a remittance moved to the other tenant's account")

	exec(`DELETE FROM remittances WHERE id IN ($1, '01a2ffff-0000-7000-8000-0000000000a2')`, newRem)
	check("remittances deleted")
}
