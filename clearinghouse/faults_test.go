package clearinghouse_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/claimflow/claimflow/archive"
	"github.com/claimflow/claimflow/clearinghouse"
	"github.com/claimflow/claimflow/clearinghouse/sim"
)

// TestManyFilesEveryFault sends 1,000 claims in 100 batch files to a
// simulator with every fault switched on (dropped connections before and
// after operations, slow replies, duplicate and malformed answer files,
// answers delivered out of order), while the connector itself is killed at
// random step boundaries and restarted. At the end every file is uploaded
// once, archived once, every answer is routed, and the folders are empty.
func TestManyFilesEveryFault(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("long: 100 files through every fault")
	}
	const files, perFile = 100, 10
	ctx := context.Background()
	e := newEnv(t)
	s := e.withSim(t, sim.Faults{Drop: 0.05, Slow: 0.05, SlowBy: 20 * time.Millisecond,
		Duplicate: 0.15, Malformed: 0.1, Reorder: 7, Seed: 6}, nil)

	rng := rand.New(rand.NewPCG(6, 1))
	kills := 0
	// maybeCrash kills the connector at about one step boundary in 40.
	maybeCrash := func(string) error {
		if rng.IntN(40) == 0 {
			kills++
			return errKilled
		}
		return nil
	}
	bodies := make([][]byte, files)
	want := map[string]bool{}
	for i := range bodies {
		bodies[i] = batch(1000+i, i*perFile, perFile)
		want[archive.Hash(bodies[i])] = true
	}
	// Send everything; a killed or failed send is retried by a fresh
	// connector, as a workflow activity retry would.
	c := e.connector(t, maybeCrash)
	for i := 0; i < files; i++ {
		for try := 0; ; try++ {
			_, err := c.Send(ctx, bodies[i])
			if err == nil {
				break
			}
			if try > 20 {
				t.Fatalf("send %d: %v", i, err)
			}
			if errors.Is(err, errKilled) {
				c.Close()
				c = e.connector(t, maybeCrash)
			}
		}
	}
	received := map[string]int{}
	for _, r := range s.Received() {
		received[r.Hash]++
	}
	for h := range want {
		if received[h] != 1 {
			t.Fatalf("file %s received %d times by the clearinghouse, want 1", h[:12], received[h])
		}
	}
	if len(received) != files {
		t.Fatalf("clearinghouse received %d distinct files, want %d", len(received), files)
	}

	// Poll until every answer is routed and nothing is left.
	deadline := time.Now().Add(90 * time.Second)
	for polls := 1; ; polls++ {
		if _, err := c.Poll(ctx); errors.Is(err, errKilled) {
			c.Close()
			c = e.connector(t, maybeCrash)
		}
		if e.router.distinct() >= files && len(s.Downloads("claimflow")) == 0 {
			t.Logf("%d polls", polls)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %d polls: %d answers routed, %d files waiting", polls, e.router.distinct(), len(s.Downloads("claimflow")))
		}
	}
	// One more clean poll settles files killed mid-way on the last round.
	c.Close()
	c = e.connector(t, nil)
	// The server's faults are still on and the client makes one attempt
	// per call (retries are Temporal's): retry a dropped connection as the
	// activity's retry policy would, nothing permanent.
	for try := 1; ; try++ {
		_, err := c.Poll(ctx)
		if err == nil {
			break
		}
		if clearinghouse.IsPermanent(err) || try == 10 {
			t.Fatalf("clean poll, try %d: %v", try, err)
		}
	}

	counts := s.Counts()
	t.Logf("faults injected: %+v; connector kills: %d; route calls %d for %d answers", counts, kills, e.router.calls, e.router.distinct())
	if counts.Drops == 0 || counts.Duplicates == 0 || counts.Malformed == 0 || counts.Reordered == 0 || counts.Slows == 0 || kills == 0 {
		t.Fatalf("not every fault happened: %+v, kills %d", counts, kills)
	}
	if got := e.router.distinct(); got != files {
		t.Fatalf("routed %d distinct answers, want %d", got, files)
	}
	ledger, err := e.ledger.InboundCounts(ctx, e.partner.ID)
	if err != nil {
		t.Fatal(err)
	}
	if ledger["removed"] != files || ledger["removed/duplicate"] != int(counts.Duplicates) || len(ledger) != 2 {
		t.Fatalf("ledger %v: want %d files removed and %d duplicates", ledger, files, counts.Duplicates)
	}
	out, _ := e.archive.List(ctx, archive.Filter{Partner: e.partner.ID, Direction: archive.Outbound})
	in, _ := e.archive.List(ctx, archive.Filter{Partner: e.partner.ID, Direction: archive.Inbound})
	if len(out) != files || len(in) != files {
		t.Fatalf("archive holds %d outbound and %d inbound files, want %d each", len(out), len(in), files)
	}
}
