package api

import (
	"bytes"
	"context"
	"testing"

	"go.temporal.io/sdk/client"

	"github.com/claimflow/claimflow/activities"
	"github.com/claimflow/claimflow/edi"
	"github.com/claimflow/claimflow/edi/x835"
	"github.com/claimflow/claimflow/rcm"
)

// noWorkflows stands in for the Temporal client of the router: this test
// is about what the router records, not whom it signals.
type noWorkflows struct{}

func (noWorkflows) SignalWorkflow(context.Context, string, string, string, any) error { return nil }
func (noWorkflows) ExecuteWorkflow(context.Context, client.StartWorkflowOptions, any, ...any) (client.WorkflowRun, error) {
	return nil, nil
}

// TestDeviationsOnASharedERA (issue 17): one 835 pays a claim of each
// tenant, with a deviation in each claim payment (a time on DTM*050) and
// one in its header (a payer state that is no USPS code). Routed with the
// deviation recorder and posted: each tenant's ERA view shows the header's
// deviation and its own claim's, never the other tenant's claim's (nor
// with ?claim_id=); each claim's timeline shows its own; tenant B gets
// 404 for A's claim.
func TestDeviationsOnASharedERA(t *testing.T) {
	w := newDashboardWorld(t, &fakeClaimWorkflows{})
	a := newTenant(w, "A", "1234567893", "ZZ0000001", 1)
	b := newTenant(w, "B", "1245319599", "ZZ0000002", 2)
	sendClaims(t, w, a)
	sendClaims(t, w, b)
	ctx := context.Background()
	claim := func(tn *tenant, paid x835.Money) x835.ClaimPayment {
		c := era835Claim(tn.recs.claim.PatientControlNumber, 12500, paid, 0, []x835.Adjustment{{Group: "CO", Reason: "45", Amount: 12500 - paid}})
		c.ReceivedDate = "20300110"
		return c
	}
	rem := &x835.Remittance{
		Payment: x835.Payment{Handling: "I", Amount: 13000, CreditDebit: "C", Method: "ACH", Format: "CCP", SenderDFIQual: "01", SenderDFI: "999999992",
			SenderAcctQual: "DA", SenderAccount: "0001", OriginatorID: "1000000001", ReceiverDFIQual: "01", ReceiverDFI: "999999992",
			ReceiverAcctQual: "DA", ReceiverAccount: "0002", EffectiveDate: "20300115"},
		Trace:          x835.Trace{Type: "1", Number: "ZZEFTDEV1", OriginatorID: "1000000001"},
		ProductionDate: "20300115",
		Payer: x835.Payer{Name: "TEST PAYER", Address: x835.Address{Line1: "1 PAYER WAY", City: "TESTVILLE", State: "ZZ", Zip: "00001"},
			PayerID: "ZZPAYER1", TechnicalContact: "EDI", Phone: "5550100000"},
		Payee:  x835.Payee{Name: "TEST PRACTICE", IDQual: "XX", ID: "1245319599"},
		Claims: []x835.ClaimPayment{claim(a, 6000), claim(b, 7000)},
	}
	ic, err := x835.Build(x835.Envelope{SenderID: "ZZPAYER1", ReceiverID: "ZZSUBMIT1", Usage: "T"}, rem)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := edi.Write(&buf, ic); err != nil {
		t.Fatal(err)
	}
	body := bytes.ReplaceAll(buf.Bytes(), []byte("~DTM*050*20300110~"), []byte("~DTM*050*20300110*1200~"))
	files := memFiles{"test-835-dev": body}
	router := &activities.Router{Files: files, Records: w.store, Temporal: noWorkflows{}, Deviations: w.store}
	res, err := router.Route(ctx, activities.InboundFile{Partner: "local", Hash: "test-835-dev"})
	if err != nil || res.Warnings != 3 || res.Errors != 0 {
		t.Fatalf("route = %+v, %v; want 3 warnings (the payer's state, two DTM03) and no error", res, err)
	}
	poster := &activities.RemitService{Files: files, Records: w.store}
	if _, err := poster.Post(ctx, activities.RemittanceRequest{Partner: "local", FileKey: "test-835-dev", PayerID: "ZZPAYER1", TraceNumber: "ZZEFTDEV1"}); err != nil {
		t.Fatal(err)
	}
	var rid string
	if err := w.store.Pool.QueryRow(ctx, "SELECT id::text FROM remittances WHERE trace_number = 'ZZEFTDEV1'").Scan(&rid); err != nil {
		t.Fatal(err)
	}

	// key names a deviation by its segment and claim.
	key := func(ds []rcm.Deviation) map[string]string {
		out := map[string]string{}
		for _, d := range ds {
			out[d.SegmentID+" "+d.Code] += d.ClaimID + ";"
		}
		return out
	}
	for _, tc := range []struct {
		tn, other *tenant
	}{{a, b}, {b, a}} {
		own, other := tc.tn.recs.claim.ID, tc.other.recs.claim.ID
		want := map[string]string{"N4 IK4 7": ";", "DTM IK4 I10": own + ";"}
		for _, q := range []string{"", "?claim_id=" + own} {
			var e rcm.ERA
			w.mustCall(200, tc.tn.tokens["biller"], "GET", "/v1/dashboard/remittances/"+rid+q, nil, &e)
			if got := key(e.Deviations); len(got) != len(want) || got["N4 IK4 7"] != want["N4 IK4 7"] || got["DTM IK4 I10"] != want["DTM IK4 I10"] {
				t.Errorf("tenant %s's ERA%s deviations = %v, want the header's and its own claim's %v", tc.tn.name, q, got, want)
			}
		}
		var tl struct {
			Deviations []rcm.Deviation `json:"deviations"`
		}
		w.mustCall(200, tc.tn.tokens["biller"], "GET", "/v1/claims/"+own+"/timeline", nil, &tl)
		if got := key(tl.Deviations); len(got) != 1 || got["DTM IK4 I10"] != own+";" {
			t.Errorf("tenant %s's claim deviations = %v, want its DTM03 only", tc.tn.name, got)
		}
		if st, raw := w.raw(tc.tn.tokens["biller"], "GET", "/v1/claims/"+other+"/timeline", nil); st != 404 {
			t.Errorf("tenant %s reads the other's claim timeline: %d %s", tc.tn.name, st, raw)
		}
	}
	// Routing again (a retried activity) records nothing twice.
	if _, err := router.Route(ctx, activities.InboundFile{Partner: "local", Hash: "test-835-dev"}); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := w.store.Pool.QueryRow(ctx, "SELECT count(*) FROM inbound_deviations").Scan(&n); err != nil || n != 3 {
		t.Errorf("recorded deviations = %d (%v), want 3", n, err)
	}
}
