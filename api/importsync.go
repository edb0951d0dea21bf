package api

import (
	"context"
	"net/http"
	"slices"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/claimflow/claimflow/rcm"
)

// Ongoing EHR sync (issue 21): register a sync (a FHIR server configured on
// the worker and an interval; its Temporal Schedule runs the passes), list
// syncs and their passes, run a pass now, pause, resume or delete a sync
// (its Schedule with it; a deleted sync stays as the history of its runs
// and flags), and the flags: EHR changes to records whose claim already
// went out, which staff acknowledge or dismiss.

// ImportSyncRecords is the store's side of syncs.
type ImportSyncRecords interface {
	CreateImportSync(ctx context.Context, a rcm.Actor, in rcm.ImportSync) (rcm.ImportSync, error)
	GetImportSync(ctx context.Context, a rcm.Actor, id string) (rcm.ImportSync, error)
	ListImportSyncs(ctx context.Context, a rcm.Actor) ([]rcm.ImportSync, error)
	SyncRuns(ctx context.Context, a rcm.Actor, syncID string, limit int) ([]rcm.ImportRun, error)
	ListImportSyncFlags(ctx context.Context, a rcm.Actor, status string, limit int) ([]rcm.ImportSyncFlag, error)
	ResolveImportSyncFlag(ctx context.Context, a rcm.Actor, id, status string) (rcm.ImportSyncFlag, error)
	// SetImportSyncState records a pause, resume or delete after apply
	// acted on the Schedule, under the row's lock (nothing when it fails).
	SetImportSyncState(ctx context.Context, a rcm.Actor, id, state string, apply func(context.Context, rcm.ImportSync) error) (rcm.ImportSync, error)
}

// ImportSyncs configures the sync endpoints.
type ImportSyncs struct {
	Records ImportSyncRecords
	// Schedule creates (or updates) a sync's Temporal Schedule; Trigger
	// runs its pass now.
	Schedule func(ctx context.Context, x rcm.ImportSync) error
	Trigger  func(ctx context.Context, syncID string) error
	// Pause, Resume and Delete act on the sync's Schedule (Resume creates
	// it again if it is missing).
	Pause  func(ctx context.Context, syncID string) error
	Resume func(ctx context.Context, x rcm.ImportSync) error
	Delete func(ctx context.Context, syncID string) error
	// Servers are the FHIR server names the worker is configured for (nil:
	// not checked here; the pass fails naming an unknown server).
	Servers []string
}

// ImportSyncRequest is the body of POST /v1/imports/syncs.
type ImportSyncRequest struct {
	OrgID  string `json:"org_id"`
	Server string `json:"server"`
	// Every is the interval between passes, a Go duration ("15m", "1h").
	Every string `json:"every"`
}

// ImportSyncView is a sync as the API shows it. NextRunAt is when its
// Schedule next starts a pass (none while paused or deleted); LastPass is
// its newest pass (in the list), which may still be running.
type ImportSyncView struct {
	rcm.ImportSync
	Every     string         `json:"every"`
	NextRunAt *time.Time     `json:"next_run_at,omitempty"`
	LastPass  *ImportStatus  `json:"last_pass,omitempty"`
	Runs      []ImportStatus `json:"runs,omitempty"`
}

func syncView(x rcm.ImportSync) ImportSyncView {
	v := ImportSyncView{ImportSync: x, Every: x.Every.String()}
	if x.State == rcm.SyncActive {
		next := nextInterval(time.Now(), x.Every)
		v.NextRunAt = &next
	}
	return v
}

// nextInterval is the next time an interval Schedule of this period
// fires: Temporal's interval specs match the Unix epoch plus a multiple of
// the period (the sync's Schedule has no offset).
func nextInterval(now time.Time, every time.Duration) time.Time {
	if every <= 0 {
		return now.UTC()
	}
	n := now.UnixNano()/int64(every) + 1
	return time.Unix(0, n*int64(every)).UTC()
}

// ResolveFlagRequest is the body of POST /v1/imports/sync-flags/{id}.
type ResolveFlagRequest struct {
	Status string `json:"status"`
}

// MountImportSyncs adds the sync endpoints to the /v1 API.
func (s *Server) MountImportSyncs(im ImportSyncs) {
	s.router.Group(func(r chi.Router) {
		r.Use(s.authenticate)
		r.Post("/v1/imports/syncs", s.handle(rcm.PermPatientWrite, func(r *http.Request, a rcm.Actor) (int, any, error) {
			var in ImportSyncRequest
			if err := decode(r, &in); err != nil {
				return 0, nil, err
			}
			x := rcm.ImportSync{OrgID: in.OrgID, Server: in.Server}
			var pr rcm.Problems
			if in.Every == "" {
				pr.Add("/every", "is required: a duration such as 15m or 1h")
			} else if d, err := time.ParseDuration(in.Every); err != nil {
				pr.Add("/every", "is not a duration such as 15m or 1h")
			} else {
				x.Every = d
			}
			if im.Servers != nil && in.Server != "" && !slices.Contains(im.Servers, in.Server) {
				pr.Add("/server", "is not a FHIR server configured on the worker (CLAIMFLOW_FHIR_SERVERS)")
			}
			if err := pr.Err(); err != nil {
				return 0, nil, err
			}
			x, err := im.Records.CreateImportSync(r.Context(), a, x)
			if err != nil {
				return 0, nil, err
			}
			if err := im.Schedule(r.Context(), x); err != nil {
				return 0, nil, err
			}
			return http.StatusCreated, syncView(x), nil
		}))
		r.Get("/v1/imports/syncs", s.handle(rcm.PermPatientWrite, func(r *http.Request, a rcm.Actor) (int, any, error) {
			xs, err := im.Records.ListImportSyncs(r.Context(), a)
			if err != nil {
				return 0, nil, err
			}
			out := make([]ImportSyncView, len(xs))
			for i, x := range xs {
				out[i] = syncView(x)
				last, err := im.Records.SyncRuns(r.Context(), a, x.ID, 1)
				if err != nil {
					return 0, nil, err
				}
				if len(last) == 1 {
					out[i].LastPass = &ImportStatus{last[0], last[0].Done()}
				}
			}
			return http.StatusOK, struct {
				Items []ImportSyncView `json:"items"`
			}{out}, nil
		}))
		r.Get("/v1/imports/syncs/{id}", s.handle(rcm.PermPatientWrite, func(r *http.Request, a rcm.Actor) (int, any, error) {
			x, err := im.Records.GetImportSync(r.Context(), a, chi.URLParam(r, "id"))
			if err != nil {
				return 0, nil, err
			}
			v := syncView(x)
			runs, err := im.Records.SyncRuns(r.Context(), a, x.ID, 20)
			if err != nil {
				return 0, nil, err
			}
			for _, run := range runs {
				v.Runs = append(v.Runs, ImportStatus{run, run.Done()})
			}
			return http.StatusOK, v, nil
		}))
		r.Post("/v1/imports/syncs/{id}/run", s.handle(rcm.PermPatientWrite, func(r *http.Request, a rcm.Actor) (int, any, error) {
			x, err := im.Records.GetImportSync(r.Context(), a, chi.URLParam(r, "id"))
			if err != nil {
				return 0, nil, err
			}
			switch x.State {
			case rcm.SyncPaused:
				return 0, nil, &rcm.ValidationError{Fields: []rcm.FieldProblem{{Pointer: "/state", Detail: "the sync is paused: resume it to run a pass"}}}
			case rcm.SyncDeleted:
				return 0, nil, &rcm.ValidationError{Fields: []rcm.FieldProblem{{Pointer: "/state", Detail: "the sync is deleted"}}}
			}
			if err := im.Trigger(r.Context(), x.ID); err != nil {
				return 0, nil, err
			}
			return http.StatusAccepted, syncView(x), nil
		}))
		setState := func(state string, apply func(context.Context, rcm.ImportSync) error) http.HandlerFunc {
			return s.handle(rcm.PermPatientWrite, func(r *http.Request, a rcm.Actor) (int, any, error) {
				x, err := im.Records.SetImportSyncState(r.Context(), a, chi.URLParam(r, "id"), state, apply)
				if err != nil {
					return 0, nil, err
				}
				return http.StatusOK, syncView(x), nil
			})
		}
		r.Post("/v1/imports/syncs/{id}/pause", setState(rcm.SyncPaused, func(ctx context.Context, x rcm.ImportSync) error { return im.Pause(ctx, x.ID) }))
		r.Post("/v1/imports/syncs/{id}/resume", setState(rcm.SyncActive, im.Resume))
		r.Delete("/v1/imports/syncs/{id}", setState(rcm.SyncDeleted, func(ctx context.Context, x rcm.ImportSync) error { return im.Delete(ctx, x.ID) }))
		r.Get("/v1/imports/sync-flags", s.handle(rcm.PermPatientWrite, func(r *http.Request, a rcm.Actor) (int, any, error) {
			status := r.URL.Query().Get("status")
			if !slices.Contains([]string{"", rcm.FlagOpen, rcm.FlagAcknowledged, rcm.FlagDismissed}, status) {
				return 0, nil, invalidFields("the request has invalid parameters", []FieldError{{Parameter: "status", Detail: "must be open, acknowledged or dismissed"}})
			}
			flags, err := im.Records.ListImportSyncFlags(r.Context(), a, status, 200)
			if err != nil {
				return 0, nil, err
			}
			return http.StatusOK, struct {
				Items []rcm.ImportSyncFlag `json:"items"`
			}{flags}, nil
		}))
		r.Post("/v1/imports/sync-flags/{id}", s.handle(rcm.PermPatientWrite, func(r *http.Request, a rcm.Actor) (int, any, error) {
			var in ResolveFlagRequest
			if err := decode(r, &in); err != nil {
				return 0, nil, err
			}
			f, err := im.Records.ResolveImportSyncFlag(r.Context(), a, chi.URLParam(r, "id"), in.Status)
			if err != nil {
				return 0, nil, err
			}
			return http.StatusOK, f, nil
		}))
	})
}
