// Package workflows holds claimflow's Temporal workflows: plain functions
// that take and return one struct, deterministic, passing references (IDs,
// archive keys) rather than EDI bytes or PHI between steps.
package workflows

// Task queues, and the names of workflows, signals, queries and updates.
// Workflow IDs carry business meaning: smoke/<id>, claim/<claim-id>, ...
const (
	// DefaultTaskQueue is the queue the worker polls unless configured.
	DefaultTaskQueue = "claimflow"

	SmokeWorkflowName = "Smoke"
	// SmokeIDPrefix prefixes smoke workflow IDs.
	SmokeIDPrefix = "smoke/"
)
