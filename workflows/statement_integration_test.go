package workflows_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"

	"github.com/claimflow/claimflow/activities"
	"github.com/claimflow/claimflow/api"
	"github.com/claimflow/claimflow/internal/testenv"
	"github.com/claimflow/claimflow/keyring"
	"github.com/claimflow/claimflow/notify"
	"github.com/claimflow/claimflow/notify/notifytest"
	"github.com/claimflow/claimflow/paylink"
	"github.com/claimflow/claimflow/payments"
	"github.com/claimflow/claimflow/payments/paymentstest"
	"github.com/claimflow/claimflow/store"
	"github.com/claimflow/claimflow/webhooks"
	"github.com/claimflow/claimflow/workflows"
)

// TestStatementStripeOnDevServer bills a patient statement on real
// components: Postgres, a Temporal dev server, stripe-mock for the Stripe
// API, mailpit for the statement email, and the Stripe webhook handler. A
// forged event and a replayed one change nothing; the real one posts the
// payment once; a refund goes through Stripe and is posted once.
func TestStatementStripeOnDevServer(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()

	s, _ := testenv.Store(t)
	k, err := keyring.OpenLocal(filepath.Join(t.TempDir(), "kek.json"))
	require.NoError(t, err)
	s.UseKeys(store.KeysFrom[*keyring.DataKey](k))
	root, err := s.CreateOrg(ctx, store.System, store.Org{Kind: "health_system", Name: "Test Health"})
	require.NoError(t, err)
	pat, err := s.CreatePatient(ctx, store.System, store.Patient{OrgID: root.ID, FirstName: "Testpatc", LastName: "SYNTHETIC",
		BirthDate: "1972-01-01", Sex: "U", Email: "testpatc@example.invalid"})
	require.NoError(t, err)

	mp := notifytest.StartMailpit(t)
	stripeBase := paymentstest.StartStripeMock(t)
	srv := testenv.DevServer(t)
	c := srv.Client()
	const queue = "statement-it"
	w := worker.New(c, queue, worker.Options{})
	workflows.RegisterWorkflows(w)
	workflows.RegisterEngagementActivities(w, &activities.Engagement{
		Scheduling: &activities.RecordsScheduling{Store: s},
		Ledger:     &activities.StoreLedger{Store: s},
		Mail:       &notify.SMTP{Addr: mp.SMTPAddr, From: "billing@claimflow.invalid"},
		Payments:   payments.New(payments.Options{APIBase: stripeBase, SecretKey: "sk_test_123"}),
		PayURL:     "https://pay.example.invalid/statement",
		Statements: s,
		PayLinks:   &paylink.Links{Sealer: k},
	})
	require.NoError(t, w.Start())
	t.Cleanup(w.Stop)
	hook := httptest.NewServer(webhooks.Stripe(webhooks.StripeOptions{ParseEvent: payments.ParseEvent, Secret: paymentstest.WebhookSecret, Statements: s, Events: s, Temporal: c}))
	t.Cleanup(hook.Close)
	deliver := func(payload []byte, sig string) int {
		t.Helper()
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, hook.URL, strings.NewReader(string(payload)))
		require.NoError(t, err)
		req.Header.Set("Stripe-Signature", sig)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		return resp.StatusCode
	}

	const stmtID = "stmt-it-1"
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: workflows.StatementIDPrefix + stmtID, TaskQueue: queue},
		workflows.StatementWorkflowName, workflows.StatementInput{StatementID: stmtID, PatientID: pat.ID, AmountCents: 4250})
	require.NoError(t, err)
	state := func() workflows.StatementState {
		v, err := c.QueryWorkflow(ctx, run.GetID(), "", workflows.QueryStatementState)
		require.NoError(t, err)
		var st workflows.StatementState
		require.NoError(t, v.Get(&st))
		return st
	}
	// Nothing goes out before staff release it.
	time.Sleep(time.Second)
	if st, err := s.GetStatement(ctx, stmtID); err != nil || st.PaymentIntentID != "" {
		t.Fatalf("before release: %+v, %v", st, err)
	}
	require.Empty(t, mp.Messages(t))
	h, err := c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{WorkflowID: run.GetID(), UpdateName: workflows.UpdateStatementRelease,
		WaitForStage: client.WorkflowUpdateStageCompleted, Args: []any{workflows.ReleaseRequest{By: "staff-it"}}})
	require.NoError(t, err)
	require.NoError(t, h.Get(ctx, nil))
	var pi string
	testenv.WaitFor(t, 20*time.Second, "the payment intent", func() bool {
		st, err := s.GetStatement(ctx, stmtID)
		pi = st.PaymentIntentID
		return err == nil && strings.HasPrefix(pi, "pi_")
	})
	var link string
	testenv.WaitFor(t, 20*time.Second, "the statement email in mailpit", func() bool {
		for _, m := range mp.Messages(t) {
			if m.To[0] == "testpatc@example.invalid" && strings.Contains(m.Text, "$42.50") &&
				strings.Contains(m.Text, "with Test Health") && !strings.Contains(m.Text, stmtID) {
				if l := regexp.MustCompile(`https://pay\.example\.invalid/statement(\?t=\S+)`).FindStringSubmatch(m.Text); l != nil {
					link = l[1]
					return true
				}
			}
		}
		return false
	})
	// The link opens the payment page (no login): practice and amount due.
	page := api.New(api.Options{Records: s})
	page.MountPayPage(api.PayPage{Links: &paylink.Links{Sealer: k}, Statements: s, Temporal: c})
	pageSrv := httptest.NewServer(page)
	t.Cleanup(pageSrv.Close)
	resp, err := http.Get(pageSrv.URL + "/pay" + link)
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode, string(body))
	require.Contains(t, string(body), "Test Health")
	require.Contains(t, string(body), "$42.50")
	require.NotContains(t, string(body), "Testpatc")

	// Forged: signed with another secret. Rejected; nothing changes.
	paid := paymentstest.PaymentSucceeded(t, "evt_it_1", pi, stmtID, 4250)
	require.Equal(t, http.StatusBadRequest, deliver(paid, paymentstest.Sign(paid, "whsec_attacker")))
	time.Sleep(500 * time.Millisecond)
	require.Zero(t, state().PaidCents)
	st, err := s.GetStatement(ctx, stmtID)
	require.NoError(t, err)
	require.Equal(t, "open", st.Status)

	// Correctly signed: posted once, then replays (same event ID, and a
	// second event for the same intent) change nothing.
	require.Equal(t, http.StatusOK, deliver(paid, paymentstest.Sign(paid, paymentstest.WebhookSecret)))
	testenv.WaitFor(t, 20*time.Second, "the statement to be paid", func() bool { return state().Status == activities.StatementPaid })
	require.Equal(t, http.StatusOK, deliver(paid, paymentstest.Sign(paid, paymentstest.WebhookSecret)))
	again := paymentstest.PaymentSucceeded(t, "evt_it_2", pi, stmtID, 4250)
	require.Equal(t, http.StatusOK, deliver(again, paymentstest.Sign(again, paymentstest.WebhookSecret)))
	testenv.WaitFor(t, 20*time.Second, "the second event to be applied", func() bool { return state().Events == 2 })
	got := state()
	require.Equal(t, int64(4250), got.PaidCents)
	st, err = s.GetStatement(ctx, stmtID)
	require.NoError(t, err)
	require.Equal(t, int64(4250), st.PaidCents, "one payment row")
	require.Equal(t, "paid", st.Status)

	// A refund through Stripe (stripe-mock), posted once; Stripe's
	// charge.refunded for it adds nothing.
	require.NoError(t, c.SignalWorkflow(ctx, run.GetID(), "", workflows.SignalStatementRefund, workflows.RefundRequest{RequestID: "rq-it-1", AmountCents: 1000}))
	require.NoError(t, c.SignalWorkflow(ctx, run.GetID(), "", workflows.SignalStatementRefund, workflows.RefundRequest{RequestID: "rq-it-1", AmountCents: 1000}))
	testenv.WaitFor(t, 20*time.Second, "the refund", func() bool { return state().RefundedCents > 0 })
	refunded := paymentstest.ChargeRefunded(t, "evt_it_3", pi, state().RefundedCents)
	require.Equal(t, http.StatusOK, deliver(refunded, paymentstest.Sign(refunded, paymentstest.WebhookSecret)))
	testenv.WaitFor(t, 20*time.Second, "the refund event to be applied", func() bool { return state().Events == 3 })
	st, err = s.GetStatement(ctx, stmtID)
	require.NoError(t, err)
	require.Equal(t, state().RefundedCents, st.RefundedCents)
	require.NoError(t, c.TerminateWorkflow(ctx, run.GetID(), "", "test done"))
	recordHistory(t, c, run.GetID(), run.GetRunID(), "statement_paid_refunded.json")
}
