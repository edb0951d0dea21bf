package main

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/claimflow/claimflow/internal/testenv"
	"github.com/claimflow/claimflow/paylink"
	"github.com/claimflow/claimflow/payments/paymentstest"
)

// releaseAndPayStatement (issue 16) plays a patient statement through the
// wired server: it waits for staff release (no payment intent before),
// staff release it from the dashboard's list, the emailed link's page
// shows the practice, the date of service and the amount due, the patient
// submits it twice, and Stripe's payment_intent.succeeded arrives twice
// (stripe-mock sends no webhooks: the test signs them as Stripe would).
// One payment is posted.
func (e *e2e) releaseAndPayStatement(wantCents int64) {
	t := e.t
	t.Helper()
	ctx := context.Background()
	var list struct {
		Items []struct {
			ID           string   `json:"id"`
			PracticeName string   `json:"practice_name"`
			ServiceDates []string `json:"service_dates"`
			AmountCents  int64    `json:"amount_cents"`
		} `json:"items"`
	}
	testenv.WaitFor(t, 30*time.Second, "the statement awaiting release", func() bool {
		e.api("GET", "/v1/dashboard/statements/awaiting-release", nil, &list)
		return len(list.Items) == 1
	})
	s := list.Items[0]
	if s.AmountCents != wantCents || s.PracticeName == "" || len(s.ServiceDates) != 1 {
		t.Fatalf("awaiting release: %+v", s)
	}
	time.Sleep(500 * time.Millisecond)
	var pi string
	if err := e.m.Store.Pool.QueryRow(ctx, "SELECT coalesce(payment_intent_id, '') FROM patient_statements WHERE id = $1", s.ID).Scan(&pi); err != nil || pi != "" {
		t.Fatalf("before release: payment intent %q (%v)", pi, err)
	}
	e.api("POST", "/v1/statements/"+s.ID+"/release", struct{}{}, nil)
	testenv.WaitFor(t, 90*time.Second, "the payment intent made on release", func() bool {
		return e.m.Store.Pool.QueryRow(ctx, "SELECT coalesce(payment_intent_id, '') FROM patient_statements WHERE id = $1", s.ID).Scan(&pi) == nil && pi != ""
	})

	// The link the notice carries (minted as the activity mints it).
	tok, err := (&paylink.Links{Sealer: e.m.Keyring}).Mint(ctx, s.ID)
	if err != nil {
		t.Fatal(err)
	}
	page := func(method string) (int, string) {
		t.Helper()
		var resp *http.Response
		var err error
		if method == "POST" {
			resp, err = http.PostForm(e.base+"/pay", url.Values{"t": {tok}})
		} else {
			resp, err = http.Get(e.base + "/pay?t=" + url.QueryEscape(tok))
		}
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	dos, _ := time.Parse(time.DateOnly, s.ServiceDates[0])
	st, body := page("GET")
	for _, want := range []string{s.PracticeName, dos.Format("January 2, 2006"), "$18.00", "<button"} {
		if st != 200 || !strings.Contains(body, want) {
			t.Errorf("payment page lacks %q: %d %s", want, st, body)
		}
	}
	for i := 0; i < 2; i++ {
		if st, body := page("POST"); st != 200 {
			t.Errorf("payment page submit %d: %d %s", i, st, body)
		}
	}
	paid := paymentstest.PaymentSucceeded(t, "evt_e2e_stmt", pi, s.ID, wantCents)
	for i := 0; i < 2; i++ {
		req, _ := http.NewRequest("POST", e.base+"/webhooks/stripe", strings.NewReader(string(paid)))
		req.Header.Set("Stripe-Signature", paymentstest.Sign(paid, e.m.Config.StripeWebhookKey))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("webhook delivery %d: %d", i, resp.StatusCode)
		}
	}
	var status string
	var payments int
	testenv.WaitFor(t, 30*time.Second, "the statement to be paid", func() bool {
		return e.m.Store.Pool.QueryRow(ctx, `SELECT status, (SELECT count(*) FROM patient_payments WHERE statement_id = $1) FROM patient_statements WHERE id = $1`, s.ID).
			Scan(&status, &payments) == nil && status == "paid"
	})
	if payments != 1 {
		t.Errorf("payments posted = %d, want 1", payments)
	}
	if st, body := page("GET"); st != 200 || !strings.Contains(body, "is paid") {
		t.Errorf("paid statement's page: %d %s", st, body)
	}
}
