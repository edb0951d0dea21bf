package activities

import (
	"context"
	"errors"
	"sync"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
)

// Error types of permanent failures from the clearinghouse adapters. An
// adapter makes one attempt per activity try and leaves retrying to the
// activity's retry policy; these stop that retry.
const (
	// ErrTypeClearinghouseRejected: the SFTP exchange cannot succeed as
	// configured (host key mismatch, refused client key, an inbound file
	// over the size limit or changed after download).
	ErrTypeClearinghouseRejected = "ClearinghouseRejected"
	// ErrTypeRealTimeRejected: the CORE endpoint refused the request
	// itself (HTTP 4xx: authentication, envelope, PayloadID reused).
	ErrTypeRealTimeRejected = "RealTimeRejected"
)

// permanentError is what an adapter's error implements when repeating the
// same call cannot succeed (clearinghouse.IsPermanent reads the same).
type permanentError interface{ Permanent() bool }

// nonRetryableIfPermanent makes err non-retryable under typ when an
// adapter marked it permanent; other errors stay retryable.
func nonRetryableIfPermanent(err error, typ string) error {
	var p permanentError
	if err != nil && errors.As(err, &p) && p.Permanent() {
		return temporal.NewNonRetryableApplicationError(err.Error(), typ, err)
	}
	return err
}

// resumeFrom fills progress with the last heartbeat details of a previous
// attempt of this activity, if there were any; it reports whether it did.
func resumeFrom(ctx context.Context, progress any) bool {
	if !activity.IsActivity(ctx) || !activity.HasHeartbeatDetails(ctx) {
		return false
	}
	return activity.GetHeartbeatDetails(ctx, progress) == nil
}

// progressHeartbeats records progress as the activity's heartbeat details,
// for a retried attempt to resume from. Every heartbeat carries the latest
// progress: record sends it at once (the SDK throttles), and a ticker
// repeats the latest every interval, so a single long transfer (bounded by
// the partner's per-operation timeout) does not look like a dead worker.
// Call stop when the work ends.
func progressHeartbeats(ctx context.Context, initial any, every time.Duration) (record func(progress any), stop func()) {
	if !activity.IsActivity(ctx) {
		return func(any) {}, func() {}
	}
	var mu sync.Mutex
	latest := initial
	activity.RecordHeartbeat(ctx, initial)
	record = func(progress any) {
		mu.Lock()
		latest = progress
		mu.Unlock()
		activity.RecordHeartbeat(ctx, progress)
	}
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-t.C:
				mu.Lock()
				p := latest
				mu.Unlock()
				activity.RecordHeartbeat(ctx, p)
			}
		}
	}()
	return record, func() { close(done) }
}
