package activities

import (
	"context"

	"go.temporal.io/sdk/temporal"
)

// AuditCheckpointer exports a signed checkpoint of the audit log's chain
// heads to the archive and returns its archive key.
type AuditCheckpointer interface {
	ExportAuditCheckpoint(ctx context.Context) (string, error)
}

// AuditCheckpointResult names the exported checkpoint.
type AuditCheckpointResult struct {
	ArchiveKey string
}

// ExportAuditCheckpoint exports one audit checkpoint (one attempt; the
// workflow's retry policy does the rest).
func (a *Activities) ExportAuditCheckpoint(ctx context.Context) (AuditCheckpointResult, error) {
	if a.AuditCheckpoints == nil {
		return AuditCheckpointResult{}, temporal.NewNonRetryableApplicationError("audit checkpoints need the archive", "AuditCheckpointsNotWired", nil)
	}
	key, err := a.AuditCheckpoints.ExportAuditCheckpoint(ctx)
	return AuditCheckpointResult{ArchiveKey: key}, err
}
