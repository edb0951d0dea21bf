package chaos

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"

	"github.com/claimflow/claimflow/api"
	"github.com/claimflow/claimflow/internal/testenv"
	"github.com/claimflow/claimflow/keyring"
	"github.com/claimflow/claimflow/store"
)

// flaky serves h, but kills the connection of every other request after h
// has answered it (the answer is lost, the work is done), as an API server
// killed in the middle of a request leaves it.
func flaky(t *testing.T, h http.Handler) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var n, cut atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1)%2 == 0 {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, r)
			cut.Add(1)
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				conn.Close()
			}
			return
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, &cut
}

type fixture struct {
	st      *store.Store
	handler http.Handler
}

func newFixture(t *testing.T) fixture {
	t.Helper()
	st, _ := testenv.Store(t)
	kr, err := keyring.OpenLocal(filepath.Join(t.TempDir(), "kek.json"))
	if err != nil {
		t.Fatal(err)
	}
	st.UseKeys(store.KeysFrom[*keyring.DataKey](kr))
	h := api.New(api.Options{Logger: slog.New(slog.NewJSONHandler(io.Discard, nil)), Records: st})
	return fixture{st: st, handler: h}
}

// run loads claims and books appointments for one tenant through a good
// and a flaky API server, as the chaos driver does during a fault.
func (f fixture) run(t *testing.T, name string, claims int) (State, BookingRun, *atomic.Int64) {
	t.Helper()
	ctx := context.Background()
	good := httptest.NewServer(f.handler)
	t.Cleanup(good.Close)
	bad, cut := flaky(t, f.handler)
	s := State{Run: name, APIs: []string{good.URL, bad.URL}, Started: time.Now().Add(-time.Second)}
	var err error
	if s.OrgID, s.Token, err = NewTenant(ctx, f.st, name); err != nil {
		t.Fatal(err)
	}
	c := &Client{APIs: s.APIs, Token: s.Token, Retry: 30 * time.Second}
	if err := LoadClaims(ctx, c, &s, claims, 4); err != nil {
		t.Fatal(err)
	}
	bctx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
	defer cancel()
	br := Book(bctx, &Client{APIs: s.APIs, Token: s.Token, Retry: 30 * time.Second}, s, 3)
	return s, br, cut
}

// settle plays the lifecycle's outcome in SQL: every claim paid with one
// payment, one outbound 837 and one inbound 835, and returns the archive
// listing that names both files.
func (f fixture) settle(t *testing.T, s State, tag string) string {
	t.Helper()
	ctx := context.Background()
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := f.st.Pool.Exec(ctx, q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	exec(`UPDATE claims SET status = 'paid' WHERE id = ANY($1::uuid[])`, s.Claims)
	exec(`INSERT INTO claim_status_history (claim_id, seq, status, at) SELECT id, 1000, 'paid', now() FROM claims WHERE id = ANY($1::uuid[])`, s.Claims)
	remit := fmt.Sprintf("00000000-0000-4000-8000-%012d", len(tag))
	exec(`INSERT INTO remittances (id, payer_id, trace_number, file_key, transaction_index, paid_cents, balanced) VALUES ($1, 'ZZPAYER1', $2, 'k', 1, 0, true)`, remit, "TRN"+tag)
	exec(`INSERT INTO claim_payments (remittance_id, seq, claim_id, org_id, patient_control, status_code, charge_cents, paid_cents, patient_resp_cents)
	      SELECT $1, row_number() OVER (), id, org_id, 'PCN', '1', 15000, 9000, 0 FROM claims WHERE id = ANY($2::uuid[])`, remit, s.Claims)
	exec(`INSERT INTO clearinghouse_outbound (partner, remote_name, sha256, size, state) VALUES ('sim', $1, $2, 10, 'uploaded')`, "837-"+tag, "out"+tag)
	exec(`INSERT INTO clearinghouse_inbound (partner, remote_name, size, mtime, state, sha256) VALUES ('sim', $1, 10, now(), 'removed', $2)`, "835-"+tag, "in"+tag)
	return "HASH RECEIVED PARTNER\nout" + tag + " x sim\nin" + tag + " x sim\n"
}

func TestCheckUnderAFlakyServer(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	a, ba, cut := f.run(t, "alpha", 6)
	if cut.Load() == 0 {
		t.Fatal("the flaky server cut no connection: the retries were not exercised")
	}
	if len(a.Claims) != 6 || a.Claims[5] == "" {
		t.Fatalf("claims = %q, want 6", a.Claims)
	}
	// A second tenant runs beside: its claims and bookings must not count
	// in the first one's checks.
	b, bb, _ := f.run(t, "bravo", 2)

	var acked int
	for _, bk := range ba.Bookings {
		if bk.Acked {
			acked++
		}
	}
	if acked == 0 {
		t.Fatal("no booking acknowledged")
	}

	// Before the lifecycle: claims in draft, nothing posted, no files.
	r, err := Check(ctx, f.st.Pool, a, ba, strings.NewReader(""), time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if r.OK || r.NotFinal != 6 || r.FilesIn != 0 {
		t.Fatalf("check before the lifecycle: OK %v, not final %d, files in %d; want a failure with 6 not final", r.OK, r.NotFinal, r.FilesIn)
	}

	// Files are the clearinghouse's, not a tenant's: the listing names both
	// tenants' files.
	list := f.settle(t, a, "a")
	list += strings.SplitN(f.settle(t, b, "bb"), "\n", 2)[1]
	repaired := time.Now().Add(-time.Minute)
	r, err = Check(ctx, f.st.Pool, a, ba, strings.NewReader(list), repaired)
	if err != nil {
		t.Fatal(err)
	}
	if !r.OK {
		t.Fatalf("check after the lifecycle failed: %q", r.Problems)
	}
	if got, want := r.Bookings, (BookingCounts{Sent: len(ba.Bookings), Acked: acked, Rows: acked + r.Bookings.Unacked}); got != want {
		t.Errorf("bookings = %+v, want %+v", got, want)
	}
	if r.Payments != 6 || r.ByStatus["paid"] != 6 || r.FilesIn != 2 || r.FilesOut != 2 || r.FirstAfter.IsZero() {
		t.Errorf("report = %+v", r)
	}
	if _, err := Check(ctx, f.st.Pool, b, bb, strings.NewReader(list), time.Time{}); err != nil {
		t.Fatal(err)
	}

	// Each break of a promise is found.
	cases := []struct {
		name  string
		sql   string
		list  string
		check func(Report) bool
	}{
		{"payment posted twice", `INSERT INTO claim_payments (remittance_id, seq, claim_id, org_id, patient_control, status_code, charge_cents, paid_cents, patient_resp_cents)
			SELECT remittance_id, 99, claim_id, org_id, patient_control, status_code, charge_cents, paid_cents, patient_resp_cents FROM claim_payments WHERE claim_id = $1::uuid`,
			list, func(r Report) bool { return r.PostedTwice == 1 }},
		{"claim not final", `UPDATE claims SET status = 'accepted' WHERE id = $1::uuid`, list, func(r Report) bool { return r.NotFinal == 1 }},
		{"file not archived", ``, strings.Replace(list, "ina x sim\n", "", 1), func(r Report) bool { return r.NotArchived == 1 }},
		{"file archived twice", ``, list + "ina y sim\n", func(r Report) bool { return r.ArchivedMore == 1 }},
		{"file not through", `UPDATE clearinghouse_inbound SET state = 'downloaded' WHERE remote_name = '835-a' AND $1::uuid IS NOT NULL`, list, func(r Report) bool { return r.Pending == 1 }},
		{"acknowledged booking lost", `DELETE FROM appointments WHERE id = (SELECT id FROM appointments WHERE org_id = (SELECT org_id FROM claims WHERE id = $1::uuid) LIMIT 1)`,
			list, func(r Report) bool {
				return r.Bookings.Lost+r.Bookings.Unacked >= 1 && r.Bookings.Rows == acked+r.Bookings.Unacked-1
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tx, err := f.st.Pool.Begin(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = tx.Rollback(ctx) }()
			if c.sql != "" {
				if _, err := tx.Exec(ctx, c.sql, a.Claims[0]); err != nil {
					t.Fatal(err)
				}
			}
			// Check reads through the transaction's connection so the
			// break is seen and rolled back after.
			r, err := Check(ctx, tx, a, ba, strings.NewReader(c.list), time.Time{})
			if err != nil {
				t.Fatal(err)
			}
			if r.OK || !c.check(r) {
				t.Errorf("OK %v, report %+v: the break was not found", r.OK, r)
			}
		})
	}
}

func TestClientDoesNotRetryA4xx(t *testing.T) {
	var calls atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		http.Error(w, `{"title":"bad"}`, http.StatusUnprocessableEntity)
	}))
	defer srv.Close()
	c := &Client{APIs: []string{srv.URL}, Retry: time.Second}
	status, err := c.Post(context.Background(), "/v1/x", "k", map[string]any{}, nil)
	if status != 422 || err == nil || calls.Load() != 1 {
		t.Errorf("status %d, err %v, calls %d; want one 422 and an error", status, err, calls.Load())
	}
}

func TestClientGivesUp(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens: connections are refused
	c := &Client{APIs: []string{"http://" + addr}, Retry: 300 * time.Millisecond}
	if _, err := c.Post(context.Background(), "/v1/x", "k", map[string]any{}, nil); err == nil || !strings.Contains(err.Error(), "gave up") {
		t.Errorf("err = %v, want gave up", err)
	}
	if c.Failures() < 2 {
		t.Errorf("failures = %d, want retries", c.Failures())
	}
}

// TestCeilingOnTheDevServer runs a few trivial workflows of a claim's mix
// of activities and local activities through a real dev server.
func TestCeilingOnTheDevServer(t *testing.T) {
	srv := testenv.DevServer(t)
	wps, elapsed, err := Ceiling(context.Background(), srv.Client(), 6, TrivialInput{Activities: 1, LocalActivities: 3}, 3)
	if err != nil {
		t.Fatal(err)
	}
	if wps <= 0 || elapsed <= 0 {
		t.Errorf("%.2f workflows/s in %v, want a rate", wps, elapsed)
	}
}

// TestTrivialWorkflowRunsEachActivity: the result counts every activity
// and local activity (each adds one), so the ceiling's workflows do the
// work they are named for.
func TestTrivialWorkflowRunsEachActivity(t *testing.T) {
	srv := testenv.DevServer(t)
	c := srv.Client()
	w := worker.New(c, "trivial-test", worker.Options{})
	w.RegisterWorkflow(TrivialWorkflow)
	w.RegisterActivity(trivialActivity)
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	ctx := context.Background()
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "trivial-test", TaskQueue: "trivial-test"}, TrivialWorkflow, TrivialInput{Activities: 2, LocalActivities: 5, Seed: 10})
	if err != nil {
		t.Fatal(err)
	}
	var got int
	if err := run.Get(ctx, &got); err != nil {
		t.Fatal(err)
	}
	if got != 17 {
		t.Errorf("result %d, want 17 (10 + 2 activities + 5 local activities)", got)
	}
}

// TestClientRetriesAKeyInProgress: a 409 naming the key in progress is
// asked again (the first request's process may have died); other 409s
// are answers.
func TestClientRetriesAKeyInProgress(t *testing.T) {
	var calls atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) < 3 {
			w.WriteHeader(http.StatusConflict)
			_, _ = w.Write([]byte(`{"type":"https://claimflow.dev/problems/idempotency-in-progress"}`))
			return
		}
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write([]byte(`{"id":"x"}`))
	}))
	defer srv.Close()
	c := &Client{APIs: []string{srv.URL}, Retry: 10 * time.Second}
	var out idOnly
	if status, err := c.Post(context.Background(), "/v1/x", "k", map[string]any{}, &out); err != nil || status != 201 || out.ID != "x" {
		t.Errorf("status %d, err %v, id %q; want 201 x after two in-progress answers", status, err, out.ID)
	}
	if calls.Load() != 3 {
		t.Errorf("calls = %d, want 3", calls.Load())
	}
}
