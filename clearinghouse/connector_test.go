package clearinghouse_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/claimflow/claimflow/archive"
	"github.com/claimflow/claimflow/clearinghouse"
	"github.com/claimflow/claimflow/clearinghouse/sim"
	"github.com/claimflow/claimflow/edi"
	"github.com/claimflow/claimflow/internal/testenv"
	"github.com/claimflow/claimflow/store"
)

func TestBatchFixtureIsValid(t *testing.T) {
	t.Parallel()
	rep, err := edi.ValidateBytes(batch(7, 1, 3), nil)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() {
		t.Fatalf("synthetic batch has errors: %v", rep.Errors)
	}
}

// TestRoundTrip sends batches to the simulator, which answers each with a
// 999; polling archives and routes every answer and clears the folder.
func TestRoundTrip(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t)
	s := e.withSim(t, sim.Faults{}, nil)
	c := e.connector(t, nil)
	const n = 3
	for i := 0; i < n; i++ {
		sent, err := c.Send(ctx, batch(100+i, i*10, 2))
		if err != nil {
			t.Fatal(err)
		}
		if sent.Already {
			t.Fatalf("send %d: Already on first send", i)
		}
	}
	// Sending the same content again, by bytes or by archive key, uploads
	// nothing.
	again, err := c.Send(ctx, batch(100, 0, 2))
	if err != nil || !again.Already {
		t.Fatalf("resend: Already=%v err=%v, want a no-op", again.Already, err)
	}
	again, err = c.SendArchived(ctx, archive.Hash(batch(101, 10, 2)))
	if err != nil || !again.Already {
		t.Fatalf("resend: Already=%v err=%v, want a no-op", again.Already, err)
	}
	testenv.WaitFor(t, 10*time.Second, "the simulator to answer", func() bool { return len(s.Downloads("claimflow")) == n })
	res, err := c.Poll(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if res.Routed != n || res.Removed != n || res.Archived != n {
		t.Fatalf("poll: %+v, want %d archived, routed and removed", res, n)
	}
	if got := len(s.Received()); got != n {
		t.Fatalf("simulator received %d files, want %d", got, n)
	}
	if got := e.router.sets["999"]; got != n {
		t.Fatalf("routed 999s: got %d, want %d (sets %v)", got, n, e.router.sets)
	}
	if left := s.Downloads("claimflow"); len(left) != 0 {
		t.Fatalf("files left on the server: %v", left)
	}
	in, _ := e.archive.List(ctx, archive.Filter{Partner: "simch", Direction: archive.Inbound})
	out, _ := e.archive.List(ctx, archive.Filter{Partner: "simch", Direction: archive.Outbound})
	if len(in) != n || len(out) != n {
		t.Fatalf("archive: %d inbound, %d outbound, want %d each", len(in), len(out), n)
	}
	// A second poll finds nothing.
	if res, err := c.Poll(ctx); err != nil || res.Listed != 0 || e.router.calls != n {
		t.Fatalf("second poll: %+v, %v, routes %d", res, err, e.router.calls)
	}
}

// TestWrongHostKeyRefused: a server whose key is not the pinned one is
// never talked to.
func TestWrongHostKeyRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.withSim(t, sim.Faults{}, nil)
	other, err := sim.New(sim.Config{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	e.partner.HostKey = other.HostKeyLine()
	c := e.connector(t, nil)
	_, err = c.Poll(context.Background())
	if err == nil || !strings.Contains(err.Error(), "host key") {
		t.Fatalf("poll with a wrong pinned host key: got %v, want a host key mismatch", err)
	}
	// The activity's retry policy must stop on it: retrying cannot help.
	if !clearinghouse.IsPermanent(err) {
		t.Fatalf("a host key mismatch is not marked permanent: %v", err)
	}
	e.partner.HostKey = ""
	if _, err := clearinghouse.New(e.partner, clearinghouse.Options{Ledger: e.ledger, Archive: e.archive}); err == nil {
		t.Fatal("a partner without a pinned host key was accepted")
	}
}

var errKilled = errors.New("killed")

// crashAt returns a hook that kills the process the first time step is
// reached.
func crashAt(step string) func(string) error {
	done := false
	return func(s string) error {
		if s == step && !done {
			done = true
			return errKilled
		}
		return nil
	}
}

// sendSteps and pollSteps are every step boundary of Send and Poll.
var (
	sendSteps = []string{"send:archived", "send:recorded", "send:written", "send:renamed"}
	pollSteps = []string{"poll:listed", "poll:downloaded", "poll:archived", "poll:routed", "poll:removed"}
)

// server abstracts the SFTP server under test: the simulator or sshd.
type server struct {
	// received returns the hashes of files the server took from the
	// outbound folder.
	received func() []string
	// deliver places an inbound file for us.
	deliver func(name string, body []byte)
	// inbound lists the files waiting in the inbound folder.
	inbound func() []string
}

// testCrashes kills the connector at every step boundary of Send and Poll
// and runs a fresh connector over the same Postgres state: every file ends
// up sent once, archived once, routed, and removed from the server.
func testCrashes(t *testing.T, e *env, srv server) {
	ctx := context.Background()
	for i, step := range sendSteps {
		body := batch(500+i, 1000+10*i, 1)
		c := e.connector(t, crashAt(step))
		if _, err := c.Send(ctx, body); !errors.Is(err, errKilled) {
			t.Fatalf("%s: send: got %v, want the injected kill", step, err)
		}
		c.Close()
		// The restarted process finds the unfinished upload...
		c2 := e.connector(t, nil)
		if _, err := c2.ResumeSends(ctx); err != nil {
			t.Fatalf("%s: resume: %v", step, err)
		}
		// ...and the workflow's retry of the same Send is a no-op.
		if _, err := c2.Send(ctx, body); err != nil {
			t.Fatalf("%s: retried send: %v", step, err)
		}
		h := archive.Hash(body)
		testenv.WaitFor(t, 10*time.Second, step+": upload to arrive", func() bool { return count(srv.received(), h) >= 1 })
		if got := count(srv.received(), h); got != 1 {
			t.Fatalf("%s: server received the file %d times, want 1", step, got)
		}
	}
	routedBefore := e.router.calls
	for i, step := range pollSteps {
		body := batch(600+i, 2000+10*i, 1) // any X12 file will do as an inbound file
		srv.deliver("answer-"+step[5:]+".x12", body)
		h := archive.Hash(body)
		c := e.connector(t, crashAt(step))
		if _, err := c.Poll(ctx); !errors.Is(err, errKilled) {
			t.Fatalf("%s: poll: got %v, want the injected kill", step, err)
		}
		c.Close()
		c2 := e.connector(t, nil)
		if _, err := c2.Poll(ctx); err != nil {
			t.Fatalf("%s: poll after restart: %v", step, err)
		}
		want := 1
		if step == "poll:routed" {
			want = 2 // killed after Route, before recording it: routed again (at least once)
		}
		if got := e.router.byHash[h]; got != want {
			t.Fatalf("%s: routed %d times, want %d", step, got, want)
		}
		if st, err := e.archive.Stat(ctx, h); err != nil || st.Direction != archive.Inbound {
			t.Fatalf("%s: not archived: %v", step, err)
		}
		if left := srv.inbound(); len(left) != 0 {
			t.Fatalf("%s: files left on the server: %v", step, left)
		}
	}
	if got, want := e.router.calls-routedBefore, len(pollSteps)+1; got != want {
		t.Fatalf("route calls: got %d, want %d", got, want)
	}
	counts, err := e.ledger.InboundCounts(ctx, e.partner.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(counts) != 1 || counts["removed"] < len(pollSteps) {
		t.Fatalf("ledger: %v, want every file removed", counts)
	}
}

func count(list []string, s string) int {
	n := 0
	for _, x := range list {
		if x == s {
			n++
		}
	}
	return n
}

func TestCrashBetweenStepsSim(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	// The simulator answers nothing, so only the files the test delivers
	// appear in the inbound folder.
	s := e.withSim(t, sim.Faults{}, silent{})
	testCrashes(t, e, server{
		received: func() []string {
			var out []string
			for _, r := range s.Received() {
				out = append(out, r.Hash)
			}
			return out
		},
		deliver: func(name string, body []byte) { s.Put("claimflow", sim.OutboundFile{Name: name, Body: body}) },
		inbound: func() []string { return s.Downloads("claimflow") },
	})
}

// TestConcurrentSends runs more concurrent sends than the Postgres pool has
// connections: the partner lock must not starve the ledger's queries.
func TestConcurrentSends(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t)
	s := e.withSim(t, sim.Faults{}, silent{})
	const n = 12
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		go func() {
			c := e.connector(t, nil)
			_, err := c.Send(ctx, batch(700+i, 7000+i*10, 1))
			errs <- err
		}()
	}
	for i := 0; i < n; i++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	testenv.WaitFor(t, 10*time.Second, "uploads", func() bool { return len(s.Received()) == n })
}

// TestRedelivery: a partner that puts the very same file (name, size and
// time) back after we removed it gets it recognised as a duplicate: taken
// off the server, not routed again.
func TestRedelivery(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t)
	s := e.withSim(t, sim.Faults{}, silent{})
	c := e.connector(t, nil)
	body := batch(800, 8000, 1)
	file := filepath.Join(s.Dir("claimflow", "download"), "answer.x12")
	when := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for i := 0; i < 3; i++ {
		if err := os.WriteFile(file, body, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(file, when, when); err != nil {
			t.Fatal(err)
		}
		res, err := c.Poll(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if res.Removed != 1 || res.Duplicates != min(i, 1) {
			t.Fatalf("delivery %d: %+v, want it removed (and a duplicate after the first)", i+1, res)
		}
	}
	if e.router.calls != 1 {
		t.Fatalf("routed %d times, want once", e.router.calls)
	}
	counts, _ := e.ledger.InboundCounts(ctx, e.partner.ID)
	if counts["removed"] != 1 || counts["removed/duplicate"] != 2 {
		t.Fatalf("ledger %v", counts)
	}
}

// TestPollStopsWhenArchivedAdvanceFails is the regression test for a lost
// ledger error: when recording "archived" fails (here the row changed under
// the connector, so the advance finds no row in the state it expects), the
// file must not go on to be routed as if the step were recorded.
func TestPollStopsWhenArchivedAdvanceFails(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t)
	s := e.withSim(t, sim.Faults{}, silent{})
	s.Put("claimflow", sim.OutboundFile{Name: "answer.x12", Body: batch(950, 9500, 1)})
	c := e.connector(t, func(step string) error {
		if step == "poll:archived" {
			// Another writer moves the row on: InboundAdvance(downloaded →
			// archived) now matches no row and returns ErrStateChanged.
			_, err := e.ledger.Pool.Exec(ctx, `UPDATE clearinghouse_inbound SET state = 'listed' WHERE partner = $1`, e.partner.ID)
			return err
		}
		return nil
	})
	res, err := c.Poll(ctx)
	if !errors.Is(err, store.ErrStateChanged) {
		t.Fatalf("poll: got %v, want the failed advance (store.ErrStateChanged)", err)
	}
	if e.router.calls != 0 || res.Routed != 0 {
		t.Fatalf("routed %d times (result %+v) after the archived state failed to record; want 0", e.router.calls, res)
	}
}

// TestPollResumesFromProgress: a Poll killed mid-way reported its progress
// after each step; the retried attempt resumed from that progress does not
// list the folder again (a file that arrived in between waits for the next
// poll), finishes the files the ledger has open, and its result covers both
// attempts.
func TestPollResumesFromProgress(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t)
	s := e.withSim(t, sim.Faults{}, silent{})
	for i := 0; i < 3; i++ {
		s.Put("claimflow", sim.OutboundFile{Name: fmt.Sprintf("answer-%d.x12", i), Body: batch(960+i, 9600+10*i, 1)})
	}
	removed := 0
	c := e.connector(t, func(step string) error {
		if step == "poll:removed" {
			if removed++; removed == 2 {
				return errKilled // the second file is off the server, its removal not yet recorded
			}
		}
		return nil
	})
	var last clearinghouse.PollProgress
	reports := 0
	_, err := c.PollFrom(ctx, clearinghouse.PollProgress{}, func(p clearinghouse.PollProgress) { last = p; reports++ })
	if !errors.Is(err, errKilled) {
		t.Fatalf("first attempt: got %v, want the injected kill", err)
	}
	if !last.Listed || last.Result.Listed != 3 || last.Result.Removed != 1 || last.Result.Routed != 2 || reports < 5 {
		t.Fatalf("last progress %+v after %d reports; want listed 3, routed 2, removed 1", last, reports)
	}
	c.Close()
	s.Put("claimflow", sim.OutboundFile{Name: "late.x12", Body: batch(970, 9700, 1)})

	c2 := e.connector(t, nil)
	res, err := c2.PollFrom(ctx, last, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := clearinghouse.PollResult{Listed: 3, Archived: 3, Routed: 3, Removed: 3}
	if res != want {
		t.Fatalf("resumed attempt: %+v, want %+v (both attempts, no second listing)", res, want)
	}
	if e.router.calls != 3 {
		t.Fatalf("routed %d times, want 3", e.router.calls)
	}
	if left := s.Downloads("claimflow"); len(left) != 1 || left[0] != "late.x12" {
		t.Fatalf("files left on the server: %v, want only the late one (not listed by the resumed attempt)", left)
	}
	// The next poll, a fresh one, lists it.
	if res, err := c2.Poll(ctx); err != nil || res.Listed != 1 || res.Routed != 1 {
		t.Fatalf("next poll: %+v, %v; want the late file listed and routed", res, err)
	}
}

// TestOversizeFileIsPermanent: a file over MaxFileSize fails the poll with
// an error marked permanent (the activity makes it non-retryable), and
// stays recorded as failed for staff.
func TestOversizeFileIsPermanent(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	s := e.withSim(t, sim.Faults{}, silent{})
	e.partner.MaxFileSize = 64
	s.Put("claimflow", sim.OutboundFile{Name: "big.x12", Body: batch(980, 9800, 1)})
	c := e.connector(t, nil)
	res, err := c.Poll(context.Background())
	if err == nil || !clearinghouse.IsPermanent(err) || res.Failed != 1 {
		t.Fatalf("poll of an oversize file: %+v, %v; want one failure marked permanent", res, err)
	}
	if e.router.calls != 0 {
		t.Fatal("an oversize file was routed")
	}
}
