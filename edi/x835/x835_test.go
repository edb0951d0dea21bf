package x835_test

import (
	"bytes"
	"reflect"
	"testing"
	"time"

	"github.com/claimflow/claimflow/edi"
	"github.com/claimflow/claimflow/edi/internal/setsamples"
	"github.com/claimflow/claimflow/edi/snip"
	"github.com/claimflow/claimflow/edi/x835"
)

// Sample is a de-identified remittance: one paid claim with a contractual
// adjustment and patient responsibility on two lines, one denied claim,
// and an interest PLB.
func Sample() *x835.Remittance { return setsamples.Remittance() }

var env = x835.Envelope{SenderID: "TESTPAYER", ReceiverID: "CLAIMFLOW", Usage: "T",
	Time: time.Date(2026, 1, 14, 12, 0, 0, 0, time.UTC), Control: edi.Control{Interchange: 11, Group: 11, Set: 1}}

func build(t *testing.T, rs ...*x835.Remittance) []byte {
	t.Helper()
	ic, err := x835.Build(env, rs...)
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	var buf bytes.Buffer
	if err := edi.Write(&buf, ic); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestBuildValidatesAndBalances(t *testing.T) {
	x := build(t, Sample(), Sample())
	rep, err := x835.Validate(x, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range rep.Errors {
		t.Errorf("%v", e)
	}
	if got := rep.Interchanges[0].Groups[0].Ack(); got != "A" {
		t.Errorf("AK901 = %s, want A", got)
	}
	if im := Sample().Balance(); im != nil {
		t.Errorf("Balance() = %v, want none", im)
	}
}

func TestReadRoundTrip(t *testing.T) {
	want := Sample()
	x := build(t, want)
	ics, err := edi.ParseBytes(x)
	if err != nil {
		t.Fatal(err)
	}
	got, err := x835.Read(ics[0].Groups[0].Sets[0], ics[0].Delims)
	if err != nil {
		t.Fatal(err)
	}
	want.ControlNumber = "0001"
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Read(Build(x)) differs\n got %+v\nwant %+v", got, want)
	}
}

func TestBalanceErrors(t *testing.T) {
	for _, tc := range []struct {
		name  string
		edit  func(r *x835.Remittance)
		rules []string
		segs  []string
	}{
		{"BPR02 off", func(r *x835.Remittance) { r.Payment.Amount++ }, []string{x835.RuleTransaction}, []string{"BPR02"}},
		{"PLB ignored", func(r *x835.Remittance) { r.Adjustments = nil }, []string{x835.RuleTransaction}, []string{"BPR02"}},
		{"claim CAS short", func(r *x835.Remittance) { r.Claims[1].Adjustments[0].Amount = 14000 }, []string{x835.RuleClaim}, []string{"CLP03"}},
		{"line CAS short", func(r *x835.Remittance) { r.Claims[0].Lines[1].Adjustments[0].Amount = 2000 },
			[]string{x835.RuleLine, x835.RuleClaim}, []string{"SVC02", "CLP03"}},
		{"line paid moved", func(r *x835.Remittance) { r.Claims[0].Lines[0].Paid -= 100; r.Claims[0].Lines[1].Paid += 100 },
			[]string{x835.RuleLine, x835.RuleLine}, []string{"SVC02", "SVC02"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := Sample()
			tc.edit(r)
			im := r.Balance()
			var rules []string
			for _, i := range im {
				rules = append(rules, i.Rule)
			}
			if !reflect.DeepEqual(rules, tc.rules) {
				t.Errorf("Balance rules = %q, want %q", rules, tc.rules)
			}
			rep, err := x835.Validate(build(t, r), nil)
			if err != nil {
				t.Fatal(err)
			}
			var segs []string
			for _, e := range rep.Errors {
				if e.Kind != edi.KindIK4 || e.Code != "I12" || e.Index == 0 {
					t.Errorf("error %v: want IK4 I12 with a stream position", e)
				}
				segs = append(segs, e.SegID+pad2(e.Elem))
			}
			if !reflect.DeepEqual(segs, tc.segs) {
				t.Errorf("Validate errors at %q, want %q", segs, tc.segs)
			}
		})
	}
}

func pad2(i int) string {
	if i < 10 {
		return "0" + string(rune('0'+i))
	}
	return string(rune('0'+i/10)) + string(rune('0'+i%10))
}

func TestCASSplitsAfterSixReasons(t *testing.T) {
	r := Sample()
	c := &r.Claims[1]
	c.Adjustments = nil
	for i := 0; i < 7; i++ {
		c.Adjustments = append(c.Adjustments, x835.Adjustment{Group: "CO", Reason: "45", Amount: 1000})
	}
	c.Adjustments = append(c.Adjustments, x835.Adjustment{Group: "PR", Reason: "1", Amount: 8000})
	x := build(t, r)
	if n := bytes.Count(x, []byte("CAS*")); n != 3+3 {
		t.Errorf("CAS segments = %d, want 6", n)
	}
	ics, err := edi.ParseBytes(x)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := x835.Read(ics[0].Groups[0].Sets[0], ics[0].Delims)
	if !reflect.DeepEqual(got.Claims[1].Adjustments, c.Adjustments) {
		t.Errorf("adjustments = %+v, want %+v", got.Claims[1].Adjustments, c.Adjustments)
	}
	if im := got.Balance(); im != nil {
		t.Errorf("Balance = %v", im)
	}
}

// TestValidateDropAccepted: balancing is checked even when the report
// keeps only the sets with structural errors.
func TestValidateDropAccepted(t *testing.T) {
	r := Sample()
	r.Payment.Amount++
	rep, err := x835.Validate(build(t, r), &edi.Options{DropAccepted: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Errors) != 1 || rep.Errors[0].SegID != "BPR" || rep.Errors[0].Code != "I12" {
		t.Errorf("errors = %v, want BPR02 I12", rep.Errors)
	}
}

// TestBuildOmitsST03: the 835 guide (005010X221A1) marks ST03 not used
// (the guide is named by GS08), and payers send ST*835*nnnn; the builder
// writes the same, and the result passes the strictest check.
func TestBuildOmitsST03(t *testing.T) {
	x := build(t, Sample())
	ics, err := edi.ParseBytes(x)
	if err != nil {
		t.Fatal(err)
	}
	st := ics[0].Groups[0].Sets[0].ST()
	if len(st) != 3 || st.El(1) != "835" || st.El(2) != "0001" {
		t.Errorf("ST = %q, want ST*835*0001 without ST03", st)
	}
	if gs08 := ics[0].Groups[0].GS.El(8); gs08 != x835.Guide {
		t.Errorf("GS08 = %q, want %s", gs08, x835.Guide)
	}
	rep, err := snip.ValidateBytes(x, snip.Options{Level: snip.Strict})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range rep.Errors {
		t.Errorf("strict check: %v", e)
	}
}
