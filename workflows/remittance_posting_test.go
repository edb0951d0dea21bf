package workflows

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/converter"
	tlog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/claimflow/claimflow/activities"
	"github.com/claimflow/claimflow/edi"
	"github.com/claimflow/claimflow/edi/x835"
	"github.com/claimflow/claimflow/internal/testenv"
	"github.com/claimflow/claimflow/keyring"
	"github.com/claimflow/claimflow/rcm"
	"github.com/claimflow/claimflow/store"
)

// memArchive is the EDI archive as batch submission writes and posting
// reads it (content-addressed, in memory).
type memArchive struct {
	mu    sync.Mutex
	files map[string][]byte
}

func (m *memArchive) Key(body []byte) string {
	h := sha256.Sum256(body)
	return hex.EncodeToString(h[:])
}

func (m *memArchive) SendFile(_ context.Context, _ string, body []byte) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := m.Key(body)
	if m.files == nil {
		m.files = map[string][]byte{}
	}
	m.files[k] = body
	return k, nil
}

func (m *memArchive) Fetch(_ context.Context, key string) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if b, ok := m.files[key]; ok {
		return b, nil
	}
	return nil, store.ErrNotFound
}

// flakyRecords is the real store whose PostClaimPayments fails once, after
// committing the slice that holds claim payment failAt: the connection
// dropped after the commit, the worst moment for exactly once.
type flakyRecords struct {
	*store.Store
	failAt int
	failed atomic.Bool
	slices atomic.Int32
}

func (f *flakyRecords) PostClaimPayments(ctx context.Context, rid string, ps []rcm.ClaimPaymentPost, opt rcm.PostingOptions) ([]rcm.PostedClaimPayment, error) {
	f.slices.Add(1)
	out, err := f.Store.PostClaimPayments(ctx, rid, ps, opt)
	if err == nil && ps[0].Seq <= f.failAt && f.failAt <= ps[len(ps)-1].Seq && f.failed.CompareAndSwap(false, true) {
		return nil, errors.New("connection reset by peer (after commit)")
	}
	return out, err
}

func suite0() *testsuite.WorkflowTestSuite {
	var suite testsuite.WorkflowTestSuite
	suite.SetLogger(tlog.NewStructuredLogger(slog.New(slog.DiscardHandler)))
	return &suite
}

type postingTenant struct {
	org    store.Org
	biller store.Actor
	claims []store.Claim
}

// newPostingTenant sets up one tenant billing through the shared "sim"
// account: a billing profile, a provider, the payer ZZPAYER1, and n claims
// ready to send.
func newPostingTenant(t *testing.T, s *store.Store, name, submitter string, n int) postingTenant {
	t.Helper()
	ctx := context.Background()
	var tn postingTenant
	var err error
	if tn.org, err = s.CreateOrg(ctx, store.System, store.Org{Kind: "health_system", Name: name}); err != nil {
		t.Fatal(err)
	}
	require.NoError(t, s.PutBillingProfile(ctx, store.BillingProfile{OrgID: tn.org.ID, Name: name, NPI: "1245319599", TaxID: "000000001",
		Taxonomy: "207Q00000X", AddressLine1: "1 TEST WAY", City: "TESTVILLE", State: "NY", Zip: "999990001",
		SubmitterID: submitter, ContactName: "BILLING", ContactPhone: "5550100000"}))
	prov, err := s.CreateProvider(ctx, store.System, store.Provider{OrgID: tn.org.ID, NPI: "1234567893", FirstName: "TESTDOC", LastName: "ONE", Taxonomy: "207Q00000X"})
	require.NoError(t, err)
	payer, err := s.CreatePayer(ctx, store.System, store.Payer{OrgID: tn.org.ID, PayerID: "ZZPAYER1", Name: "TEST PAYER", Clearinghouse: "sim"})
	require.NoError(t, err)
	for i := range n {
		pat, err := s.CreatePatient(ctx, store.System, store.Patient{OrgID: tn.org.ID, FirstName: "TESTPATIENT", LastName: name + "NUMBER" + string(rune('A'+i)),
			BirthDate: "1980-01-01", Sex: "F", Address: "1 TEST ST, TESTVILLE, NY 99999"})
		require.NoError(t, err)
		_, err = s.CreateCoverage(ctx, store.System, store.Coverage{PatientID: pat.ID, PayerID: payer.ID, MemberID: fmt.Sprintf("ZZ%s%03d", submitter[len(submitter)-1:], i), Relationship: "self", Priority: 1})
		require.NoError(t, err)
		enc, err := s.CreateEncounter(ctx, store.System, store.Encounter{PatientID: pat.ID, ProviderID: prov.ID, DateOfService: "2026-01-07",
			PlaceOfService: "11", Diagnoses: []string{"E11.9"},
			Charges: []store.Charge{{Code: "99213", DiagnosisPointers: []int{1}, Units: 1, AmountCents: 15000}}})
		require.NoError(t, err)
		c, err := s.CreateClaim(ctx, store.System, enc.ID)
		require.NoError(t, err)
		for j, st := range []string{"scrubbing", "ready"} { // as the claim workflow records them
			require.NoError(t, s.RecordClaimProgress(ctx, store.ClaimProgress{ClaimID: c.ID, Attempt: 1, Seq: j + 1, Status: st, At: time.Now()}))
		}
		tn.claims = append(tn.claims, c)
	}
	u, _, err := s.CreateUser(ctx, store.System, store.NewUser{OrgID: tn.org.ID, Kind: "system", Login: "biller-" + submitter, DisplayName: "biller"})
	require.NoError(t, err)
	require.NoError(t, s.Grant(ctx, store.System, u.ID, tn.org.ID, "biller"))
	tn.biller = store.Actor{UserID: u.ID, SourceIP: "192.0.2.1", RequestID: "req-" + submitter}
	return tn
}

// TestRemittancePostingExactlyOnceAcrossFailedSlice posts an 835 paying
// two tenants' claims (sent through the same account) and one claim nobody
// sent, three claim payments per transaction, through the real workflow
// and activities on Postgres: the connection drops right after the second
// slice commits, the activity is retried, and the workflow pages the
// payments back one continued run at a time. Every payment is posted
// once, every claim is told once, each tenant sees only its own share.
func TestRemittancePostingExactlyOnceAcrossFailedSlice(t *testing.T) {
	ctx := context.Background()
	s, _ := testenv.Store(t)
	k, err := keyring.OpenLocal(filepath.Join(t.TempDir(), "kek.json"))
	require.NoError(t, err)
	s.UseKeys(store.KeysFrom[*keyring.DataKey](k))
	a := newPostingTenant(t, s, "ALPHA", "ZZSUBMIT1", 5)
	b := newPostingTenant(t, s, "BRAVO", "ZZSUBMIT2", 4)
	arch := &memArchive{}
	batch := &activities.BatchService{Records: s, Files: arch, Receivers: map[string]activities.Receiver{"sim": {ID: "ZZCLEARING", Name: "TEST CLEARINGHOUSE"}}}
	sent, err := batch.SubmitBatch(ctx, activities.BatchRequest{ClearinghouseID: "sim", RunID: "r1"})
	require.NoError(t, err)
	n := 0
	for _, bt := range sent {
		n += len(bt.Claims)
	}
	require.Equal(t, 9, n, "claims sent")

	// The 835: each claim paid 150.00 - 40.00 CO-45 - 10.00 PR-2 (the 4th
	// of each tenant denied), between them one claim nobody sent.
	var claims []x835.ClaimPayment
	paidOf := map[string]int64{}
	var total x835.Money
	for i, c := range append(append([]store.Claim{}, a.claims...), b.claims...) {
		cp := x835.ClaimPayment{PatientControlNumber: c.PatientControlNumber, Status: "1", Charge: 15000, Paid: 10000, PatientResponsibility: 1000,
			FilingCode: "12", PayerControlNumber: fmt.Sprintf("PCN%02d", i),
			Adjustments: []x835.Adjustment{{Group: "CO", Reason: "45", Amount: 4000}, {Group: "PR", Reason: "2", Amount: 1000}},
			Patient:     x835.Person{EntityType: "1", LastName: "DOE", FirstName: "JANE", IDQual: "MI", ID: "ZZ0000001"}}
		if i%5 == 3 {
			cp.Status, cp.Paid, cp.PatientResponsibility = "4", 0, 0
			cp.Adjustments = []x835.Adjustment{{Group: "CO", Reason: "16", Amount: 15000}}
		}
		claims = append(claims, cp)
		paidOf[c.ID] = int64(cp.Paid)
		total += cp.Paid
		if i == 4 {
			claims = append(claims, x835.ClaimPayment{PatientControlNumber: "NOTOURCLAIM", Status: "4", Charge: 5000, FilingCode: "12", PayerControlNumber: "PCN-X",
				Adjustments: []x835.Adjustment{{Group: "CO", Reason: "16", Amount: 5000}},
				Patient:     x835.Person{EntityType: "1", LastName: "DOE", FirstName: "JOHN", IDQual: "MI", ID: "ZZ0000009"}})
		}
	}
	rem := &x835.Remittance{
		Payment: x835.Payment{Handling: "I", Amount: total, CreditDebit: "C", Method: "ACH", Format: "CCP", SenderDFIQual: "01", SenderDFI: "999999992",
			SenderAcctQual: "DA", SenderAccount: "0001", OriginatorID: "1000000001", ReceiverDFIQual: "01", ReceiverDFI: "999999992",
			ReceiverAcctQual: "DA", ReceiverAccount: "0002", EffectiveDate: "20300115"},
		Trace:  x835.Trace{Type: "1", Number: "EFTSLICE01", OriginatorID: "1000000001"},
		Payer:  x835.Payer{Name: "TEST PAYER", Address: x835.Address{Line1: "1 PAYER WAY", City: "TESTVILLE", State: "ZZ", Zip: "00001"}, PayerID: "ZZPAYER1", TechnicalContact: "EDI", Phone: "5550100000"},
		Payee:  x835.Payee{Name: "TEST PRACTICE", IDQual: "XX", ID: "1245319599"},
		Claims: claims,
	}
	ic, err := x835.Build(x835.Envelope{SenderID: "ZZPAYER1", ReceiverID: "ZZSUBMIT1", Usage: "T"}, rem)
	require.NoError(t, err)
	var buf bytes.Buffer
	require.NoError(t, edi.Write(&buf, ic))
	key, _ := arch.SendFile(ctx, "", buf.Bytes())

	records := &flakyRecords{Store: s, failAt: 5}
	acts := &activities.Activities{Store: s, Remits: &activities.RemitService{Files: arch, Records: records, Slice: 3}}
	defer func(size, pages int) { remitPageSize, remitPagesPerRun = size, pages }(remitPageSize, remitPagesPerRun)
	remitPageSize, remitPagesPerRun = 4, 1 // a page of 4 payments per run

	told := map[string][]activities.ClaimPayment{}
	var toldMu sync.Mutex
	// The claims are told from an activity (remitTellVersion), several
	// signals at once.
	acts.Signaller = signallerFunc(func(id, name string, arg any) error {
		require.Equal(t, SignalClaimRemit, name)
		p := arg.(activities.ClaimPayment)
		toldMu.Lock()
		told[strings.TrimPrefix(id, ClaimIDPrefix)] = append(told[strings.TrimPrefix(id, ClaimIDPrefix)], p)
		toldMu.Unlock()
		return nil
	})
	statements := map[string]int{}
	in := RemittanceInput{Partner: "sim", FileKey: key, PayerID: "ZZPAYER1", TraceNumber: "EFTSLICE01"}
	var res RemittanceResult
	runs := 0
	for {
		runs++
		require.Less(t, runs, 10, "continued as new too often")
		env := suite0().NewTestWorkflowEnvironment()
		env.RegisterActivity(acts)
		env.RegisterWorkflowWithOptions(PatientStatement, workflow.RegisterOptions{Name: StatementWorkflowName})
		env.OnWorkflow(StatementWorkflowName, mock.Anything, mock.Anything).Return(func(_ workflow.Context, st StatementInput) (StatementResult, error) {
			toldMu.Lock()
			statements[st.StatementID]++
			toldMu.Unlock()
			return StatementResult{}, nil
		})
		env.ExecuteWorkflow(RemittancePosting, in)
		require.True(t, env.IsWorkflowCompleted())
		var can *workflow.ContinueAsNewError
		if err := env.GetWorkflowError(); errors.As(err, &can) {
			require.NoError(t, converter.GetDefaultDataConverter().FromPayloads(can.Input, &in))
			require.NotNil(t, in.Resume, "continued without where to resume")
			continue
		}
		require.NoError(t, env.GetWorkflowError())
		require.NoError(t, env.GetWorkflowResult(&res))
		break
	}
	if runs < 3 {
		t.Errorf("%d runs: the workflow did not continue as new between pages", runs)
	}
	if !records.failed.Load() {
		t.Fatal("the injected failure never happened")
	}

	// The workflow's counts: the retry found the committed slices posted.
	if res.NewlyPosted+res.AlreadyPosted != 9 || res.Unmatched != 1 || res.AlreadyPosted == 0 || !res.Balanced || res.Signalled != 9 {
		t.Errorf("result = %+v", res.PostingResult)
		t.Errorf("signalled %d, not found %d", res.Signalled, res.ClaimsNotFound)
	}
	// Each claim told once, with its payment and adjustments.
	for _, c := range append(append([]store.Claim{}, a.claims...), b.claims...) {
		ps := told[c.ID]
		if len(ps) != 1 {
			t.Errorf("claim %s told %d times, want once", c.PatientControlNumber, len(ps))
			continue
		}
		if p := ps[0]; p.PaidCents != paidOf[c.ID] || p.TraceNumber != "EFTSLICE01" || p.PayerID != "ZZPAYER1" || len(p.Adjustments) == 0 {
			t.Errorf("claim %s told %+v", c.PatientControlNumber, p)
		}
	}
	// Patient statements: one per claim with patient responsibility (7).
	if len(statements) != 7 || res.Statements != 7 {
		t.Errorf("statements = %v (result %d), want 7 once each", statements, res.Statements)
	}
	for id, n := range statements {
		if n != 1 {
			t.Errorf("statement %s started %d times", id, n)
		}
	}

	// In Postgres: each claim payment once, its adjustments once, each
	// claim's paid total once, one 835 event per claim, one work item.
	var rid string
	require.NoError(t, s.Pool.QueryRow(ctx, `SELECT id::text FROM remittances WHERE trace_number = 'EFTSLICE01'`).Scan(&rid))
	var pays, seqs, adjs, unmatchedWork int
	require.NoError(t, s.Pool.QueryRow(ctx, `SELECT count(*), count(DISTINCT seq),
		(SELECT count(*) FROM claim_adjustments WHERE remittance_id = $1::uuid),
		(SELECT count(*) FROM remit_work_queue WHERE remittance_id = $1::uuid AND kind = 'unmatched_claim')
		FROM claim_payments WHERE remittance_id = $1::uuid`, rid).Scan(&pays, &seqs, &adjs, &unmatchedWork))
	if pays != 10 || seqs != 10 || adjs != 2*7+2+1 || unmatchedWork != 1 {
		t.Errorf("payments %d (%d seqs), adjustments %d, unmatched work items %d; want 10, 10, 17, 1", pays, seqs, adjs, unmatchedWork)
	}
	for _, tn := range []postingTenant{a, b} {
		for _, c := range tn.claims {
			var paid int64
			var events int
			var owner string
			require.NoError(t, s.Pool.QueryRow(ctx, `SELECT c.paid_cents,
				(SELECT count(*) FROM claim_events e WHERE e.claim_id = c.id AND e.kind = '835'),
				(SELECT cp.org_id::text FROM claim_payments cp WHERE cp.claim_id = c.id AND cp.remittance_id = $2::uuid)
				FROM claims c WHERE c.id = $1`, c.ID, rid).Scan(&paid, &events, &owner))
			if paid != paidOf[c.ID] || events != 1 || owner != tn.org.ID {
				t.Errorf("claim %s: paid %d (want %d once), %d 835 events, payment owned by %s (want %s)", c.PatientControlNumber, paid,
					paidOf[c.ID], events, owner, tn.org.ID)
			}
		}
	}

	// Each tenant's biller sees its own share of the 835 (and the unmatched
	// payment, which belongs to every organisation billing through the
	// account) and nothing of the other's: not its claims' payments, not
	// their events.
	for _, pair := range [][2]postingTenant{{a, b}, {b, a}} {
		own, other := pair[0], pair[1]
		era, err := s.ERA(ctx, own.biller, rid, "", "era")
		require.NoError(t, err)
		var want int64
		for _, c := range own.claims {
			want += paidOf[c.ID]
		}
		if len(era.Claims) != len(own.claims)+1 || !era.Shared || era.PaidCents != want {
			t.Errorf("%s sees %d claim payments (shared %v, paid %d), want its %d and the unmatched one (paid %d)", own.org.Name, len(era.Claims),
				era.Shared, era.PaidCents, len(own.claims), want)
		}
		for _, cp := range era.Claims {
			for _, c := range other.claims {
				if cp.ClaimID == c.ID || cp.PatientControl == c.PatientControlNumber {
					t.Errorf("%s sees %s's claim payment %+v", own.org.Name, other.org.Name, cp)
				}
			}
		}
		evs, err := s.ClaimEvents(ctx, own.biller, other.claims[0].ID)
		require.NoError(t, err)
		if len(evs) != 0 {
			t.Errorf("%s sees %d events of %s's claim", own.org.Name, len(evs), other.org.Name)
		}
	}

	// The 835 delivered again (a new workflow run on the same trace): the
	// posting activity posts nothing and the claims are told again (they
	// ignore a payment they were told of), nothing is added.
	again, err := acts.PostRemittance(ctx, activities.RemittanceRequest{Partner: "sim", FileKey: key, PayerID: "ZZPAYER1", TraceNumber: "EFTSLICE01", Paged: true})
	require.NoError(t, err)
	if again.NewlyPosted != 0 || again.AlreadyPosted != 9 || again.Unmatched != 1 || len(again.Payments) != 0 {
		t.Errorf("re-delivery = %+v, want 9 already posted and no payments listed", again)
	}
	// A retried attempt resumes after the slices its heartbeat says were
	// committed: with six of ten done, it posts only the last two slices.
	aenv := suite0().NewTestActivityEnvironment()
	aenv.RegisterActivity(acts)
	aenv.SetHeartbeatDetails(activities.PostingProgress{Done: 6, NewlyPosted: 5, Unmatched: 1})
	before := records.slices.Load()
	v, err := aenv.ExecuteActivity(acts.PostRemittance, activities.RemittanceRequest{Partner: "sim", FileKey: key, PayerID: "ZZPAYER1",
		TraceNumber: "EFTSLICE01", Paged: true})
	require.NoError(t, err)
	var resumed activities.PostingResult
	require.NoError(t, v.Get(&resumed))
	if n := records.slices.Load() - before; n != 2 || resumed.NewlyPosted != 5 || resumed.AlreadyPosted != 4 || resumed.Unmatched != 1 {
		t.Errorf("resumed after 6: %d slices posted, result %+v; want 2 slices, 5 newly (before), 4 already, 1 unmatched", n, resumed)
	}

	var total2 int64
	require.NoError(t, s.Pool.QueryRow(ctx, `SELECT coalesce(sum(paid_cents), 0) FROM claims`).Scan(&total2))
	if total2 != int64(total) {
		t.Errorf("claims' paid total %d after the re-delivery, want %d", total2, total)
	}
}

// signallerFunc is an activities.ClaimSignaller recording what it is told.
type signallerFunc func(workflowID, name string, arg any) error

func (f signallerFunc) SignalWorkflow(_ context.Context, workflowID, _, name string, arg any) error {
	return f(workflowID, name, arg)
}
