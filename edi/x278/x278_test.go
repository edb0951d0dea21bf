package x278_test

import (
	"bytes"
	"reflect"
	"testing"
	"time"

	"github.com/claimflow/claimflow/edi"
	"github.com/claimflow/claimflow/edi/snip"
	"github.com/claimflow/claimflow/edi/x278"
)

var env = x278.Envelope{SenderID: "CLAIMFLOW", ReceiverID: "TESTPAYER", Usage: "T",
	Time: time.Date(2026, 1, 1, 7, 0, 0, 0, time.UTC), Control: edi.Control{Interchange: 41, Group: 41, Set: 1}}

func request() *x278.Transaction {
	return &x278.Transaction{Reference: "PA0001", Date: "20260101", Time: "0700",
		UMO:        x278.Party{EntityCode: "X3", EntityType: "2", Name: "TEST PAYER", IDQual: "PI", ID: "TP0000001"},
		Requester:  x278.Party{EntityCode: "1P", EntityType: "1", Name: "TESTDOC", FirstName: "ONE", IDQual: "XX", ID: "1234567893", Taxonomy: "207Q00000X"},
		Subscriber: x278.Member{LastName: "TESTPATIENT", FirstName: "ALPHA", MemberID: "ZZ0000001", BirthDate: "19800101", Gender: "F"},
		Event: x278.Event{Trace: "PA0001", Originator: "1000000001", Category: "HS", CertType: "I", ServiceType: "1", Facility: "11",
			EventDates: x278.Dates{From: "20260110", To: "20260410"}, Diagnoses: []string{"M5450", "M5416"},
			Services: []x278.Service{{Trace: "PA0001-1", Originator: "1000000001", Dates: x278.Dates{From: "20260110", To: "20260410"},
				Procedure: "72148", Charge: "900", Unit: "UN", Quantity: "1", Units: &x278.Quantity{Qual: "VS", Value: "1"}}}}}
}

func write(t *testing.T, ic *edi.Interchange, err error) []byte {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := edi.Write(&buf, ic); err != nil {
		t.Fatal(err)
	}
	rep, err := snip.ValidateBytes(buf.Bytes(), snip.Options{Level: snip.Strict})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range rep.Errors {
		t.Errorf("validate at SNIP %d: %v", snip.Strict, e)
	}
	return buf.Bytes()
}

func readOne(t *testing.T, x []byte) *x278.Transaction {
	t.Helper()
	ics, err := edi.ParseBytes(x)
	if err != nil {
		t.Fatal(err)
	}
	txs, err := x278.ReadAll(ics)
	if err != nil || len(txs) != 1 {
		t.Fatalf("ReadAll = %d, %v", len(txs), err)
	}
	return txs[0]
}

func TestRequestRoundTrip(t *testing.T) {
	dep := request()
	dep.Dependent = &x278.Member{LastName: "TESTPATIENT", FirstName: "BETA", BirthDate: "20100101", Gender: "M", Relationship: "19"}
	for name, tx := range map[string]*x278.Transaction{"subscriber": request(), "dependent": dep} {
		t.Run(name, func(t *testing.T) {
			ic, err := x278.BuildRequest(env, tx)
			x := write(t, ic, err)
			got := readOne(t, x)
			want := *tx
			want.Purpose, want.ControlNumber = x278.PurposeRequest, "0001"
			if !reflect.DeepEqual(got, &want) {
				t.Errorf("Read(Build(x)) differs\n got %+v\nwant %+v\n%s", got, &want, x)
			}
		})
	}
}

func TestResponseOutcomes(t *testing.T) {
	for _, tc := range []struct {
		name string
		dec  x278.Decision
		want x278.Outcome
	}{
		{"certified", x278.Decision{Action: x278.Certified, Number: "AUTH000123"},
			x278.Outcome{Action: "A1", Number: "AUTH000123", From: "20260110", To: "20260410", Units: "6"}},
		{"not certified", x278.Decision{Action: x278.NotCertified, Reason: "35"},
			x278.Outcome{Action: "A3", Reason: "35", From: "20260110", To: "20260410", Units: "6"}},
		{"pended", x278.Decision{Action: x278.Pended, Number: "PEND0001"},
			x278.Outcome{Action: "A4", Number: "PEND0001", From: "20260110", To: "20260410", Units: "6"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp := request()
			resp.Event.Decision = &tc.dec
			sv := &resp.Event.Services[0]
			sv.Decision = &tc.dec
			sv.Effective, sv.Expiration, sv.Issued = "20260110", "20260410", "20260101"
			sv.Units = &x278.Quantity{Qual: "VS", Value: "6"}
			ic, err := x278.BuildResponse(env, resp)
			x := write(t, ic, err)
			got := readOne(t, x).Result()
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Result = %+v, want %+v", got, tc.want)
			}
		})
	}
}

// TestRequestMissingMember: a request without the member ID is refused at
// build time, not sent.
func TestRequestMissingMember(t *testing.T) {
	tx := request()
	tx.Subscriber.MemberID = ""
	if _, err := x278.BuildRequest(env, tx); err == nil {
		t.Fatal("BuildRequest without a member ID succeeded")
	}
}

// TestGuideFlagsUnknownAction: the guide's HCR01 code list is enforced.
func TestGuideFlagsUnknownAction(t *testing.T) {
	resp := request()
	resp.Event.Decision = &x278.Decision{Action: "Z9"}
	ic, err := x278.BuildResponse(env, resp)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	_ = edi.Write(&buf, ic)
	rep, err := edi.ValidateBytes(buf.Bytes(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Errors) == 0 {
		t.Fatalf("HCR01 Z9 accepted:\n%s", buf.Bytes())
	}
}
