package fhirimport

import (
	"context"
	"encoding/json"
	"sync"
	"time"

	"github.com/claimflow/claimflow/rcm"
)

// Ongoing sync (issue 21): a scheduled pass of an organisation's sync is an
// import run over what changed in the EHR since the sync's high-water
// mark: the appointments, encounters and ChargeItems searched with
// _lastUpdated=gt<mark> (and each changed encounter's full set of
// ChargeItems), with the Locations that give encounters their place of
// service. The run is validated and committed by the import's own steps;
// at commit, a record imported before is compared with claimflow's and
// its change applied, or flagged when its claim already went out
// (store.SyncAppointment, store.SyncEncounter).

// SyncStore is what a sync pass needs of the store beyond the import's.
type SyncStore interface {
	BeginSyncRun(ctx context.Context, syncID string) (rcm.ImportSync, rcm.ImportRun, error)
	RaiseImportHighWater(ctx context.Context, runID string, t time.Time) error
	FinishSyncRun(ctx context.Context, syncID, runID string, committed bool, errText string) (rcm.ImportSync, error)
	SyncAppointment(ctx context.Context, a rcm.Actor, k rcm.ImportKey, seq int, syncID string, b rcm.Booking) error
	SyncEncounter(ctx context.Context, a rcm.Actor, k rcm.ImportKey, seq int, syncID string, charges []ImportItem, e rcm.Encounter) error
}

// SyncTypes are the resource types a sync pass fetches, in Order.
var SyncTypes = []string{"Location", "Appointment", "ChargeItem", "Encounter"}

// SyncInput names the sync a scheduled pass runs for (the schedule's
// workflow argument).
type SyncInput struct {
	SyncID string `json:"sync_id"`
}

// SyncBegin creates the pass's import run and answers the import's input:
// the sync's server, organisation and user, and its high-water mark.
func (a *Activities) SyncBegin(ctx context.Context, in SyncInput) (Input, error) {
	x, run, err := a.Store.BeginSyncRun(ctx, in.SyncID)
	if err != nil {
		return Input{}, err
	}
	out := Input{RunID: run.ID, OrgID: x.OrgID, UserID: x.CreatedBy, Source: rcm.ImportSourceFHIR, Server: x.Server,
		Types: SyncTypes, SyncID: x.ID}
	if x.HighWater != nil {
		out.Since = x.HighWater.UTC().Format(time.RFC3339Nano)
	}
	return out, nil
}

// SyncFinishInput ends a pass.
type SyncFinishInput struct {
	SyncID    string `json:"sync_id"`
	RunID     string `json:"run_id"`
	Committed bool   `json:"committed"`
	Error     string `json:"error,omitempty"`
}

// SyncFinish moves the sync's high-water mark after a committed pass
// (or records a failed pass's error, leaving the mark).
func (a *Activities) SyncFinish(ctx context.Context, in SyncFinishInput) error {
	_, err := a.Store.FinishSyncRun(ctx, in.SyncID, in.RunID, in.Committed, in.Error)
	return err
}

// highWater follows the greatest meta.lastUpdated of the resources a
// pass fetched.
type highWater struct {
	mu  sync.Mutex
	max time.Time
}

func (h *highWater) watch(emit Emit) Emit {
	return func(typ, id string, body []byte) error {
		if typ == "Location" { // fetched whole each pass, not by lastUpdated
			return emit(typ, id, body)
		}
		var head struct {
			Meta struct {
				LastUpdated string `json:"lastUpdated"`
			} `json:"meta"`
		}
		if json.Unmarshal(body, &head) == nil {
			if t, err := time.Parse(time.RFC3339Nano, head.Meta.LastUpdated); err == nil {
				h.mu.Lock()
				if t.After(h.max) {
					h.max = t
				}
				h.mu.Unlock()
			}
		}
		return emit(typ, id, body)
	}
}

func (h *highWater) record(ctx context.Context, st Store, runID string) error {
	if h.max.IsZero() {
		return nil
	}
	return st.RaiseImportHighWater(ctx, runID, h.max)
}
