package api

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"

	"github.com/claimflow/claimflow/activities"
	"github.com/claimflow/claimflow/edi"
	"github.com/claimflow/claimflow/edi/x837p"
	"github.com/claimflow/claimflow/internal/testenv"
	"github.com/claimflow/claimflow/rcm"
	"github.com/claimflow/claimflow/store"
	"github.com/claimflow/claimflow/workflows"
)

// builtScrub is the records store's claim service whose scrub also keeps
// the 837P built from the claim's records for each attempt (as the batch
// builds it: the claim bundle, Claim837, Write837). Its first scrub
// reports a problem, as a payer edit would, so the claim waits for staff
// in scrub_failed.
type builtScrub struct {
	*activities.ClaimStore
	records *store.Store
	mu      sync.Mutex
	built   [][]byte
}

func (b *builtScrub) Scrub(ctx context.Context, req activities.ScrubRequest) (activities.ScrubResult, error) {
	res, err := b.ClaimStore.Scrub(ctx, req)
	if err != nil {
		return res, err
	}
	bundle, err := b.records.GetClaimBundle(ctx, rcm.System, req.ClaimID)
	if err != nil {
		return res, err
	}
	prof, err := b.records.BillingProfileFor(ctx, bundle.Claim.OrgID)
	if err != nil {
		return res, err
	}
	tx, err := activities.Claim837(prof, bundle, req.FrequencyCode, req.PayerClaimNumber)
	if err != nil {
		return res, err
	}
	body, err := activities.Write837(activities.Receiver{ID: "ZZCLEARING", Name: "TEST"}, prof, time.Now().UTC(), edi.Control{Interchange: 1, Group: 1, Set: 1}, tx)
	if err != nil {
		return res, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.built = append(b.built, body)
	if len(b.built) == 1 {
		res.Problems = append(res.Problems, "2300 HI: test payer edit: the diagnosis does not support the procedure")
	}
	return res, nil
}

// TestClaimEditThenResubmitSendsTheEdit reproduces issue 16 item 1 over
// HTTP against a real Temporal dev server and the claim workflow: a claim
// that failed its scrub is corrected through POST /v1/claims/{id}/versions
// (invalid fields answer 422 naming them), resubmitted through
// POST /v1/claims/{id}/decisions with a note, and the workflow's next
// attempt builds an 837 carrying the new diagnosis. The history keeps the
// note and names the staff member.
func TestClaimEditThenResubmitSendsTheEdit(t *testing.T) {
	srv := testenv.DevServer(t)
	c := srv.Client()
	w := newDashboardWorld(t, TemporalClaims{Client: c})
	ctx := context.Background()
	require.NoError(t, w.store.PutBillingProfile(ctx, store.BillingProfile{OrgID: w.root.ID, Name: "TEST PRACTICE", NPI: "1245319599", TaxID: "000000001",
		Taxonomy: "207Q00000X", AddressLine1: "1 TEST WAY", City: "TESTVILLE", State: "NY", Zip: "999990001",
		SubmitterID: "ZZSUBMIT1", ContactName: "BILLING", ContactPhone: "5550100000"}))
	// Facility A bills under the system's profile by choice (issue 16 item 2).
	_, err := w.store.PutPracticeBilling(ctx, store.System, w.facA.ID, rcm.BillingSetup{InheritFromParent: true})
	require.NoError(t, err)
	var pat store.Patient
	var cov store.Coverage
	var enc store.Encounter
	var claim store.Claim
	w.mustCall(201, w.rootAdmin, "POST", "/v1/patients", map[string]any{"org_id": w.facA.ID, "first_name": "TESTPATIENT", "last_name": "EDIT",
		"birth_date": "1901-02-03", "sex": "U", "address": "1 TEST ST, TESTVILLE, NY 99999"}, &pat)
	w.mustCall(201, w.rootAdmin, "POST", "/v1/coverages", map[string]any{"patient_id": pat.ID, "payer_id": w.payer.ID, "member_id": "ZZ0000001",
		"relationship": "self", "priority": 1}, &cov)
	w.mustCall(201, w.rootAdmin, "POST", "/v1/encounters", map[string]any{"patient_id": pat.ID, "provider_id": w.provA.ID, "coverage_id": cov.ID,
		"date_of_service": time.Now().AddDate(0, 0, -3).Format("2006-01-02"), "place_of_service": "11", "diagnoses": []string{"Z00.00"},
		"charges": []map[string]any{{"code": "99213", "diagnosis_pointers": []int{1}, "units": 1, "amount_cents": 12500}}}, &enc)
	w.mustCall(201, w.rootAdmin, "POST", "/v1/claims", map[string]any{"encounter_id": enc.ID}, &claim)
	biller := w.token(w.facA.ID, "biller-edit", "biller")

	scrub := &builtScrub{ClaimStore: &activities.ClaimStore{Records: w.store, DefaultFilingDays: 90}, records: w.store}
	wk := worker.New(c, workflows.DefaultTaskQueue, worker.Options{})
	workflows.Register(wk, &activities.Activities{Claims: scrub})
	require.NoError(t, wk.Start())
	t.Cleanup(wk.Stop)
	_, err = c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: workflows.ClaimIDPrefix + claim.ID, TaskQueue: workflows.DefaultTaskQueue},
		workflows.ClaimWorkflowName, workflows.ClaimInput{ClaimID: claim.ID})
	require.NoError(t, err)
	get := func() store.Claim {
		var cl store.Claim
		w.mustCall(200, biller, "GET", "/v1/claims/"+claim.ID, nil, &cl)
		return cl
	}
	testenv.WaitFor(t, 30*time.Second, "the scrub to fail", func() bool { return get().Status == "scrub_failed" })

	path := "/v1/claims/" + claim.ID + "/versions"
	var bad Problem
	w.mustCall(422, biller, "POST", path, map[string]any{"diagnoses": []string{"NOTACODE"}, "charges": []map[string]any{{"code": "99213", "diagnosis_pointers": []int{3}, "units": 1, "amount_cents": 100}}}, &bad)
	var ptrs []string
	for _, f := range bad.Errors {
		ptrs = append(ptrs, f.Pointer)
	}
	if !strings.Contains(strings.Join(ptrs, " "), "/diagnoses/0") || !strings.Contains(strings.Join(ptrs, " "), "/charges/0/diagnosis_pointers/0") {
		t.Errorf("invalid edit problems name %v", ptrs)
	}
	var v rcm.ClaimVersion
	w.mustCall(201, biller, "POST", path, map[string]any{"diagnoses": []string{"J06.9"},
		"charges": []map[string]any{{"code": "99214", "diagnosis_pointers": []int{1}, "units": 1, "amount_cents": 15000}}, "note": "payer wants the acute diagnosis"}, &v)
	if v.Version != 1 || v.TotalCents != 15000 {
		t.Fatalf("version = %+v", v)
	}
	w.mustCall(202, biller, "POST", "/v1/claims/"+claim.ID+"/decisions", map[string]any{"action": "resubmit", "note": "recoded J06.9"}, nil)
	testenv.WaitFor(t, 30*time.Second, "the resubmission to be ready", func() bool { return get().Status == "ready" })

	scrub.mu.Lock()
	built := scrub.built
	scrub.mu.Unlock()
	if len(built) != 2 {
		t.Fatalf("%d 837s built, want 2 (the first attempt and the resubmission)", len(built))
	}
	for i, want := range []string{"Z0000", "J069"} {
		txs, err := x837p.ReadBytes(built[i])
		require.NoError(t, err)
		cl := txs[0].Billing[0].Subscriber[0].Claims[0]
		if strings.Join(cl.Diagnoses, ",") != want || cl.Frequency != "1" {
			t.Errorf("attempt %d 837: diagnoses %v frequency %s, want %s frequency 1 (a scrub failure never reached the payer)", i+1, cl.Diagnoses, cl.Frequency, want)
		}
	}

	got := get()
	var resub *store.StatusChange
	for i := range got.History {
		if got.History[i].Status == "resubmitted" {
			resub = &got.History[i]
		}
	}
	if resub == nil || !strings.Contains(resub.Reason, "recoded J06.9") || resub.ActorName != "biller-edit" || strings.Contains(resub.Reason, resub.ActorID) {
		t.Errorf("resubmitted history = %+v, want the note and the staff member's name (not a raw ID in the text)", resub)
	}
	var vs List[rcm.ClaimVersion]
	w.mustCall(200, biller, "GET", path, nil, &vs)
	if len(vs.Items) != 2 || vs.Items[1].EditedByName != "biller-edit" || vs.Items[1].Note != "payer wants the acute diagnosis" {
		t.Errorf("versions = %+v", vs.Items)
	}
	// No further edit once the claim is on its way again.
	w.mustCall(409, biller, "POST", path, map[string]any{"member_id": "ZZ0000002"}, nil)
}
