package store_test

import (
	"context"
	"slices"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/claimflow/claimflow/store"
	"github.com/claimflow/claimflow/store/internal/pgq"
)

// oldRemittanceVersionSQL is DashRemittanceVersion as it was before 00176,
// visible_remittances written out as 00160 defined it: the remittances of
// the caller's accounts each asked for an unmatched claim payment or none.
const oldRemittanceVersionSQL = `WITH vis AS (
    SELECT cp.remittance_id FROM claim_payments cp
    WHERE cp.org_id IN (SELECT v.id FROM visible_orgs($1::uuid, 'claim:read') AS v (id))
    UNION ALL
    SELECT r.id FROM remittances r
    WHERE r.partner IN (SELECT tp.partner FROM trading_partner_orgs tp
                        WHERE tp.org_id IN (SELECT v.id FROM visible_orgs($1::uuid, 'claim:read') AS v (id)))
      AND (EXISTS (SELECT 1 FROM claim_payments cp WHERE cp.remittance_id = r.id AND cp.org_id IS NULL)
           OR NOT EXISTS (SELECT 1 FROM claim_payments cp WHERE cp.remittance_id = r.id))),
rem AS (
    SELECT r.id, r.created_at, r.eft_reconciled FROM remittances r
    WHERE r.id IN (SELECT remittance_id FROM vis)),
items AS (
    SELECT q.status, q.created_at, q.resolved_at FROM remit_work_queue q
    WHERE q.remittance_id IN (SELECT id FROM rem)
      AND EXISTS (SELECT 1 FROM work_item_visible($1::uuid, 'claim:read', q.id) AS v WHERE v.visible))
SELECT (SELECT count(*) FROM rem)::int, (SELECT count(*) FROM rem WHERE eft_reconciled)::int,
       (SELECT count(*) FROM items WHERE status = 'open')::int,
       greatest((SELECT max(created_at) FROM rem), (SELECT max(greatest(created_at, resolved_at)) FROM items), 'epoch'::timestamptz)`

// TestRemittanceVersionKept checks the remittance view's poll, which sums
// counts kept per owner key by triggers (remittance_poll_counts, 00180),
// against the count made afresh (the old statement written out above, and
// DashRemittanceRecount, the same through visible_remittances), after each
// kind of write that changes what the view shows: a remittance with no
// claim payment, matched and unmatched claim payments, a payment moved to
// another facility's claim, matched, unmatched and deleted, a
// reconciliation, a remittance re-dated and moved to another account, work
// items on a remittance, a matched and an unmatched payment and a missing
// one (then posted), resolved, reopened and deleted, an organisation added
// to an account and removed, a role granted, and concurrent writers; for a
// tenant's biller, a biller of one facility, a user granted in both tenants
// and the other tenant's biller, who must see none of tenant 0's changes.
// Each write must change the fresh count of one of them, so that a trigger
// missing leaves a poll answering the old count. At the end the kept rows
// must equal those made afresh from every remittance.
func TestRemittanceVersionKept(t *testing.T) {
	ctx := context.Background()
	size := store.ScaleSize{Tenants: 2, Facilities: 3, PatientsPerTenant: 40, ClaimsPerTenant: 300, Payers: 3, Providers: 4, Years: 3}
	s, t0, t1, fac, biller, facility, both := scaleTwoTenantsUsers(t, size, "version")
	actors := []struct {
		name string
		a    store.Actor
	}{{"biller", biller}, {"facility biller", facility}, {"both tenants", both},
		{"tenant 1 biller", store.Actor{UserID: t1.BillerID, SourceIP: "192.0.2.1", RequestID: "version-test"}}}
	// Counted afresh by the old statement (every remittance of the
	// caller's accounts asked, no kept count), which the store's
	// statement (the account's remittances from the kept counts, 00176)
	// must answer too.
	fresh := func(a store.Actor) store.RemittanceVersion {
		t.Helper()
		var want store.RemittanceVersion
		if err := s.Pool.QueryRow(ctx, oldRemittanceVersionSQL, a.UserID).Scan(&want.Remittances, &want.Reconciled,
			&want.OpenWorkItems, &want.Latest); err != nil {
			t.Fatal(err)
		}
		r, err := pgq.New(s.Pool).DashRemittanceRecount(ctx, pgq.DashRemittanceRecountParams{Actor: &a.UserID, Perm: store.PermClaimRead})
		if err != nil {
			t.Fatal(err)
		}
		got := store.RemittanceVersion{Remittances: int(r.Remittances), Reconciled: int(r.Reconciled), OpenWorkItems: int(r.OpenItems), Latest: r.Latest}
		if got.Remittances != want.Remittances || got.Reconciled != want.Reconciled || got.OpenWorkItems != want.OpenWorkItems ||
			!got.Latest.Equal(want.Latest) {
			t.Errorf("DashRemittanceRecount counts %+v, every remittance asked %+v", got, want)
		}
		return want
	}
	last := map[string]store.RemittanceVersion{}
	// tenant1Moves is set by the steps that change tenant 1's view; every
	// other step writes tenant 0's rows only.
	tenant1Moves := false
	check := func(step string) {
		t.Helper()
		moved := false
		for _, x := range actors {
			want := fresh(x.a)
			got, err := s.DashRemittanceVersion(ctx, x.a)
			if err != nil {
				t.Fatal(err)
			}
			if !got.Latest.Equal(want.Latest) || got.Remittances != want.Remittances || got.Reconciled != want.Reconciled ||
				got.OpenWorkItems != want.OpenWorkItems {
				t.Errorf("%s, %s: poll answers %+v, counted afresh %+v", step, x.name, got, want)
			}
			if prev, ok := last[x.name]; ok && (prev.Remittances != want.Remittances || prev.Reconciled != want.Reconciled ||
				prev.OpenWorkItems != want.OpenWorkItems || !prev.Latest.Equal(want.Latest)) {
				moved = true
				if x.a.UserID == t1.BillerID && !tenant1Moves {
					t.Errorf("%s: tenant 1's biller sees tenant 0's change: %+v, was %+v", step, want, prev)
				}
			}
			last[x.name] = want
			workQueueAgrees(t, s, step+", "+x.name, x.a)
		}
		if step != "start" && !moved {
			t.Errorf("%s changed no caller's counts: the step checks nothing", step)
		}
	}
	exec := func(sql string, args ...any) {
		t.Helper()
		if _, err := s.Pool.Exec(ctx, sql, args...); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	check("start")
	// Polled again with nothing changed: the kept counts.
	check("start")

	exec(`INSERT INTO remittances (id, payer_id, trace_number, file_key, transaction_index, paid_cents, balanced, partner, created_at)
		VALUES ('01a2ffff-0000-7000-8000-000000000001', 'ZZPAYER', 'ZZTRACE-NEW', 'k', 0, 0, true, $1, now() + interval '1 day')`, t0.Partner)
	check("remittance with no claim payment inserted")

	var rem string
	var seq int
	if err := s.Pool.QueryRow(ctx, `SELECT cp.remittance_id::text, cp.seq FROM claim_payments cp
		WHERE cp.org_id = $1 AND (SELECT count(*) FROM claim_payments x WHERE x.remittance_id = cp.remittance_id) = 1
		ORDER BY cp.remittance_id DESC LIMIT 1`, fac).Scan(&rem, &seq); err != nil {
		t.Fatal(err)
	}
	// The facility's remittance now also pays a claim of another facility.
	var other, otherClaim string
	if err := s.Pool.QueryRow(ctx, `SELECT c.org_id::text, c.id::text FROM claims c WHERE c.tenant_id = $1 AND c.org_id <> $2 LIMIT 1`,
		t0.OrgID, fac).Scan(&other, &otherClaim); err != nil {
		t.Fatal(err)
	}
	exec(`INSERT INTO claim_payments (remittance_id, seq, claim_id, org_id, patient_control, status_code, charge_cents, paid_cents, patient_resp_cents)
		VALUES ('01a2ffff-0000-7000-8000-000000000001', 1, $1, $2, 'ZZPCN', '1', 100, 100, 0)`, otherClaim, other)
	check("claim payment inserted")

	exec(`UPDATE claim_payments SET claim_id = $3, org_id = $4 WHERE remittance_id = $1 AND seq = $2`, rem, seq, otherClaim, other)
	check("claim payment moved to another facility's claim")

	// An unmatched claim payment: the remittance is now also its account's
	// (the facility's biller sees it through the account), with a work
	// item on the payment; then the payment is matched to another
	// facility's claim (the remittance and the item leave the facility).
	exec(`INSERT INTO claim_payments (remittance_id, seq, claim_id, org_id, patient_control, status_code, charge_cents, paid_cents, patient_resp_cents)
		VALUES ('01a2ffff-0000-7000-8000-000000000001', 2, NULL, NULL, 'ZZPCN2', '1', 100, 100, 0)`)
	check("unmatched claim payment inserted")
	exec(`INSERT INTO remit_work_queue (remittance_id, seq, kind, detail) VALUES ('01a2ffff-0000-7000-8000-000000000001', 2, 'unmatched_claim', 'test')`)
	check("work item on the unmatched claim payment")
	exec(`UPDATE claim_payments SET claim_id = $1, org_id = $2 WHERE remittance_id = '01a2ffff-0000-7000-8000-000000000001' AND seq = 2`, otherClaim, other)
	check("unmatched claim payment matched")

	// A work item on a claim payment not yet there belongs to nobody until
	// the payment comes (here, the facility's).
	var facClaim string
	if err := s.Pool.QueryRow(ctx, `SELECT c.id::text FROM claims c WHERE c.org_id = $1 LIMIT 1`, fac).Scan(&facClaim); err != nil {
		t.Fatal(err)
	}
	exec(`INSERT INTO remit_work_queue (remittance_id, seq, kind, detail) VALUES ('01a2ffff-0000-7000-8000-000000000001', 3, 'unmatched_claim', 'test')`)
	exec(`INSERT INTO claim_payments (remittance_id, seq, claim_id, org_id, patient_control, status_code, charge_cents, paid_cents, patient_resp_cents)
		VALUES ('01a2ffff-0000-7000-8000-000000000001', 3, $1, $2, 'ZZPCN3', '1', 100, 100, 0)`, facClaim, fac)
	check("claim payment posted under a waiting work item")

	exec(`UPDATE remittances SET eft_reconciled = NOT eft_reconciled WHERE id = (
		SELECT cp.remittance_id FROM claim_payments cp WHERE cp.org_id = $1 ORDER BY cp.remittance_id LIMIT 1)`, fac)
	check("remittance reconciled")

	exec(`UPDATE remittances SET created_at = created_at - interval '3 days' WHERE id = '01a2ffff-0000-7000-8000-000000000001'`)
	check("remittance re-dated")

	exec(`INSERT INTO remit_work_queue (remittance_id, seq, kind, detail) SELECT cp.remittance_id, cp.seq, 'unbalanced', 'test'
		FROM claim_payments cp WHERE cp.org_id = $1 AND NOT EXISTS (SELECT 1 FROM remit_work_queue q WHERE q.remittance_id = cp.remittance_id)
		ORDER BY cp.remittance_id LIMIT 2`, fac)
	check("work items added")

	exec(`UPDATE remit_work_queue SET status = 'resolved', resolution = 'not_ours', resolved_at = now() + interval '2 days'
		WHERE id = (SELECT max(id) FROM remit_work_queue)`)
	check("work item resolved")

	// Reopened: its resolution was the latest change, which goes back.
	exec(`UPDATE remit_work_queue SET status = 'open', resolution = NULL, resolved_at = NULL
		WHERE id = (SELECT max(id) FROM remit_work_queue WHERE status = 'resolved')`)
	check("work item reopened")

	exec(`DELETE FROM remit_work_queue WHERE id = (SELECT max(id) FROM remit_work_queue WHERE status = 'open')`)
	check("work item deleted")

	exec(`DELETE FROM claim_adjustments WHERE remittance_id = '01a2ffff-0000-7000-8000-000000000001'`)
	exec(`DELETE FROM claim_payments WHERE remittance_id = '01a2ffff-0000-7000-8000-000000000001'`)
	check("claim payment deleted")

	var linked []string
	if err := s.Pool.QueryRow(ctx, `SELECT array_agg(org_id::text) FROM trading_partner_orgs WHERE partner = $1`, t0.Partner).Scan(&linked); err != nil {
		t.Fatal(err)
	}
	exec(`DELETE FROM trading_partner_orgs WHERE partner = $1`, t0.Partner)
	check("organisations removed from the account")
	exec(`INSERT INTO trading_partner_orgs (partner, org_id) SELECT $1, unnest($2::uuid[])`, t0.Partner, linked)
	check("organisations added to the account")

	// The remittance (no claim payment now, so its account's) moved to the
	// other tenant's account and back.
	tenant1Moves = true
	exec(`UPDATE remittances SET partner = $1 WHERE id = '01a2ffff-0000-7000-8000-000000000001'`, t1.Partner)
	check("remittance moved to the other tenant's account")
	exec(`UPDATE remittances SET partner = $1 WHERE id = '01a2ffff-0000-7000-8000-000000000001'`, t0.Partner)
	check("remittance moved back")
	tenant1Moves = false

	exec(`DELETE FROM remit_work_queue WHERE remittance_id = '01a2ffff-0000-7000-8000-000000000001'`)
	exec(`DELETE FROM remittances WHERE id = '01a2ffff-0000-7000-8000-000000000001'`)
	check("remittance deleted")

	exec(`INSERT INTO role_grants (user_id, org_id, role) VALUES ($1, $2, 'biller')`, both.UserID, t1.OrgID)
	check("role granted in the other tenant")

	// Concurrent writers of the same tenant: every increment is kept.
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := s.Pool.Exec(ctx, `UPDATE remittances SET eft_reconciled = true WHERE id = (
				SELECT cp.remittance_id FROM claim_payments cp JOIN remittances r ON r.id = cp.remittance_id
				WHERE cp.org_id = $1 AND NOT r.eft_reconciled ORDER BY cp.remittance_id OFFSET $2 LIMIT 1)`, fac, i)
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	check("concurrent reconciliations")

	// Concurrent writers of one remittance: claim payments (matched and
	// unmatched) and work items, each in its own transaction.
	exec(`INSERT INTO remittances (id, payer_id, trace_number, file_key, transaction_index, paid_cents, balanced, partner)
		VALUES ('01a2ffff-0000-7000-8000-000000000002', 'ZZPAYER', 'ZZTRACE-CONC', 'k', 0, 0, true, $1)`, t0.Partner)
	check("second remittance inserted")
	errs = make(chan error, 16)
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var err error
			switch {
			case i%4 == 3: // on the claim payment of i-1 (matched), written at the same time
				_, err = s.Pool.Exec(ctx, `INSERT INTO remit_work_queue (remittance_id, seq, kind, detail)
					VALUES ('01a2ffff-0000-7000-8000-000000000002', $1, 'unmatched_claim', 'test')`, i)
			case i%2 == 0:
				_, err = s.Pool.Exec(ctx, `INSERT INTO claim_payments (remittance_id, seq, claim_id, org_id, patient_control, status_code,
					charge_cents, paid_cents, patient_resp_cents) VALUES ('01a2ffff-0000-7000-8000-000000000002', $1, $2, $3, 'ZZC', '1', 1, 1, 0)`,
					i+1, facClaim, fac)
			default:
				_, err = s.Pool.Exec(ctx, `INSERT INTO claim_payments (remittance_id, seq, claim_id, org_id, patient_control, status_code,
					charge_cents, paid_cents, patient_resp_cents) VALUES ('01a2ffff-0000-7000-8000-000000000002', $1, NULL, NULL, 'ZZC', '1', 1, 1, 0)`, i+1)
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	check("concurrent claim payments and work items")

	// Two writers of one remittance (work items on the whole remittance,
	// which no other trigger orders), the second waiting for the first: it
	// must count the first's item too (without the remittance's row lock it
	// recounted from a snapshot without it, and the remittance was kept
	// twice).
	tx, err := s.Pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	if _, err := tx.Exec(ctx, `INSERT INTO remit_work_queue (remittance_id, seq, kind, detail)
		VALUES ('01a2ffff-0000-7000-8000-000000000002', 0, 'unbalanced', 'ZZW1')`); err != nil {
		t.Fatal(err)
	}
	second := make(chan error, 1)
	go func() {
		_, err := s.Pool.Exec(ctx, `INSERT INTO remit_work_queue (remittance_id, seq, kind, detail)
			VALUES ('01a2ffff-0000-7000-8000-000000000002', 0, 'eft_unreconciled', 'ZZW2')`)
		second <- err
	}()
	for waiting := false; !waiting; {
		if err := s.Pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE datname = current_database()
			AND wait_event_type = 'Lock' AND query LIKE '%ZZW2%')`).Scan(&waiting); err != nil {
			t.Fatal(err)
		}
		select {
		case err := <-second:
			t.Fatalf("the second writer did not wait for the first: %v", err)
		default:
		}
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-second; err != nil {
		t.Fatal(err)
	}
	check("a writer waiting for another of the same remittance")

	// The kept rows are those made afresh, and the sums theirs, folded.
	var stale, wrongSums, unfolded int
	if err := s.Pool.QueryRow(ctx, `WITH fresh AS (SELECT * FROM remittance_poll_rows(ARRAY(SELECT id FROM remittances), NULL))
		SELECT (SELECT count(*) FROM ((SELECT * FROM remittance_poll_members EXCEPT ALL SELECT * FROM fresh)
		                              UNION ALL (SELECT * FROM fresh EXCEPT ALL SELECT * FROM remittance_poll_members)) x)`).Scan(&stale); err != nil {
		t.Fatal(err)
	}
	if err := s.Pool.QueryRow(ctx, `WITH kept AS (
			SELECT orgs, by_account, partner, sum(members) AS n, sum(remittances) AS r, sum(reconciled) AS c, sum(open_items) AS o
			FROM remittance_poll_counts GROUP BY 1, 2, 3 HAVING sum(members) <> 0 OR sum(remittances) <> 0 OR sum(reconciled) <> 0 OR sum(open_items) <> 0),
		fresh AS (
			SELECT orgs, by_account, partner, count(*) AS n, sum(remittances) AS r, sum(reconciled) AS c, sum(open_items) AS o
			FROM remittance_poll_members GROUP BY 1, 2, 3)
		SELECT (SELECT count(*) FROM ((SELECT * FROM kept EXCEPT ALL SELECT * FROM fresh) UNION ALL (SELECT * FROM fresh EXCEPT ALL SELECT * FROM kept)) x),
		       (SELECT count(*) - count(DISTINCT (orgs, by_account, partner)) FROM remittance_poll_counts)`).Scan(&wrongSums, &unfolded); err != nil {
		t.Fatal(err)
	}
	if stale != 0 || wrongSums != 0 {
		t.Errorf("kept member rows differ from those made afresh in %d rows, the kept sums from theirs in %d keys", stale, wrongSums)
	}
	if unfolded > 16 {
		t.Errorf("%d count rows more than keys, want them folded", unfolded)
	}
}

// workQueueAgrees pages through the work queue as a (two items a page,
// so the cursor is used) and compares it with the open items
// visible_work_items gives a, newest first: DashWorkQueuePage finds its
// remittances from the kept poll members (00182) and must lose none.
func workQueueAgrees(t *testing.T, s *store.Store, name string, a store.Actor) {
	t.Helper()
	ctx := context.Background()
	var got []string
	cursor := ""
	for {
		page, next, err := s.DashWorkQueuePage(ctx, a, store.Page{Limit: 2, After: cursor})
		if err != nil {
			t.Fatalf("%s: work queue: %v", name, err)
		}
		for _, w := range page {
			got = append(got, w.ID)
		}
		if next == "" {
			break
		}
		cursor = next
	}
	rows, err := s.Pool.Query(ctx, `SELECT q.public_id::text FROM remit_work_queue q
		WHERE q.status = 'open' AND q.id IN (SELECT item_id FROM visible_work_items($1::uuid, 'claim:read'))
		ORDER BY q.id DESC`, a.UserID)
	if err != nil {
		t.Fatal(err)
	}
	want, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, want) {
		t.Errorf("%s: work queue %v, want the visible open items %v", name, got, want)
	}
}
