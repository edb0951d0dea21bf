package chaos

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

// The Temporal server's ceiling for trivial work, measured on the server
// claimflow runs on (issue 20, "Throughput near the ceiling"): workflows
// that run a given number of activities that do nothing, so the claims/s
// of the lifecycle can be put beside what the same server manages when
// the work itself costs nothing.

func trivialActivity(ctx context.Context, i int) (int, error) {
	_ = activity.GetInfo(ctx)
	return i + 1, nil
}

// TrivialInput says how many activities a trivial workflow runs: as a
// claim's workflow mixes activities and local activities, so does it.
type TrivialInput struct {
	Activities      int
	LocalActivities int
	Seed            int
}

// TrivialWorkflow runs in.Activities trivial activities and then
// in.LocalActivities trivial local activities, one after another.
func TrivialWorkflow(ctx workflow.Context, in TrivialInput) (int, error) {
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: time.Minute})
	lctx := workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{StartToCloseTimeout: time.Minute})
	i := in.Seed
	for range in.Activities {
		if err := workflow.ExecuteActivity(actx, trivialActivity, i).Get(ctx, &i); err != nil {
			return 0, err
		}
	}
	for range in.LocalActivities {
		if err := workflow.ExecuteLocalActivity(lctx, trivialActivity, i).Get(ctx, &i); err != nil {
			return 0, err
		}
	}
	return i, nil
}

// Ceiling runs n trivial workflows of the given activity counts, inflight
// at once, on task queue "ceiling" with a worker in this process whose
// pollers are set as claimflow's worker sets them (8 + 8), and returns the
// workflows per second.
func Ceiling(ctx context.Context, c client.Client, n int, in TrivialInput, inflight int) (float64, time.Duration, error) {
	w := worker.New(c, "ceiling", worker.Options{MaxConcurrentWorkflowTaskPollers: 8, MaxConcurrentActivityTaskPollers: 8})
	w.RegisterWorkflow(TrivialWorkflow)
	w.RegisterActivity(trivialActivity)
	if err := w.Start(); err != nil {
		return 0, 0, err
	}
	defer w.Stop()
	run := time.Now().UnixNano()
	start := time.Now()
	var next, done atomic.Int64
	var mu sync.Mutex
	var first error
	var wg sync.WaitGroup
	for range max(inflight, 1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1)
				if i > int64(n) {
					return
				}
				r, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: fmt.Sprintf("ceiling/%d/%d", run, i), TaskQueue: "ceiling"},
					TrivialWorkflow, TrivialInput{Activities: in.Activities, LocalActivities: in.LocalActivities, Seed: int(i)})
				if err == nil {
					err = r.Get(ctx, nil)
				}
				if err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
					return
				}
				done.Add(1)
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	return float64(done.Load()) / elapsed.Seconds(), elapsed, first
}
