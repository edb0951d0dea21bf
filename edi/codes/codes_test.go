package codes_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/claimflow/claimflow/edi/codes"
)

func TestLists(t *testing.T) {
	if err := codes.Err(); err != nil {
		t.Fatal(err)
	}
	want := []string{"1365", "507", "508", "618", "620", "621", "715", "716", "717", "901", "98", "cag", "carc", "pos", "rarc"}
	if got := codes.Lists(); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("Lists() = %v, want %v", got, want)
	}
}

// TestRequiredCodes checks the codes the workflows rely on are present.
func TestRequiredCodes(t *testing.T) {
	req := map[string][]string{
		codes.CARC: {"1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15", "16", "18",
			"22", "23", "24", "25", "26", "27", "29", "45", "50", "96", "97", "109", "119", "151", "167", "197", "204", "236", "242", "253"},
		codes.RARC:                {"M15", "M20", "M76", "N4", "N20", "N130", "N290", "N362", "MA01", "MA130"},
		codes.ClaimStatusCategory: {"D0"},
		codes.ClaimStatus:         {"0", "1", "19", "20", "21", "65"},
		codes.ServiceType:         {"1", "30", "33", "35", "47", "48", "50", "86", "88", "98", "AL", "MH", "UC"},
		codes.EntityIdentifier:    {"03", "1P", "40", "41", "82", "85", "87", "IL", "PR", "QC", "PE"},
		codes.PlaceOfService:      {"02", "10", "11", "12", "21", "22", "23", "99"},
		codes.AdjustmentGroup:     {"CO", "CR", "OA", "PI", "PR"},
	}
	for _, p := range []struct {
		prefix string
		n      int
		from   int
	}{{"A", 8, 0}, {"P", 5, 0}, {"F", 4, 0}, {"R", 16, 0}, {"E", 4, 0}} {
		for i := p.from; i <= p.n; i++ {
			req[codes.ClaimStatusCategory] = append(req[codes.ClaimStatusCategory], fmt.Sprintf("%s%d", p.prefix, i))
		}
	}
	for list, cs := range req {
		for _, c := range cs {
			if d, ok := codes.Describe(list, c); !ok || d == "" {
				t.Errorf("Describe(%s, %s) missing", list, c)
			}
		}
	}
}

func TestDescribe(t *testing.T) {
	for _, tc := range []struct {
		list, code, want string
		ok               bool
	}{
		{codes.CARC, "45", "Charge exceeds fee schedule/maximum allowable or contracted/legislated fee arrangement.", true},
		{codes.CARC, "1", "Deductible Amount", true},
		{codes.ClaimStatusCategory, "A2", "Acknowledgement/Acceptance into adjudication system-The claim/encounter has been accepted into the adjudication system.", true},
		{codes.PlaceOfService, "11", "Office", true},
		{codes.PlaceOfService, "011", "", false},
		{codes.CARC, "NOPE", "", false},
		{"nolist", "1", "", false},
	} {
		got, ok := codes.Describe(tc.list, tc.code)
		if got != tc.want || ok != tc.ok {
			t.Errorf("Describe(%s, %s) = %q, %v; want %q, %v", tc.list, tc.code, got, ok, tc.want, tc.ok)
		}
	}
	if l := codes.Lookup(codes.ClaimStatusCategory); l == nil || !l.Unverified["R13"] || l.Unverified["A1"] {
		t.Error("507 unverified marks not loaded")
	}
}

func ExampleDescribe() {
	d, _ := codes.Describe(codes.CARC, "197")
	fmt.Println(d)
	// Output: Precertification/notification/authorization/pre-treatment absent.
}
