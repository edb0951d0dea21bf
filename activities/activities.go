// Package activities holds claimflow's Temporal activities: methods on one
// struct that carries the injected adapters (store, archive, clearinghouse,
// notify, payments). Workflows reference them through a nil typed pointer.
package activities

import (
	"context"
	"errors"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/claimflow/claimflow/rcm"
)

// Records is the records store as the smoke and revenue activities use it
// (package store's *Store provides it).
type Records interface {
	PutSmokeRun(ctx context.Context, r rcm.SmokeRun) error
	GetSmokeRun(ctx context.Context, id string) (rcm.SmokeRun, error)
	ClaimPatientID(ctx context.Context, claimID string) (string, error)
}

// Activities holds the dependencies every activity may use.
type Activities struct {
	Store Records
	// Claims, Inquirer and Appeals serve the claim lifecycle.
	Claims   ClaimService
	Inquirer StatusInquirer
	Appeals  AppealFiler
	// Remits, Batches and Eligibility serve remittance posting, batch
	// submission and eligibility checks.
	Remits      RemittancePoster
	Batches     BatchSubmitter
	Eligibility EligibilityChecker
	// COB moves a paid claim to the patient's next payer (activities/cob.go).
	COB COBRecords
	// Inbound polls clearinghouses for acknowledgments and remittances.
	Inbound Poller
	// AuditCheckpoints exports the audit log's signed checkpoints.
	AuditCheckpoints AuditCheckpointer
	// PriorAuth sends 278 prior authorization requests (priorauth.go).
	PriorAuth *PriorAuthService
	// Signaller tells claim workflows (tellclaims.go); nil: the worker's
	// client.
	Signaller ClaimSignaller
	// WorkerID names this worker process in results (host and PID).
	WorkerID string
}

// SmokeWriteInput is the row the smoke workflow writes.
type SmokeWriteInput struct {
	ID      string
	Message string
}

// SmokeWriteResult tells which worker wrote it.
type SmokeWriteResult struct{ Worker string }

// SmokeWrite writes the smoke row; repeating it is harmless.
func (a *Activities) SmokeWrite(ctx context.Context, in SmokeWriteInput) (SmokeWriteResult, error) {
	if err := a.Store.PutSmokeRun(ctx, rcm.SmokeRun{ID: in.ID, Message: in.Message, WrittenBy: a.WorkerID}); err != nil {
		return SmokeWriteResult{}, err
	}
	return SmokeWriteResult{Worker: a.WorkerID}, nil
}

// SmokeReadResult is the row as read back.
type SmokeReadResult struct {
	Message string
	Worker  string
}

// SmokeRead reads the smoke row back.
func (a *Activities) SmokeRead(ctx context.Context, id string) (SmokeReadResult, error) {
	r, err := a.Store.GetSmokeRun(ctx, id)
	if errors.Is(err, rcm.ErrNotFound) {
		return SmokeReadResult{}, temporal.NewNonRetryableApplicationError("smoke row missing", "SmokeRowMissing", err)
	}
	if err != nil {
		return SmokeReadResult{}, err
	}
	return SmokeReadResult{Message: r.Message, Worker: a.WorkerID}, nil
}

// SmokeHold waits for d, heartbeating, so a killed worker is noticed within
// the heartbeat timeout and the activity retried on another worker.
func (a *Activities) SmokeHold(ctx context.Context, d time.Duration) error {
	deadline := time.Now().Add(d)
	t := time.NewTicker(250 * time.Millisecond)
	defer t.Stop()
	for time.Now().Before(deadline) {
		activity.RecordHeartbeat(ctx, a.WorkerID)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
	return nil
}
