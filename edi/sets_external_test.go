package edi_test

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/claimflow/claimflow/edi"
	"github.com/claimflow/claimflow/edi/ackread"
	"github.com/claimflow/claimflow/edi/eligibility"
	"github.com/claimflow/claimflow/edi/x277ca"
	"github.com/claimflow/claimflow/edi/x835"
	"github.com/claimflow/claimflow/edi/x837d"
	"github.com/claimflow/claimflow/edi/x837i"
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

func TestSetsExternal277CA(t *testing.T) {
	acks, err := x277ca.ReadAll(readExternal(t, "277ca-external.x12"))
	if err != nil || len(acks) != 1 {
		t.Fatalf("ReadAll = %d, %v", len(acks), err)
	}
	a := acks[0]
	ok1, bad := a.Find("PCN0001"), a.Find("PCN0002")
	if ok1 == nil || !ok1.Accepted() || ok1.PayerClaimControl != "2026006000001" {
		t.Errorf("PCN0001 = %+v", ok1)
	}
	if bad == nil || bad.Accepted() || bad.Status[0].Category != "A7" || bad.Status[0].Code != "562" || bad.Status[0].Entity != "85" ||
		!reflect.DeepEqual(bad.Status[0].More, []string{"A7:128:85"}) || bad.Lines[0].LineControl != "LN0003" {
		t.Errorf("PCN0002 = %+v", bad)
	}
	if r := a.Receivers[0]; r.Totals.AcceptedCount != "1" || *r.Totals.RejectedAmount != 16500 {
		t.Errorf("receiver totals = %+v", r.Totals)
	}
}

func TestSetsExternal999(t *testing.T) {
	acks, err := ackread.Read(readExternal(t, "999-external.x12"))
	if err != nil {
		t.Fatal(err)
	}
	if ta1, ok := acks.Interchange("000017456"); !ok || !ta1.Accepted() {
		t.Errorf("TA1 = %+v, %v", ta1, ok)
	}
	g, ok := acks.Group("HC", "17456")
	if !ok || g.Code != "P" || g.AcceptedSets != 1 {
		t.Fatalf("999 = %+v, %v", g, ok)
	}
	s, ok := g.Set("0002")
	want := []ackread.SegmentError{
		{SegID: "NM1", Pos: 21, Loop: "2010", Code: "8", Claim: "PCN0002", Elements: []ackread.ElementError{{Elem: 9, Ref: "67", Code: "7"}}},
		{SegID: "DMG", Pos: 23, Loop: "2010", Code: "8", Elements: []ackread.ElementError{{Elem: 2, Ref: "1251", Code: "8"}}},
	}
	if !ok || s.Accepted() || !reflect.DeepEqual(s.Segments, want) {
		t.Errorf("set 0002 = %+v", s)
	}
	if got := s.Claims(); !reflect.DeepEqual(got, []string{"PCN0002"}) {
		t.Errorf("Claims() = %v", got)
	}
	if _, _, sets := acks.Rejected(); !reflect.DeepEqual(sets, []string{"17456/0002"}) {
		t.Errorf("Rejected sets = %v", sets)
	}
}

func TestSetsExternal837I(t *testing.T) {
	txs, err := x837i.ReadAll(readExternal(t, "837i-external.x12"))
	if err != nil || len(txs) != 1 {
		t.Fatalf("ReadAll = %d, %v", len(txs), err)
	}
	c := txs[0].Billing[0].Subscriber[0].Claims[0]
	ic := c.Institutional
	if c.BillType() != "141" || c.Total() != 8993 || ic.StatementFrom != "20260911" || ic.AdmissionType != "4" || ic.PatientStatus != "01" {
		t.Errorf("claim = %+v %+v", c, ic)
	}
	if !reflect.DeepEqual(ic.Occurrences, []x837i.Occurrence{{Code: "41", Date: "20260101"}}) ||
		!reflect.DeepEqual(ic.Values, []x837i.Value{{Code: "30", Amount: 2000}}) || !reflect.DeepEqual(ic.Conditions, []string{"01"}) {
		t.Errorf("occurrence, value, condition codes = %+v %+v %+v", ic.Occurrences, ic.Values, ic.Conditions)
	}
	if len(c.Lines) != 3 || c.Lines[2].RevenueCode != "0270" || c.Lines[2].Procedure != "J1120" || c.Attending == nil || c.Attending.NPI != "1234567893" {
		t.Errorf("lines = %+v attending = %+v", c.Lines, c.Attending)
	}
}

func TestSetsExternal837D(t *testing.T) {
	ics := readExternal(t, "837d-external.x12")
	txs, err := x837d.ReadAll(ics)
	if err != nil || len(txs) != 1 {
		t.Fatalf("ReadAll = %d, %v", len(txs), err)
	}
	c := txs[0].Billing[0].Subscriber[0].Claims[0]
	if c.FacilityCode != "11" || c.ReleaseOfInfo != "I" || c.Rendering == nil || c.Rendering.Taxonomy != "1223G0001X" || len(c.Lines) != 2 {
		t.Fatalf("claim = %+v", c)
	}
	if l := c.Lines[1]; l.Procedure != "D2150" || !reflect.DeepEqual(l.Teeth, []x837d.Tooth{{Number: "12", Surfaces: []string{"M", "O"}}}) {
		t.Errorf("line 2 = %+v", l)
	}
}
