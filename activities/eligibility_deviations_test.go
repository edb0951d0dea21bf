package activities

import (
	"bytes"
	"context"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/claimflow/claimflow/edi/eligibility"
	"github.com/claimflow/claimflow/edi/snip"
	"github.com/claimflow/claimflow/rcm"
)

// deviationLog keeps what is recorded.
type deviationLog struct{ ds []rcm.InboundDeviation }

func (l *deviationLog) RecordInboundDeviations(_ context.Context, ds []rcm.InboundDeviation) (int, error) {
	l.ds = append(l.ds, ds...)
	return len(ds), nil
}

// TestRealtime271Deviations: a real-time 271 with a trailing separator on
// the subscriber's demographics (a deviation that changes nothing) has it
// recorded as a warning linked to the check it answers, under the 271's
// content hash and the clearinghouse account, with positions and codes
// only; a clean 271 records nothing.
func TestRealtime271Deviations(t *testing.T) {
	clean, err := os.ReadFile("../edi/testdata/conformance/271-clean.x12")
	if err != nil {
		t.Fatal(err)
	}
	body := bytes.Replace(clean, []byte("DMG*D8*19800101*F~"), []byte("DMG*D8*19800101*F*~"), 1)
	if bytes.Equal(body, clean) {
		t.Fatal("no DMG to alter")
	}
	log := &deviationLog{}
	s := &EligibilityService{Deviations: log}
	ctx := context.Background()
	if err := s.recordDeviations(ctx, "sim", "TRACE1000", clean); err != nil || len(log.ds) != 0 {
		t.Fatalf("clean 271: recorded %+v (%v), want nothing", log.ds, err)
	}
	if err := s.recordDeviations(ctx, "sim", "TRACE1000", body); err != nil {
		t.Fatal(err)
	}
	if len(log.ds) != 1 {
		t.Fatalf("recorded %+v, want the DMG's trailing separator", log.ds)
	}
	d := log.ds[0]
	if d.Partner != "sim" || d.FileKey != rcm.EDIHash(body) || d.EligibilityTrace != "TRACE1000" || d.TransactionSet != "271" ||
		d.SegmentID != "DMG" || d.Loop != "2100C" || d.Kind != "IK3" || d.Code != "8" || d.Severity != rcm.DeviationWarning || d.SetIndex != 0 {
		t.Errorf("deviation = %+v", d)
	}
	if strings.Contains(d.Description, "19800101") || strings.Contains(d.Description, "DOE") {
		t.Errorf("the description shows a value: %q", d.Description)
	}
}

// TestRealtime271WithoutST03: a 271 without ST03, which its guide
// (005010X279A1) requires, is still read with every benefit (its guide is
// found by GS08), and the missing ST03 is recorded as a warning, not an
// error; checked strictly, the same 271 is rejected.
func TestRealtime271WithoutST03(t *testing.T) {
	clean, err := os.ReadFile("../edi/testdata/conformance/271-clean.x12")
	if err != nil {
		t.Fatal(err)
	}
	body := bytes.Replace(clean, []byte("ST*271*0001*005010X279A1~"), []byte("ST*271*0001~"), 1)
	if bytes.Equal(body, clean) {
		t.Fatal("no ST03 to drop")
	}
	want, err := eligibility.ReadBytes(clean)
	if err != nil {
		t.Fatal(err)
	}
	got, err := eligibility.ReadBytes(body)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || len(want) != 1 || got[0].Patient() == nil ||
		!reflect.DeepEqual(got[0].Patient().Benefits, want[0].Patient().Benefits) || len(got[0].Patient().Benefits) == 0 {
		t.Fatalf("benefits without ST03 differ from the clean 271's")
	}
	log := &deviationLog{}
	s := &EligibilityService{Deviations: log}
	if err := s.recordDeviations(context.Background(), "sim", "TRACE1000", body); err != nil {
		t.Fatal(err)
	}
	if len(log.ds) != 1 {
		t.Fatalf("recorded %+v, want the missing ST03", log.ds)
	}
	if d := log.ds[0]; d.SegmentID != "ST" || d.Kind != "IK4" || d.Code != "1" || d.Severity != rcm.DeviationWarning {
		t.Errorf("deviation = %+v", d)
	}
	strict, err := snip.ValidateBytes(body, snip.Options{})
	if err != nil || !snip.Rejected(strict) {
		t.Errorf("strict check of a 271 without ST03: rejected %v (%v)", err == nil && snip.Rejected(strict), err)
	}
}
