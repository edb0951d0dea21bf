package store_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/claimflow/claimflow/rcm"
	"github.com/claimflow/claimflow/store"
)

// oldRemittancePayments and oldRemittanceAdjustments are the remittance
// page's statements per remittance as they were before the page read its
// claim payments and adjustments in one statement each: the oracle the
// page is checked against.
const oldRemittancePayments = `SELECT cp.seq, coalesce(cp.claim_id::text, '')::text AS claim_id,
       cp.status_code, cp.charge_cents, cp.paid_cents, cp.patient_resp_cents, cp.payer_claim_number, cp.rarcs
FROM claim_payments cp
WHERE cp.remittance_id = $1
  AND (cp.remittance_id, cp.seq) IN (SELECT remittance_id, seq FROM visible_claim_payments($2::uuid, 'claim:read'))
ORDER BY cp.seq`

const oldRemittanceAdjustments = `SELECT seq, line, group_code, reason, amount_cents
FROM claim_adjustments WHERE remittance_id = $1
ORDER BY seq, line, n`

// oldRemittanceIDsSQL are the remittances the page listed before: every
// remittance asked whether the user owns a part of it (remittance_visible
// as 00165 defined it, written out here so that the oracle reads no kept
// count), newest first.
const oldRemittanceIDsSQL = `WITH v AS (SELECT v.id FROM visible_orgs($1::uuid, 'claim:read') AS v (id))
SELECT r.id::text FROM remittances r
WHERE coalesce((SELECT true FROM claim_payments cp WHERE cp.remittance_id = r.id AND cp.org_id IN (SELECT v.id FROM v) LIMIT 1), false)
   OR (r.partner IN (SELECT tp.partner FROM trading_partner_orgs tp WHERE tp.org_id IN (SELECT v.id FROM v))
       AND (EXISTS (SELECT 1 FROM claim_payments cp WHERE cp.remittance_id = r.id AND cp.org_id IS NULL)
            OR NOT EXISTS (SELECT 1 FROM claim_payments cp WHERE cp.remittance_id = r.id)))
ORDER BY r.id DESC`

// TestRemittancePageOracle walks every page of the remittance view (pages
// of 7) on a generated data set of two tenants, as a tenant's biller, a
// facility's desk (part of the tenant's claim payments: the remittances it
// shares with the other facilities are narrowed to its share) and a user
// granted in both tenants, and compares each remittance's totals (kept,
// 00179) with those of its claim payments and their adjustments read by
// the statements per remittance the page once ran, and the export's
// claim payments with those statements.
func TestRemittancePageOracle(t *testing.T) {
	ctx := context.Background()
	size := store.ScaleSize{Tenants: 2, Facilities: 3, PatientsPerTenant: 60, ClaimsPerTenant: 500, Payers: 4, Providers: 5, Years: 3}
	s, t0, t1, _, biller, desk, both := scaleTwoTenantsUsers(t, size, "remittance")
	if _, err := s.Pool.Exec(ctx, `INSERT INTO role_grants (user_id, org_id, role) VALUES ($1, $2, 'biller')`, both.UserID, t1.OrgID); err != nil {
		t.Fatal(err)
	}
	// Claim payments that matched no claim are seen through the account
	// they came through: make some.
	if _, err := s.Pool.Exec(ctx, `UPDATE claim_payments SET claim_id = NULL, org_id = NULL
		WHERE (remittance_id, seq) IN (SELECT remittance_id, seq FROM claim_payments ORDER BY remittance_id, seq DESC LIMIT 40)`); err != nil {
		t.Fatal(err)
	}
	// And a remittance left with no claim payment at all (seen through its
	// account alone).
	if _, err := s.Pool.Exec(ctx, `WITH r AS (SELECT r.id FROM remittances r WHERE r.partner = $1 ORDER BY r.id DESC OFFSET 3 LIMIT 1),
		a AS (DELETE FROM claim_adjustments WHERE remittance_id IN (SELECT id FROM r))
		DELETE FROM claim_payments WHERE remittance_id IN (SELECT id FROM r)`, t0.Partner); err != nil {
		t.Fatal(err)
	}
	var st remittancePageStats
	for _, a := range []struct {
		name string
		a    store.Actor
	}{{"biller", biller}, {"facility biller", desk}, {"both tenants", both}} {
		st.add(remittancePagesAgree(t, s, a.name, a.a, 7))
	}
	t.Logf("compared %d claim payments (%d unmatched, %d with adjustments), %d remittances narrowed", st.compared, st.unmatched, st.adjusted, st.narrowed)
	if st.compared < 100 || st.unmatched == 0 || st.adjusted == 0 || st.narrowed == 0 {
		t.Errorf("compared %d claim payments (%d unmatched, %d with adjustments), %d remittances narrowed: want some of each",
			st.compared, st.unmatched, st.adjusted, st.narrowed)
	}
	remittanceCountsAgree(t, s)
}

// remittancePageStats counts what a walk of the remittance pages compared.
type remittancePageStats struct {
	remittances, compared, unmatched, adjusted, narrowed int
}

func (s *remittancePageStats) add(o remittancePageStats) {
	s.remittances += o.remittances
	s.compared += o.compared
	s.unmatched += o.unmatched
	s.adjusted += o.adjusted
	s.narrowed += o.narrowed
}

// remittancePagesAgree walks every page of user a's remittance view (pages
// of limit) and compares the remittances listed with every remittance
// asked (oldRemittanceIDsSQL), and each remittance (its figures, narrowed
// to the caller's share where they see part of it, and the totals of its
// claim payments and their adjustments) with the statements per
// remittance the page replaced; the list carries no claim payment. The
// export's pages (DashRemittancesWithPayments) must be the same
// remittances with those claim payments and adjustments.
func remittancePagesAgree(t *testing.T, s *store.Store, name string, a store.Actor, limit int) remittancePageStats {
	t.Helper()
	ctx := context.Background()
	var st remittancePageStats
	var cursor string
	pages := 0
	var ids []string
	for {
		page, next, err := s.DashRemittances(ctx, a, store.Page{Limit: limit, After: cursor})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		export, exportNext, err := s.DashRemittancesWithPayments(ctx, a, store.Page{Limit: limit, After: cursor})
		if err != nil {
			t.Fatalf("%s, export: %v", name, err)
		}
		if len(export) != len(page) || exportNext != next {
			t.Fatalf("%s, export: %d remittances (next %q), the list %d (next %q)", name, len(export), exportNext, len(page), next)
		}
		pages++
		for i, r := range page {
			ids = append(ids, r.ID)
			want, all := oldRemittance(t, s, r.ID, a.UserID)
			r.CreatedAt = r.CreatedAt.UTC()
			e := export[i]
			e.CreatedAt = e.CreatedAt.UTC()
			if !reflect.DeepEqual(e, want) {
				t.Fatalf("%s, remittance %s exported:\n%+v\nwant\n%+v", name, r.ID, e, want)
			}
			want.Payments = nil
			if !reflect.DeepEqual(r, want) {
				t.Fatalf("%s, remittance %s:\n%+v\nwant\n%+v", name, r.ID, r, want)
			}
			if want.Totals.ClaimPayments < int64(all) {
				st.narrowed++
			}
			want.Payments = e.Payments
			for _, p := range want.Payments {
				st.compared++
				if p.ClaimID == "" {
					st.unmatched++
				}
				if len(p.Adjustments) > 0 {
					st.adjusted++
				}
			}
		}
		if next == "" {
			break
		}
		cursor = next
	}
	st.remittances = len(ids)
	t.Logf("%s: %d remittances in %d pages", name, len(ids), pages)
	if want := oldRemittanceIDs(t, s, a.UserID); !reflect.DeepEqual(ids, want) {
		t.Errorf("%s: remittances %d, want %d (every remittance asked, newest first)\n%v\n%v", name, len(ids), len(want), ids, want)
	}
	if len(ids) == 0 {
		t.Errorf("%s sees no remittance", name)
	}
	return st
}

// oldRemittance is what the page showed of a remittance before: its row,
// its visible claim payments with their adjustments and their totals, and
// its figures narrowed to them (OwnShare) when the user sees fewer than
// all of its claim payments, counted here; all is that count.
func oldRemittance(t *testing.T, s *store.Store, id, user string) (store.DashRemittance, int) {
	t.Helper()
	var r store.DashRemittance
	var all int
	if err := s.Pool.QueryRow(context.Background(), `SELECT r.id::text, r.payer_id, r.trace_number, r.paid_cents, r.provider_adj_cents,
		r.balanced, r.balance_problems, r.eft_reconciled, coalesce(to_char(r.payment_date, 'YYYY-MM-DD'), ''), r.created_at,
		(SELECT count(*) FROM claim_payments cp WHERE cp.remittance_id = r.id)
		FROM remittances r WHERE r.id = $1`, id).Scan(&r.ID, &r.PayerID, &r.TraceNumber, &r.PaidCents, &r.ProviderAdjCents,
		&r.Balanced, &r.BalanceProblems, &r.EFTReconciled, &r.PaymentDate, &r.CreatedAt, &all); err != nil {
		t.Fatal(err)
	}
	r.CreatedAt = r.CreatedAt.UTC()
	r.Payments = oldPayments(t, s, id, user)
	r.Totals = rcm.TotalsOf(r.Payments)
	if len(r.Payments) < all {
		r.OwnShare()
	}
	return r, all
}

// oldRemittanceIDs are the remittances the page listed before: every
// remittance asked whether the user owns a part of it, newest first.
func oldRemittanceIDs(t *testing.T, s *store.Store, user string) []string {
	t.Helper()
	rows, err := s.Pool.Query(context.Background(), oldRemittanceIDsSQL, user)
	if err != nil {
		t.Fatal(err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

// oldPayments is what the page showed of a remittance's claim payments
// before: its visible claim payments, each with its adjustments.
func oldPayments(t *testing.T, s *store.Store, remittance, user string) []store.RemittancePayment {
	t.Helper()
	ctx := context.Background()
	adj := map[int][]store.PaymentAdjustment{}
	rows, err := s.Pool.Query(ctx, oldRemittanceAdjustments, remittance)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var seq int
		var a store.PaymentAdjustment
		if err := rows.Scan(&seq, &a.Line, &a.Group, &a.Reason, &a.AmountCents); err != nil {
			t.Fatal(err)
		}
		adj[seq] = append(adj[seq], a)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	out := []store.RemittancePayment{}
	rows, err = s.Pool.Query(ctx, oldRemittancePayments, remittance, user)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var p store.RemittancePayment
		if err := rows.Scan(&p.Seq, &p.ClaimID, &p.StatusCode, &p.ChargeCents, &p.PaidCents, &p.PatientRespCents,
			&p.PayerClaimNumber, &p.RARCs); err != nil {
			t.Fatal(err)
		}
		p.Adjustments = adj[p.Seq]
		if p.Adjustments == nil {
			p.Adjustments = []store.PaymentAdjustment{}
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// scaleTwoTenantsUsers generates two tenants of the given size and returns
// them with the first facility of tenant 0 and three of its users: the
// tenant's biller, a biller of that facility only, and a biller granted
// there who is also in tenant 1 (login names prefixed with tag).
func scaleTwoTenantsUsers(t *testing.T, size store.ScaleSize, tag string) (s *store.Store, t0, t1 store.ScaleTenantIDs, fac string, biller, desk, both store.Actor) {
	t.Helper()
	ctx := context.Background()
	s, _ = newStore(t)
	if _, err := s.GenerateScale(ctx, size, store.ScaleOptions{Workers: 2}); err != nil {
		t.Fatal(err)
	}
	t0, t1 = store.ScaleTenant(0), store.ScaleTenant(1)
	if err := s.Pool.QueryRow(ctx, `SELECT id::text FROM orgs WHERE parent_id = $1 ORDER BY id LIMIT 1`, t0.OrgID).Scan(&fac); err != nil {
		t.Fatal(err)
	}
	biller = store.Actor{UserID: t0.BillerID, SourceIP: "192.0.2.1", RequestID: tag + "-test"}
	desk = userWithRole(t, s, fac, tag+"-facility", "biller")
	both = userWithRole(t, s, fac, tag+"-both", "biller")
	return s, t0, t1, fac, biller, desk, both
}
