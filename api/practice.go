package api

import (
	"context"
	"net/http"
	"slices"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/claimflow/claimflow/rcm"
)

// Practice setup (issue 16, items 2 and 4): billing profiles per
// organisation, and payers' clearinghouse routing checked against the
// clearinghouses this installation is configured with.

// mountPractice adds the billing-profile endpoints to the /v1 group.
func (s *Server) mountPractice(r chi.Router) {
	r.Get("/v1/orgs/{id}/billing-profile", s.handle(rcm.PermOrgRead, func(r *http.Request, a rcm.Actor) (int, any, error) {
		return one[rcm.PracticeBilling](http.StatusOK)(s.records.GetPracticeBilling(r.Context(), a, id(r)))
	}))
	r.Put("/v1/orgs/{id}/billing-profile", s.handle(rcm.PermOrgWrite, func(r *http.Request, a rcm.Actor) (int, any, error) {
		var in rcm.BillingSetup
		if err := decode(r, &in); err != nil {
			return 0, nil, err
		}
		return one[rcm.PracticeBilling](http.StatusOK)(s.records.PutPracticeBilling(r.Context(), a, id(r), in))
	}))
}

// createPayer refuses a payer routed to a clearinghouse this installation
// does not know, before the store sees it.
func (s *Server) createPayer(r *http.Request, a rcm.Actor) (int, any, error) {
	var in rcm.Payer
	if err := decodeRefusing(r, &in, readOnly); err != nil {
		return 0, nil, err
	}
	if err := s.checkClearinghouse(in.Clearinghouse); err != nil {
		return 0, nil, err
	}
	return one[rcm.Payer](http.StatusCreated)(s.records.CreatePayer(r.Context(), a, in))
}

func (s *Server) patchPayer(r *http.Request, a rcm.Actor) (int, any, error) {
	var in rcm.PayerPatch
	if err := decode(r, &in); err != nil {
		return 0, nil, err
	}
	if in.Clearinghouse != nil {
		if err := s.checkClearinghouse(*in.Clearinghouse); err != nil {
			return 0, nil, err
		}
	}
	return one[rcm.Payer](http.StatusOK)(s.records.UpdatePayer(r.Context(), a, id(r), in))
}

// checkClearinghouse: with clearinghouses configured, a payer's routing
// must name one of them (an empty one is the store's "is required").
func (s *Server) checkClearinghouse(ch string) error {
	if s.clearinghouses == nil || ch == "" || slices.Contains(s.clearinghouses, ch) {
		return nil
	}
	known := "none are configured (CLAIMFLOW_CLEARINGHOUSES)"
	if len(s.clearinghouses) > 0 {
		known = "the known clearinghouses are " + strings.Join(s.clearinghouses, ", ")
	}
	return &Error{Status: http.StatusUnprocessableEntity, Code: "validation", Title: "Invalid request", Detail: "the request has invalid fields",
		Fields: []FieldError{{Pointer: "/clearinghouse", Detail: "is not a configured clearinghouse: " + known}},
		Extra:  map[string]any{"known_clearinghouses": s.knownClearinghouses()}}
}

func (s *Server) knownClearinghouses() []string {
	if s.clearinghouses == nil {
		return []string{}
	}
	return s.clearinghouses
}

// RoutingWarnings is what the dashboard shows about payers whose claims
// no batch run will take.
type RoutingWarnings struct {
	Items               []rcm.RoutingWarning `json:"items"`
	KnownClearinghouses []string             `json:"known_clearinghouses"`
}

func (h *dashboard) routingWarnings(r *http.Request, a rcm.Actor) (int, any, error) {
	out := RoutingWarnings{Items: []rcm.RoutingWarning{}, KnownClearinghouses: h.s.knownClearinghouses()}
	if h.s.clearinghouses == nil {
		return http.StatusOK, out, nil // nothing configured to check against
	}
	ws, err := h.s.records.RoutingWarnings(r.Context(), a, h.s.clearinghouses)
	if err != nil {
		return 0, nil, err
	}
	for _, w := range ws {
		w.Message = "payer " + w.PayerCode + " is routed to clearinghouse \"" + w.Clearinghouse +
			"\", which is not configured: its ready claims are not submitted until the payer's clearinghouse is corrected"
		out.Items = append(out.Items, w)
	}
	return http.StatusOK, out, nil
}

// Runs starts claimflow's scheduled runs now ("Submit now", "Check status
// now" in the dashboard).
type Runs interface {
	// Trigger runs the schedule now; a missing schedule (no worker has
	// created it) is ErrNoSchedule.
	Trigger(ctx context.Context, scheduleID string) error
	// SubmitFor starts a batch run of the clearinghouse for one
	// organisation's ready claims (and those below it) and returns its
	// workflow ID.
	SubmitFor(ctx context.Context, clearinghouse, orgID string) (string, error)
}

// ErrNoSchedule: the schedule to trigger does not exist.
var ErrNoSchedule = &Error{Status: http.StatusServiceUnavailable, Code: "no-schedule", Title: "Schedule not found",
	Detail: "the run's schedule does not exist: is a worker running with this clearinghouse configured?"}

// RunStarted is one run the request started.
type RunStarted struct {
	Clearinghouse string `json:"clearinghouse"`
	// Schedule is the schedule triggered; WorkflowID the run started for
	// one organisation.
	Schedule   string `json:"schedule,omitempty"`
	WorkflowID string `json:"workflow_id,omitempty"`
}

// RunsStarted answers "submit now" and "check status now".
type RunsStarted struct {
	Kind  string       `json:"kind"`
	Runs  []RunStarted `json:"runs"`
	Scope string       `json:"scope"`
}

const (
	submitScope = "a batch run takes every ready claim routed to the clearinghouse, of every organisation billing through it " +
		"(as the hourly run would, only sooner); name org_id to send only one organisation's; claims with scrub problems or " +
		"held for a missing billing profile are not sent"
	submitOrgScope = "a batch run takes the ready claims of this organisation and of those below it that are routed to the " +
		"clearinghouse, and no other organisation's; claims with scrub problems or held for a missing billing profile are not sent"
	statusScope = "an inbound run fetches the clearinghouse's acknowledgments (TA1, 999), claim acknowledgments (277CA) and " +
		"remittances (835) now and routes each to the claims it names; each claim's 276 inquiries keep their own timers"
)

// runNow triggers, for each clearinghouse the caller's payers route to
// (or the one the body names, if it is one of them), the batch or inbound
// schedule.
func (h *dashboard) runNow(kind string) handler {
	return func(r *http.Request, a rcm.Actor) (int, any, error) {
		var in struct {
			Clearinghouse string `json:"clearinghouse"`
			OrgID         string `json:"org_id"`
		}
		if r.ContentLength != 0 {
			if err := decode(r, &in); err != nil {
				return 0, nil, err
			}
		}
		if h.s.runs == nil {
			return 0, nil, &Error{Status: http.StatusServiceUnavailable, Code: "runs-unavailable", Title: "Runs unavailable",
				Detail: "this server cannot start runs (no Temporal client)"}
		}
		if in.OrgID != "" {
			if kind != "submit" {
				return 0, nil, &Error{Status: http.StatusUnprocessableEntity, Code: "validation", Title: "Invalid request", Detail: "the request has invalid fields",
					Fields: []FieldError{{Pointer: "/org_id", Detail: "a status poll fetches the clearinghouse's files for every organisation; it takes no org_id"}}}
			}
			ok := validUUID(in.OrgID)
			if ok {
				var err error
				if ok, err = h.s.records.CanWriteClaim(r.Context(), a, in.OrgID); err != nil {
					return 0, nil, err
				}
			}
			if !ok {
				return 0, nil, rcm.ErrNotFound
			}
		}
		chs, err := h.callerClearinghouses(r.Context(), a)
		if err != nil {
			return 0, nil, err
		}
		if in.Clearinghouse != "" {
			if !slices.Contains(chs, in.Clearinghouse) {
				return 0, nil, &Error{Status: http.StatusUnprocessableEntity, Code: "validation", Title: "Invalid request", Detail: "the request has invalid fields",
					Fields: []FieldError{{Pointer: "/clearinghouse", Detail: "none of your payers is routed to this clearinghouse; yours: " + strings.Join(chs, ", ")}}}
			}
			chs = []string{in.Clearinghouse}
		}
		if len(chs) == 0 {
			return 0, nil, &Error{Status: http.StatusConflict, Code: "nothing-to-run", Title: "Nothing to run",
				Detail: "none of your payers is routed to a configured clearinghouse"}
		}
		out := RunsStarted{Kind: kind, Runs: []RunStarted{}, Scope: submitScope}
		if kind == "check-status" {
			out.Scope = statusScope
		}
		if in.OrgID != "" {
			out.Scope = submitOrgScope
			for _, ch := range chs {
				wid, err := h.s.runs.SubmitFor(r.Context(), ch, in.OrgID)
				if err != nil {
					return 0, nil, err
				}
				out.Runs = append(out.Runs, RunStarted{Clearinghouse: ch, WorkflowID: wid})
			}
			return http.StatusAccepted, out, nil
		}
		for _, ch := range chs {
			id := "batch/" + ch
			if kind == "check-status" {
				id = "inbound/" + ch
			}
			if err := h.s.runs.Trigger(r.Context(), id); err != nil {
				return 0, nil, err
			}
			out.Runs = append(out.Runs, RunStarted{Clearinghouse: ch, Schedule: id})
		}
		return http.StatusAccepted, out, nil
	}
}

// callerClearinghouses are the configured clearinghouses the payers the
// caller sees are routed to, sorted.
func (h *dashboard) callerClearinghouses(ctx context.Context, a rcm.Actor) ([]string, error) {
	var out []string
	p := rcm.Page{Limit: 200}
	for {
		payers, next, err := h.s.records.ListPayers(ctx, a, p)
		if err != nil {
			return nil, err
		}
		for _, py := range payers {
			if (h.s.clearinghouses == nil || slices.Contains(h.s.clearinghouses, py.Clearinghouse)) && !slices.Contains(out, py.Clearinghouse) {
				out = append(out, py.Clearinghouse)
			}
		}
		if next == "" {
			break
		}
		p.After = next
	}
	slices.Sort(out)
	return out, nil
}
