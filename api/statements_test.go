package api

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/claimflow/claimflow/keyring"
	"github.com/claimflow/claimflow/paylink"
	"github.com/claimflow/claimflow/rcm"
	"github.com/claimflow/claimflow/store"
	"github.com/claimflow/claimflow/workflows"
)

// fakeStatementFlows records releases.
type fakeStatementFlows struct {
	*fakeClaimWorkflows
	mu       sync.Mutex
	released []string // statement/by
}

func (f *fakeStatementFlows) ReleaseStatement(_ context.Context, id, by string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.released = append(f.released, id+"/"+by)
	return nil
}

// openStatement opens a statement for the records' claim, as remittance
// posting does.
func openStatement(t *testing.T, w *world, r records, cents int64) string {
	t.Helper()
	id := r.claim.ID + "-ZZTRACE1"
	if err := w.store.OpenStatement(context.Background(), store.Statement{ID: id, PatientID: r.patient.ID, AmountCents: cents}); err != nil {
		t.Fatal(err)
	}
	return id
}

// Issue 16: statements went out before any staff review. Staff list the
// statements awaiting release (practice, dates of service, amount) and
// release them; other organisations' statements do not exist for them.
func TestStatementsAwaitingRelease(t *testing.T) {
	wf := &fakeStatementFlows{fakeClaimWorkflows: &fakeClaimWorkflows{}}
	w := newDashboardWorld(t, wf)
	recA := w.makeRecords(w.facA, w.provA, "TESTSTMTA", "ZZM0001", 3)
	stmt := openStatement(t, w, recA, 4250)
	billerA := w.token(w.facA.ID, "stmt-biller-a", "biller")
	billerB := w.token(w.facB.ID, "stmt-biller-b", "biller")

	var l List[StatementOut]
	w.mustCall(200, billerA, "GET", "/v1/dashboard/statements/awaiting-release", nil, &l)
	if len(l.Items) != 1 {
		t.Fatalf("listed %+v", l.Items)
	}
	got := l.Items[0]
	if got.ID != stmt || got.ClaimID != recA.claim.ID || got.PracticeName != "TEST FACILITY A" || got.AmountCents != 4250 ||
		len(got.ServiceDates) != 1 || got.ServiceDates[0] != recA.encounter.DateOfService {
		t.Errorf("listed %+v; encounter date %s", got, recA.encounter.DateOfService)
	}
	w.mustCall(200, billerB, "GET", "/v1/dashboard/statements/awaiting-release", nil, &l)
	if len(l.Items) != 0 {
		t.Errorf("another organisation sees %+v", l.Items)
	}
	w.mustCall(404, billerB, "POST", "/v1/statements/"+stmt+"/release", nil, nil)
	if len(wf.released) != 0 {
		t.Fatalf("released by another organisation: %v", wf.released)
	}
	var out map[string]string
	w.mustCall(200, billerA, "POST", "/v1/statements/"+stmt+"/release", nil, &out)
	var sess Session
	w.mustCall(200, billerA, "GET", "/v1/dashboard/session", nil, &sess)
	if out["status"] != "released" || len(wf.released) != 1 || wf.released[0] != stmt+"/"+sess.UserID {
		t.Errorf("release: %v, workflow got %v", out, wf.released)
	}
	var n int
	if err := w.store.Pool.QueryRow(context.Background(), `SELECT count(*) FROM audit_log WHERE resource = 'statement' AND resource_id = $1 AND action = 'update'`, stmt).Scan(&n); err != nil || n != 1 {
		t.Errorf("release audited %d times (%v)", n, err)
	}
}

// fakeStripe confirms like Stripe's test mode: the first confirmation per
// idempotency key succeeds; a repeat answers the same.
type fakeStripe struct {
	mu      sync.Mutex
	calls   []string
	charged map[string]bool
	status  string
}

func (f *fakeStripe) confirm(_ context.Context, pi, pm, key string) (string, int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, pi+" "+pm+" "+key)
	if f.charged == nil {
		f.charged = map[string]bool{}
	}
	f.charged[key] = true
	if f.status == "" {
		return "succeeded", 4250, nil
	}
	return f.status, 0, nil
}

type fakeSignals struct {
	mu   sync.Mutex
	sent []workflows.StripeEvent
	ids  []string
}

func (f *fakeSignals) SignalWorkflow(_ context.Context, id, _, name string, arg any) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if name != workflows.SignalStripeEvent {
		return errors.New("unexpected signal " + name)
	}
	f.sent = append(f.sent, arg.(workflows.StripeEvent))
	f.ids = append(f.ids, id)
	return nil
}

// Issue 16: the statement email's payment link answered 404. The page
// opens with the link's sealed token only, shows what a paper statement
// shows, is audited, and a resubmitted form pays once.
func TestPayPage(t *testing.T) {
	w := newDashboardWorld(t, &fakeClaimWorkflows{})
	rec := w.makeRecords(w.facA, w.provA, "TESTPAYPAGE", "ZZM0002", 4)
	stmt := openStatement(t, w, rec, 4250)
	ctx := context.Background()
	k, err := keyring.OpenLocal(filepath.Join(t.TempDir(), "kek.json"))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	links := &paylink.Links{Sealer: k, TTL: time.Hour, Now: func() time.Time { return now }}
	stripe := &fakeStripe{}
	sig := &fakeSignals{}
	srv := New(Options{Records: w.store})
	srv.MountPayPage(PayPage{Links: links, Statements: w.store, Confirm: stripe.confirm, Temporal: sig,
		TestPaymentMethod: "pm_card_visa", OfficePhone: "555-0100", IsExpired: func(err error) bool { return errors.Is(err, paylink.ErrExpired) }})
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	get := func(tok string) (int, string) {
		t.Helper()
		res, err := http.Get(hs.URL + "/pay?t=" + url.QueryEscape(tok))
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b := new(strings.Builder)
		_, _ = io.Copy(b, res.Body)
		return res.StatusCode, b.String()
	}
	post := func(tok string) (int, string) {
		t.Helper()
		res, err := http.PostForm(hs.URL+"/pay", url.Values{"t": {tok}})
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b := new(strings.Builder)
		_, _ = io.Copy(b, res.Body)
		return res.StatusCode, b.String()
	}

	tok, err := links.Mint(ctx, stmt)
	if err != nil {
		t.Fatal(err)
	}
	if st, body := get(""); st != 404 || !strings.Contains(body, "not valid") {
		t.Errorf("no token: %d %s", st, body)
	}
	if st, body := get(stmt); st != 404 || strings.Contains(body, "4250") || strings.Contains(body, "42.50") {
		t.Errorf("raw statement ID as token: %d %s", st, body)
	}
	if st, body := get(tok); st != 404 || !strings.Contains(body, "not ready") {
		t.Errorf("before release: %d %s", st, body)
	}
	if err := w.store.SetStatementIntent(ctx, stmt, "pi_test_page"); err != nil {
		t.Fatal(err)
	}
	st, body := get(tok)
	dos, _ := time.Parse(time.DateOnly, rec.encounter.DateOfService)
	for _, want := range []string{"TEST FACILITY A", dos.Format("January 2, 2006"), "$42.50", `action="/pay"`} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q: %d %s", want, st, body)
		}
	}
	for _, leak := range []string{stmt, rec.claim.ID, rec.patient.ID, "TESTPAYPAGE", "Z00.00", "ZZM0002", "TEST PAYER", "TESTDOC"} {
		if strings.Contains(body, leak) {
			t.Errorf("page shows %q", leak)
		}
	}
	var reads int
	if err := w.store.Pool.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE resource = 'statement' AND resource_id = $1 AND action = 'read' AND actor_id IS NULL AND source_ip <> ''`, stmt).Scan(&reads); err != nil || reads < 2 {
		t.Errorf("page views audited %d times (%v), want each one", reads, err)
	}

	// Submitted twice: Stripe is asked with one idempotency key, the
	// workflow gets one event ID (it posts once per payment intent, as the
	// webhook's payment_intent.succeeded for the same intent does).
	for i := 0; i < 2; i++ {
		if st, body := post(tok); st != 200 || !strings.Contains(body, "payment was received") {
			t.Errorf("submit %d: %d %s", i, st, body)
		}
	}
	if len(stripe.charged) != 1 || len(stripe.calls) != 2 || !strings.HasPrefix(stripe.calls[0], "pi_test_page pm_card_visa ") {
		t.Errorf("stripe calls %v", stripe.calls)
	}
	if len(sig.sent) != 2 || sig.sent[0] != sig.sent[1] || sig.sent[0].EventID != "confirm:pi_test_page" || sig.sent[0].AmountCents != 4250 ||
		sig.ids[0] != workflows.StatementIDPrefix+stmt || sig.sent[0].Type != rcm.PaymentEventSucceeded {
		t.Errorf("signals %+v to %v", sig.sent, sig.ids)
	}

	// Paid: the page says so and offers no button.
	if _, err := w.store.PostPatientPayment(ctx, stmt, "pi_test_page", "confirm:pi_test_page", 4250); err != nil {
		t.Fatal(err)
	}
	if st, body := get(tok); st != 200 || !strings.Contains(body, "is paid") || strings.Contains(body, "<button") {
		t.Errorf("paid: %d %s", st, body)
	}
	if st, body := post(tok); st != 200 || !strings.Contains(body, "is paid") || len(stripe.calls) != 2 {
		t.Errorf("paid, submitted again: %d %s; stripe calls %d", st, body, len(stripe.calls))
	}

	// Altered or expired links are refused.
	bad := []byte(tok)
	bad[len(bad)/2] ^= 1
	if st, _ := get(string(bad)); st != 404 {
		t.Errorf("altered token: %d", st)
	}
	now = now.Add(2 * time.Hour)
	if st, body := get(tok); st != 410 || !strings.Contains(body, "expired") || !strings.Contains(body, "555-0100") {
		t.Errorf("expired: %d %s", st, body)
	}
}
