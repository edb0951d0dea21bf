package rcm

import (
	"reflect"
	"testing"
)

func TestMeanings(t *testing.T) {
	for _, tc := range []struct {
		q    string
		want QueryMeanings
	}{
		{"", QueryMeanings{}},
		{" 0190A1B2-C3D4-7E5F-8A6B-7C8D9E0F1A2B ", QueryMeanings{ClaimID: "0190a1b2-c3d4-7e5f-8a6b-7c8d9e0f1a2b"}},
		{"ZZ12345", QueryMeanings{Text: "ZZ12345", Names: []string{"ZZ12345"}}},
		{"2030-02-01", QueryMeanings{Text: "2030-02-01", Names: []string{"2030-02-01"}, DOS: "2030-02-01"}},
		{"2/1/2030", QueryMeanings{Text: "2/1/2030", Names: []string{"2/1/2030"}, DOS: "2030-02-01"}},
		{"2030-02-30", QueryMeanings{Text: "2030-02-30", Names: []string{"2030-02-30"}}},
		{"Testpatient, Alpha", QueryMeanings{Text: "Testpatient, Alpha", Names: []string{"Testpatient, Alpha"}, Pairs: [][2]string{{"Alpha", "Testpatient"}}}},
		{"Alpha Van Testpatient", QueryMeanings{Text: "Alpha Van Testpatient", Names: []string{"Alpha Van Testpatient"},
			Pairs: [][2]string{{"Alpha", "Van Testpatient"}, {"Van Testpatient", "Alpha"}, {"Alpha Van", "Testpatient"}, {"Testpatient", "Alpha Van"}}}},
	} {
		if got := Meanings(tc.q); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Meanings(%q) = %+v, want %+v", tc.q, got, tc.want)
		}
	}
}

func TestParseClaimSortAndCursor(t *testing.T) {
	for _, tc := range []struct {
		key, order string
		want       ClaimSort
		bad        int
	}{
		{"", "", ClaimSort{SortCreated, true}, 0},
		{"balance", "", ClaimSort{SortBalance, false}, 0},
		{"dos", "desc", ClaimSort{SortDOS, true}, 0},
		{"patient", "sideways", ClaimSort{"patient", false}, 2},
	} {
		got, pr := ParseClaimSort(tc.key, tc.order)
		if got != tc.want || len(pr) != tc.bad {
			t.Errorf("ParseClaimSort(%q, %q) = %+v %v", tc.key, tc.order, got, pr)
		}
	}
	s := ClaimSort{SortPayer, false}
	c := SortCursor{Sort: SortPayer, Order: "asc", Key: "test payer", ID: "0190a1b2-c3d4-7e5f-8a6b-7c8d9e0f1a2b"}
	got, err := DecodeSortCursor(Page{After: c.Encode()}, s)
	if err != nil || *got != c {
		t.Fatalf("round trip %+v %v", got, err)
	}
	for _, other := range []ClaimSort{{SortPayer, true}, {SortDOS, false}} {
		if _, err := DecodeSortCursor(Page{After: c.Encode()}, other); err == nil {
			t.Errorf("cursor of %+v accepted under %+v", s, other)
		}
	}
	if _, err := DecodeSortCursor(Page{After: "!!"}, s); err == nil {
		t.Error("garbage cursor accepted")
	}
}

func TestSavedFilterValidate(t *testing.T) {
	ok := SavedFilter{Name: " Mine ", Query: "?q=Alpha+Testpatient&sort=balance&order=desc&dos_from=2030-01-01"}
	if err := ok.Validate(); err != nil || ok.Name != "Mine" || ok.Query != "q=Alpha+Testpatient&sort=balance&order=desc&dos_from=2030-01-01" {
		t.Fatalf("%+v %v", ok, err)
	}
	for _, f := range []SavedFilter{{Name: "", Query: ""}, {Name: "x\x01", Query: ""}, {Name: "x", Query: "limit=1"}, {Name: "x", Query: "sort=a&sort=b"}} {
		if err := f.Validate(); err == nil {
			t.Errorf("%+v accepted", f)
		}
	}
}

func TestPayerClosedStatuses(t *testing.T) {
	for _, s := range PayerClosedStatuses() {
		if (ClaimFacts{Status: s, TotalCents: 100}).PayerBalance() != 0 {
			t.Errorf("%s is listed closed but owes", s)
		}
	}
	if (ClaimFacts{Status: string(StatusSubmitted), TotalCents: 100}).PayerBalance() != 100 {
		t.Error("a submitted claim owes nothing")
	}
}
