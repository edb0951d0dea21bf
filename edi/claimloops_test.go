package edi_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/claimflow/claimflow/edi"
)

func readSample(t *testing.T, name string) []*edi.Interchange {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	ics, err := edi.ParseBytes(b)
	if err != nil {
		t.Fatal(err)
	}
	return ics
}

func segText(segs []edi.Seg) string {
	var out []string
	for _, s := range segs {
		out = append(out, strings.Join(s, "*"))
	}
	return strings.Join(out, "~")
}

// TestClaimLoops: each exchange shows the claim's own loop and nothing of
// the other claims in the file.
func TestClaimLoops(t *testing.T) {
	for _, tc := range []struct {
		name       string
		got        []edi.Seg
		wantPrefix string
		want       []string
		notWant    []string
	}{
		{"837 set 0002", edi.ClaimLoop837(readSample(t, "837p-multi.x12"), "0002"), "CLM*", nil, []string{"ST*", "SE*", "NM1*85"}},
		{"835 second CLP", edi.ClaimPaymentLoop835(readSample(t, "sets/835-valid.x12"), 0, 2), "CLP*PCN0002*4", nil, []string{"PCN0001", "PLB", "SE*"}},
		{"835 first CLP", edi.ClaimPaymentLoop835(readSample(t, "sets/835-valid.x12"), 0, 1), "CLP*PCN0001*1", nil, []string{"PCN0002", "LX*"}},
		{"277CA patient loop", edi.ClaimLoop277CA(readSample(t, "sets/277ca-valid.x12"), "PCN0002"), "HL*5*3*PT", []string{"TRN*2*PCN0002", "STC*"}, []string{"PCN0001", "HL*4"}},
		{"999 AK2 loop", edi.AckLoop999(readSample(t, "999-rejected.x12"), "0001"), "AK2*837*0001", []string{"IK3*SBR", "IK4*1*1138", "IK5*R*5"}, []string{"AK9", "SE*"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := segText(tc.got)
			if !strings.HasPrefix(got, tc.wantPrefix) {
				t.Errorf("got %q, want it to start with %q", got, tc.wantPrefix)
			}
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("got %q, want %q in it", got, w)
				}
			}
			for _, w := range tc.notWant {
				if strings.Contains(got, w) {
					t.Errorf("got %q, want no %q", got, w)
				}
			}
		})
	}
	// A TRN of the receiver level (2200B) is not a claim.
	if got := edi.ClaimLoop277CA(readSample(t, "sets/277ca-valid.x12"), "BATCH0001"); got != nil {
		t.Errorf("ClaimLoop277CA matched the 2200B trace: %q", segText(got))
	}
	if got := edi.ClaimPaymentLoop835(readSample(t, "sets/835-valid.x12"), 5, 1); got != nil {
		t.Errorf("a set past the file's = %q, want none", segText(got))
	}
}
