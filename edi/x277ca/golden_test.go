package x277ca_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/claimflow/claimflow/edi"
	"github.com/claimflow/claimflow/edi/x277ca"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// lineRejections acknowledges a professional claim rejected at two of its
// service lines (one with modifiers) and an institutional claim rejected
// at a revenue-code line, each line in loop 2220D with SVC, STC, REF*FJ
// and DTP*472.
func lineRejections() *x277ca.Acknowledgment {
	return &x277ca.Acknowledgment{
		Reference: "ACK0002", Date: "20260110", Time: "0900",
		Source: x277ca.Party{EntityType: "2", Name: "TEST CLEARINGHOUSE", IDQual: "46", ID: "CH0000001"},
		Trace:  "RCPT0002", ReceiptDate: "20260110", ProcessDate: "20260110",
		Receivers: []x277ca.Receiver{{
			Party:  x277ca.Party{EntityType: "2", Name: "CLAIMFLOW TEST CLINIC", IDQual: "46", ID: "CF0000001"},
			Trace:  "BATCH0002",
			Status: []x277ca.Status{{Category: "A1", Code: "19", Entity: "PR", Date: "20260110", Action: "WQ", Charge: 103000}},
			Totals: x277ca.Totals{AcceptedCount: "0", RejectedCount: "2", AcceptedAmount: money(0), RejectedAmount: money(103000)},
			Providers: []x277ca.Provider{{
				Party: x277ca.Party{EntityType: "2", Name: "CLAIMFLOW TEST CLINIC", IDQual: "XX", ID: "1234567893"},
				Claims: []x277ca.ClaimAck{
					{Patient: x277ca.Party{Name: "TESTPATIENT", FirstName: "ONE", IDQual: "MI", ID: "ZZ0000001"},
						PatientControlNumber: "PCN0101",
						Status:               []x277ca.Status{{Category: "A7", Code: "21", Date: "20260110", Action: "U", Charge: 18000, Message: "SEE SERVICE LINE STATUS"}},
						ServiceFrom:          "20260105",
						Lines: []x277ca.LineAck{
							{ProcedureQual: "HC", Procedure: "00000", Charge: 5000, Units: "1",
								Status:      []x277ca.Status{{Category: "A7", Code: "454", Date: "20260110", Action: "U", Message: "INVALID PROCEDURE CODE"}},
								LineControl: "LN0102", ServiceFrom: "20260105"},
							{ProcedureQual: "HC", Procedure: "97140", Modifiers: []string{"GP", "59"}, Charge: 13000, Units: "6",
								Status:      []x277ca.Status{{Category: "A7", Code: "21", Entity: "82", Date: "20260110", Action: "U"}},
								LineControl: "LN0103", ServiceFrom: "20260105"},
						}},
					{Patient: x277ca.Party{Name: "TESTPATIENT", FirstName: "TWO", IDQual: "MI", ID: "ZZ0000002"},
						PatientControlNumber: "PCNI0103",
						Status:               []x277ca.Status{{Category: "A3", Code: "21", Date: "20260110", Action: "U", Charge: 85000}},
						BillType:             "131", ServiceFrom: "20260101", ServiceTo: "20260104",
						Lines: []x277ca.LineAck{{ProcedureQual: "NU", Procedure: "0001", Charge: 85000, Units: "1",
							Status:      []x277ca.Status{{Category: "A3", Code: "455", Date: "20260110", Action: "U"}},
							LineControl: "LNI0104", ServiceFrom: "20260101", ServiceTo: "20260104"}}},
				},
			}},
		}},
	}
}

func TestGoldenLineRejections(t *testing.T) {
	want := lineRejections()
	ic, err := x277ca.Build(env, want)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := edi.Write(&buf, ic); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join("testdata", "line-rejections.x12")
	if *update {
		if err := os.WriteFile(file, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	golden, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), golden) {
		t.Errorf("Build differs from %s (run go test -update and review the diff)\n%s", file, buf.Bytes())
	}
	rep, err := edi.ValidateBytes(golden, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range rep.Errors {
		t.Errorf("golden 277CA does not validate: %v", e)
	}
	ics, err := edi.ParseBytes(golden)
	if err != nil {
		t.Fatal(err)
	}
	acks, err := x277ca.ReadAll(ics)
	if err != nil || len(acks) != 1 {
		t.Fatalf("ReadAll = %d, %v", len(acks), err)
	}
	want.ControlNumber = "0001"
	if !reflect.DeepEqual(acks[0], want) {
		t.Errorf("Read(golden) differs\n got %+v\nwant %+v", acks[0], want)
	}
	for _, pcn := range []string{"PCN0101", "PCNI0103"} {
		if c := acks[0].Find(pcn); c == nil || c.Accepted() {
			t.Errorf("%s: want a rejected claim", pcn)
		}
	}
}
