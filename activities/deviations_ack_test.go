package activities_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/claimflow/claimflow/activities"
	"github.com/claimflow/claimflow/edi"
	"github.com/claimflow/claimflow/rcm"
	"github.com/claimflow/claimflow/store"
)

// TestRouterRecordsAckDeviations (issue 17, tolerant inbound for
// acknowledgments): a 999 answering a batch of two claims arrives with
// trailing element separators, one inside the first claim's AK2 loop (its
// IK5) and one on the group's AK9. Neither changes the meaning: the 999 is
// routed (both claims get their acknowledgment) and each separator is
// recorded once, however often routing runs, as a warning linked to the
// claims it concerns: the IK5's to the first claim only, the AK9's to
// both. A 999 whose second AK2 loop lacks its IK5 changes the meaning (no
// acknowledgment code for that set): that stays an error, and the set is
// treated as not accepted, as before. Another tenant sees nothing.
func TestRouterRecordsAckDeviations(t *testing.T) {
	w := newWorld(t, 2, true, "1 TEST ST, TESTVILLE, NY 99999")
	ctx := context.Background()
	for _, c := range w.claims {
		for i, st := range []string{"scrubbing", "ready"} {
			if err := w.s.RecordClaimProgress(ctx, store.ClaimProgress{ClaimID: c.ID, Attempt: 1, Seq: i + 1, Status: st, At: time.Now()}); err != nil {
				t.Fatal(err)
			}
		}
	}
	files := &recordingSender{}
	batch := &activities.BatchService{Records: w.s, Files: files, Receivers: map[string]activities.Receiver{"sim": {ID: "ZZCLEARING", Name: "TEST CLEARINGHOUSE"}}}
	if batches, err := batch.SubmitBatch(ctx, activities.BatchRequest{ClearinghouseID: "sim", RunID: "r1"}); err != nil || len(batches) != 1 {
		t.Fatalf("batch: %v %v", batches, err)
	}
	rep, err := edi.ValidateBytes(files.sent[0], nil)
	if err != nil {
		t.Fatal(err)
	}
	isa13 := rep.Interchanges[0].Control
	controls, err := w.s.BatchClaimControls(ctx, "sim", isa13)
	if err != nil || len(controls) != 2 {
		t.Fatalf("batch controls = %+v, %v", controls, err)
	}
	clean := writeX12(t, edi.Acknowledge(rep.Interchanges[0], edi.AckOptions{SenderID: "ZZCLEARING", ReceiverID: "ZZSUBMIT1", Usage: "T"}))
	// The first AK2 loop and whose claim it acknowledges.
	firstAK2 := bytes.Index(clean, []byte("AK2*837*"))
	if firstAK2 < 0 {
		t.Fatalf("no AK2 in the 999: %s", clean)
	}
	st02 := string(bytes.SplitN(clean[firstAK2:], []byte("*"), 4)[2])
	first, second := controls[0].ClaimID, controls[1].ClaimID
	if controls[1].ST02 == st02 {
		first, second = second, first
	}
	if n := bytes.Count(clean, []byte("~IK5*A~")); n != 2 {
		t.Fatalf("the 999 has %d accepted sets, want 2: %s", n, clean)
	}
	tolerant := bytes.Replace(clean, []byte("~IK5*A~"), []byte("~IK5*A*~"), 1)
	ak9 := bytes.Index(tolerant, []byte("~AK9*A*2*2*2~"))
	if ak9 < 0 {
		t.Fatalf("no AK9 accepting both sets: %s", clean)
	}
	tolerant = bytes.Replace(tolerant, []byte("~AK9*A*2*2*2~"), []byte("~AK9*A*2*2*2*~"), 1)
	tolerantKey, _ := files.SendFile(ctx, "", tolerant)
	// The meaning-changing one: the second set's IK5 is gone.
	i := bytes.LastIndex(clean, []byte("~IK5*A~"))
	broken := append(append([]byte{}, clean[:i]...), clean[i+len("~IK5*A"):]...)
	brokenKey, _ := files.SendFile(ctx, "", broken)

	tc := &recordingTemporal{}
	router := &activities.Router{Files: files, Records: w.s, Temporal: tc, TaskQueue: "claimflow", Deviations: w.s}
	for range 3 { // a retried activity records nothing twice
		res, err := router.Route(ctx, activities.InboundFile{Partner: "sim", Hash: tolerantKey})
		if err != nil {
			t.Fatal(err)
		}
		if res.Errors != 0 || res.Warnings != 2 || res.ClaimSignals != 2 {
			t.Fatalf("route the tolerant 999: %+v; want 2 warnings, no error, both claims signalled", res)
		}
	}
	for _, s := range tc.signals {
		if sig, ok := s.Arg.(activities.AckSignal); !ok || !sig.Accepted {
			t.Errorf("tolerant 999: signal %+v, want an accepting acknowledgment", s)
		}
	}
	var rows, links int
	if err := w.s.Pool.QueryRow(ctx, "SELECT (SELECT count(*) FROM inbound_deviations), (SELECT count(*) FROM inbound_deviation_claims)").Scan(&rows, &links); err != nil ||
		rows != 2 || links != 3 {
		t.Fatalf("recorded %d deviations with %d claim links (%v), want 2 and 3", rows, links, err)
	}

	biller := actorWithRole(t, w.s, w.org.ID, "ack-biller", "biller")
	for _, c := range []struct {
		claim string
		want  []string // segment IDs
	}{{first, []string{"AK9", "IK5"}}, {second, []string{"AK9"}}} {
		got, err := w.s.ClaimDeviations(ctx, biller, c.claim)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, d := range got {
			ids = append(ids, d.SegmentID)
			if d.TransactionSet != "999" || d.Code != "IK3 8" || d.Severity != rcm.DeviationWarning || d.Description == "" ||
				!strings.Contains(d.Where, d.SegmentID+"0") {
				t.Errorf("claim %s: deviation %+v", c.claim, d)
			}
		}
		if strings.Join(ids, ",") != strings.Join(c.want, ",") && !(len(ids) == 2 && ids[0] == c.want[1] && ids[1] == c.want[0]) {
			t.Errorf("claim %s shows deviations at %v, want %v", c.claim, ids, c.want)
		}
	}

	// The meaning-changing 999: recorded as an error, and the set without
	// its IK5 is not accepted (as routing has always read it).
	tc.signals = nil
	res, err := router.Route(ctx, activities.InboundFile{Partner: "sim", Hash: brokenKey})
	if err != nil {
		t.Fatal(err)
	}
	if res.Errors == 0 {
		t.Errorf("route the 999 missing an IK5: %+v; want an error", res)
	}
	for _, s := range tc.signals {
		sig := s.Arg.(activities.AckSignal)
		if s.WorkflowID == "claim/"+second && sig.Accepted {
			t.Errorf("the set without IK5 acknowledged as accepted: %+v", sig)
		}
	}
	got, err := w.s.ClaimDeviations(ctx, biller, second)
	if err != nil {
		t.Fatal(err)
	}
	errorsSeen := 0
	for _, d := range got {
		if d.Severity == rcm.DeviationError && d.SegmentID == "IK5" && d.Code == "IK3 3" {
			errorsSeen++
		}
	}
	if errorsSeen != 1 {
		t.Errorf("second claim's deviations %+v, want the missing IK5 as an error", got)
	}
	got, err = w.s.ClaimDeviations(ctx, biller, first)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range got {
		if d.Severity == rcm.DeviationError {
			t.Errorf("first claim shows the second set's error: %+v", d)
		}
	}

	// Another tenant sees neither claim's.
	other, err := w.s.CreateOrg(ctx, store.System, store.Org{Kind: "health_system", Name: "TEST OTHER TENANT"})
	if err != nil {
		t.Fatal(err)
	}
	otherAdmin := actorWithRole(t, w.s, other.ID, "ack-other", "admin")
	for _, id := range []string{first, second} {
		if got, err := w.s.ClaimDeviations(ctx, otherAdmin, id); !errors.Is(err, store.ErrNotFound) || len(got) != 0 {
			t.Errorf("other tenant: claim deviations %+v, %v; want ErrNotFound", got, err)
		}
	}
	var visible int
	if err := w.s.Pool.QueryRow(ctx, "SELECT count(*) FROM visible_inbound_deviations($1, 'claim:read')", otherAdmin.UserID).Scan(&visible); err != nil || visible != 0 {
		t.Errorf("other tenant's visible deviations = %d (%v), want 0", visible, err)
	}
}
