package api

import (
	"context"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/claimflow/claimflow/archive"
	"github.com/claimflow/claimflow/internal/testenv"
	"github.com/claimflow/claimflow/rcm"
	"github.com/claimflow/claimflow/store"
)

// TestTimelineReadsClaimEventsFromPostgres: the claim's steps are the file
// events the activities recorded in Postgres (no workflow history is
// read: the fake workflows have none), each step's segments come from the
// archived file the event names, and the codes are explained — the
// issue 16 item 7 codes among them (277CA A3:33:IL, RARCs N115 and N54,
// AAA03:75).
func TestTimelineReadsClaimEventsFromPostgres(t *testing.T) {
	files := map[string][]byte{}
	arch := ArchiveFunc(func(ctx context.Context, key string) ([]byte, error) {
		if b, ok := files[key]; ok {
			return b, nil
		}
		return nil, archive.ErrNotFound
	})
	wf := &fakeClaimWorkflows{problems: []string{"A3:33:IL"}}
	w := newDashboardWorld(t, wf, arch)
	a := w.makeRecords(w.facA, w.provA, "ALPHA", "ZZ0000001", 1)
	pcn := a.claim.PatientControlNumber
	sample := func(name string) string {
		b, err := os.ReadFile(filepath.Join(testenv.RepoRoot(t), "edi", "testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		key := archive.Hash(b)
		files[key] = b
		return key
	}
	// The 277CA answers this claim (its CLM01) with A3:33:IL.
	b277, err := os.ReadFile(filepath.Join(testenv.RepoRoot(t), "edi", "testdata", "sets", "277ca-valid.x12"))
	if err != nil {
		t.Fatal(err)
	}
	b277 = []byte(strings.ReplaceAll(string(b277), "PCN0002", pcn))
	key277 := archive.Hash(b277)
	files[key277] = b277
	key837, key999, key835 := sample("837p-multi.x12"), sample("999-rejected.x12"), sample("sets/835-valid.x12")

	ctx := context.Background()
	day := time.Date(2030, 1, 7, 9, 0, 0, 0, time.UTC)
	yes, no := true, false
	for i, e := range []store.ClaimEvent{
		{Kind: store.EventSent837, Dedup: "batch-1", Attempt: 1, FileKey: key837, ST02: "0002", Summary: "batch batch-1, ST02 0002, attempt 1"},
		{Kind: store.Event999, Dedup: key999, FileKey: key999, ST02: "0001", Accepted: &yes, Codes: []string{"IK5:A"}, Summary: "999 accepted"},
		{Kind: store.Event277CA, Dedup: key277, FileKey: key277, Accepted: &no, Codes: []string{"A3:33:IL"}, Summary: "277CA rejected"},
		{Kind: store.Event835, Dedup: "rem/2", FileKey: key835, SetIndex: 0, Seq: 2, Codes: []string{"CO-50", "N115", "N54"}, Summary: "835 trace T: CLP02 4, paid 0.00 of 150.00"},
	} {
		e.ClaimID, e.At = a.claim.ID, day.Add(time.Duration(i)*time.Hour)
		for range 2 { // a retried activity
			if err := w.store.RecordClaimEvent(ctx, e); err != nil {
				t.Fatal(err)
			}
		}
	}
	billerA := w.token(w.facA.ID, "ev-biller-a", "biller")
	billerB := w.token(w.facB.ID, "ev-biller-b", "biller")

	var tl Timeline
	w.mustCall(200, billerA, "GET", "/v1/claims/"+a.claim.ID+"/timeline", nil, &tl)
	var kinds []string
	desc := map[string]string{}
	for _, s := range tl.Steps {
		if s.Kind == "276/277" {
			continue // the fake workflow's noted inquiry
		}
		kinds = append(kinds, s.Kind+"#"+strconv.Itoa(s.N))
		if !s.Raw {
			t.Errorf("step %s has no segments", s.Kind)
		}
		for _, c := range s.Codes {
			desc[c.Code] = c.Description
		}
	}
	if want := []string{"837#0", "999#0", "277CA#0", "835#0"}; !slices.Equal(kinds, want) {
		t.Fatalf("steps = %v, want %v (each once, from claim_events)", kinds, want)
	}
	for code, want := range map[string]string{
		"A3:33:IL": "Subscriber and subscriber id not found",
		"N115":     "Local Coverage Determination",
		"N54":      "pre-certified/authorized services",
		"CO-50":    "Contractual Obligations",
	} {
		if !strings.Contains(desc[code], want) {
			t.Errorf("%s described as %q, want %q in it", code, desc[code], want)
		}
	}

	// Each step's segments: the claim's own loop of the file.
	for kind, want := range map[string]string{
		"837":   "CLM*",
		"999":   "AK2*837*0001",
		"277CA": "HL*5*3*PT",
		"835":   "CLP*PCN0002*4",
	} {
		var raw RawEDI
		w.mustCall(200, billerA, "GET", "/v1/claims/"+a.claim.ID+"/edi?kind="+kind+"&n=0&reveal=true", nil, &raw)
		if len(raw.Segments) == 0 || !strings.HasPrefix(raw.Segments[0], want) {
			t.Errorf("%s segments = %q, want them to start with %q", kind, raw.Segments, want)
		}
		w.mustCall(404, billerA, "GET", "/v1/claims/"+a.claim.ID+"/edi?kind="+kind+"&n=1", nil, nil)
		w.mustCall(404, billerB, "GET", "/v1/claims/"+a.claim.ID+"/edi?kind="+kind+"&n=0", nil, nil)
	}
	w.mustCall(404, billerB, "GET", "/v1/claims/"+a.claim.ID+"/timeline", nil, nil)

	// The denials queue explains the 277CA rejection it shows.
	var dl List[DenialItem]
	w.mustCall(200, billerA, "GET", "/v1/dashboard/denials?status=draft", nil, &dl)
	if len(dl.Items) != 1 || dl.Items[0].Workflow == nil || len(dl.Items[0].Workflow.ProblemCodes) != 1 ||
		!strings.Contains(dl.Items[0].Workflow.ProblemCodes[0].Description, "Returned as unprocessable claim") {
		t.Errorf("denials = %+v, want the A3:33:IL problem explained", dl.Items)
	}

	// The remittance view explains its remark codes. (The claim went out
	// through the account "local" the 835 comes back through.)
	// The claim workflow scrubs a claim before it is ready (rcm's lifecycle).
	if err := w.store.RecordClaimProgress(ctx, store.ClaimProgress{ClaimID: a.claim.ID, Attempt: 1, Seq: 99, Status: "scrubbing", At: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if err := w.store.RecordClaimProgress(ctx, store.ClaimProgress{ClaimID: a.claim.ID, Attempt: 1, Seq: 100, Status: "ready", At: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.store.ReserveBatches(ctx, "local", "batch/local/ev", 100); err != nil {
		t.Fatal(err)
	}
	rid, _, err := w.store.PutRemittance(ctx, store.Remittance{Partner: "local", PayerID: "ZZPAYER1", TraceNumber: "EVT0001", FileKey: key835, Balanced: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := w.store.PostClaimPayment(ctx, rid, store.ClaimPaymentRecord{Seq: 1, PatientControl: pcn, StatusCode: "4", ChargeCents: 12500,
		RARCs: []string{"N115", "N54"}, Adjustments: []store.PaymentAdjustment{{Group: "CO", Reason: "50", AmountCents: 12500}}}); err != nil {
		t.Fatal(err)
	}
	// The list carries the remittance's totals; its ERA view explains the
	// codes of its claim payments.
	var rem Remittances
	w.mustCall(200, billerA, "GET", "/v1/dashboard/remittances", nil, &rem)
	if len(rem.Items) != 1 || rem.Items[0].Totals != (rcm.RemittanceTotals{ClaimPayments: 1, ChargeCents: 12500, AdjustedCents: 12500}) ||
		rem.Items[0].Payments != nil {
		t.Errorf("remittances = %+v, want one with 1 claim payment of $125.00 charged and adjusted, and no payments listed", rem.Items)
	}
	var era rcm.ERA
	w.mustCall(200, billerA, "GET", "/v1/dashboard/remittances/"+rid, nil, &era)
	described := map[string]string{}
	for _, c := range era.Claims {
		for _, x := range c.RARCs {
			described[x.Code] = x.Description
		}
		for _, x := range c.Adjustments {
			described[x.Code] = x.Description
		}
	}
	if !strings.Contains(described["N115"], "Local Coverage Determination") || described["N54"] == "" || described["CO-50"] == "" {
		t.Errorf("ERA descriptions = %v, want N115, N54 and CO-50 explained", described)
	}

	// An eligibility rejection: its reason once, explained.
	if err := w.store.PutEligibility(ctx, store.EligibilityCheck{TraceNumber: "EVTRACE1", AppointmentID: a.appointment.ID, Mode: "realtime",
		Status: "rejected", RejectCodes: []string{"AAA03:75"}}); err != nil {
		t.Fatal(err)
	}
	var el EligibilityView
	w.mustCall(200, w.rootAdmin, "GET", "/v1/dashboard/eligibility?appointment_id="+a.appointment.ID, nil, &el)
	if len(el.RejectReasons) != 1 || el.RejectReasons[0].Code != "AAA03:75" || el.RejectReasons[0].Description != "Subscriber/Insured Not Found" {
		t.Errorf("eligibility reject reasons = %+v, want AAA03:75 once, explained", el.RejectReasons)
	}
}

// TestAPIDoesNotReadWorkflowHistory: api imports neither Temporal's
// history types nor the activities (claim files come from Postgres).
func TestAPIDoesNotReadWorkflowHistory(t *testing.T) {
	paths, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range paths {
		if strings.HasSuffix(p, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), p, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, im := range f.Imports {
			path := strings.Trim(im.Path.Value, `"`)
			if strings.HasPrefix(path, "go.temporal.io/api/history") || path == "github.com/claimflow/claimflow/activities" {
				t.Errorf("%s imports %s", p, path)
			}
		}
	}
	if got := strings.Join(mustRead(t, "dashboard_temporal.go"), ""); strings.Contains(got, "GetWorkflowHistory") {
		t.Error("dashboard_temporal.go still reads workflow history")
	}
}

func mustRead(t *testing.T, name string) []string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return []string{string(b)}
}
