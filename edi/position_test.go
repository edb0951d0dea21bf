package edi

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// variant returns a testdata sample with each old segment text replaced
// by new (old must occur exactly once) and SE01 recounted, so a test
// changes only what it names.
func variant(t *testing.T, sample string, pairs ...string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", sample))
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for i := 0; i+1 < len(pairs); i += 2 {
		if n := strings.Count(s, pairs[i]); n != 1 {
			t.Fatalf("%s: %q occurs %d times, want 1", sample, pairs[i], n)
		}
		s = strings.Replace(s, pairs[i], pairs[i+1], 1)
	}
	return recountSE([]byte(s))
}

// recountSE sets SE01 of every transaction set of a sample written with
// the default delimiters.
func recountSE(b []byte) []byte {
	segs := strings.SplitAfter(string(b), "~")
	n := 0
	for i, s := range segs {
		id := strings.TrimLeft(s, "\r\n")
		switch {
		case strings.HasPrefix(id, "ST*"):
			n = 1
		case strings.HasPrefix(id, "SE*"):
			n++
			f := strings.SplitN(id, "*", 3)
			if len(f) == 3 {
				segs[i] = s[:len(s)-len(id)] + "SE*" + strconv.Itoa(n) + "*" + f[2]
			}
			n = 0
		case n > 0:
			n++
		}
	}
	return []byte(strings.Join(segs, ""))
}

// codes lists the report's errors as "KIND CODE SEGID loop ELEM".
func codes(rep *Report) []string {
	var out []string
	for _, e := range rep.Errors {
		out = append(out, e.Kind.String()+" "+e.Code+" "+e.SegID+" "+e.Loop+" "+strconv.Itoa(e.Elem))
	}
	return out
}

func validate(t *testing.T, b []byte) *Report {
	t.Helper()
	rep, err := ValidateBytes(b, nil)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func wantClean(t *testing.T, b []byte) {
	t.Helper()
	rep := validate(t, b)
	for _, e := range rep.Errors {
		t.Errorf("%v", e)
	}
}

func wantCodes(t *testing.T, b []byte, want ...string) {
	t.Helper()
	got := codes(validate(t, b))
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("errors:\n got %q\nwant %q", got, want)
	}
}

const clm837 = "CLM*PCN0001*150***11:B:1*Y*A*Y*Y~\n"

// Segments that share an X12 position and differ only by qualifier may come
// in any order (issue 17: REF*EA before REF*D9, DTP*304 before DTP*454 in
// 2300 were rejected).
func TestSamePositionAnyOrder(t *testing.T) {
	cases := map[string]string{
		"REF EA before D9":   clm837 + "REF*EA*MRN0001~\nREF*D9*CLAIMID01~\n",
		"REF D9 before EA":   clm837 + "REF*D9*CLAIMID01~\nREF*EA*MRN0001~\n",
		"DTP 304 before 454": clm837 + "DTP*304*D8*20251201~\nDTP*454*D8*20251115~\n",
		"DTP 454 before 304": clm837 + "DTP*454*D8*20251115~\nDTP*304*D8*20251201~\n",
		"DTP then REF mixed": clm837 + "DTP*439*D8*20251101~\nDTP*431*D8*20251101~\nREF*G1*AUTH01~\nREF*9F*REF01~\n",
	}
	for name, seg := range cases {
		t.Run(name, func(t *testing.T) {
			wantClean(t, variant(t, "837p-valid.x12", clm837, seg))
		})
	}
}

// Loops whose trigger segments share a position (2010BA and 2010BB, both
// NM1 at 2000B's position 015) are entered by their trigger in any order.
func TestSamePositionLoopsAnyOrder(t *testing.T) {
	b := variant(t, "837p-valid.x12",
		"NM1*IL*1*DOE*JANE****MI*ZZ0000001~\nN3*1 TEST LANE~\nN4*ANYTOWN*NY*100010000~\nDMG*D8*19800101*F~\nNM1*PR*2*TEST PAYER*****PI*TP0000001~\n",
		"NM1*PR*2*TEST PAYER*****PI*TP0000001~\nNM1*IL*1*DOE*JANE****MI*ZZ0000001~\nN3*1 TEST LANE~\nN4*ANYTOWN*NY*100010000~\nDMG*D8*19800101*F~\n")
	wantClean(t, b)
}

// What position semantics must still reject, and IK303 of a max-use error
// is the loop (issue 17: it carried the segment ID).
func TestPositionOrderStillChecked(t *testing.T) {
	t.Run("segment of an earlier position", func(t *testing.T) {
		// REF (position 180) after HI (position 231) in 2300.
		b := variant(t, "837p-valid.x12", "HI*ABK:J069~\n", "HI*ABK:J069~\nREF*EA*MRN0001~\n")
		wantCodes(t, b, "IK3 2 REF 2300 0")
	})
	t.Run("one qualified sibling repeated past its maximum", func(t *testing.T) {
		b := variant(t, "837p-valid.x12", clm837, clm837+"REF*EA*MRN0001~\nREF*D9*CLAIMID01~\nREF*EA*MRN0002~\n")
		wantCodes(t, b, "IK3 5 REF 2300 0")
	})
	t.Run("required sibling missing at a shared position", func(t *testing.T) {
		// 2010AA REF*EI (required) replaced by REF*0B (situational, same position).
		b := variant(t, "837p-valid.x12", "REF*EI*990000001~\n", "REF*0B*LIC0001~\n")
		wantCodes(t, b, "IK3 3 REF 2010AA 0")
	})
	t.Run("required sibling given after its optional sibling", func(t *testing.T) {
		b := variant(t, "837p-valid.x12", "REF*EI*990000001~\n", "REF*0B*LIC0001~\nREF*EI*990000001~\n")
		wantClean(t, b)
	})
}

func TestRecountSE(t *testing.T) {
	b := recountSE([]byte("ST*837*1~\nA*1~\nSE*9*1~\n"))
	if !bytes.Contains(b, []byte("SE*3*1~")) {
		t.Errorf("got %q", b)
	}
}

const sv1837 = "SV1*HC:99213*100*UN*1***1~\n"

// 2400 PWK01 CT (certification) is a code of the line supplemental
// information PWK as well as of the DME certificate PWK; PWK02 tells them
// apart (issue 17: PWK*CT in 2400 was rejected).
func TestPWKCertificationIn2400(t *testing.T) {
	t.Run("line supplemental information", func(t *testing.T) {
		wantClean(t, variant(t, "837p-valid.x12", sv1837, sv1837+"PWK*CT*EL***AC*DOC0001~\n"))
	})
	t.Run("DME certificate of medical necessity", func(t *testing.T) {
		wantClean(t, variant(t, "837p-valid.x12", sv1837, sv1837+"PWK*CT*AB~\n"))
	})
	t.Run("both", func(t *testing.T) {
		wantClean(t, variant(t, "837p-valid.x12", sv1837, sv1837+"PWK*CT*AD~\nPWK*OZ*BM~\nPWK*CT*FX***AC*DOC0002~\n"))
	})
	t.Run("transmission code of neither", func(t *testing.T) {
		wantCodes(t, variant(t, "837p-valid.x12", sv1837, sv1837+"PWK*CT*ZZ~\n"), "IK4 7 PWK 2400 2")
	})
}

// A loop used in two places may be required in one: 2300 is situational
// under the subscriber (2000B) and required under the patient (2000C),
// whose level exists only to carry claims.
func TestClaimRequiredUnderPatient(t *testing.T) {
	claim := "CLM*PCN0001*150***11:B:1*Y*A*Y*Y~\nHI*ABK:J069~\nLX*1~\nSV1*HC:99213*100*UN*1***1~\nDTP*472*D8*20260101~\nLX*2~\nSV1*HC:87880*50*UN*1***1~\nDTP*472*D8*20260101~\n"
	wantCodes(t, variant(t, "837p-dependent.x12", claim, ""), "IK3 3 CLM 2300 0")
	// Under the subscriber it may be left out (here with its patient level).
	b := variant(t, "837p-dependent.x12", claim, "",
		"HL*3*2*23*0~\nPAT*19~\nNM1*QC*1*DOE*JOHN~\nN3*1 TEST LANE~\nN4*ANYTOWN*NY*100010000~\nDMG*D8*20150101*M~\n", "",
		"HL*2*1*22*1~", "HL*2*1*22*0~")
	wantClean(t, b)
}
