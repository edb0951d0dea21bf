package activities_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/claimflow/claimflow/activities"
	"github.com/claimflow/claimflow/edi/x837p"
	"github.com/claimflow/claimflow/rcm"
	"github.com/claimflow/claimflow/store"
)

// TestResubmissionCarriesTheEditAndItsFrequency: two claims corrected by
// staff go out in the next batch with their edited diagnosis. The one the
// payer adjudicated (denied for correction) is a replacement: frequency 7
// with REF*F8 naming the payer's claim number. The one a 277CA rejected
// at the front end (the payer never accepted it) is a new original:
// frequency 1, no REF*F8. Read back from the sent 837 with x837p.
func TestResubmissionCarriesTheEditAndItsFrequency(t *testing.T) {
	w := newWorld(t, 2, true, "1 TEST ST, TESTVILLE, NY 99999")
	ctx := context.Background()
	at := time.Now()
	seq := map[string]int{} // per claim and attempt, as the workflow numbers its steps
	progress := func(c store.Claim, attempt int, freq, pcn string, statuses ...string) {
		t.Helper()
		for _, st := range statuses {
			k := c.ID + "/" + strconv.Itoa(attempt)
			seq[k]++
			if err := w.s.RecordClaimProgress(ctx, store.ClaimProgress{ClaimID: c.ID, Attempt: attempt, Seq: seq[k], Status: st, At: at,
				FrequencyCode: freq, PayerClaimNumber: pcn}); err != nil {
				t.Fatalf("%s: %v", st, err)
			}
		}
	}
	denied, rejected := w.claims[0], w.claims[1]
	progress(denied, 1, "1", "", "scrubbing", "ready", "submitted", "acknowledged")
	progress(denied, 1, "1", "ZZPCN0001", "accepted", "needs_correction")
	progress(rejected, 1, "1", "", "scrubbing", "ready", "submitted", "acknowledged", "rejected")
	for _, c := range []store.Claim{denied, rejected} {
		if _, err := w.s.EditClaim(ctx, w.admin, c.ID, rcm.ClaimEdit{Diagnoses: []string{"J06.9"},
			Charges: []rcm.Charge{{Code: "99214", DiagnosisPointers: []int{1}, Units: 1, AmountCents: 15000}}, Note: "recoded"}); err != nil {
			t.Fatal(err)
		}
	}
	// What the claim workflow records for the decisions: correct → a
	// replacement of the adjudicated claim; resubmit → the same frequency
	// (a new original) after the front-end rejection.
	progress(denied, 1, "1", "", "resubmitted")
	progress(denied, 2, "7", "ZZPCN0001", "scrubbing", "ready")
	progress(rejected, 1, "1", "", "resubmitted")
	progress(rejected, 2, "1", "", "scrubbing", "ready")

	sender := &recordingSender{}
	svc := &activities.BatchService{Records: w.s, Files: sender, Receivers: map[string]activities.Receiver{"sim": {ID: "ZZCLEARING", Name: "TEST CLEARINGHOUSE", Usage: "T"}}}
	if _, err := svc.SubmitBatch(ctx, activities.BatchRequest{ClearinghouseID: "sim", RunID: "batch/sim/r2"}); err != nil {
		t.Fatal(err)
	}
	if len(sender.sent) != 1 {
		t.Fatalf("sent %d files", len(sender.sent))
	}
	txs, err := x837p.ReadBytes(sender.sent[0])
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]x837p.Claim{}
	for _, tx := range txs {
		for _, bp := range tx.Billing {
			for _, sub := range bp.Subscriber {
				for _, c := range sub.Claims {
					got[c.PatientControlNumber] = c
				}
			}
		}
	}
	for _, tc := range []struct {
		c         store.Claim
		freq, pcn string
	}{{denied, "7", "ZZPCN0001"}, {rejected, "1", ""}} {
		c, ok := got[tc.c.PatientControlNumber]
		if !ok {
			t.Fatalf("claim %s not in the 837 (%d claims)", tc.c.PatientControlNumber, len(got))
		}
		if c.Frequency != tc.freq || c.PayerClaimControl != tc.pcn {
			t.Errorf("claim %s: frequency %s REF*F8 %q, want %s %q", tc.c.PatientControlNumber, c.Frequency, c.PayerClaimControl, tc.freq, tc.pcn)
		}
		if strings.Join(c.Diagnoses, ",") != "J069" || len(c.Lines) != 1 || c.Lines[0].Procedure != "99214" || c.TotalCharge != x837p.Money(15000) {
			t.Errorf("claim %s: diagnoses %v lines %+v total %v, want the edit", tc.c.PatientControlNumber, c.Diagnoses, c.Lines, c.TotalCharge)
		}
	}
}
