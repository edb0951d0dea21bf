package edi

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// variantAll is variant with every occurrence of each old text replaced.
func variantAll(t *testing.T, sample string, pairs ...string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", sample))
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for i := 0; i+1 < len(pairs); i += 2 {
		if !strings.Contains(s, pairs[i]) {
			t.Fatalf("%s: no %q", sample, pairs[i])
		}
		s = strings.ReplaceAll(s, pairs[i], pairs[i+1])
	}
	return recountSE([]byte(s))
}

// setGuides returns the guide each transaction set was validated with.
func setGuides(rep *Report) []string {
	var out []string
	for _, ic := range rep.Interchanges {
		for _, g := range ic.Groups {
			for _, s := range g.Sets {
				out = append(out, s.Guide)
			}
		}
	}
	return out
}

// Versions trading partners send are accepted, each validated with its own
// table (issue 17: 999 005010X231 and 837 005010X222A2/005010X223A3 were
// refused as unsupported, and every 835 without ST03 was rejected).
func TestVersionsTradingPartnersSend(t *testing.T) {
	tests := []struct {
		name, sample string
		pairs        []string
		guide        string
	}{
		{"837P errata A2", "837p-valid.x12", []string{"005010X222A1", "005010X222A2"}, "005010X222A2"},
		{"837I errata A3", "sets/837i-valid.x12", []string{"005010X223A2", "005010X223A3"}, "005010X223A3"},
		{"837D errata A3", "sets/837d-valid.x12", []string{"005010X224A2", "005010X224A3"}, "005010X224A3"},
		{"999 before its errata", "999-accepted.x12", []string{"005010X231A1", "005010X231"}, "005010X231"},
		// The sample is built as payers send it (ST03 not used); senders
		// that fill ST03 with the guide's ID are accepted too.
		{"835 without ST03", "sets/835-valid.x12", nil, "005010X221A1"},
		{"835 with ST03", "sets/835-valid.x12", []string{"ST*835*0001~", "ST*835*0001*005010X221A1~"}, "005010X221A1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b []byte
			if tt.pairs == nil {
				var err error
				if b, err = os.ReadFile(filepath.Join("testdata", tt.sample)); err != nil {
					t.Fatal(err)
				}
			} else {
				b = variantAll(t, tt.sample, tt.pairs...)
			}
			rep := validate(t, b)
			for _, e := range rep.Errors {
				t.Errorf("%v", e)
			}
			for _, g := range setGuides(rep) {
				if g != tt.guide {
					t.Errorf("guide = %q, want %q", g, tt.guide)
				}
			}
			if len(setGuides(rep)) == 0 {
				t.Error("no transaction set")
			}
		})
	}
}

// The errata versions are tables of their own, not aliases: 005010X231A1
// marks CTX06-2 of the 2110 element context Not Used, 005010X231 does not.
func TestVersionTablesDiffer(t *testing.T) {
	ack := "ISA*00*          *00*          *ZZ*TESTPAYER      *ZZ*CLAIMFLOW      *261125*0133*^*00501*000000001*0*T*:~\n" +
		"GS*FA*TESTPAYER*CLAIMFLOW*20261125*0133*1*X*VERSION~\n" +
		"ST*999*0001*VERSION~\n" +
		"AK1*HC*1*005010X222A1~\n" +
		"AK2*837*0001*005010X222A1~\n" +
		"IK3*CLM*22**8~\n" +
		"IK4*5:1*1331*7~\n" +
		"CTX*SITUATIONAL TRIGGER*CLM*22**5:1*1331:1332~\n" +
		"IK5*R*5~\n" +
		"AK9*R*1*1*0~\n" +
		"SE*10*0001~\nGE*1*1~\nIEA*1*000000001~\n"
	wantClean(t, recountSE([]byte(strings.ReplaceAll(ack, "VERSION", "005010X231"))))
	wantCodes(t, recountSE([]byte(strings.ReplaceAll(ack, "VERSION", "005010X231A1"))), "IK4 I10 CTX 2110 6")
	if LookupGuide("999", "005010X231") == LookupGuide("999", "005010X231A1") {
		t.Error("005010X231 and 005010X231A1 share a table")
	}
}
