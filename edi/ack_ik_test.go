package edi

import (
	"strings"
	"testing"
)

// ack999 validates b and returns its acknowledgment's text.
func ack999(t *testing.T, b []byte) string {
	t.Helper()
	rep := validate(t, b)
	if len(rep.Interchanges) == 0 {
		t.Fatal("no interchange")
	}
	ack := Acknowledge(rep.Interchanges[0], AckOptions{Now: fixedNow, Newline: "\n"}).String()
	// Every acknowledgment we write is itself a valid 999.
	if rep2, err := ValidateBytes([]byte(ack), nil); err != nil || !rep2.OK() {
		t.Errorf("generated ack does not validate: %v %v\n%s", err, rep2.Errors, ack)
	}
	return ack
}

// The 999 guide (005010X231A1): IK303 is the loop identifier of the loop
// holding the segment in error, and IK402 the data element reference
// number. Issue 17: IK303 carried the segment ID on max-use errors and
// IK402 was blank for HL01 and HL02.
func TestAckIK3IK4Identifiers(t *testing.T) {
	tests := []struct {
		name  string
		pairs []string
		want  []string
	}{
		{"segment over maximum use", []string{clm837, clm837 + "REF*EA*MRN0001~\nREF*EA*MRN0002~\n"},
			[]string{"IK3*REF*20*2300*5~"}},
		{"loop over maximum repeats", []string{"NM1*PR*2*TEST PAYER*****PI*TP0000001~\n",
			"NM1*PR*2*TEST PAYER*****PI*TP0000001~\nNM1*PR*2*TEST PAYER*****PI*TP0000001~\n"},
			[]string{"IK3*NM1*18*2010*4~"}},
		{"HL01 out of sequence", []string{"HL*2*1*22*0~", "HL*3*1*22*0~"},
			[]string{"IK3*HL*11*2000*8~", "IK4*1*628*I12~"}},
		{"HL02 names no parent", []string{"HL*2*1*22*0~", "HL*2*5*22*0~"},
			[]string{"IK3*HL*11*2000*8~", "IK4*2*734*I12~"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ack := ack999(t, variant(t, "837p-valid.x12", tt.pairs...))
			for _, w := range tt.want {
				if !strings.Contains(ack, w) {
					t.Errorf("ack lacks %q:\n%s", w, ack)
				}
			}
		})
	}
}
