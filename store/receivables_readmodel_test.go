package store_test

import (
	"context"
	"reflect"
	"sort"
	"testing"
	"time"

	"github.com/claimflow/claimflow/rcm"
	"github.com/claimflow/claimflow/store"
	"github.com/claimflow/claimflow/store/internal/pgq"
)

// oldReceivablesTotals is DashReceivablesTotals as it was before 00167
// (sqlc's text of it): every fact looked up per claim from the claim
// payments, adjustments, statements and status history. It is the oracle
// the kept facts are checked against.
const oldReceivablesTotals = `-- name: DashReceivablesTotals :many
WITH visible AS (SELECT v.id FROM visible_orgs($1::uuid, $2::text) AS v (id)),
pay AS (
    SELECT cp.claim_id, sum(cp.paid_cents) AS paid, sum(cp.patient_resp_cents) AS resp,
           bool_or(cp.status_code <> '22') AS adjudicated, bool_or(cp.status_code = '4') AS denied
    FROM claim_payments cp
    WHERE cp.org_id IN (SELECT id FROM visible) AND cp.claim_id IS NOT NULL
    GROUP BY cp.claim_id
),
f AS (
    SELECT c.id, p.name AS payer, c.patient_id, c.status, c.total_cents, ($3::text::date - c.date_of_service) AS age,
           coalesce(pay.paid, 0) AS paid, coalesce(pay.resp, 0) AS resp,
           coalesce(pay.adjudicated, false) AS adjudicated, coalesce(pay.denied, false) AS denied,
           ($3::text::date - c.date_of_service) BETWEEN 0 AND 89 AS in_period,
           c.status <> ALL ($4::text[]) AS payer_open, c.payer_owed_cents AS owed
    FROM claims c
    JOIN payers p ON p.id = c.payer_id
    LEFT JOIN pay ON pay.claim_id = c.id
    WHERE c.org_id IN (SELECT id FROM visible)
),
g AS (
    SELECT f.id, f.payer, f.patient_id, f.status, f.total_cents, f.age, f.paid, f.resp, f.adjudicated, f.denied, f.in_period, f.payer_open, f.owed,
           CASE WHEN f.in_period THEN
               coalesce((SELECT sum(a.amount_cents) FROM claim_payments cp
                         JOIN claim_adjustments a ON a.remittance_id = cp.remittance_id AND a.seq = cp.seq
                         WHERE cp.claim_id = f.id AND cp.status_code <> '4' AND a.group_code = 'CO'), 0)
           ELSE 0 END AS contractual,
           CASE WHEN f.resp <> 0 OR f.in_period THEN
               coalesce((SELECT sum(coalesce((SELECT sum(pp.amount_cents) FROM patient_payments pp WHERE pp.statement_id = s.id), 0)
                                    - coalesce((SELECT sum(rf.amount_cents) FROM patient_refunds rf WHERE rf.statement_id = s.id), 0))
                         FROM patient_statements s WHERE left(s.id, 36) = f.id::text), 0)
           ELSE 0 END AS patient_paid,
           -- A scalar lookup (LIMIT 1), not EXISTS, which Postgres may plan
           -- as one hashed scan of every claim's history.
           CASE WHEN f.in_period THEN (SELECT true FROM claim_status_history h WHERE h.claim_id = f.id AND h.status = 'submitted' LIMIT 1) IS NOT NULL
           ELSE false END AS submitted,
           CASE WHEN f.in_period THEN coalesce((
               SELECT NOT EXISTS (SELECT 1 FROM claim_status_history h WHERE h.claim_id = f.id
                                  AND h.status IN ('scrub_failed', 'rejected') AND h.at <= acc.at)
                      AND (SELECT count(*) FROM claim_status_history h WHERE h.claim_id = f.id
                           AND h.status = 'submitted' AND h.at <= acc.at) = 1
               FROM (SELECT min(h.at) AS at FROM claim_status_history h WHERE h.claim_id = f.id AND h.status = 'accepted') acc
               WHERE acc.at IS NOT NULL), false) ELSE false END AS clean,
           CASE WHEN f.in_period AND f.adjudicated THEN coalesce((
               SELECT cp.status_code IN ('1', '2', '3')
                      AND (SELECT count(*) FROM claim_status_history h WHERE h.claim_id = f.id
                           AND h.status = 'submitted' AND h.at <= cp.posted_at) = 1
               FROM claim_payments cp WHERE cp.claim_id = f.id AND cp.status_code <> '22'
               ORDER BY cp.posted_at, cp.seq LIMIT 1), false) ELSE false END AS first_pass,
           CASE WHEN f.in_period AND f.adjudicated AND f.denied THEN
               coalesce((SELECT array_agg(DISTINCT a.group_code || '-' || a.reason)
                         FROM claim_payments cp JOIN claim_adjustments a ON a.remittance_id = cp.remittance_id AND a.seq = cp.seq
                         WHERE cp.claim_id = f.id AND cp.status_code = '4'), '{}')
           ELSE '{}' END::text[] AS denial_reasons
    FROM f
    WHERE f.payer_open OR f.in_period OR f.resp <> 0
),
b AS (
    SELECT g.id, g.payer, g.patient_id, g.status, g.total_cents, g.age, g.paid, g.resp, g.adjudicated, g.denied, g.in_period, g.payer_open, g.owed, g.contractual, g.patient_paid, g.submitted, g.clean, g.first_pass, g.denial_reasons,
           CASE WHEN g.payer_open THEN greatest(0, g.owed) ELSE 0 END AS payer_bal,
           CASE WHEN g.status IN ('voided', 'written_off') THEN 0 ELSE greatest(0, g.resp - g.patient_paid) END AS patient_bal
    FROM g
)
SELECT 'payer'::text AS kind, b.payer::text AS key, count(*)::bigint AS n0,
       coalesce(sum(b.payer_bal) FILTER (WHERE b.age <= 30), 0)::bigint AS n1,
       coalesce(sum(b.payer_bal) FILTER (WHERE b.age BETWEEN 31 AND 60), 0)::bigint AS n2,
       coalesce(sum(b.payer_bal) FILTER (WHERE b.age BETWEEN 61 AND 90), 0)::bigint AS n3,
       coalesce(sum(b.payer_bal) FILTER (WHERE b.age BETWEEN 91 AND 120), 0)::bigint AS n4,
       coalesce(sum(b.payer_bal) FILTER (WHERE b.age > 120), 0)::bigint AS n5,
       sum(b.payer_bal)::bigint AS n6, 0::bigint AS n7
FROM b WHERE b.payer_bal > 0 GROUP BY b.payer
UNION ALL
SELECT 'patients', '', count(*),
       coalesce(sum(b.patient_bal) FILTER (WHERE b.age <= 30), 0), coalesce(sum(b.patient_bal) FILTER (WHERE b.age BETWEEN 31 AND 60), 0),
       coalesce(sum(b.patient_bal) FILTER (WHERE b.age BETWEEN 61 AND 90), 0), coalesce(sum(b.patient_bal) FILTER (WHERE b.age BETWEEN 91 AND 120), 0),
       coalesce(sum(b.patient_bal) FILTER (WHERE b.age > 120), 0), coalesce(sum(b.patient_bal), 0), count(DISTINCT b.patient_id)
FROM b WHERE b.patient_bal > 0
UNION ALL
SELECT 'period', '', count(*) FILTER (WHERE b.submitted), count(*) FILTER (WHERE b.submitted AND b.clean),
       count(*) FILTER (WHERE b.adjudicated), count(*) FILTER (WHERE b.adjudicated AND b.first_pass),
       count(*) FILTER (WHERE b.adjudicated AND b.denied), coalesce(sum(b.total_cents), 0),
       coalesce(sum(b.paid + b.patient_paid), 0), coalesce(sum(b.contractual), 0)
FROM b WHERE b.in_period
UNION ALL
SELECT 'denial_payer', b.payer, count(*), count(*) FILTER (WHERE b.denied), 0, 0, 0, 0, 0, 0
FROM b WHERE b.in_period AND b.adjudicated GROUP BY b.payer
UNION ALL
SELECT 'denial_reason', r.reason, 0, count(*), 0, 0, 0, 0, 0, 0
FROM b, unnest(b.denial_reasons) AS r (reason)
WHERE b.in_period AND b.adjudicated AND b.denied GROUP BY r.reason
`

// arClosed are the statuses the payer owes nothing in (store's
// payerClosedStatuses).
var arClosed = []string{string(rcm.StatusPaid), string(rcm.StatusWrittenOff), string(rcm.StatusVoided),
	string(rcm.StatusPatientBilling), string(rcm.StatusDraft)}

func sortedTotals(rows []pgq.DashReceivablesTotalsRow) []pgq.DashReceivablesTotalsRow {
	sort.Slice(rows, func(i, j int) bool {
		if rows[i].Kind != rows[j].Kind {
			return rows[i].Kind < rows[j].Kind
		}
		return rows[i].Key < rows[j].Key
	})
	return rows
}

// receivablesBothWays runs the old and the new DashReceivablesTotals as
// the actor, aged to asOf, and fails unless every row is equal.
func receivablesBothWays(t *testing.T, s *store.Store, what string, a store.Actor, asOf string) []pgq.DashReceivablesTotalsRow {
	t.Helper()
	ctx := context.Background()
	actor := &a.UserID
	rows, err := s.Pool.Query(ctx, oldReceivablesTotals, actor, store.PermClaimRead, asOf, arClosed)
	if err != nil {
		t.Fatal(err)
	}
	var old []pgq.DashReceivablesTotalsRow
	for rows.Next() {
		var r pgq.DashReceivablesTotalsRow
		if err := rows.Scan(&r.Kind, &r.Key, &r.N0, &r.N1, &r.N2, &r.N3, &r.N4, &r.N5, &r.N6, &r.N7); err != nil {
			t.Fatal(err)
		}
		old = append(old, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	kept, err := pgq.New(s.Pool).DashReceivablesTotals(ctx, pgq.DashReceivablesTotalsParams{Actor: actor, Perm: store.PermClaimRead,
		AsOf: asOf})
	if err != nil {
		t.Fatal(err)
	}
	old, kept = sortedTotals(old), sortedTotals(kept)
	if !reflect.DeepEqual(old, kept) {
		t.Errorf("%s (as of %s): the aggregates give\n%+v\nthe per-claim lookups\n%+v", what, asOf, kept, old)
	}
	return kept
}

// allARFactsAgree fails on any claim whose kept A/R facts (00167) differ
// from claim_ar_facts, what they are derived from.
func allARFactsAgree(t *testing.T, s *store.Store) {
	t.Helper()
	var bad, n int
	if err := s.Pool.QueryRow(context.Background(), `SELECT count(*) FILTER (WHERE
		(c.ar_paid_cents, c.ar_resp_cents, c.ar_contractual_cents, c.ar_patient_paid_cents, c.ar_adjudicated, c.ar_denied,
		 c.ar_submitted, c.ar_clean, c.ar_first_pass, c.ar_denial_reasons)
		IS DISTINCT FROM (f.paid, f.resp, f.contractual, f.patient_paid, f.adjudicated, f.denied, f.submitted, f.clean, f.first_pass,
		 f.denial_reasons)), count(*)
		FROM claims c, claim_ar_facts(c.id) f`).Scan(&bad, &n); err != nil {
		t.Fatal(err)
	}
	if bad != 0 || n == 0 {
		t.Errorf("%d of %d claims' A/R facts disagree with claim_ar_facts", bad, n)
	}
}

// TestReceivablesReadModel computes the A/R and analytics the old way (the
// per-claim lookups, oldReceivablesTotals) and from the facts 00167 keeps
// on the claim, as a facility's desk and as the organisation's admin, on
// several dates (claims in and out of the analytics' period, every age
// bucket), after each of a series of writes: claims sent, accepted,
// rejected and resubmitted, paid with contractual and patient adjustments,
// denied, reversed, paid again, a patient's statement paid and refunded, a
// payment and an adjustment changed and removed, a history row removed, a
// new total, a status change to a closed status, a claim in a second
// tenant; a claim refunded more than paid, a claim removed; and after 00167
// (and 00172 above it) is rolled back and applied again over the same data
// (their backfills), and 00177 alone. The answers are read from the A/R
// aggregates of 00172 (compacted rows and pending deltas, both before and
// after compactions) and the week rows of 00177, aged to ten dates (seven
// in a row: the weeks read day by day move with the date).
// Every answer must be equal, every claim's kept facts equal
// claim_ar_facts, the aggregates a recount of the claims, and the weekly
// trend by the claim payments' organisation the trend by the claims'.
func TestReceivablesReadModel(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	w := &arWorld{t: t, f: f, ctx: ctx, at: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}
	patientC := must[store.Patient](t)(f.s.CreatePatient(ctx, f.admin, store.Patient{OrgID: f.facB.ID, FirstName: "TESTPATIENT", LastName: "CHARLIE", BirthDate: "1973-03-03", Sex: "U"}))
	for _, cv := range []store.Coverage{
		{PatientID: f.patientA.ID, PayerID: f.payerA.ID, MemberID: "ZZ0000001", Relationship: "self", Priority: 1},
		{PatientID: f.patientB.ID, PayerID: f.payerA.ID, MemberID: "ZZ0000002", Relationship: "self", Priority: 1},
		{PatientID: patientC.ID, PayerID: f.payerA.ID, MemberID: "ZZ0000003", Relationship: "self", Priority: 1},
	} {
		must[store.Coverage](t)(f.s.CreateCoverage(ctx, f.admin, cv))
	}
	exec := func(sql string, args ...any) {
		t.Helper()
		if _, err := f.s.Pool.Exec(ctx, sql, args...); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	// Seven days in a row (2030-06-30 is a Sunday): the weeks cut by the
	// spans' first days (00177) fall on every weekday.
	days := []string{"2030-06-30", "2030-07-01", "2030-07-02", "2030-07-03", "2030-07-04", "2030-07-05", "2030-07-06", "2030-05-10",
		"2030-09-15", "2031-03-01"}
	compare := func(what string) {
		t.Helper()
		allARFactsAgree(t, f.s)
		arAggregatesAgree(t, f.s)
		trendBothWays(t, f.s, what+", admin", f.admin)
		trendBothWays(t, f.s, what+", facility A desk", f.deskA)
		for _, asOf := range days {
			for _, a := range []struct {
				name  string
				actor store.Actor
			}{{"admin", f.admin}, {"facility A desk", f.deskA}} {
				receivablesBothWays(t, f.s, what+", "+a.name, a.actor, asOf)
			}
		}
	}
	co := func(reason string, cents int64) [3]any { return [3]any{"CO", reason, cents} }
	pr := func(reason string, cents int64) [3]any { return [3]any{"PR", reason, cents} }
	oa := func(reason string, cents int64) [3]any { return [3]any{"OA", reason, cents} }
	sent := []string{"scrubbing", "ready", "submitted", "acknowledged", "accepted"}

	receivablesBothWays(t, f.s, "no claims", f.admin, "2030-06-30")
	fresh := w.claim(f.admin, f.patientA, f.provA, "2030-06-01", 12000, "accepted", sent)
	paid := w.claim(f.admin, f.patientA, f.provA, "2030-06-20", 20000, "paid", sent,
		arPayment{"1", 20000, 12000, 3000, [][3]any{co("45", 5000), pr("1", 3000)}})
	partial := w.claim(f.admin, f.patientB, f.provB, "2030-03-15", 30000, "partially_paid", sent,
		arPayment{"2", 30000, 10000, 4000, [][3]any{co("45", 6000), pr("2", 4000)}})
	denied := w.claim(f.admin, f.patientA, f.provA, "2030-05-10", 15000, "needs_correction", sent,
		arPayment{"4", 15000, 0, 0, [][3]any{co("16", 15000), oa("23", 0)}})
	reversed := w.claim(f.admin, f.patientA, f.provA, "2030-01-20", 10000, "accepted", sent,
		arPayment{"1", 10000, 9000, 1000, [][3]any{co("45", 0), pr("1", 1000)}},
		arPayment{"22", -10000, -9000, -1000, [][3]any{pr("1", -1000)}})
	rejected := w.claim(f.admin, f.patientB, f.provB, "2030-06-25", 8000, "accepted",
		[]string{"scrubbing", "ready", "submitted", "rejected", "ready", "submitted", "accepted"},
		arPayment{"1", 8000, 6000, 2000, [][3]any{pr("2", 2000)}})
	scrubbed := w.claim(f.admin, f.patientA, f.provA, "2030-04-01", 9000, "scrub_failed", []string{"scrubbing", "scrub_failed"})
	other := w.claim(f.admin, patientC, f.provB, "2030-06-29", 7000, "patient_billing", sent,
		arPayment{"1", 7000, 0, 7000, [][3]any{pr("1", 7000)}})
	compare("claims paid, denied, reversed, rejected")

	// The patients pay: on a statement per claim, one refunded in part, one
	// paying more than the share (a negative patient balance is floored).
	w.patientPaid(paid, 3000, 1700, 700)
	w.patientPaid(other, 7000, 7000, 0)
	w.patientPaid(reversed, 500, 500, 200)
	w.patientPaid(rejected, 2000, 2500, 0)
	compare("patients paid and refunded")
	// What follows is compacted rows plus pending deltas (00172).
	compactAR(t, f.s)
	compare("compacted")

	// A patient owing in two organisations (00175): a claim of facility A's
	// patient moved to facility B, with a patient share owed. The admin
	// sees both and counts the patient once, from the pending deltas and
	// then from ar_patient_shared.
	twice := w.claim(f.admin, f.patientA, f.provA, "2030-06-27", 6000, "partially_paid", sent,
		arPayment{"1", 6000, 3000, 3000, [][3]any{pr("1", 3000)}})
	exec(`UPDATE claims SET org_id = $2 WHERE id = $1`, twice.ID, f.facB.ID)
	exec(`UPDATE claim_payments SET org_id = $2 WHERE claim_id = $1`, twice.ID, f.facB.ID)
	exec(`UPDATE claim_adjustments a SET org_id = $2 FROM claim_payments cp
	      WHERE cp.remittance_id = a.remittance_id AND cp.seq = a.seq AND cp.claim_id = $1`, twice.ID, f.facB.ID)
	compare("a patient owing in two organisations")
	compactAR(t, f.s)
	var shared int
	if err := f.s.Pool.QueryRow(ctx, `SELECT count(*) FROM ar_patient_shared WHERE patient_id = $1`, f.patientA.ID).Scan(&shared); err != nil || shared != 2 {
		t.Fatalf("ar_patient_shared has %d rows of the patient owing in two organisations, %v", shared, err)
	}
	compare("a patient owing in two organisations, compacted")

	// A corrected claim paid on its second submission: not first pass.
	exec(`INSERT INTO claim_status_history (claim_id, seq, status, at) VALUES ($1, 200, 'submitted', $2)`, denied.ID, w.at.Add(time.Hour))
	w.at = w.at.Add(2 * time.Hour)
	rid := "00000000-0000-4000-8000-999999999999"
	exec(`INSERT INTO remittances (id, payer_id, trace_number, file_key, transaction_index, paid_cents, balanced)
	      VALUES ($1, 'ZZPAYER1', 'ZZTRACEX', 'test', 0, 12000, true)`, rid)
	exec(`INSERT INTO claim_payments (remittance_id, seq, claim_id, org_id, patient_control, status_code, charge_cents, paid_cents, patient_resp_cents, posted_at)
	      VALUES ($1, 1, $2, $3, $4, '1', 15000, 12000, 1000, $5)`, rid, denied.ID, denied.OrgID, denied.PatientControlNumber, w.at)
	exec(`INSERT INTO claim_adjustments (remittance_id, seq, line, n, group_code, reason, amount_cents, org_id) VALUES ($1, 1, 0, 1, 'CO', '45', 2000, $2)`, rid, denied.OrgID)
	exec(`UPDATE claims SET status = 'paid' WHERE id = $1`, denied.ID)
	compare("denial corrected and paid")

	// Changes to what was posted: an amount, a status code (a denial becomes
	// a payment), an adjustment's reason and amount, a posting time that
	// makes another payment the first adjudication, a row removed.
	exec(`UPDATE claim_payments SET paid_cents = 11000, patient_resp_cents = 2000 WHERE remittance_id = $1`, rid)
	exec(`UPDATE claim_adjustments SET reason = '97', amount_cents = 1500 WHERE remittance_id = $1`, rid)
	exec(`UPDATE claim_payments SET posted_at = '2029-12-31' WHERE remittance_id = $1`, rid)
	compare("payment and adjustment changed")
	exec(`UPDATE claim_adjustments a SET group_code = 'PI', reason = '50' FROM claim_payments cp
	      WHERE cp.remittance_id = a.remittance_id AND cp.seq = a.seq AND cp.claim_id = $1 AND cp.status_code = '4' AND a.group_code = 'CO'`, denied.ID)
	compare("denial reason changed")
	exec(`DELETE FROM claim_adjustments WHERE remittance_id = $1`, rid)
	exec(`DELETE FROM claim_payments WHERE remittance_id = $1`, rid)
	compare("payment removed")
	exec(`DELETE FROM claim_status_history WHERE claim_id = $1 AND status = 'rejected'`, rejected.ID)
	exec(`UPDATE claim_status_history SET at = at - interval '1 day' WHERE claim_id = $1 AND status = 'accepted'`, fresh.ID)
	// A rejection recorded late, dated before the acceptance: not clean.
	exec(`INSERT INTO claim_status_history (claim_id, seq, status, at) VALUES ($1, 250, 'rejected', '2029-12-31')`, paid.ID)
	compare("history changed")
	exec(`DELETE FROM patient_refunds WHERE statement_id LIKE $1`, paid.ID+"%")
	exec(`UPDATE patient_payments SET amount_cents = 100 WHERE statement_id LIKE $1`, reversed.ID+"%")
	compare("refund removed, patient payment changed")
	// The trend's first day, only part of which is in its 26 weeks: one
	// payment just inside, one just outside; a claim's creation time moved.
	exec(`UPDATE claim_payments SET posted_at = now() - interval '26 weeks' + interval '10 minutes'
	      WHERE claim_id = $1 AND status_code = '1'`, rejected.ID)
	exec(`UPDATE claim_payments SET posted_at = now() - interval '26 weeks' - interval '10 minutes'
	      WHERE claim_id = $1 AND status_code = '1'`, paid.ID)
	exec(`UPDATE claims SET created_at = created_at - interval '3 days' WHERE id = $1`, other.ID)
	compare("payments at the trend's edge, a creation time moved")

	// A new total, a status closing the payer's side, a claim voided, the
	// history of a scrub failure resubmitted, a date of service moved.
	exec(`UPDATE claims SET total_cents = 13000 WHERE id = $1`, fresh.ID)
	exec(`UPDATE claims SET status = 'written_off' WHERE id = $1`, partial.ID)
	exec(`UPDATE claims SET status = 'voided' WHERE id = $1`, other.ID)
	exec(`INSERT INTO claim_status_history (claim_id, seq, status, at) VALUES ($1, 300, 'submitted', $2), ($1, 301, 'accepted', $3)`,
		scrubbed.ID, w.at.Add(time.Hour), w.at.Add(2*time.Hour))
	exec(`UPDATE encounters SET date_of_service = '2030-06-15' WHERE id = (SELECT encounter_id FROM claims WHERE id = $1)`, reversed.ID)
	compare("totals, statuses and dates changed")

	// A direct write to the kept facts is recomputed.
	exec(`UPDATE claims SET ar_paid_cents = 1, ar_clean = NOT ar_clean, ar_denial_reasons = '{X-1}' WHERE id = $1`, paid.ID)
	compare("direct write")
	// A claim with no patient responsibility refunded more than it paid
	// owes the patient only while in the period; a claim removed.
	w.patientPaid(scrubbed, 1000, 300, 800)
	compare("refund over a claim with no patient share")
	compactAR(t, f.s)
	compare("compacted again")
	// 00177 rolled back and applied again: its backfill gives the same
	// week rows, and its triggers keep them.
	rollBackBelow(ctx, t, f.s, 177)
	var weeks int
	if err := f.s.Pool.QueryRow(ctx, `SELECT count(*) FROM pg_class WHERE relname IN ('ar_weeks', 'ar_trend_weeks')`).Scan(&weeks); err != nil || weeks != 0 {
		t.Fatalf("after rolling back 00177: %d week tables, %v", weeks, err)
	}
	if _, err := f.s.MigrateUp(ctx); err != nil {
		t.Fatal(err)
	}
	if err := f.s.Pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM ar_weeks) + (SELECT count(*) FROM ar_trend_weeks)`).Scan(&weeks); err != nil || weeks == 0 {
		t.Fatalf("after applying 00177 again: %d week rows, %v", weeks, err)
	}
	compare("00177 applied again")
	tmp := w.claim(f.admin, f.patientB, f.provB, "2030-06-28", 5000, "accepted", sent,
		arPayment{"4", 5000, 0, 0, [][3]any{co("16", 5000)}})
	compare("claim added")
	exec(`DELETE FROM claim_adjustments WHERE seq = 1 AND remittance_id IN (SELECT remittance_id FROM claim_payments WHERE claim_id = $1)`, tmp.ID)
	exec(`DELETE FROM claim_payments WHERE claim_id = $1`, tmp.ID)
	exec(`DELETE FROM claim_status_history WHERE claim_id = $1`, tmp.ID)
	exec(`DELETE FROM claims WHERE id = $1`, tmp.ID)
	compare("claim removed")

	// 00167 rolled back and applied again: the backfill gives the same facts.
	rollBackBelow(ctx, t, f.s, 167)
	var cols int
	if err := f.s.Pool.QueryRow(ctx, `SELECT count(*) FROM information_schema.columns
		WHERE table_name = 'claims' AND column_name LIKE 'ar\_%'`).Scan(&cols); err != nil || cols != 0 {
		t.Fatalf("after rolling back 00167: %d ar_ columns, %v", cols, err)
	}
	if _, err := f.s.MigrateUp(ctx); err != nil {
		t.Fatal(err)
	}
	compare("after the backfill")
	// The triggers are back.
	w.patientPaid(fresh, 1000, 1000, 0)
	compare("paid after the backfill")

	// Figures the comparison must not pass vacuously: the admin sees money
	// owed to the payer and by the patients, and the period's analytics.
	got := receivablesBothWays(t, f.s, "final", f.admin, "2030-06-30")
	var kinds = map[string]int{}
	for _, r := range got {
		kinds[r.Kind]++
	}
	for _, k := range []string{"payer", "patients", "period", "denial_payer", "denial_reason"} {
		if kinds[k] == 0 {
			t.Errorf("no %s row in %+v", k, got)
		}
	}
}
