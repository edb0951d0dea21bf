package store_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/jackc/pgx/v5"

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

// TestRemittancePageOracle walks every page of the remittance view (pages
// of 7) on a generated data set of two tenants, as a tenant's biller, a
// facility's desk (part of the tenant's claim payments: the remittances it
// shares with the other facilities are narrowed to its share) and a user
// granted in both tenants, and compares each remittance's claim payments
// and their adjustments with the statements per remittance they replace.
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
	var compared, unmatched, adjusted, narrowed int
	for _, a := range []struct {
		name string
		a    store.Actor
	}{{"biller", biller}, {"facility biller", desk}, {"both tenants", both}} {
		var cursor string
		pages, seen := 0, 0
		var ids []string
		for {
			page, next, err := s.DashRemittances(ctx, a.a, store.Page{Limit: 7, After: cursor})
			if err != nil {
				t.Fatalf("%s: %v", a.name, err)
			}
			pages++
			seen += len(page)
			for _, r := range page {
				ids = append(ids, r.ID)
				want := oldPayments(t, s, r.ID, a.a.UserID)
				if !reflect.DeepEqual(r.Payments, want) {
					t.Fatalf("%s, remittance %s: payments\n%+v\nwant\n%+v", a.name, r.ID, r.Payments, want)
				}
				var all int
				if err := s.Pool.QueryRow(ctx, `SELECT count(*) FROM claim_payments WHERE remittance_id = $1`, r.ID).Scan(&all); err != nil {
					t.Fatal(err)
				}
				if len(want) < all {
					narrowed++
					if r.ProviderAdjCents != 0 || len(r.BalanceProblems) > 0 {
						t.Errorf("%s, remittance %s: a share shows the transaction's figures", a.name, r.ID)
					}
				}
				for _, p := range want {
					compared++
					if p.ClaimID == "" {
						unmatched++
					}
					if len(p.Adjustments) > 0 {
						adjusted++
					}
				}
			}
			if next == "" {
				break
			}
			cursor = next
		}
		t.Logf("%s: %d remittances in %d pages", a.name, seen, pages)
		if want := oldRemittanceIDs(t, s, a.a.UserID); !reflect.DeepEqual(ids, want) {
			t.Errorf("%s: remittances %d, want %d (every remittance asked, newest first)\n%v\n%v", a.name, len(ids), len(want), ids, want)
		}
		if seen == 0 {
			t.Errorf("%s sees no remittance", a.name)
		}
	}
	t.Logf("compared %d claim payments (%d unmatched, %d with adjustments), %d remittances narrowed", compared, unmatched, adjusted, narrowed)
	if compared < 100 || unmatched == 0 || adjusted == 0 || narrowed == 0 {
		t.Errorf("compared %d claim payments (%d unmatched, %d with adjustments), %d remittances narrowed: want some of each",
			compared, unmatched, adjusted, narrowed)
	}
}

// oldRemittanceIDs are the remittances the page listed before: every
// remittance asked whether the user owns a part of it, newest first.
func oldRemittanceIDs(t *testing.T, s *store.Store, user string) []string {
	t.Helper()
	rows, err := s.Pool.Query(context.Background(), `SELECT r.id::text FROM remittances r
		WHERE EXISTS (SELECT 1 FROM remittance_visible($1::uuid, 'claim:read', r.id, r.partner) AS v WHERE v.visible)
		ORDER BY r.id DESC`, user)
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
