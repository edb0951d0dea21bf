package payer_test

import (
	"bytes"
	"context"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/claimflow/claimflow/clearinghouse/sim"
	"github.com/claimflow/claimflow/clearinghouse/sim/payer"
	"github.com/claimflow/claimflow/edi"
	"github.com/claimflow/claimflow/edi/snip"
	"github.com/claimflow/claimflow/edi/x277ca"
	"github.com/claimflow/claimflow/edi/x835"
	"github.com/claimflow/claimflow/edi/x837p"
)

// t0 is the simulator's clock at receipt.
var t0 = time.Date(2026, 1, 10, 9, 0, 0, 0, time.UTC)

func config(t *testing.T) *payer.Config {
	t.Helper()
	c, err := payer.LoadConfig("rules.sample.json")
	if err != nil {
		t.Fatal(err)
	}
	return c
}

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func newAdjudicator(t *testing.T, stateFile string, c *clock) *payer.Adjudicator {
	t.Helper()
	a, err := payer.New(config(t), payer.Options{Ack: &sim.AckResponder{ID: "SIMCH"}, StateFile: stateFile, Now: c.now})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func line(proc string, charge x837p.Money, date string, ptrs ...int) x837p.ServiceLine {
	if len(ptrs) == 0 {
		ptrs = []int{1}
	}
	return x837p.ServiceLine{Procedure: proc, Charge: charge, Unit: "UN", Quantity: "1", DiagPointers: ptrs, ServiceDate: date}
}

var rendering = &x837p.Provider{EntityType: "1", LastName: "DOCTOR", FirstName: "TEST", NPI: "1234567893"}

func subscriber(last, first, id string, claims ...x837p.Claim) x837p.Subscriber {
	return x837p.Subscriber{Responsibility: "P", Relationship: "18", GroupNumber: "GRP0001", FilingCode: "CI",
		LastName: last, FirstName: first, MemberID: id, BirthDate: "19800101", Gender: "U",
		Address: &x837p.Address{Line1: "1 TEST LANE", City: "ANYTOWN", State: "NY", Zip: "100010000"},
		Payer:   x837p.Payer{Name: "TEST PAYER", ID: "TP0000001"}, Claims: claims}
}

func claim(pcn string, lines ...x837p.ServiceLine) x837p.Claim {
	return x837p.Claim{PatientControlNumber: pcn, FacilityCode: "11", Diagnoses: []string{"J069", "R69"},
		Rendering: rendering, PriorAuthorization: "AUTH0001", Lines: lines}
}

// batch is one 837P with a claim for every outcome the rules give.
func batch() *x837p.Transaction {
	noAuth := claim("PCN0003", line("70553", 120000, "20260105"), line("99213", 9000, "20260105"))
	noAuth.PriorAuthorization, noAuth.Rendering = "", nil
	noDOB := subscriber("MOE", "SAM", "ZZ0000006", claim("PCN0010", line("99213", 9000, "20260105")))
	noDOB.BirthDate, noDOB.Gender = "", ""
	dependent := subscriber("ROE", "RICHARD", "ZZ0000002")
	dependent.Relationship = ""
	dependent.Patients = []x837p.Patient{{Relationship: "19", LastName: "ROE", FirstName: "BABY", BirthDate: "20200101", Gender: "U",
		Address: x837p.Address{Line1: "2 TEST LANE", City: "ANYTOWN", State: "NY", Zip: "100010000"},
		Claims:  []x837p.Claim{claim("PCN0005", line("99392", 15000, "20260106"))}}}
	return &x837p.Transaction{
		Header:    x837p.Header{Reference: "BATCH0001", Date: "20260110", Time: "0800"},
		Submitter: x837p.Submitter{Name: "CLAIMFLOW TEST CLINIC", ID: "CF0000001", ContactName: "BILLING OFFICE", Phone: "5555550100"},
		Receiver:  x837p.Receiver{Name: "TEST CLEARINGHOUSE", ID: "SIMCH"},
		Billing: []x837p.BillingProvider{{
			Taxonomy: "207Q00000X", Name: "CLAIMFLOW TEST CLINIC", NPI: "1234567893", TaxID: "990000001",
			Address: x837p.Address{Line1: "100 MAIN STREET", City: "ANYTOWN", State: "NY", Zip: "100010000"},
			Subscriber: []x837p.Subscriber{
				subscriber("DOE", "JANE", "ZZ0000001",
					claim("PCN0001", line("99213", 15000, "20260105"), line("87880", 3000, "20260105")),
					claim("PCN0002", line("97140", 8000, "20260105"), line("36415", 2500, "20260105"), line("99213", 10000, "20260105", 2)),
					noAuth,
					claim("PCN0004", line("99213", 10000, "20240101"))),
				dependent,
				subscriber("DOE", "JOHN", "ZZ0000003", claim("PCN0006", line("99213", 9000, "20260107"))),
				subscriber("POE", "ANNA", "ZZ0000004", claim("PCN0007", line("99213", 10000, "20260107"))),
				subscriber("NOBODY", "KNOWN", "ZZ0000009", claim("PCN0008", line("99213", 10000, "20260107"))),
				subscriber("DOE", "INVALID", "ZZ0000005", claim("PCN0009", line("99213", 10000, "20260107"))),
				noDOB,
			},
		}},
	}
}

func build837(t *testing.T, ctl int, txs ...*x837p.Transaction) []byte {
	t.Helper()
	b, err := make837(ctl, txs...)
	return valid(t, b, err)
}

// valid fails the test unless b was built and validates.
func valid(t *testing.T, b []byte, err error) []byte {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	rep, err := edi.ValidateBytes(b, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range rep.Errors {
		t.Fatalf("test input does not validate: %v", e)
	}
	return b
}

func make837(ctl int, txs ...*x837p.Transaction) ([]byte, error) {
	// Level 3: the batch holds claims claimflow would never send (a
	// subscriber-patient without DMG) to drive the payer's rejections.
	ic, err := x837p.Build(x837p.Envelope{SenderID: "CLAIMFLOW", ReceiverID: "SIMCH", Usage: "T", Time: t0,
		Control: edi.Control{Interchange: ctl, Group: ctl, Set: 1}, Level: snip.Level3}, txs...)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	err = edi.Write(&buf, ic)
	return buf.Bytes(), err
}

// files splits answers by kind: the part of the name after the upload's
// base name.
func kinds(files []sim.OutboundFile) map[string][]byte {
	out := map[string][]byte{}
	for _, f := range files {
		switch {
		case strings.Contains(f.Name, ".277ca."):
			out["277ca"] = f.Body
		case strings.Contains(f.Name, ".ta1."):
			out["ta1"] = f.Body
		case strings.Contains(f.Name, ".999."):
			out["999"] = f.Body
		default:
			out[f.Name] = f.Body
		}
	}
	return out
}

func read277CA(t *testing.T, b []byte) *x277ca.Acknowledgment {
	t.Helper()
	rep, err := edi.ValidateBytes(b, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range rep.Errors {
		t.Errorf("277CA does not validate: %v", e)
	}
	ics, err := edi.ParseBytes(b)
	if err != nil {
		t.Fatal(err)
	}
	acks, err := x277ca.ReadAll(ics)
	if err != nil || len(acks) != 1 {
		t.Fatalf("277CA sets = %d, %v; want 1", len(acks), err)
	}
	return acks[0]
}

// read835 checks that b validates and balances and returns its
// remittances.
func read835(t *testing.T, b []byte) []*x835.Remittance {
	t.Helper()
	rep, err := x835.Validate(b, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range rep.Errors {
		t.Errorf("835 does not validate or balance: %v", e)
	}
	ics, err := edi.ParseBytes(b)
	if err != nil {
		t.Fatal(err)
	}
	rs, err := x835.ReadAll(ics)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rs {
		if im := r.Balance(); im != nil {
			t.Errorf("835 %s: %v", r.Trace.Number, im)
		}
	}
	return rs
}

type adj = x835.Adjustment

func TestAdjudicatesBatch(t *testing.T) {
	c := &clock{t0}
	a := newAdjudicator(t, filepath.Join(t.TempDir(), "state.json"), c)
	out := a.OnUpload(context.Background(), "u1", "batch1.x12", build837(t, 1, batch()))
	k := kinds(out)
	if len(out) != 2 || k["999"] == nil || k["277ca"] == nil {
		t.Fatalf("answers %v, want a 999 and a 277CA", names(out))
	}
	if !bytes.Contains(k["999"], []byte("IK5*A")) || !bytes.Contains(k["999"], []byte("AK9*A*1*1*1")) {
		t.Errorf("999 does not accept the set:\n%s", k["999"])
	}

	ack := read277CA(t, k["277ca"])
	if ack.Receivers[0].Trace != "BATCH0001" {
		t.Errorf("2200B TRN02 = %q, want the 837's BHT03", ack.Receivers[0].Trace)
	}
	type status struct{ cat, code, entity, icn string }
	want277 := map[string]status{
		"PCN0001": {"A2", "20", "", "TPCLM0000000001"},
		"PCN0002": {"A2", "20", "", "TPCLM0000000002"},
		"PCN0003": {"A2", "20", "", "TPCLM0000000003"},
		"PCN0004": {"A2", "20", "", "TPCLM0000000004"},
		"PCN0005": {"A2", "20", "", "TPCLM0000000005"},
		"PCN0006": {"A2", "20", "", "TPCLM0000000006"},
		"PCN0007": {"A2", "20", "", "TPCLM0000000007"},
		"PCN0008": {"A3", "33", "IL", ""},  // not on the roster
		"PCN0009": {"A3", "33", "IL", ""},  // roster status invalid
		"PCN0010": {"A7", "158", "IL", ""}, // subscriber birth date required
	}
	if got := len(ack.Claims()); got != len(want277) {
		t.Errorf("277CA claims = %d, want %d", got, len(want277))
	}
	for pcn, w := range want277 {
		ca := ack.Find(pcn)
		if ca == nil {
			t.Errorf("277CA has no %s", pcn)
			continue
		}
		st := ca.Status[0]
		got := status{st.Category, st.Code, st.Entity, ca.PayerClaimControl}
		if got != w {
			t.Errorf("277CA %s = %+v, want %+v", pcn, got, w)
		}
		if ca.Accepted() != (w.icn != "") {
			t.Errorf("277CA %s Accepted() = %v", pcn, ca.Accepted())
		}
	}
	if tt := ack.Receivers[0].Totals; tt.AcceptedCount != "7" || tt.RejectedCount != "3" {
		t.Errorf("277CA totals accepted %s rejected %s, want 7 and 3", tt.AcceptedCount, tt.RejectedCount)
	}

	// Nothing before the delay.
	c.t = t0.Add(time.Second)
	if f := a.Due(c.t); len(f) != 0 {
		t.Fatalf("Due before the delay = %v", f)
	}
	files := a.Due(t0.Add(2 * time.Second))
	if len(files) != 1 || files[0].User != "u1" {
		t.Fatalf("Due after the delay = %d files, want one 835 for u1", len(files))
	}
	rs := read835(t, files[0].File.Body)
	if len(rs) != 1 {
		t.Fatalf("835 sets = %d, want 1", len(rs))
	}
	r := rs[0]
	if r.Payment.Amount != 18350 || r.Payment.Method != "ACH" || r.Trace.Number != "TPEFT000000001" || len(r.Adjustments) != 0 {
		t.Errorf("BPR02 %v %s TRN02 %s PLB %v, want 183.50 ACH TPEFT000000001 and no PLB",
			r.Payment.Amount, r.Payment.Method, r.Trace.Number, r.Adjustments)
	}
	if r.Payee.ID != "1234567893" || r.Payer.Name != "TEST PAYER" || r.Payer.PayerID != "TP0000001" {
		t.Errorf("payer %+v payee %+v", r.Payer, r.Payee)
	}

	type lineWant struct {
		paid    x835.Money
		adj     []adj
		remarks []string
	}
	type claimWant struct {
		status    string
		paid, pr  x835.Money
		claimAdj  []adj
		claimRmks []string
		lines     []lineWant
	}
	want := map[string]claimWant{
		// 99213 150.00 allowed 90.00: CO-45 60, PR-1 50 (the deductible left), PR-2 20% of 40 = 8, paid 32.
		// 87880 30.00 allowed 20.00: CO-45 10, PR-2 4, paid 16.
		"PCN0001": {"1", 4800, 6200, nil, nil, []lineWant{
			{3200, []adj{{Group: "CO", Reason: "45", Amount: 6000}, {Group: "PR", Reason: "1", Amount: 5000}, {Group: "PR", Reason: "2", Amount: 800}}, nil},
			{1600, []adj{{Group: "CO", Reason: "45", Amount: 1000}, {Group: "PR", Reason: "2", Amount: 400}}, nil},
		}},
		"PCN0002": {"4", 0, 0, nil, nil, []lineWant{
			{0, []adj{{Group: "CO", Reason: "50", Amount: 8000}}, []string{"N115"}},
			{0, []adj{{Group: "CO", Reason: "97", Amount: 2500}}, []string{"N20"}},
			{0, []adj{{Group: "CO", Reason: "16", Amount: 10000}}, []string{"M76"}},
		}},
		"PCN0003": {"4", 0, 0, nil, nil, []lineWant{
			{0, []adj{{Group: "CO", Reason: "197", Amount: 120000}}, []string{"N54"}},
			{0, []adj{{Group: "CO", Reason: "16", Amount: 9000}}, []string{"N290"}},
		}},
		"PCN0004": {"4", 0, 0, []adj{{Group: "CO", Reason: "29", Amount: 10000}}, nil, nil},
		// 99392 150.00 allowed 120.00: CO-45 30, PR-3 co-pay 25, paid 95.
		"PCN0005": {"1", 9500, 2500, nil, nil, []lineWant{
			{9500, []adj{{Group: "CO", Reason: "45", Amount: 3000}, {Group: "PR", Reason: "3", Amount: 2500}}, nil},
		}},
		// 99213 90.00 allowed 90.00: PR-2 10% = 9, half of 81 paid (40.50), PR-119 40.50.
		"PCN0006": {"1", 4050, 4950, nil, nil, []lineWant{
			{4050, []adj{{Group: "PR", Reason: "2", Amount: 900}, {Group: "PR", Reason: "119", Amount: 4050}}, nil},
		}},
		"PCN0007": {"4", 0, 0, []adj{{Group: "CO", Reason: "27", Amount: 10000}}, []string{"N30"}, nil},
	}
	if len(r.Claims) != len(want) {
		t.Errorf("835 claims = %d, want %d", len(r.Claims), len(want))
	}
	for _, cp := range r.Claims {
		w, ok := want[cp.PatientControlNumber]
		if !ok {
			t.Errorf("835 pays %s, which was rejected", cp.PatientControlNumber)
			continue
		}
		if cp.Status != w.status || cp.Paid != w.paid || cp.PatientResponsibility != w.pr {
			t.Errorf("%s: CLP02 %s CLP04 %v CLP05 %v, want %s %v %v", cp.PatientControlNumber, cp.Status, cp.Paid,
				cp.PatientResponsibility, w.status, w.paid, w.pr)
		}
		if !reflect.DeepEqual(cp.Adjustments, w.claimAdj) || !reflect.DeepEqual(cp.Remarks, w.claimRmks) {
			t.Errorf("%s: claim CAS %+v MOA %v, want %+v %v", cp.PatientControlNumber, cp.Adjustments, cp.Remarks, w.claimAdj, w.claimRmks)
		}
		if cp.PayerControlNumber != want277[cp.PatientControlNumber].icn {
			t.Errorf("%s: CLP07 %s, want the 277CA's REF*1K %s", cp.PatientControlNumber, cp.PayerControlNumber, want277[cp.PatientControlNumber].icn)
		}
		if len(cp.Lines) != len(w.lines) {
			t.Errorf("%s: %d lines, want %d", cp.PatientControlNumber, len(cp.Lines), len(w.lines))
			continue
		}
		for i, l := range cp.Lines {
			wl := w.lines[i]
			if l.Paid != wl.paid || !reflect.DeepEqual(l.Adjustments, wl.adj) || !reflect.DeepEqual(l.Remarks, wl.remarks) {
				t.Errorf("%s line %d: SVC03 %v CAS %+v LQ %v, want %v %+v %v", cp.PatientControlNumber, i+1, l.Paid, l.Adjustments, l.Remarks,
					wl.paid, wl.adj, wl.remarks)
			}
		}
	}
	a.Sent(files)
	if f := a.Due(t0.Add(time.Hour)); len(f) != 0 {
		t.Errorf("Due after Sent = %d files, want none", len(f))
	}
	rec, ok := a.Claim("u1", "TP0000001", "PCN0001")
	if !ok || rec.State != payer.Paid || rec.Trace != "TPEFT000000001" {
		t.Errorf("record of PCN0001 = %+v", rec)
	}
	if rec, _ := a.Claim("u1", "TP0000001", "PCN0002"); rec.State != payer.Denied {
		t.Errorf("PCN0002 state %s, want denied", rec.State)
	}
	if rec, _ := a.Claim("u1", "TP0000001", "PCN0008"); rec.State != payer.Rejected {
		t.Errorf("PCN0008 state %s, want rejected", rec.State)
	}
}

func names(fs []sim.OutboundFile) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Name)
	}
	return out
}

func TestSampleConfig(t *testing.T) {
	if got, want := payer.SampleConfig(), config(t); !reflect.DeepEqual(got, want) {
		t.Errorf("SampleConfig differs from rules.sample.json")
	}
}
