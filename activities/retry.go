package activities

import (
	"context"
	"errors"

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

// heartbeat records progress as the activity's heartbeat details, for a
// retried attempt to resume from.
func heartbeat(ctx context.Context, progress any) {
	if activity.IsActivity(ctx) {
		activity.RecordHeartbeat(ctx, progress)
	}
}
