package edi

import (
	"strings"
	"testing"
)

// Faults pyx12 catches that we accepted (issue 17), each with the code the
// acknowledgment reports.

const gs837 = "GS*HC*CLAIMFLOW*TESTPAYER*20260101*1200*1*X*005010X222A1~"

// GS04 and GS05 are a date and a time: an invalid one rejects the group.
// The 999 has no group code for them; AK905 1 as pyx12 reports it, with
// the element named in the error.
func TestGSDateTime(t *testing.T) {
	tests := []struct {
		name, gs string
		elem     int
	}{
		{"GS04 month 13", "GS*HC*CLAIMFLOW*TESTPAYER*20261332*1200*1*X*005010X222A1~", 4},
		{"GS04 29 February of a common year", "GS*HC*CLAIMFLOW*TESTPAYER*20250229*1200*1*X*005010X222A1~", 4},
		{"GS04 29 February 2100", "GS*HC*CLAIMFLOW*TESTPAYER*21000229*1200*1*X*005010X222A1~", 4},
		{"GS04 six digits", "GS*HC*CLAIMFLOW*TESTPAYER*260101*1200*1*X*005010X222A1~", 4},
		{"GS05 97 seconds", "GS*HC*CLAIMFLOW*TESTPAYER*20260101*071897*1*X*005010X222A1~", 5},
		{"GS05 hour 24", "GS*HC*CLAIMFLOW*TESTPAYER*20260101*2400*1*X*005010X222A1~", 5},
		{"GS02 missing", "GS*HC**TESTPAYER*20260101*1200*1*X*005010X222A1~", 2},
		{"GS07 not X", "GS*HC*CLAIMFLOW*TESTPAYER*20260101*1200*1*T*005010X222A1~", 7},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := variant(t, "837p-valid.x12", gs837, tt.gs)
			rep := validate(t, b)
			var got []string
			for _, e := range rep.Errors {
				got = append(got, e.Kind.String()+" "+e.Code+" "+e.SegID+itoa(e.Elem))
			}
			if want := "AK9 1 GS" + itoa(tt.elem); strings.Join(got, ",") != want {
				t.Errorf("errors = %v, want [%s]", got, want)
			}
			// The group is rejected; its set was accepted (as for the
			// other group errors, AK904 counts it).
			if ack := ack999(t, b); !strings.Contains(ack, "AK9*R*1*1*1*1~") {
				t.Errorf("ack:\n%s", ack)
			}
		})
	}
	t.Run("valid dates and times", func(t *testing.T) {
		for _, gs := range []string{
			"GS*HC*CLAIMFLOW*TESTPAYER*20240229*1200*1*X*005010X222A1~",
			"GS*HC*CLAIMFLOW*TESTPAYER*20000229*235959*1*X*005010X222A1~",
			"GS*HC*CLAIMFLOW*TESTPAYER*20261231*00000099*1*X*005010X222A1~",
		} {
			wantClean(t, variant(t, "837p-valid.x12", gs837, gs))
		}
	})
}

// Date and time elements everywhere: DTP periods in each format the
// qualifier names, and DT and TM elements.
func TestDatesAndTimesInSets(t *testing.T) {
	tests := []struct {
		name, sample, old, new string
		want                   []string
	}{
		{"D8 of a common year's 29 February", "837p-valid.x12", "DTP*472*D8*20260101~\nLX*2", "DTP*472*D8*21000229~\nLX*2",
			[]string{"IK4 8 DTP 2400 3"}},
		{"D8 of a leap year's 29 February", "837p-valid.x12", "DTP*472*D8*20260101~\nLX*2", "DTP*472*D8*20000229~\nLX*2", nil},
		{"DT with minute 60", "sets/837i-valid.x12", "DTP*435*DT*202601010830~", "DTP*435*DT*202601010860~",
			[]string{"IK4 8 DTP 2300 3"}},
		{"DT too short", "sets/837i-valid.x12", "DTP*435*DT*202601010830~", "DTP*435*DT*2026010108~",
			[]string{"IK4 8 DTP 2300 3"}},
		{"TM hour 25", "sets/837i-valid.x12", "DTP*096*TM*1400~", "DTP*096*TM*2500~",
			[]string{"IK4 8 DTP 2300 3"}},
		{"RD8 end in month 13", "sets/837i-valid.x12", "DTP*434*RD8*20260101-20260104~", "DTP*434*RD8*20260101-20261304~",
			[]string{"IK4 8 DTP 2300 3"}},
		{"BHT04 date", "837p-valid.x12", "BHT*0019*00*BATCH0001*20260101*1200*CH~", "BHT*0019*00*BATCH0001*20260230*1200*CH~",
			[]string{"IK4 8 BHT  4"}},
		{"BHT05 time", "837p-valid.x12", "BHT*0019*00*BATCH0001*20260101*1200*CH~", "BHT*0019*00*BATCH0001*20260101*1260*CH~",
			[]string{"IK4 9 BHT  5"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantCodes(t, variant(t, tt.sample, tt.old, tt.new), tt.want...)
		})
	}
}

const svc835 = "SVC*HC:99213:25*100*70**1~"

// A segment never ends with an element separator, nor a composite with a
// component separator (X12.6). pyx12 reports both as IK304 8 (segment has
// data element errors), without an IK4, as the syntax has no element code
// for it; we do the same and locate the element in the error.
func TestTrailingSeparators(t *testing.T) {
	tests := []struct {
		name, new string
		want      []string
	}{
		{"element separator", "SVC*HC:99213:25*100*70**1*~", []string{"IK3 8 SVC 2110 6"}},
		{"two element separators", "SVC*HC:99213:25*100*70**1**~", []string{"IK3 8 SVC 2110 7"}},
		{"component separator", "SVC*HC:99213:25:*100*70**1~", []string{"IK3 8 SVC 2110 1"}},
		{"empty elements inside", "SVC*HC:99213:25*100*70***1~", []string{"IK4 4 SVC 2110 6", "IK4 1 SVC 2110 6"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := variant(t, "sets/835-valid.x12", svc835, tt.new)
			wantCodes(t, b, tt.want...)
		})
	}
	t.Run("acknowledgment", func(t *testing.T) {
		ack := ack999(t, variant(t, "sets/835-valid.x12", svc835, "SVC*HC:99213:25*100*70**1*~"))
		if !strings.Contains(ack, "IK3*SVC*25*2110*8~\nIK5*R*5~") {
			t.Errorf("ack:\n%s", ack)
		}
	})
}

// 005010 allows the basic and the extended character sets: together the
// printable ASCII characters. A control character, DEL or a byte of 0x80
// and above (UTF-8 text) is IK403 6, invalid character.
func TestCharacterSets(t *testing.T) {
	const nm1 = "NM1*IL*1*DOE*JANE****MI*ZZ0000001~"
	tests := []struct {
		name, new string
		want      []string
	}{
		{"UTF-8 letter", "NM1*IL*1*DOÉ*JANE****MI*ZZ0000001~", []string{"IK4 6 NM1 2010BA 3"}},
		{"Latin-1 byte", "NM1*IL*1*DO\xc9*JANE****MI*ZZ0000001~", []string{"IK4 6 NM1 2010BA 3"}},
		{"DEL", "NM1*IL*1*DOE*JA\x7fNE****MI*ZZ0000001~", []string{"IK4 6 NM1 2010BA 4"}},
		{"tab", "NM1*IL*1*DOE*JA\tNE****MI*ZZ0000001~", []string{"IK4 6 NM1 2010BA 4"}},
		{"long value with a high byte past eight bytes", "NM1*IL*1*DOE*JANE****MI*ZZ000000000000\xe2\x82\xac1~", []string{"IK4 6 NM1 2010BA 9"}},
		{"extended set (the repetition separator ^ excepted)", "NM1*IL*1*Doe-Smith*Jane #2 @x [a] {b} <c> %`|_\\$****MI*zz0000001~", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantCodes(t, variant(t, "837p-valid.x12", nm1, tt.new), tt.want...)
		})
	}
}

// In the ISA a byte outside the character sets is the TA1 note code of its
// element (ISA06 invalid sender ID, 006), in the GS the group's AK905 1.
func TestCharacterSetsInEnvelopes(t *testing.T) {
	const isa = "ISA*00*          *00*          *ZZ*CLAIMFLOW      *ZZ*TESTPAYER      *"
	b := variant(t, "837p-valid.x12", isa, "ISA*00*          *00*          *ZZ*CLAIMFLOW\xc9     *ZZ*TESTPAYER      *")
	rep := validate(t, b)
	if len(rep.Interchanges) != 1 || rep.Interchanges[0].TA1Code() != "006" {
		t.Errorf("errors %v, want TA1 006", codes(rep))
	}
	b = variant(t, "837p-valid.x12", gs837, "GS*HC*CLAIMFLOW\x01*TESTPAYER*20260101*1200*1*X*005010X222A1~")
	if got := codes(validate(t, b)); len(got) != 1 || got[0] != "AK9 1 GS  2" {
		t.Errorf("errors %q, want AK9 1 at GS02", got)
	}
}

// X12 syntax notes from the dictionary, checked against the reference:
// N4's C0704 (a country subdivision needs its country; ours said C0705)
// and the 835's BPR, which had none.
func TestSyntaxNotes(t *testing.T) {
	wantCodes(t, variant(t, "837p-valid.x12", "N3*100 MAIN STREET~\nN4*ANYTOWN*NY*100010000~", "N3*100 MAIN STREET~\nN4*TORONTO**M5V3L9****ON~"),
		"IK4 2 N4 2010AA 4")
	const bpr = "BPR*I*105.5*C*ACH*CCP*01*999999992*DA*000000001*1999999999**01*999999992*DA*000000002*20260115~"
	wantCodes(t, variant(t, "sets/835-valid.x12", bpr, "BPR*I*105.5*C*ACH*CCP*01*999999992*DA**1999999999**01*999999992*DA*000000002*20260115~"),
		"IK4 2 BPR  9")
}
