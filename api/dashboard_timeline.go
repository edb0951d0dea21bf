package api

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/claimflow/claimflow/logging"
	"github.com/claimflow/claimflow/rcm"
	"github.com/claimflow/claimflow/workflows"
)

// The claim's detail view: its workflow's state and its file events.

// Code is an adjustment, remark or status code with its plain-language
// description.
type Code struct {
	Code        string `json:"code"`
	Description string `json:"description"`
}

// WorkflowView is the claim workflow's state as the dashboard shows it.
type WorkflowView struct {
	// RunID is the run the view comes from (the claim's current run).
	RunID            string   `json:"run_id,omitempty"`
	Status           string   `json:"status"`
	Attempt          int      `json:"attempt"`
	FrequencyCode    string   `json:"frequency_code"`
	PayerClaimNumber string   `json:"payer_claim_number"`
	ChargeCents      int64    `json:"charge_cents"`
	PaidCents        int64    `json:"paid_cents"`
	PatientRespCents int64    `json:"patient_resp_cents"`
	Problems         []string `json:"problems"`
	// ProblemCodes are the problems explained (a 277CA's STC composites,
	// a 999's codes as they are).
	ProblemCodes   []Code      `json:"problem_codes"`
	Denial         *DenialView `json:"denial,omitempty"`
	Deadline       *time.Time  `json:"deadline,omitempty"`
	Escalated      bool        `json:"escalated"`
	Inquiries      int         `json:"inquiries"`
	AllowedActions []string    `json:"allowed_actions"`
	Events         []EventView `json:"events"`
}

// DenialView is a denial with its codes explained.
type DenialView struct {
	Category string `json:"category"`
	Codes    []Code `json:"codes"`
	RARCs    []Code `json:"rarcs"`
}

// EventView is one workflow timeline event.
type EventView struct {
	At     time.Time `json:"at"`
	Status string    `json:"status"`
	Note   string    `json:"note"`
}

// Step is one EDI exchange of the claim, whose segments /edi shows.
type Step struct {
	Kind     string    `json:"kind"` // 837, TA1, 999, 277CA, 835, 276/277
	N        int       `json:"n"`    // index among the claim's steps of that kind
	At       time.Time `json:"at"`
	Summary  string    `json:"summary"`
	Accepted *bool     `json:"accepted,omitempty"`
	Codes    []Code    `json:"codes"`
	// Raw: /edi can show this step's segments (a 276/277 inquiry made
	// before inquiries were recorded has none).
	Raw bool `json:"raw"`
}

// Timeline is everything the claim's detail view shows.
type Timeline struct {
	Claim         rcm.Claim          `json:"claim"`
	Workflow      *WorkflowView      `json:"workflow"`
	WorkflowError string             `json:"workflow_error,omitempty"`
	Steps         []Step             `json:"steps"`
	Postings      []rcm.ClaimPosting `json:"postings"`
	WorkflowURL   string             `json:"workflow_url"`
	CanDecide     bool               `json:"can_decide"`
	CanRevealPHI  bool               `json:"can_reveal_phi"`
	// Deviations: what the files received about the claim (835, 277CA,
	// and the 999s and TA1 interchanges acknowledging its batch) deviate
	// from their guides, as the tolerant inbound check recorded it.
	Deviations []rcm.Deviation `json:"deviations"`
	// PayerParts are the claim's parts per payer in order (primary,
	// secondary, tertiary) once coordination of benefits billed a next
	// payer; empty for a claim billed to one payer (claim_cob.go).
	PayerParts []rcm.PayerPart `json:"payer_parts"`
}

func (h *dashboard) workflowURL(claimID string) string {
	if h.d.TemporalUIURL == "" {
		return ""
	}
	ns := h.d.Namespace
	if ns == "" {
		ns = "default"
	}
	return strings.TrimRight(h.d.TemporalUIURL, "/") + "/namespaces/" + url.PathEscape(ns) + "/workflows/" +
		url.PathEscape(workflows.ClaimIDPrefix+claimID)
}

func (h *dashboard) state(ctx context.Context, claimID string) (*WorkflowView, string) {
	if h.d.Workflows == nil {
		return nil, "workflows are not connected"
	}
	st, err := h.d.Workflows.ClaimState(ctx, claimID)
	if errors.Is(err, ErrNoWorkflow) {
		return nil, "no workflow for this claim yet"
	}
	if err != nil {
		h.s.log.WarnContext(ctx, "claim state query", logging.Err(err))
		return nil, "the workflow could not be queried"
	}
	v := &WorkflowView{RunID: st.RunID, Status: st.Status, Attempt: st.Attempt, FrequencyCode: st.FrequencyCode, PayerClaimNumber: st.PayerClaimNumber,
		ChargeCents: st.ChargeCents, PaidCents: st.PaidCents, PatientRespCents: st.PatientRespCents, Problems: st.Problems,
		Escalated: st.Escalated, Inquiries: st.Inquiries, AllowedActions: st.AllowedActions, Events: []EventView{}}
	if v.Problems == nil {
		v.Problems = []string{}
	}
	v.ProblemCodes = describeProblems(v.Problems)
	if v.AllowedActions == nil {
		v.AllowedActions = []string{}
	}
	if !st.Deadline.IsZero() {
		d := st.Deadline
		v.Deadline = &d
	}
	if st.Denial != nil {
		v.Denial = &DenialView{Category: st.Denial.Category, Codes: describePayment(st.Denial.Codes), RARCs: describePayment(st.Denial.RARCs)}
	}
	for _, e := range st.Events {
		v.Events = append(v.Events, EventView{At: e.At, Status: e.Status, Note: e.Note})
	}
	return v, ""
}

func (h *dashboard) timeline(r *http.Request, a rcm.Actor) (int, any, error) {
	ctx := r.Context()
	c, err := h.s.records.GetClaim(ctx, a, id(r))
	if err != nil {
		return 0, nil, err
	}
	t := Timeline{Claim: c, Steps: []Step{}, WorkflowURL: h.workflowURL(c.ID)}
	t.Workflow, t.WorkflowError = h.state(ctx, c.ID)
	if t.Workflow != nil && t.Workflow.RunID != "" && t.WorkflowURL != "" {
		// The exact run: a resubmission continues as new, and the UI
		// otherwise opens the latest.
		t.WorkflowURL += "/" + url.PathEscape(t.Workflow.RunID) + "/history"
	}
	if t.CanDecide, err = h.s.records.CanWriteClaim(ctx, a, c.OrgID); err != nil {
		return 0, nil, err
	}
	if t.CanRevealPHI, err = h.s.records.CanSeePHI(ctx, a, c.OrgID); err != nil {
		return 0, nil, err
	}
	docs, err := h.s.records.DashClaimDocuments(ctx, c.ID)
	if err != nil {
		return 0, nil, err
	}
	t.Postings = docs.Postings
	if t.Deviations, err = h.s.records.ClaimDeviations(ctx, a, c.ID); err != nil {
		return 0, nil, err
	}
	if t.PayerParts, err = h.payerParts(ctx, a, c.ID); err != nil {
		return 0, nil, err
	}
	// The claim's file events, as the activities that sent and handled
	// the files recorded them (claim_events).
	events, err := h.s.records.ClaimEvents(ctx, a, c.ID)
	if err != nil {
		return 0, nil, err
	}
	n := map[string]int{}
	for _, e := range events {
		codes := make([]Code, 0, len(e.Codes))
		for _, x := range e.Codes {
			codes = append(codes, Code{Code: x, Description: describeEventCode(e.Kind, x)})
		}
		t.Steps = append(t.Steps, Step{Kind: e.Kind, N: n[e.Kind], At: e.At, Summary: e.Summary, Accepted: e.Accepted, Codes: codes, Raw: e.FileKey != ""})
		n[e.Kind]++
	}
	// Inquiries from before they were recorded: as the workflow noted
	// them, without segments.
	if t.Workflow != nil && n[rcm.EventInquiry276] == 0 {
		for _, ev := range t.Workflow.Events {
			if !strings.HasPrefix(ev.Note, "276 inquiry") {
				continue
			}
			codes := []Code{}
			if _, answer, ok := strings.Cut(ev.Note, ": STC "); ok {
				if f := strings.Fields(answer); len(f) > 0 {
					codes = append(codes, Code{Code: f[0], Description: codes277(f[0])})
				}
			}
			t.Steps = append(t.Steps, Step{Kind: rcm.EventInquiry276, N: n[rcm.EventInquiry276], At: ev.At, Summary: ev.Note, Codes: codes})
			n[rcm.EventInquiry276]++
		}
	}
	slices.SortStableFunc(t.Steps, func(x, y Step) int { return x.At.Compare(y.At) })
	return http.StatusOK, t, nil
}
