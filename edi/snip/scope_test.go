package snip

import (
	"strings"
	"testing"
)

// twoClaims837P builds an 837P set whose subscriber has two claims (two
// 2300 loops at the same depth, one after the other), each given as its
// CLM05-3, whether it sends REF*F8, and its first diagnosis code.
func twoClaims837P(claims ...[3]string) []byte {
	body := []string{
		"BHT*0019*00*BATCH0001*20260101*1200*CH",
		"NM1*41*2*CLAIMFLOW TEST CLINIC*****46*CF0000001",
		"PER*IC*BILLING OFFICE*TE*5555550100",
		"NM1*40*2*TEST PAYER*****46*TP0000001",
		"HL*1**20*1",
		"PRV*BI*PXC*207Q00000X",
		"NM1*85*2*CLAIMFLOW TEST CLINIC*****XX*1234567893",
		"N3*100 MAIN STREET",
		"N4*ANYTOWN*NY*100010000",
		"REF*EI*990000001",
		"HL*2*1*22*0",
		"SBR*P*18*GRP0001******CI",
		"NM1*IL*1*DOE*JANE****MI*ZZ100001",
		"N3*1 TEST LANE",
		"N4*ANYTOWN*NY*100010000",
		"DMG*D8*19800101*F",
		"NM1*PR*2*TEST PAYER*****PI*TP0000001",
	}
	for i, c := range claims {
		n := string(rune('1' + i))
		body = append(body, "CLM*PCN10000"+n+"*125***11:B:"+c[0]+"*Y*A*Y*Y", "DTP*431*D8*20251231")
		if c[1] != "" {
			body = append(body, "REF*F8*ICN0000"+n)
		}
		body = append(body, "HI*ABK:"+c[2],
			"LX*1", "SV1*HC:99211:25*125*UN*1***1", "DTP*472*D8*20260101")
	}
	segs := []string{
		"ISA*00*          *00*          *ZZ*CLAIMFLOW      *ZZ*TESTPAYER      *260101*1200*^*00501*000000001*0*T*:",
		"GS*HC*CLAIMFLOW*TESTPAYER*20260101*1200*1*X*005010X222A1",
		"ST*837*0001*005010X222A1",
	}
	segs = append(segs, body...)
	segs = append(segs, "SE*"+itoa(len(body)+2)+"*0001", "GE*1*1", "IEA*1*000000001")
	return []byte(strings.Join(segs, "~") + "~")
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}

// TestClaimScopesCloseAtTheNextClaim checks that a 2300 loop's scope and
// its claim end where the next claim of the same subscriber starts (a
// loop trigger at the same depth), which setCheck.Segment decides from
// closeDepth without calling closeScopes for every segment: the first
// claim's missing REF*F8 is not satisfied by the second claim's, and its
// diagnosis code is checked against the list.
func TestClaimScopesCloseAtTheNextClaim(t *testing.T) {
	rep, err := ValidateBytes(twoClaims837P([3]string{"7", "", "Z9999"}, [3]string{"7", "F8", "J069"}), Options{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range rep.Errors {
		i := strings.Index(e.Msg, " rule ")
		if i < 0 {
			t.Errorf("syntax finding %s", e.Error())
			continue
		}
		got = append(got, e.SegID+" "+itoa(e.Index)+" "+strings.TrimSuffix(e.Msg[i+len(" rule "):], ")"))
	}
	// The first claim's CLM is segment 21 of the file (the missing REF
	// names REF), its HI 23; the claim ends before its scope.
	want := "HI 23 hi-diagnosis|REF 21 replacement-f8"
	if strings.Join(got, "|") != want {
		t.Errorf("findings %q, want %q", strings.Join(got, "|"), want)
	}
}
