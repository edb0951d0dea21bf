package activities_test

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/claimflow/claimflow/activities"
	"github.com/claimflow/claimflow/edi"
	"github.com/claimflow/claimflow/edi/x277ca"
	"github.com/claimflow/claimflow/edi/x835"
	"github.com/claimflow/claimflow/store"
)

// recordingTemporal stands in for the Temporal client (the workflows that
// receive these signals run on a real dev server in the end-to-end test):
// it records signals and workflow starts, refusing a second start of an ID.
type recordingTemporal struct {
	mu      sync.Mutex
	signals []recordedSignal
	started map[string]any
}

type recordedSignal struct {
	WorkflowID, Name string
	Arg              any
}

func (r *recordingTemporal) SignalWorkflow(_ context.Context, id, _, name string, arg any) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.signals = append(r.signals, recordedSignal{id, name, arg})
	return nil
}

func (r *recordingTemporal) ExecuteWorkflow(_ context.Context, o client.StartWorkflowOptions, _ any, args ...any) (client.WorkflowRun, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.started == nil {
		r.started = map[string]any{}
	}
	if _, dup := r.started[o.ID]; dup {
		return nil, serviceerror.NewWorkflowExecutionAlreadyStarted("started", "", "")
	}
	r.started[o.ID] = args[0]
	return nil, nil
}

func writeX12(t *testing.T, ic *edi.Interchange) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := edi.Write(&buf, ic); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestRoutingAndPosting sends a batch, then routes the clearinghouse's
// 999, 277CA and 835 back: each claim gets its acknowledgments, the 835
// starts one posting workflow (a re-delivery starts none), and posting puts
// every payment in Postgres once.
func TestRoutingAndPosting(t *testing.T) {
	w := newWorld(t, 2, true, "1 TEST ST, TESTVILLE, NY 99999")
	ctx := context.Background()
	for _, c := range w.claims {
		for i, st := range []string{"scrubbing", "ready"} { // as the claim workflow records them
			if err := w.s.RecordClaimProgress(ctx, store.ClaimProgress{ClaimID: c.ID, Attempt: 1, Seq: i + 1, Status: st, At: time.Now()}); err != nil {
				t.Fatal(err)
			}
		}
	}
	files := &recordingSender{}
	batch := &activities.BatchService{Records: w.s, Files: files, Receivers: map[string]activities.Receiver{"sim": {ID: "ZZCLEARING", Name: "TEST CLEARINGHOUSE"}}}
	batches, err := batch.SubmitBatch(ctx, activities.BatchRequest{ClearinghouseID: "sim", RunID: "r1"})
	if err != nil || len(batches) != 1 {
		t.Fatalf("batch: %v %v", batches, err)
	}
	sent := files.sent[0]
	pcn0, pcn1 := w.claims[0].PatientControlNumber, w.claims[1].PatientControlNumber

	// The clearinghouse's 999, from our own validator.
	rep, err := edi.ValidateBytes(sent, nil)
	if err != nil {
		t.Fatal(err)
	}
	ack999 := writeX12(t, edi.Acknowledge(rep.Interchanges[0], edi.AckOptions{SenderID: "ZZCLEARING", ReceiverID: "ZZSUBMIT1", Usage: "T"}))
	ackKey, _ := files.SendFile(ctx, "", ack999)

	// A 277CA accepting the first claim and rejecting the second.
	ca := &x277ca.Acknowledgment{Reference: "1", Date: "20300108", Time: "1200", Trace: "T277",
		Source:      x277ca.Party{EntityType: "2", Name: "TEST PAYER", IDQual: "PI", ID: "ZZPAYER1"},
		ReceiptDate: "20300108", ProcessDate: "20300108",
		Receivers: []x277ca.Receiver{{Party: x277ca.Party{EntityType: "2", Name: "TEST PRACTICE", IDQual: "46", ID: "ZZSUBMIT1"},
			Trace: "1", Status: []x277ca.Status{{Category: "A1", Code: "19", Date: "20300108"}},
			Providers: []x277ca.Provider{{Party: x277ca.Party{EntityType: "2", Name: "TEST PRACTICE", IDQual: "XX", ID: "1245319599"},
				Trace: "1", Claims: []x277ca.ClaimAck{
					{Patient: x277ca.Party{EntityType: "1", Name: "DOE", FirstName: "JANE"}, PatientControlNumber: pcn0,
						Status: []x277ca.Status{{Category: "A2", Code: "20", Date: "20300108", Action: "WQ", Charge: 15000}}, PayerClaimControl: "PCN-ACCEPTED", ServiceFrom: "20300107"},
					{Patient: x277ca.Party{EntityType: "1", Name: "DOE", FirstName: "JOHN"}, PatientControlNumber: pcn1,
						Status: []x277ca.Status{{Category: "A7", Code: "562", Entity: "IL", Date: "20300108", Action: "U", Charge: 15000}}, ServiceFrom: "20300107"},
				}}}}}}
	caIC, err := x277ca.Build(x277ca.Envelope{SenderID: "ZZCLEARING", ReceiverID: "ZZSUBMIT1", Usage: "T"}, ca)
	if err != nil {
		t.Fatal(err)
	}
	caKey, _ := files.SendFile(ctx, "", writeX12(t, caIC))

	// An 835 paying the first claim and one the practice never sent.
	rem := &x835.Remittance{
		Payment: x835.Payment{Handling: "I", Amount: 9000, CreditDebit: "C", Method: "ACH", Format: "CCP", SenderDFIQual: "01", SenderDFI: "999999992",
			SenderAcctQual: "DA", SenderAccount: "0001", OriginatorID: "1000000001", ReceiverDFIQual: "01", ReceiverDFI: "999999992",
			ReceiverAcctQual: "DA", ReceiverAccount: "0002", EffectiveDate: "20300115"},
		Trace:          x835.Trace{Type: "1", Number: "EFT0000001", OriginatorID: "1000000001"},
		ProductionDate: "20300115",
		Payer:          x835.Payer{Name: "TEST PAYER", Address: x835.Address{Line1: "1 PAYER WAY", City: "TESTVILLE", State: "ZZ", Zip: "00001"}, PayerID: "ZZPAYER1", TechnicalContact: "EDI", Phone: "5550100000"},
		Payee:          x835.Payee{Name: "TEST PRACTICE", IDQual: "XX", ID: "1245319599"},
		Claims: []x835.ClaimPayment{
			{PatientControlNumber: pcn0, Status: "1", Charge: 15000, Paid: 9000, PatientResponsibility: 2000, FilingCode: "12", PayerControlNumber: "PCN-ACCEPTED",
				Adjustments: []x835.Adjustment{{Group: "CO", Reason: "45", Amount: 4000}, {Group: "PR", Reason: "2", Amount: 2000}},
				Patient:     x835.Person{EntityType: "1", LastName: "DOE", FirstName: "JANE", IDQual: "MI", ID: "ZZ0000001"}},
			{PatientControlNumber: "NOTOURCLAIM", Status: "4", Charge: 5000, Paid: 0, FilingCode: "12", PayerControlNumber: "PCN-X",
				Adjustments: []x835.Adjustment{{Group: "CO", Reason: "16", Amount: 5000}},
				Patient:     x835.Person{EntityType: "1", LastName: "DOE", FirstName: "JOHN", IDQual: "MI", ID: "ZZ0000009"}},
		},
	}
	remIC, err := x835.Build(x835.Envelope{SenderID: "ZZPAYER1", ReceiverID: "ZZSUBMIT1", Usage: "T"}, rem)
	if err != nil {
		t.Fatal(err)
	}
	remBody := writeX12(t, remIC)
	if r, err := x835.Validate(remBody, nil); err != nil || !r.OK() {
		t.Fatalf("test 835 invalid: %v %v", err, r.Errors)
	}
	remKey, _ := files.SendFile(ctx, "", remBody)

	tc := &recordingTemporal{}
	router := &activities.Router{Files: files, Records: w.s, Temporal: tc, TaskQueue: "claimflow"}
	for _, k := range []string{ackKey, caKey, remKey, remKey} { // the 835 delivered twice
		if _, err := router.Route(ctx, activities.InboundFile{Partner: "sim", Hash: k}); err != nil {
			t.Fatal(err)
		}
	}
	byClaim := map[string][]recordedSignal{}
	for _, s := range tc.signals {
		byClaim[strings.TrimPrefix(s.WorkflowID, "claim/")] = append(byClaim[strings.TrimPrefix(s.WorkflowID, "claim/")], s)
	}
	c0, c1 := byClaim[w.claims[0].ID], byClaim[w.claims[1].ID]
	if len(c0) != 2 || len(c1) != 2 {
		t.Fatalf("signals: claim0 %+v claim1 %+v", c0, c1)
	}
	if a := c0[0].Arg.(activities.AckSignal); c0[0].Name != "claim.ack" || !a.Accepted || a.Source != "999" {
		t.Errorf("claim0 999 = %+v", c0[0])
	}
	if a := c0[1].Arg.(activities.ClaimAckSignal); c0[1].Name != "claim.277ca" || !a.Accepted || a.PayerClaimNumber != "PCN-ACCEPTED" {
		t.Errorf("claim0 277CA = %+v", c0[1])
	}
	if a := c1[1].Arg.(activities.ClaimAckSignal); a.Accepted || a.StatusCodes[0] != "A7:562:IL" {
		t.Errorf("claim1 277CA = %+v", c1[1])
	}
	if len(tc.started) != 1 {
		t.Fatalf("posting workflows started = %v, want one", tc.started)
	}
	req, ok := tc.started["remit/sim/ZZPAYER1/EFT0000001"].(activities.RemittanceRequest)
	if !ok {
		t.Fatalf("started = %v", tc.started)
	}

	poster := &activities.RemitService{Files: files, Records: w.s}
	for i := range 2 { // the activity retried after a crash posts nothing twice
		res, err := poster.Post(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		if !res.Balanced || res.Unmatched != 1 || len(res.Payments) != 1 || res.PaidCents != 9000 {
			t.Fatalf("post %d = %+v", i, res)
		}
		if (i == 0) != (res.NewlyPosted == 1) || (i == 1) != (res.AlreadyPosted == 1) {
			t.Errorf("post %d: newly %d, already %d", i, res.NewlyPosted, res.AlreadyPosted)
		}
		p := res.Payments[0]
		if p.ClaimID != w.claims[0].ID || p.PaidCents != 9000 || p.PatientRespCents != 2000 || len(p.Adjustments) != 2 {
			t.Errorf("payment = %+v", p)
		}
	}
	var paid int64
	if err := w.s.Pool.QueryRow(ctx, "SELECT paid_cents FROM claims WHERE id = $1", w.claims[0].ID).Scan(&paid); err != nil || paid != 9000 {
		t.Errorf("claim paid = %d, want 9000 once", paid)
	}

	// Every activity retried: the batch submitted, the files routed and
	// the 835 posted again record no event twice.
	if _, err := batch.SubmitBatch(ctx, activities.BatchRequest{ClearinghouseID: "sim", RunID: "r1"}); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{ackKey, caKey} {
		if _, err := router.Route(ctx, activities.InboundFile{Partner: "sim", Hash: k}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := poster.Post(ctx, req); err != nil {
		t.Fatal(err)
	}
	for i, want := range []struct {
		kinds    []string
		accepted []bool
		code277  string
	}{
		{[]string{"837", "999", "277CA", "835"}, []bool{true, true}, "A2:20:"},
		{[]string{"837", "999", "277CA"}, []bool{true, false}, "A7:562:IL"},
	} {
		evs, err := w.s.ClaimEvents(ctx, store.System, w.claims[i].ID)
		if err != nil {
			t.Fatal(err)
		}
		var kinds []string
		var accepted []bool
		for _, e := range evs {
			kinds = append(kinds, e.Kind)
			if e.Accepted != nil {
				accepted = append(accepted, *e.Accepted)
			}
			switch e.Kind {
			case "837":
				if e.FileKey != batches[0].FileKey || e.ST02 != batches[0].Claims[i].TransactionControl {
					t.Errorf("claim %d 837 event = %+v", i, e)
				}
			case "999":
				if e.FileKey != ackKey || e.ST02 != batches[0].Claims[i].TransactionControl {
					t.Errorf("claim %d 999 event = %+v", i, e)
				}
			case "277CA":
				if e.FileKey != caKey || len(e.Codes) == 0 || e.Codes[0] != want.code277 {
					t.Errorf("claim %d 277CA event = %+v", i, e)
				}
			case "835":
				if e.FileKey != remKey || e.Seq != 1 || !slices.Equal(e.Codes, []string{"CO-45", "PR-2"}) ||
					e.Summary != "835 trace EFT0000001: CLP02 1, paid 90.00 of 150.00" {
					t.Errorf("claim %d 835 event = %+v", i, e)
				}
			}
		}
		if !slices.Equal(kinds, want.kinds) || !slices.Equal(accepted, want.accepted) {
			t.Errorf("claim %d events %v accepted %v, want %v %v (each once)", i, kinds, accepted, want.kinds, want.accepted)
		}
	}
}
