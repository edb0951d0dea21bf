package edi_test

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/claimflow/claimflow/edi"
	"github.com/claimflow/claimflow/edi/eligibility"
	"github.com/claimflow/claimflow/edi/x835"
)

// Samples laid out as payers send them (shapes of the implementation
// guides' own examples, with synthetic names and IDs), not written by our
// builders: they validate and read into the expected values.

func readExternal(t *testing.T, name string) []*edi.Interchange {
	t.Helper()
	x, err := os.ReadFile(filepath.Join(setsDir, name))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := x835.Validate(x, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range rep.Errors {
		t.Errorf("validate: %v", e)
	}
	ics, err := edi.ParseBytes(x)
	if err != nil {
		t.Fatal(err)
	}
	return ics
}

func TestSetsExternal271(t *testing.T) {
	txs, err := eligibility.ReadAll(readExternal(t, "271-external.x12"))
	if err != nil || len(txs) != 1 {
		t.Fatalf("ReadAll = %d, %v", len(txs), err)
	}
	m := txs[0].Patient()
	if m.MemberID != "ZZ0000009" || len(m.Benefits) != 5 {
		t.Fatalf("member = %+v", m)
	}
	if e := m.Benefits[1].Entities; len(e) != 1 || e[0].EntityCode != "P3" || e[0].ID != "0202034" {
		t.Errorf("2120 primary care provider = %+v", e)
	}
	s := m.Summary("98")
	if !s.Active || s.PlanDescription != "GOLD 123 PLAN" || s.CoPay == nil || *s.CoPay != 1000 {
		// The plan's description comes from the EB*1 for 30 when the
		// service type's own EB*1 has none.
		t.Errorf("summary(98) = %+v", s)
	}
	if got := m.Benefits[3].ServiceTypes; !reflect.DeepEqual(got, []string{"1", "33", "35", "47", "86", "88", "98", "AL", "MH", "UC"}) {
		t.Errorf("EB03 repetitions = %v", got)
	}
}

func TestSetsExternal835(t *testing.T) {
	rs, err := x835.ReadAll(readExternal(t, "835-external.x12"))
	if err != nil || len(rs) != 1 {
		t.Fatalf("ReadAll = %d, %v", len(rs), err)
	}
	r := rs[0]
	if r.Payment.Amount != 13801967 || r.Trace.Number != "12345" || r.Payee.ID != "1234567893" || r.Payer.Phone != "5555551234" {
		t.Errorf("header = %+v %+v %+v", r.Payment, r.Trace, r.Payee)
	}
	c := r.Claims[0]
	if c.HeaderNumber != "110212" || c.PatientControlNumber != "666123" || c.Charge != 21136697 || c.Paid != 13801840 ||
		len(c.Lines) != 1 || c.Lines[0].ProcedureQual != "NU" || c.Lines[0].Procedure != "0120" {
		t.Errorf("claim = %+v", c)
	}
	if r.Adjustments[0].Reason != "CV" || r.Adjustments[0].Reference != "CP" || r.Adjustments[0].Amount != -127 {
		t.Errorf("PLB = %+v", r.Adjustments)
	}
	// A negative PLB (CV capital passthrough paid to the provider) adds to
	// BPR02: 138018.40 + 1.27.
	if im := r.Balance(); len(im) != 0 {
		t.Errorf("Balance() = %v", im)
	}
}
