package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/claimflow/claimflow/rcm"
	"github.com/claimflow/claimflow/store"
)

// remittanceTotalsAgree compares the totals kept per remittance and owner
// (remittance_payment_totals, 00179) with a recount from claim_payments
// and claim_adjustments: a row for every remittance and organisation (or
// none: matched no claim) owning claim payments, and no other.
func remittanceTotalsAgree(t *testing.T, s *store.Store) {
	t.Helper()
	var rows, bad int
	var sample string
	if err := s.Pool.QueryRow(context.Background(), `WITH recount AS (
			SELECT cp.remittance_id, cp.org_id, count(*) AS payments, sum(cp.charge_cents) AS charge, sum(cp.paid_cents) AS paid,
			       coalesce(sum(a.adjusted), 0) AS adjusted
			FROM claim_payments cp
			LEFT JOIN (SELECT remittance_id, seq, sum(amount_cents) AS adjusted FROM claim_adjustments GROUP BY remittance_id, seq) a
			  ON a.remittance_id = cp.remittance_id AND a.seq = cp.seq
			GROUP BY cp.remittance_id, cp.org_id),
		diff AS (
			SELECT coalesce(c.remittance_id, k.remittance_id) AS id, coalesce(c.org_id, k.org_id) AS org,
			       c.payments, c.charge, c.paid, c.adjusted, k.payments AS kp, k.charge_cents AS kc, k.paid_cents AS kd, k.adjusted_cents AS ka
			FROM recount c
			FULL JOIN remittance_payment_totals k
			  ON k.remittance_id = c.remittance_id
			 AND coalesce(k.org_id, '00000000-0000-0000-0000-000000000000') = coalesce(c.org_id, '00000000-0000-0000-0000-000000000000')
			WHERE (c.payments, c.charge, c.paid, c.adjusted) IS DISTINCT FROM (k.payments, k.charge_cents, k.paid_cents, k.adjusted_cents))
		SELECT (SELECT count(*) FROM remittance_payment_totals), (SELECT count(*) FROM diff),
		       coalesce((SELECT string_agg(format('%s/%s: %s/%s/%s/%s kept %s/%s/%s/%s', id, org, payments, charge, paid, adjusted,
		                                          kp, kc, kd, ka), '; ')
		                 FROM (SELECT * FROM diff ORDER BY id LIMIT 5) d), '')`).Scan(&rows, &bad, &sample); err != nil {
		t.Fatal(err)
	}
	if bad > 0 {
		t.Errorf("kept remittance totals: %d rows of %d differ from a recount (remittance/org: payments/charge/paid/adjusted): %s", bad, rows, sample)
	}
}

// TestRemittanceListTotalsKept: the remittance list shows each remittance's
// totals from the rows kept per remittance and owner (00179), never its
// claim payments. After 835 postings through the posting path (a matched
// and an unmatched claim payment with claim and service-line adjustments,
// then a reversal, CLP02 22, and its correction), a second tenant's
// posting, an adjustment changed, one deleted, the unmatched payment
// matched and payments deleted, the kept rows equal a recount, each
// caller's list equals the old per-remittance statements (narrowed shares
// included), the figures of the new remittance are the ones worked out by
// hand, the other tenant lists nothing of it, and the list still answers
// while another transaction holds claim_adjustments locked (it reads none).
func TestRemittanceListTotalsKept(t *testing.T) {
	ctx := context.Background()
	size := store.ScaleSize{Tenants: 2, Facilities: 2, PatientsPerTenant: 30, ClaimsPerTenant: 200, Payers: 2, Providers: 3, Years: 2}
	s, t0, t1, _, biller, desk, _ := scaleTwoTenantsUsers(t, size, "totals")
	biller1 := store.Actor{UserID: t1.BillerID, SourceIP: "192.0.2.1", RequestID: "totals-test"}
	exec := func(sql string, args ...any) {
		t.Helper()
		if _, err := s.Pool.Exec(ctx, sql, args...); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	// Claims of each tenant sent through its account (posting matches
	// only those).
	sent := func(tn store.ScaleTenantIDs, n int) (pcns, ids []string) {
		t.Helper()
		rows, err := s.Pool.Query(ctx, `SELECT DISTINCT c.patient_control_number, c.id::text FROM claims c
			JOIN batch_claims bc ON bc.claim_id = c.id JOIN claim_batches b ON b.id = bc.batch_id
			WHERE b.clearinghouse = $1 AND c.tenant_id = $2 ORDER BY c.id::text LIMIT $3`, tn.Partner, tn.OrgID, n)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var p, id string
			if err := rows.Scan(&p, &id); err != nil {
				t.Fatal(err)
			}
			pcns, ids = append(pcns, p), append(ids, id)
		}
		if len(pcns) < n {
			t.Fatalf("tenant %s: %d claims sent through %s, want %d", tn.OrgID, len(pcns), tn.Partner, n)
		}
		return pcns, ids
	}
	pcn0, claims0 := sent(t0, 2)
	pcn1, _ := sent(t1, 1)
	remittance := func(tn store.ScaleTenantIDs, trace string) string {
		t.Helper()
		id, _, err := s.PutRemittance(ctx, store.Remittance{Partner: tn.Partner, PayerID: "ZZPAYER", TraceNumber: trace, FileKey: "k",
			PaidCents: 7000, Balanced: true})
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	post := func(rid string, ps ...store.ClaimPaymentRecord) {
		t.Helper()
		in := make([]store.ClaimPaymentPost, len(ps))
		for i, p := range ps {
			in[i] = store.ClaimPaymentPost{ClaimPaymentRecord: p}
		}
		if _, err := s.PostClaimPayments(ctx, rid, in, store.PostingOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	listed := func(a store.Actor, id string) (store.DashRemittance, bool) {
		t.Helper()
		var cursor string
		for {
			page, next, err := s.DashRemittances(ctx, a, store.Page{Limit: 50, After: cursor})
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range page {
				if r.Payments != nil {
					t.Fatalf("the list carries remittance %s's claim payments %+v", r.ID, r.Payments)
				}
				if r.ID == id {
					return r, true
				}
			}
			if next == "" {
				return store.DashRemittance{}, false
			}
			cursor = next
		}
	}
	rid0, rid1 := remittance(t0, "ZZTOTALS0"), remittance(t1, "ZZTOTALS1")
	check := func(step string, want0 rcm.RemittanceTotals) {
		t.Helper()
		remittanceCountsAgree(t, s)
		for _, x := range []struct {
			name string
			a    store.Actor
		}{{"biller", biller}, {"facility biller", desk}, {"tenant 1's biller", biller1}} {
			remittancePagesAgree(t, s, step+", "+x.name, x.a, 50)
		}
		if r, ok := listed(biller, rid0); !ok || r.Totals != want0 {
			t.Errorf("%s: tenant 0's biller lists the new remittance (%v) with totals %+v, want %+v", step, ok, r.Totals, want0)
		}
		if r, ok := listed(biller1, rid0); ok {
			t.Errorf("%s: tenant 1's biller lists tenant 0's remittance: %+v", step, r)
		}
		if r, ok := listed(biller, rid1); ok {
			t.Errorf("%s: tenant 0's biller lists tenant 1's remittance: %+v", step, r)
		}
	}
	check("remittances without claim payments", rcm.RemittanceTotals{})

	post(rid0,
		store.ClaimPaymentRecord{Seq: 1, PatientControl: pcn0[0], StatusCode: "1", ChargeCents: 10000, PaidCents: 7000,
			Adjustments: []store.PaymentAdjustment{{Group: "CO", Reason: "45", AmountCents: 2000}, {Line: 1, Group: "PR", Reason: "2", AmountCents: 1000}}},
		store.ClaimPaymentRecord{Seq: 2, PatientControl: "ZZNOSUCHPCN", StatusCode: "1", ChargeCents: 500, PaidCents: 0,
			Adjustments: []store.PaymentAdjustment{{Group: "CO", Reason: "16", AmountCents: 500}}})
	check("a matched and an unmatched claim payment posted", rcm.RemittanceTotals{ClaimPayments: 2, ChargeCents: 10500, PaidCents: 7000, AdjustedCents: 3500})

	post(rid0,
		store.ClaimPaymentRecord{Seq: 3, PatientControl: pcn0[0], StatusCode: "22", ChargeCents: -10000, PaidCents: -7000,
			Adjustments: []store.PaymentAdjustment{{Group: "CO", Reason: "45", AmountCents: -2000}, {Line: 1, Group: "PR", Reason: "2", AmountCents: -1000}}},
		store.ClaimPaymentRecord{Seq: 4, PatientControl: pcn0[0], StatusCode: "1", ChargeCents: 10000, PaidCents: 7500,
			Adjustments: []store.PaymentAdjustment{{Group: "CO", Reason: "45", AmountCents: 2500}}})
	check("a reversal and its correction posted", rcm.RemittanceTotals{ClaimPayments: 4, ChargeCents: 10500, PaidCents: 7500, AdjustedCents: 3000})

	post(rid1, store.ClaimPaymentRecord{Seq: 1, PatientControl: pcn1[0], StatusCode: "1", ChargeCents: 9000, PaidCents: 9000})
	check("tenant 1 posted", rcm.RemittanceTotals{ClaimPayments: 4, ChargeCents: 10500, PaidCents: 7500, AdjustedCents: 3000})

	exec(`UPDATE claim_adjustments SET amount_cents = 2600 WHERE remittance_id = $1 AND seq = 4`, rid0)
	check("an adjustment changed", rcm.RemittanceTotals{ClaimPayments: 4, ChargeCents: 10500, PaidCents: 7500, AdjustedCents: 3100})

	exec(`DELETE FROM claim_adjustments WHERE remittance_id = $1 AND seq = 2`, rid0)
	check("an adjustment deleted", rcm.RemittanceTotals{ClaimPayments: 4, ChargeCents: 10500, PaidCents: 7500, AdjustedCents: 2600})

	exec(`UPDATE claim_payments SET claim_id = $2, org_id = (SELECT org_id FROM claims WHERE id = $2) WHERE remittance_id = $1 AND seq = 2`,
		rid0, claims0[1])
	exec(`INSERT INTO claim_adjustments (remittance_id, seq, line, n, group_code, reason, amount_cents) VALUES ($1, 2, 0, 1, 'CO', '16', 400)`, rid0)
	check("the unmatched claim payment matched", rcm.RemittanceTotals{ClaimPayments: 4, ChargeCents: 10500, PaidCents: 7500, AdjustedCents: 3000})

	exec(`WITH a AS (DELETE FROM claim_adjustments WHERE remittance_id = $1 AND seq IN (1, 3))
		DELETE FROM claim_payments WHERE remittance_id = $1 AND seq IN (1, 3)`, rid0)
	check("a payment and its reversal deleted", rcm.RemittanceTotals{ClaimPayments: 2, ChargeCents: 10500, PaidCents: 7500, AdjustedCents: 3000})

	// The list reads no adjustment: it answers while another transaction
	// holds claim_adjustments locked.
	tx, err := s.Pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	if _, err := tx.Exec(ctx, `LOCK TABLE claim_adjustments IN ACCESS EXCLUSIVE MODE`); err != nil {
		t.Fatal(err)
	}
	lctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if _, _, err := s.DashRemittances(lctx, biller, store.Page{Limit: 50}); err != nil {
		t.Errorf("the list with claim_adjustments locked: %v (it reads adjustments)", err)
	}
}
