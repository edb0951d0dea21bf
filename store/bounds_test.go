package store_test

import (
	"encoding/json"
	"math"
	"testing"

	"github.com/claimflow/claimflow/schemas"
	"github.com/claimflow/claimflow/store"
)

// TestMaxAmountIsWhatTheGuideCarries: MaxAmountCents is the largest amount
// CLM02 and SV102 (X12 R, max length in segments.json, the decimal point
// not counted) can carry in cents, and 50 such lines cannot overflow an
// int64 sum checked line by line.
func TestMaxAmountIsWhatTheGuideCarries(t *testing.T) {
	raw, err := schemas.X12.ReadFile("x12/segments.json")
	if err != nil {
		t.Fatal(err)
	}
	var dict struct {
		Segments map[string]struct {
			Elements [][]any `json:"elements"`
		} `json:"segments"`
	}
	if err := json.Unmarshal(raw, &dict); err != nil {
		t.Fatal(err)
	}
	for _, el := range []struct {
		seg string
		pos int
	}{{"CLM", 2}, {"SV1", 2}} {
		e := dict.Segments[el.seg].Elements[el.pos-1]
		if e[2] != "R" {
			t.Fatalf("%s%02d is %v, want R", el.seg, el.pos, e[2])
		}
		digits := int(e[4].(float64))
		want := int64(math.Pow10(digits)) - 1 // cents: the last two digits follow the decimal point
		if digits >= 19 {
			t.Fatalf("%s%02d carries %d digits, more than an int64", el.seg, el.pos, digits)
		}
		if store.MaxAmountCents != want {
			t.Errorf("MaxAmountCents = %d, want %d (%s%02d: R 1/%d)", store.MaxAmountCents, want, el.seg, el.pos, digits)
		}
	}
	if store.MaxAmountCents > math.MaxInt64-store.MaxAmountCents {
		t.Errorf("two lines of MaxAmountCents overflow an int64: the running total check relies on it")
	}
}
