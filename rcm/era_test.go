package rcm

import (
	"errors"
	"testing"
)

func TestComputeAllowed(t *testing.T) {
	co := func(n int64) ERAAdjustment { return ERAAdjustment{Group: "CO", AmountCents: n} }
	pr := func(n int64) ERAAdjustment { return ERAAdjustment{Group: "PR", AmountCents: n} }
	for _, tc := range []struct {
		name       string
		c          ERAClaim
		want       int64
		source     string
		lineSource []string
	}{
		{"every line has AMT*B6", ERAClaim{ChargeCents: 20000, Lines: []ERALine{
			{ChargeCents: 12500, AllowedCents: 10000, HasAllowed: true, Adjustments: []ERAAdjustment{co(2500), pr(2000)}},
			{ChargeCents: 7500, AllowedCents: 5000, HasAllowed: true, Adjustments: []ERAAdjustment{co(2500)}}}},
			15000, AllowedFromLines, []string{AllowedFromLine, AllowedFromLine}},
		{"one line lacks it", ERAClaim{ChargeCents: 20000, Adjustments: []ERAAdjustment{co(100)}, Lines: []ERALine{
			{ChargeCents: 12500, AllowedCents: 10000, HasAllowed: true, Adjustments: []ERAAdjustment{co(2500)}},
			{ChargeCents: 7500, Adjustments: []ERAAdjustment{co(1500), pr(500)}}}},
			20000 - 100 - 2500 - 1500, AllowedChargeLessC, []string{AllowedFromLine, AllowedChargeLessC}},
		{"no lines", ERAClaim{ChargeCents: 5000, Adjustments: []ERAAdjustment{co(5000)}}, 0, AllowedChargeLessC, nil},
	} {
		tc.c.ComputeAllowed()
		if tc.c.AllowedCents != tc.want || tc.c.AllowedSource != tc.source {
			t.Errorf("%s: allowed %d (%s), want %d (%s)", tc.name, tc.c.AllowedCents, tc.c.AllowedSource, tc.want, tc.source)
		}
		for i, s := range tc.lineSource {
			if tc.c.Lines[i].AllowedSource != s {
				t.Errorf("%s: line %d source %s, want %s", tc.name, i, tc.c.Lines[i].AllowedSource, s)
			}
		}
	}
	c := ERAClaim{ChargeCents: 7500, Lines: []ERALine{{ChargeCents: 7500, Adjustments: []ERAAdjustment{co(1500), pr(500)}}}}
	c.ComputeAllowed()
	if c.Lines[0].AllowedCents != 6000 || c.AllAdjustmentsSum != 2000 {
		t.Errorf("line without AMT*B6: allowed %d, adjustments %d; want 6000 and 2000", c.Lines[0].AllowedCents, c.AllAdjustmentsSum)
	}
}

func TestDepositReconcileAndValidate(t *testing.T) {
	d := Deposit{AmountCents: 1200}
	d.Reconcile()
	if d.Status != DepositUnmatched || d.DifferenceCents != 1200 {
		t.Errorf("no 835: %+v", d)
	}
	d.Remittances = []DepositRemit{{AmountCents: 1000}}
	d.Reconcile()
	if d.Status != DepositMismatch || d.DifferenceCents != 200 {
		t.Errorf("short 835: %+v", d)
	}
	d.Remittances = append(d.Remittances, DepositRemit{AmountCents: 200})
	d.Reconcile()
	if d.Status != DepositMatched || d.DifferenceCents != 0 || d.RemittancesCents != 1200 {
		t.Errorf("two 835s adding up: %+v", d)
	}
	bad := Deposit{AmountCents: 0, DepositedOn: "2030-02-30", Reference: " "}
	var ve *ValidationError
	if err := bad.Validate(); !errors.As(err, &ve) || len(ve.Fields) != 4 {
		t.Fatalf("Validate = %v, want org_id, amount_cents, deposited_on and reference named", err)
	}
	for i, p := range []string{"/org_id", "/amount_cents", "/deposited_on", "/reference"} {
		if ve.Fields[i].Pointer != p {
			t.Errorf("field %d = %s, want %s", i, ve.Fields[i].Pointer, p)
		}
	}
}
