package ackread_test

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/claimflow/claimflow/edi"
	"github.com/claimflow/claimflow/edi/ackread"
)

// claim837 is a minimal de-identified 837P interchange (ISA13 000000042,
// GS06 42, two sets 0001 and 0002).
const claim837 = `ISA*00*          *00*          *ZZ*CLAIMFLOW      *ZZ*TESTPAYER      *260101*1200*^*00501*000000042*1*T*:~
GS*HC*CLAIMFLOW*TESTPAYER*20260101*1200*42*X*005010X222A1~
ST*837*0001*005010X222A1~
BHT*0019*00*BATCH0001*20260101*1200*CH~
NM1*41*2*CLAIMFLOW TEST CLINIC*****46*CF0000001~
PER*IC*BILLING OFFICE*TE*5555550100~
NM1*40*2*TEST PAYER*****46*TP0000001~
HL*1**20*1~
NM1*85*2*CLAIMFLOW TEST CLINIC*****XX*1234567893~
N3*100 MAIN STREET~
N4*ANYTOWN*NY*100010000~
REF*EI*990000001~
HL*2*1*22*0~
SBR*P*18*GRP0001******CI~
NM1*IL*1*DOE*JANE****MI*ZZ0000001~
NM1*PR*2*TEST PAYER*****PI*TP0000001~
CLM*PCN0001*100***11:B:1*Y*A*Y*Y~
HI*ABK:J069~
LX*1~
SV1*HC:99213*100*UN*1***1~
DTP*472*D8*20260101~
SE*20*0001~
ST*837*0002*005010X222A1~
BHT*0019*00*BATCH0001*20260101*1200*CH~
NM1*41*2*CLAIMFLOW TEST CLINIC*****46*CF0000001~
PER*IC*BILLING OFFICE*TE*5555550100~
NM1*40*2*TEST PAYER*****46*TP0000001~
HL*1**20*1~
NM1*85*2*CLAIMFLOW TEST CLINIC*****XX*1234567893~
N3*100 MAIN STREET~
N4*ANYTOWN*NY*100010000~
REF*EI*990000001~
HL*2*1*22*0~
SBR*P*18*GRP0001******CI~
NM1*IL*1*DOE*JANE****MI*ZZ0000001~
NM1*PR*2*TEST PAYER*****PI*TP0000001~
CLM*PCN0002*100***11:B:1*Y*A*Y*Y~
HI*ABK:J069~
LX*1~
SV1*HC:99213*100*UN*1***1~
DTP*472*D8*20260101~
SE*20*0002~
GE*2*42~
IEA*1*000000042~
`

func ack(t *testing.T, x string) ([]byte, *edi.Report) {
	t.Helper()
	rep, err := edi.ValidateBytes([]byte(x), nil)
	if err != nil {
		t.Fatal(err)
	}
	out := edi.Acknowledge(rep.Interchanges[0], edi.AckOptions{Now: time.Date(2026, 1, 2, 9, 0, 0, 0, time.UTC)})
	var buf bytes.Buffer
	if err := edi.Write(&buf, out); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), rep
}

func TestReadBack(t *testing.T) {
	for _, tc := range []struct {
		name      string
		edit      func(string) string
		ta1       string // TA104 TA105
		group     string // AK901
		sets      []string
		segErrors []ackread.SegmentError // of the first rejected set
	}{
		{"accepted", func(s string) string { return s }, "A 000", "A", []string{"A", "A"}, nil},
		{"one set rejected: bad SBR01 code",
			func(s string) string {
				return strings.Replace(s, "SBR*P*18*GRP0001******CI~\nNM1*IL*1*DOE*JANE****MI*ZZ0000001~\nNM1*PR*2*TEST PAYER*****PI*TP0000001~\nCLM*PCN0002", "SBR*Q*18*GRP0001******CI~\nNM1*IL*1*DOE*JANE****MI*ZZ0000001~\nNM1*PR*2*TEST PAYER*****PI*TP0000001~\nCLM*PCN0002", 1)
			},
			"A 000", "P", []string{"A", "R"},
			[]ackread.SegmentError{{SegID: "SBR", Pos: 12, Loop: "2000", Code: "8", Elements: []ackread.ElementError{{Elem: 1, Ref: "1138", Code: "7"}}}}},
		{"missing segment", func(s string) string { return strings.Replace(s, "HI*ABK:J069~\n", "", 1) },
			"A 000", "P", []string{"R", "A"},
			[]ackread.SegmentError{{SegID: "HI", Pos: 16, Loop: "2300", Code: "3", Claim: "PCN0001"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			x, rep := ack(t, tc.edit(claim837))
			a, err := ackread.ReadBytes(x)
			if err != nil {
				t.Fatal(err)
			}
			ta1, ok := a.Interchange("000000042")
			if !ok {
				t.Fatal("no TA1 for ISA13 000000042")
			}
			if got := ta1.Code + " " + ta1.Note; got != tc.ta1 {
				t.Errorf("TA1 = %s, want %s", got, tc.ta1)
			}
			g, ok := a.Group("HC", "42")
			if !ok {
				t.Fatal("no 999 for GS06 42")
			}
			if g.Code != tc.group || g.Code != rep.Interchanges[0].Groups[0].Ack() {
				t.Errorf("AK901 = %s, want %s", g.Code, tc.group)
			}
			var sets []string
			var first *ackread.SetAck
			for i := range g.Sets {
				sets = append(sets, g.Sets[i].Code)
				if !g.Sets[i].Accepted() && first == nil {
					first = &g.Sets[i]
				}
			}
			if !reflect.DeepEqual(sets, tc.sets) {
				t.Errorf("IK501 = %v, want %v", sets, tc.sets)
			}
			if first != nil && !reflect.DeepEqual(first.Segments, tc.segErrors) {
				t.Errorf("segment errors = %+v, want %+v", first.Segments, tc.segErrors)
			}
			if s, ok := g.Set("0002"); !ok || s.ID != "837" || s.Guide != "005010X222A1" {
				t.Errorf("Set(0002) = %+v, %v", s, ok)
			}
			_, groups, rsets := a.Rejected()
			if (tc.group == "R") != (len(groups) == 1) {
				t.Errorf("Rejected groups = %v", groups)
			}
			nrej := 0
			for _, c := range tc.sets {
				if c == "R" {
					nrej++
				}
			}
			if len(rsets) != nrej {
				t.Errorf("Rejected sets = %v, want %d", rsets, nrej)
			}
		})
	}
}

func TestTA1Rejected(t *testing.T) {
	x := "ISA*00*          *00*          *ZZ*TESTPAYER      *ZZ*CLAIMFLOW      *260102*0900*^*00501*000000007*0*T*:~\n" +
		"TA1*000000042*260101*1200*R*022~\nIEA*0*000000007~\n"
	a, err := ackread.ReadBytes([]byte(x))
	if err != nil {
		t.Fatal(err)
	}
	want := []ackread.TA1{{AckControl: "000000007", Control: "000000042", Date: "260101", Time: "1200", Code: "R", Note: "022"}}
	if !reflect.DeepEqual(a.TA1, want) {
		t.Errorf("TA1 = %+v, want %+v", a.TA1, want)
	}
	ics, _, _ := a.Rejected()
	if !reflect.DeepEqual(ics, []string{"000000042"}) {
		t.Errorf("Rejected interchanges = %v", ics)
	}
}
