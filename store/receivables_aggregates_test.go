package store_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/claimflow/claimflow/store"
	"github.com/claimflow/claimflow/store/internal/pgq"
)

// arAggregatesAgree fails unless the A/R aggregates of 00172 (the
// compacted rows plus the pending deltas) equal a recount from the claims:
// per organisation, payer and date of service and over all dates, per
// organisation and patient, per organisation, date and denial reason; and
// the week rows of 00177 the compacted day rows of their weeks.
func arAggregatesAgree(t *testing.T, s *store.Store) {
	t.Helper()
	const days = `sum(claims), sum(payer_claims), sum(payer_cents), sum(patient_claims), sum(patient_cents), sum(submitted), sum(clean),
		sum(adjudicated), sum(first_pass), sum(denied), sum(charges_cents), sum(payments_cents), sum(contractual_cents)`
	const cols = `claims, payer_claims, payer_cents, patient_claims, patient_cents, submitted, clean, adjudicated, first_pass, denied,
		charges_cents, payments_cents, contractual_cents`
	for _, c := range []struct{ what, kept, recount string }{
		{"per payer and day",
			`SELECT org_id, day, payer_id, ` + days + ` FROM (
				SELECT org_id, day, payer_id, ` + cols + ` FROM ar_days
				UNION ALL SELECT org_id, day, payer_id, ` + cols + ` FROM ar_day_deltas
				UNION ALL SELECT org_id, 'infinity', payer_id, ` + cols + ` FROM ar_day_deltas) k
			 GROUP BY org_id, day, payer_id HAVING (` + days + `) <> (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)`,
			`SELECT t.org_id, coalesce(t.day, 'infinity'), t.payer_id, ` + days + ` FROM claims c, ar_claim_days(c, 1) t
			 GROUP BY GROUPING SETS ((t.org_id, t.day, t.payer_id), (t.org_id, t.payer_id))`},
		{"per patient",
			`SELECT org_id, patient_id, sum(owing) FROM (SELECT org_id, patient_id, owing FROM ar_patients
				UNION ALL SELECT org_id, patient_id, owing FROM ar_patient_deltas) k GROUP BY 1, 2 HAVING sum(owing) <> 0`,
			`SELECT t.org_id, t.patient_id, sum(t.owing) FROM claims c, ar_claim_patients(c, 1) t GROUP BY 1, 2`},
		{"patients owing per organisation (00175)",
			`SELECT org_id, patients FROM ar_patient_counts WHERE patients <> 0`,
			`SELECT org_id, count(*) FROM ar_patients WHERE owing > 0 GROUP BY 1`},
		{"patients owing in more than one organisation (00175)",
			`SELECT org_id, patient_id FROM ar_patient_shared`,
			`SELECT a.org_id, a.patient_id FROM ar_patients a WHERE a.owing > 0
			 AND EXISTS (SELECT 1 FROM ar_patients b WHERE b.patient_id = a.patient_id AND b.org_id <> a.org_id AND b.owing > 0)`},
		{"trend per day",
			`SELECT org_id, day, sum(payments), sum(denials), sum(paid), sum(paid_days) FROM (
				SELECT org_id, day, payments, denials, paid, paid_days FROM ar_trend_days
				UNION ALL SELECT org_id, day, payments, denials, paid, paid_days FROM ar_trend_deltas) k
			 GROUP BY 1, 2 HAVING (sum(payments), sum(denials), sum(paid), sum(paid_days)) <> (0, 0, 0, 0)`,
			`SELECT org_id, (posted_at AT TIME ZONE 'UTC')::date, count(*), count(*) FILTER (WHERE status_code = '4'),
			        count(*) FILTER (WHERE paid_cents > 0),
			        coalesce(sum(extract(epoch FROM posted_at - created_at) / 86400) FILTER (WHERE paid_cents > 0), 0)
			 FROM (SELECT cp.org_id, cp.posted_at, cp.status_code, cp.paid_cents, c.created_at
			       FROM claim_payments cp JOIN claims c ON c.id = cp.claim_id AND c.org_id = cp.org_id) p GROUP BY 1, 2`},
		{"per payer and week (00177)",
			`SELECT org_id, week, payer_id, ` + cols + ` FROM ar_weeks`,
			`SELECT org_id, ar_week(day), payer_id, ` + days + ` FROM ar_days WHERE day <> 'infinity'
			 GROUP BY 1, 2, 3 HAVING (` + days + `) <> (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)`},
		{"trend per week (00177)",
			`SELECT org_id, week, payments, denials, paid, paid_days FROM ar_trend_weeks`,
			`SELECT org_id, ar_week(day), sum(payments), sum(denials), sum(paid), sum(paid_days) FROM ar_trend_days
			 GROUP BY 1, 2 HAVING (sum(payments), sum(denials), sum(paid), sum(paid_days)) <> (0, 0, 0, 0)`},
		{"per denial reason",
			`SELECT org_id, day, reason, sum(claims) FROM (SELECT org_id, day, reason, claims FROM ar_denial_reasons
				UNION ALL SELECT org_id, day, reason, claims FROM ar_denial_reason_deltas) k GROUP BY 1, 2, 3 HAVING sum(claims) <> 0`,
			`SELECT t.org_id, t.day, t.reason, sum(t.claims) FROM claims c, ar_claim_denial_reasons(c, 1) t GROUP BY 1, 2, 3`},
	} {
		var bad, n int
		if err := s.Pool.QueryRow(context.Background(), `WITH kept AS (`+c.kept+`), recount AS (`+c.recount+`)
			SELECT (SELECT count(*) FROM (SELECT * FROM kept EXCEPT ALL SELECT * FROM recount) x)
			     + (SELECT count(*) FROM (SELECT * FROM recount EXCEPT ALL SELECT * FROM kept) y),
			       (SELECT count(*) FROM recount)`).Scan(&bad, &n); err != nil {
			t.Fatalf("%s: %v", c.what, err)
		}
		if bad != 0 {
			t.Errorf("A/R aggregates %s: %d rows differ from a recount of the claims (%d rows)", c.what, bad, n)
		}
	}
}

// oldTrend is DashTrend as it was before 00172 (scoped by the claims'
// organisation, not the claim payments').
const oldTrend = `WITH visible AS (SELECT v.id FROM visible_orgs($1::uuid, $2::text) AS v (id))
SELECT to_char(date_trunc('week', cp.posted_at), 'YYYY-MM-DD')::text AS week, count(*) AS payments,
       count(*) FILTER (WHERE cp.status_code = '4') AS denials,
       coalesce(avg(extract(epoch FROM cp.posted_at - c.created_at) / 86400) FILTER (WHERE cp.paid_cents > 0), 0)::float8 AS days_to_payment
FROM claim_payments cp JOIN claims c ON c.id = cp.claim_id
WHERE c.org_id IN (SELECT id FROM visible) AND cp.posted_at > now() - interval '26 weeks'
GROUP BY 1 ORDER BY 1`

// trendBothWays fails unless DashTrend gives the old query's rows, and
// every matched claim payment belongs to its claim's organisation (what
// the new scoping relies on).
func trendBothWays(t *testing.T, s *store.Store, what string, a store.Actor) {
	t.Helper()
	ctx := context.Background()
	rows, err := s.Pool.Query(ctx, oldTrend, &a.UserID, store.PermClaimRead)
	if err != nil {
		t.Fatal(err)
	}
	old, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (pgq.DashTrendRow, error) {
		var x pgq.DashTrendRow
		err := r.Scan(&x.Week, &x.Payments, &x.Denials, &x.DaysToPayment)
		return x, err
	})
	if err != nil {
		t.Fatal(err)
	}
	kept, err := pgq.New(s.Pool).DashTrend(ctx, pgq.DashTrendParams{Actor: &a.UserID, Perm: store.PermClaimRead})
	if err != nil {
		t.Fatal(err)
	}
	// The average days agree to the float's last digits: the aggregate's
	// numerator is the same sum of the same terms, but the division's
	// scale may differ.
	same := len(old) == len(kept)
	for i := 0; same && i < len(old); i++ {
		o, k := old[i], kept[i]
		same = o.Week == k.Week && o.Payments == k.Payments && o.Denials == k.Denials &&
			math.Abs(o.DaysToPayment-k.DaysToPayment) <= 1e-9*math.Max(1, math.Abs(o.DaysToPayment))
	}
	if !same {
		t.Errorf("%s: the trend by the payments' organisation gives\n%+v\nby the claims'\n%+v", what, kept, old)
	}
	var foreign int
	if err := s.Pool.QueryRow(ctx, `SELECT count(*) FROM claim_payments cp JOIN claims c ON c.id = cp.claim_id
		WHERE cp.org_id IS DISTINCT FROM c.org_id`).Scan(&foreign); err != nil || foreign != 0 {
		t.Errorf("%d claim payments not in their claim's organisation, %v", foreign, err)
	}
}

// compactAR folds the pending A/R deltas (ar_aging_compact) and fails
// unless none is left.
func compactAR(t *testing.T, s *store.Store) {
	t.Helper()
	var ok bool
	var left int
	if err := s.Pool.QueryRow(context.Background(), `SELECT ar_aging_compact()`).Scan(&ok); err != nil || !ok {
		t.Fatalf("ar_aging_compact = %v, %v", ok, err)
	}
	if err := s.Pool.QueryRow(context.Background(), `SELECT (SELECT count(*) FROM ar_day_deltas) + (SELECT count(*) FROM ar_patient_deltas)
		+ (SELECT count(*) FROM ar_denial_reason_deltas) + (SELECT count(*) FROM ar_trend_deltas)`).Scan(&left); err != nil || left != 0 {
		t.Fatalf("%d deltas left after compaction, %v", left, err)
	}
}

// TestReceivablesConcurrentPostings posts claim payments from two
// goroutines at once to overlapping claims of one payer, one date of
// service and two patients (each transaction locks its claims in ID order
// first, as PostClaimPayments does, then posts them in its own order),
// with compaction every few deltas so that it runs inside the posting
// transactions, while a third goroutine reads the old and the new A/R in
// one snapshot. No transaction may fail (no deadlock, no serialization
// error), every read must agree, and the totals must be exact.
func TestReceivablesConcurrentPostings(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	w := &arWorld{t: t, f: f, ctx: ctx, at: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}
	for _, cv := range []store.Coverage{
		{PatientID: f.patientA.ID, PayerID: f.payerA.ID, MemberID: "ZZ0000001", Relationship: "self", Priority: 1},
		{PatientID: f.patientB.ID, PayerID: f.payerA.ID, MemberID: "ZZ0000002", Relationship: "self", Priority: 1},
	} {
		must[store.Coverage](t)(f.s.CreateCoverage(ctx, f.admin, cv))
	}
	sent := []string{"scrubbing", "ready", "submitted", "acknowledged", "accepted"}
	var claims []store.Claim
	for i := range 6 {
		patient, prov := f.patientA, f.provA
		if i%2 == 1 {
			patient, prov = f.patientB, f.provB
		}
		claims = append(claims, w.claim(f.admin, patient, prov, "2030-06-20", 100000, "accepted", sent))
	}
	const rounds = 25
	remits := []string{"00000000-0000-4000-8000-aaaaaaaaaaa1", "00000000-0000-4000-8000-aaaaaaaaaaa2"}
	for i, rid := range remits {
		if _, err := f.s.Pool.Exec(ctx, `INSERT INTO remittances (id, payer_id, trace_number, file_key, transaction_index, paid_cents, balanced)
			VALUES ($1, 'ZZPAYER1', $2, 'test', 0, 0, true)`, rid, fmt.Sprintf("ZZCONC%d", i)); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	errs := make(chan error, 3)
	var paid [2]int64
	post := func(g int) {
		defer wg.Done()
		seq := 0
		for r := range rounds {
			// Goroutine 0 posts claims 0–3 forwards, goroutine 1 claims 5–2
			// backwards: four claims shared, locked in ID order first.
			var mine []store.Claim
			for k := range 4 {
				if g == 0 {
					mine = append(mine, claims[k])
				} else {
					mine = append(mine, claims[5-k])
				}
			}
			ids := make([]string, len(mine))
			for k, c := range mine {
				ids[k] = c.ID
			}
			var got int64
			err := pgx.BeginFunc(ctx, f.s.Pool, func(tx pgx.Tx) error {
				if _, err := tx.Exec(ctx, `SET LOCAL claimflow.ar_compact_every = '3'`); err != nil {
					return err
				}
				if _, err := tx.Exec(ctx, `SELECT 1 FROM claims WHERE id = ANY ($1::uuid[]) ORDER BY id FOR UPDATE`, ids); err != nil {
					return err
				}
				got = 0
				for k, c := range mine {
					seq++
					status, amount, resp := "1", int64(100+k), int64(7)
					if (r+k)%5 == 0 {
						status, amount, resp = "4", 0, 0
					}
					if _, err := tx.Exec(ctx, `INSERT INTO claim_payments (remittance_id, seq, claim_id, org_id, patient_control, status_code,
						charge_cents, paid_cents, patient_resp_cents, posted_at) VALUES ($1, $2, $3, $4, $5, $6, 100000, $7, $8, $9)`,
						remits[g], seq, c.ID, c.OrgID, c.PatientControlNumber, status, amount, resp,
						time.Date(2030, 7, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(seq)*time.Minute)); err != nil {
						return err
					}
					group, reason := "CO", "45"
					if status == "4" {
						reason = []string{"16", "50"}[g]
					}
					if _, err := tx.Exec(ctx, `INSERT INTO claim_adjustments (remittance_id, seq, line, n, group_code, reason, amount_cents, org_id)
						VALUES ($1, $2, 0, 1, $3, $4, 11, $5)`, remits[g], seq, group, reason, c.OrgID); err != nil {
						return err
					}
					got += amount
				}
				return nil
			})
			if err != nil {
				errs <- fmt.Errorf("goroutine %d round %d: %w", g, r, err)
				return
			}
			paid[g] += got
		}
	}
	stop := make(chan struct{})
	var reads int
	read := func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			// The old and the new query in one snapshot must agree whatever
			// the postings and compactions in flight.
			err := pgx.BeginTxFunc(ctx, f.s.Pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
				rows, err := tx.Query(ctx, oldReceivablesTotals, &f.admin.UserID, store.PermClaimRead, "2030-07-01", arClosed)
				if err != nil {
					return err
				}
				old, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (pgq.DashReceivablesTotalsRow, error) {
					var x pgq.DashReceivablesTotalsRow
					err := r.Scan(&x.Kind, &x.Key, &x.N0, &x.N1, &x.N2, &x.N3, &x.N4, &x.N5, &x.N6, &x.N7)
					return x, err
				})
				if err != nil {
					return err
				}
				kept, err := pgq.New(tx).DashReceivablesTotals(ctx, pgq.DashReceivablesTotalsParams{Actor: &f.admin.UserID,
					Perm: store.PermClaimRead, AsOf: "2030-07-01"})
				if err != nil {
					return err
				}
				if old, kept = sortedTotals(old), sortedTotals(kept); !reflect.DeepEqual(old, kept) {
					return fmt.Errorf("in one snapshot the aggregates give\n%+v\nthe per-claim lookups\n%+v", kept, old)
				}
				return nil
			})
			if err != nil {
				errs <- fmt.Errorf("reader: %w", err)
				return
			}
			reads++
		}
	}
	wg.Add(3)
	go read()
	go post(0)
	go post(1)
	go func() {
		// Stop the reader once both postings are done.
		for {
			var n int
			if err := f.s.Pool.QueryRow(ctx, `SELECT count(*) FROM claim_payments WHERE remittance_id = ANY ($1::uuid[])`, remits).Scan(&n); err != nil ||
				n == 2*rounds*4 || len(errs) > 0 {
				close(stop)
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
	}()
	wg.Wait()
	close(errs)
	for err := range errs {
		var pgErr interface{ SQLState() string }
		if errors.As(err, &pgErr) {
			t.Errorf("%v (SQLSTATE %s)", err, pgErr.SQLState())
		} else {
			t.Error(err)
		}
	}
	if t.Failed() {
		return
	}
	if reads == 0 {
		t.Errorf("the reader never ran beside the postings")
	}
	arAggregatesAgree(t, f.s)
	for _, asOf := range []string{"2030-07-01", "2030-06-20", "2030-09-15", "2031-01-01"} {
		receivablesBothWays(t, f.s, "after concurrent postings, admin", f.admin, asOf)
		receivablesBothWays(t, f.s, "after concurrent postings, facility A desk", f.deskA, asOf)
	}
	// Exact totals: the day's payments are every posted paid amount, and
	// the payer owes the charges less what was paid, adjusted and shifted.
	var payments, charges, count int64
	if err := f.s.Pool.QueryRow(ctx, `SELECT coalesce(sum(payments_cents), 0), coalesce(sum(charges_cents), 0), coalesce(sum(claims), 0) FROM (
		SELECT payments_cents, charges_cents, claims FROM ar_days WHERE day = '2030-06-20'
		UNION ALL SELECT payments_cents, charges_cents, claims FROM ar_day_deltas WHERE day = '2030-06-20') d`).Scan(&payments, &charges, &count); err != nil {
		t.Fatal(err)
	}
	if payments != paid[0]+paid[1] || charges != 6*100000 || count != 6 {
		t.Errorf("day's payments %d (want %d), charges %d (want %d), claims %d (want 6)", payments, paid[0]+paid[1], charges, 6*100000, count)
	}
	var compacted int
	if err := f.s.Pool.QueryRow(ctx, `SELECT count(*) FROM ar_days WHERE day = '2030-06-20'`).Scan(&compacted); err != nil || compacted == 0 {
		t.Errorf("no compaction ran during the postings (%d compacted rows, %v)", compacted, err)
	}
	compactAR(t, f.s)
	arAggregatesAgree(t, f.s)
	receivablesBothWays(t, f.s, "compacted after concurrent postings", f.admin, "2030-07-01")
}

// TestReceivablesGenericPlans: DashReceivables plans its statements
// generically from their first execution (DashReceivablesGenericPlans in
// its batch: no custom plan, which costs more than the execution), and the
// setting does not outlive the batch.
func TestReceivablesGenericPlans(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	dsn := f.dsn
	switch {
	case !strings.Contains(dsn, "://"):
		dsn += " pool_max_conns=1"
	case strings.Contains(dsn, "?"):
		dsn += "&pool_max_conns=1"
	default:
		dsn += "?pool_max_conns=1"
	}
	s, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for range 3 {
		if _, err := s.DashReceivables(ctx, f.admin); err != nil {
			t.Fatal(err)
		}
	}
	// One connection: the statements' plans are on it.
	for _, name := range []string{"DashReceivablesTotals", "DashTrend"} {
		var generic, custom int64
		if err := s.Pool.QueryRow(ctx, `SELECT generic_plans, custom_plans FROM pg_prepared_statements
			WHERE statement LIKE '-- name: ' || $1 || ' %'`, name).Scan(&generic, &custom); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if generic != 3 || custom != 0 {
			t.Errorf("%s: %d generic and %d custom plans in 3 requests, want 3 and 0", name, generic, custom)
		}
	}
	var mode string
	if err := s.Pool.QueryRow(ctx, `SELECT current_setting('plan_cache_mode')`).Scan(&mode); err != nil || mode != "auto" {
		t.Errorf("plan_cache_mode after the request: %q, %v (want auto)", mode, err)
	}
}
