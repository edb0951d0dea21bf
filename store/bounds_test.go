package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"testing"
	"time"

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

// TestClaimOfAnOverflowingLegacyEncounter: charges stored before the
// bounds, whose sum overflows a bigint, make CreateClaim answer a
// validation error naming /encounter_id, not a Postgres error (a 500).
func TestClaimOfAnOverflowingLegacyEncounter(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	dos := time.Now().UTC().AddDate(0, 0, -10).Format(time.DateOnly)
	enc, err := f.s.CreateEncounter(ctx, f.admin, store.Encounter{PatientID: f.patientA.ID, ProviderID: f.provA.ID, DateOfService: dos,
		PlaceOfService: "11", Diagnoses: []string{"Z00.00"}, Charges: []store.Charge{
			{Code: "99213", DiagnosisPointers: []int{1}, Units: 1, AmountCents: 12500},
			{Code: "99214", DiagnosisPointers: []int{1}, Units: 1, AmountCents: 12500},
		}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.Pool.Exec(ctx, `ALTER TABLE charges DROP CONSTRAINT charges_amount_x12`); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.Pool.Exec(ctx, `UPDATE charges SET amount_cents = 5000000000000000000 WHERE encounter_id = $1`, enc.ID); err != nil {
		t.Fatal(err)
	}
	_, err = f.s.CreateClaim(ctx, f.admin, enc.ID)
	var ve *store.ValidationError
	if !errors.As(err, &ve) || len(ve.Fields) != 1 || ve.Fields[0].Pointer != "/encounter_id" {
		t.Fatalf("CreateClaim = %v, want a validation error naming /encounter_id", err)
	}
}
