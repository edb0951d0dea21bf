package rcm

import (
	"errors"
	"time"
)

// ErrNoClaimWrite: the actor sees the record but may not act on it
// (claim:write at its organisation).
var ErrNoClaimWrite = errors.New("store: acting on this record needs claim:write at its organisation")

// RemittanceVersion is what changes when the remittance view does.
type RemittanceVersion struct {
	Remittances   int
	Reconciled    int
	OpenWorkItems int
	Latest        time.Time
}

// WorkResolution is a person's answer to a work item.
type WorkResolution struct {
	Resolution string
	Note       string
}

// ResolvedWorkItem is a work item with its resolution.
type ResolvedWorkItem struct {
	WorkItem
	Resolution string    `json:"resolution"`
	Note       string    `json:"note"`
	ResolvedBy string    `json:"resolved_by"`
	ResolvedAt time.Time `json:"resolved_at"`
}
