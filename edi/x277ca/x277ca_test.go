package x277ca_test

import (
	"bytes"
	"reflect"
	"testing"
	"time"

	"github.com/claimflow/claimflow/edi"
	"github.com/claimflow/claimflow/edi/x277ca"
)

func money(m x277ca.Money) *x277ca.Money { return &m }

// sample acknowledges two claims of one batch: one accepted with the
// payer's claim control number, one rejected at a service line.
func sample() *x277ca.Acknowledgment {
	return &x277ca.Acknowledgment{
		Reference: "ACK0001", Date: "20260106", Time: "0800",
		Source: x277ca.Party{EntityType: "2", Name: "TEST CLEARINGHOUSE", IDQual: "46", ID: "CH0000001"},
		Trace:  "RCPT0001", ReceiptDate: "20260105", ProcessDate: "20260106",
		Receivers: []x277ca.Receiver{{
			Party:  x277ca.Party{EntityType: "2", Name: "CLAIMFLOW TEST CLINIC", IDQual: "46", ID: "CF0000001"},
			Trace:  "BATCH0001",
			Status: []x277ca.Status{{Category: "A1", Code: "19", Entity: "PR", Date: "20260106", Action: "WQ", Charge: 30050}},
			Totals: x277ca.Totals{AcceptedCount: "1", RejectedCount: "1", AcceptedAmount: money(15050), RejectedAmount: money(15000)},
			Providers: []x277ca.Provider{{
				Party: x277ca.Party{EntityType: "2", Name: "CLAIMFLOW TEST CLINIC", IDQual: "XX", ID: "1234567893"},
				Trace: "PRV0001",
				Claims: []x277ca.ClaimAck{
					{Patient: x277ca.Party{Name: "DOE", FirstName: "JANE", IDQual: "MI", ID: "ZZ0000001"},
						PatientControlNumber: "PCN0001",
						Status:               []x277ca.Status{{Category: "A2", Code: "20", Date: "20260106", Action: "WQ", Charge: 15050}},
						PayerClaimControl:    "PAYERCLM0001", ClearinghouseTrace: "CHTRACE0001", ServiceFrom: "20260101"},
					{Patient: x277ca.Party{Name: "ROE", FirstName: "BABY", IDQual: "MI", ID: "ZZ0000002"},
						PatientControlNumber: "PCN0002",
						Status:               []x277ca.Status{{Category: "A7", Code: "21", Entity: "QC", Date: "20260106", Action: "U", Charge: 15000, Message: "SEE LINE"}},
						ServiceFrom:          "20260102", ServiceTo: "20260103",
						Lines: []x277ca.LineAck{{ProcedureQual: "HC", Procedure: "99392", Charge: 15000, Units: "1",
							Status:      []x277ca.Status{{Category: "A7", Code: "454", Date: "20260106", Action: "U"}},
							LineControl: "LN0003", ServiceFrom: "20260102", ServiceTo: "20260103"}}},
				},
			}},
		}},
	}
}

var env = x277ca.Envelope{SenderID: "TESTCH", ReceiverID: "CLAIMFLOW", Usage: "T",
	Time: time.Date(2026, 1, 6, 8, 0, 0, 0, time.UTC), Control: edi.Control{Interchange: 21, Group: 21, Set: 1}}

func TestRoundTrip(t *testing.T) {
	want := sample()
	ic, err := x277ca.Build(env, want)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := edi.Write(&buf, ic); err != nil {
		t.Fatal(err)
	}
	rep, err := edi.ValidateBytes(buf.Bytes(), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range rep.Errors {
		t.Errorf("%v", e)
	}
	ics, err := edi.ParseBytes(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	acks, err := x277ca.ReadAll(ics)
	if err != nil || len(acks) != 1 {
		t.Fatalf("ReadAll = %d, %v", len(acks), err)
	}
	want.ControlNumber = "0001"
	if !reflect.DeepEqual(acks[0], want) {
		t.Errorf("Read(Build(x)) differs\n got %+v\nwant %+v", acks[0], want)
	}
}

func TestAcceptReject(t *testing.T) {
	a := sample()
	for _, tc := range []struct {
		pcn      string
		accepted bool
		icn      string
	}{{"PCN0001", true, "PAYERCLM0001"}, {"PCN0002", false, ""}} {
		c := a.Find(tc.pcn)
		if c == nil {
			t.Fatalf("Find(%s) = nil", tc.pcn)
		}
		if got := c.Accepted(); got != tc.accepted {
			t.Errorf("%s Accepted() = %v, want %v", tc.pcn, got, tc.accepted)
		}
		if c.PayerClaimControl != tc.icn {
			t.Errorf("%s REF*1K = %q, want %q", tc.pcn, c.PayerClaimControl, tc.icn)
		}
	}
	if a.Find("NOPE") != nil {
		t.Error("Find(unknown) != nil")
	}
}
