package activities_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/claimflow/claimflow/activities"
	"github.com/claimflow/claimflow/internal/testenv"
	"github.com/claimflow/claimflow/store"
)

// answer277 answers every 276 with one 277 (the clearinghouse's real-time
// endpoint, tested with a real server in its own package), failing the
// first call when fail is set.
type answer277 struct {
	body  []byte
	fail  bool
	calls int
}

func (a *answer277) RealTime270(context.Context, string, string, []byte) ([]byte, error) {
	return nil, errors.New("no 270 here")
}

func (a *answer277) RealTime276(context.Context, string, string, []byte) ([]byte, error) {
	a.calls++
	if a.fail && a.calls == 1 {
		return nil, errors.New("connection reset")
	}
	return a.body, nil
}

// TestStatusInquiryEventRecordedOnce: the 276/277 inquiry records the
// claim's event; the activity retried (after a failed send, and again
// after success) leaves one event, with the answer of the last attempt.
func TestStatusInquiryEventRecordedOnce(t *testing.T) {
	w := newWorld(t, 1, true, "1 TEST ST, TESTVILLE, NY 99999")
	ctx := context.Background()
	c := w.claims[0]
	// The claim workflow scrubs a claim before it is ready (rcm's lifecycle).
	if err := w.s.RecordClaimProgress(ctx, store.ClaimProgress{ClaimID: c.ID, Attempt: 1, Seq: 1, Status: "scrubbing", At: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if err := w.s.RecordClaimProgress(ctx, store.ClaimProgress{ClaimID: c.ID, Attempt: 1, Seq: 2, Status: "ready", At: time.Now()}); err != nil {
		t.Fatal(err)
	}
	batch := &activities.BatchService{Records: w.s, Files: &recordingSender{}, Receivers: map[string]activities.Receiver{"sim": {ID: "ZZCLEARING", Name: "TEST CLEARINGHOUSE"}}}
	if _, err := batch.SubmitBatch(ctx, activities.BatchRequest{ClearinghouseID: "sim", RunID: "r1"}); err != nil {
		t.Fatal(err)
	}
	body, err := os.ReadFile(filepath.Join(testenv.RepoRoot(t), "edi", "testdata", "sets", "277-valid.x12"))
	if err != nil {
		t.Fatal(err)
	}
	rt := &answer277{body: body, fail: true}
	svc := &activities.StatusInquiryService{Records: w.s, RealTime: rt, Now: func() time.Time { return time.Date(2030, 1, 20, 9, 0, 0, 0, time.UTC) }}
	if _, err := svc.Inquire(ctx, c.ID); err == nil {
		t.Fatal("the failed send succeeded")
	}
	for range 2 {
		if _, err := svc.Inquire(ctx, c.ID); err != nil {
			t.Fatal(err)
		}
	}
	evs, err := w.s.ClaimEvents(ctx, store.System, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	var inq []store.ClaimEvent
	for _, e := range evs {
		if e.Kind == store.EventInquiry276 {
			inq = append(inq, e)
		}
	}
	if len(inq) != 1 {
		t.Fatalf("276/277 events = %+v, want one", inq)
	}
	if e := inq[0]; e.FileKey == "" || e.ResponseKey == "" || e.Dedup != c.PatientControlNumber || e.Summary == "276 inquiry, trace "+c.PatientControlNumber+": no answer" {
		t.Errorf("event = %+v, want the 276 and 277 keys and the last attempt's answer", e)
	}
}
