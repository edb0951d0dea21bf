package activities

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"testing"

	"go.temporal.io/api/serviceerror"
)

type recordingSignaller struct {
	mu   sync.Mutex
	got  map[string][]any
	fail map[string]error
}

func (r *recordingSignaller) SignalWorkflow(_ context.Context, id, _, name string, arg any) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.fail[id]; err != nil {
		return err
	}
	r.got[id+" "+name] = append(r.got[id+" "+name], arg)
	return nil
}

// TestTellClaims: every claim of every batch is told its own batch and
// ST02 once, and every payment its claim; a claim with no running
// workflow is counted and named, another error fails the activity.
func TestTellClaims(t *testing.T) {
	sig := &recordingSignaller{got: map[string][]any{}, fail: map[string]error{"claim/C7": serviceerror.NewNotFound("gone")}}
	a := &Activities{Signaller: sig}
	var batches []Batch
	for b := range 3 {
		bt := Batch{BatchID: fmt.Sprintf("B%d", b), InterchangeControl: fmt.Sprintf("%09d", b)}
		for c := range 20 {
			bt.Claims = append(bt.Claims, BatchClaim{ClaimID: fmt.Sprintf("C%d", b*20+c), TransactionControl: fmt.Sprintf("%04d", c)})
		}
		batches = append(batches, bt)
	}
	res, err := a.TellClaimsSubmitted(context.Background(), batches)
	if err != nil {
		t.Fatal(err)
	}
	if res.Claims != 60 || res.Signalled != 59 || res.NotFound != 1 || res.NotFoundIDs[0] != "C7" {
		t.Errorf("result = %+v", res)
	}
	for _, b := range batches {
		for _, c := range b.Claims {
			got := sig.got["claim/"+c.ClaimID+" claim.submitted"]
			if c.ClaimID == "C7" {
				continue
			}
			if len(got) != 1 || got[0].(SubmittedSignal) != (SubmittedSignal{BatchID: b.BatchID, InterchangeControl: b.InterchangeControl, TransactionControl: c.TransactionControl}) {
				t.Errorf("%s told %v", c.ClaimID, got)
			}
		}
	}

	pays := []ClaimPayment{{ClaimID: "P1", PaidCents: 1}, {ClaimID: "P2", PaidCents: 2}}
	if res, err := a.TellClaimsPaid(context.Background(), pays); err != nil || res.Signalled != 2 {
		t.Fatalf("paid: %+v, %v", res, err)
	}
	if got := sig.got["claim/P2 claim.remit"]; len(got) != 1 || got[0].(ClaimPayment).PaidCents != 2 {
		t.Errorf("P2 told %v", got)
	}

	boom := errors.New("unavailable")
	sig.fail["claim/P1"] = boom
	if _, err := a.TellClaimsPaid(context.Background(), pays); !errors.Is(err, boom) {
		t.Errorf("err = %v, want %v", err, boom)
	}
	keys := make([]string, 0, len(sig.got))
	for k := range sig.got {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if len(keys) != 61 {
		t.Errorf("%d claims told, want 61", len(keys))
	}
}
