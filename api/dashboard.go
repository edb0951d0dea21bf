package api

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/claimflow/claimflow/edi"
	"github.com/claimflow/claimflow/logging"
	"github.com/claimflow/claimflow/rcm"
	"github.com/claimflow/claimflow/schemas"
	"github.com/claimflow/claimflow/workflows"
)

// MountDashboard adds the billing dashboard's endpoints (under
// /v1/dashboard and /v1/claims/{id}/...) to the records API. Each declares
// its permission; records answer only within the caller's organisations.
func (s *Server) MountDashboard(d Dashboard) {
	if s.records == nil {
		return
	}
	h := &dashboard{s: s, d: d}
	s.router.Group(func(r chi.Router) {
		r.Use(s.authenticate)
		r.Get("/v1/dashboard/session", s.handle(permAuthenticated, h.session))
		r.Get("/v1/dashboard/claims", s.handle(rcm.PermClaimRead, h.claims))
		r.Get("/v1/dashboard/claims/summary", h.summary)
		r.Get("/v1/dashboard/denials", s.handle(rcm.PermClaimRead, h.denials))
		r.Get("/v1/dashboard/remittances", s.handle(rcm.PermClaimRead, h.remittances))
		r.Get("/v1/dashboard/remittances/summary", h.remitSummary)
		r.Get("/v1/dashboard/remittances/work-queue", s.handle(rcm.PermClaimRead, h.workQueue))
		r.Post("/v1/dashboard/remittances/work-queue/{id}/resolve", s.handle(rcm.PermClaimWrite, h.resolve))
		r.Get("/v1/dashboard/receivables", s.handle(rcm.PermClaimRead, h.receivables))
		r.Get("/v1/dashboard/eligibility", s.handle(rcm.PermAppointmentRead, h.eligibility))
		r.Get("/v1/claims/{id}/timeline", s.handle(rcm.PermClaimRead, h.timeline))
		r.Get("/v1/claims/{id}/edi", s.handle(rcm.PermClaimRead, h.rawEDI))
		r.Post("/v1/claims/{id}/decisions", s.handle(rcm.PermClaimWrite, h.decide))
	})
}

type dashboard struct {
	s *Server
	d Dashboard
}

// Session is who the dashboard's user is and what they may do.
type Session struct {
	UserID        string   `json:"user_id"`
	Kind          string   `json:"kind"`
	Permissions   []string `json:"permissions"`
	TemporalUIURL string   `json:"temporal_ui_url"`
}

func (h *dashboard) session(r *http.Request, a rcm.Actor) (int, any, error) {
	p, _ := principalFrom(r.Context())
	perms := make([]string, 0, len(p.Permissions))
	for k := range p.Permissions {
		perms = append(perms, k)
	}
	slices.Sort(perms)
	return http.StatusOK, Session{UserID: p.UserID, Kind: p.Kind, Permissions: perms, TemporalUIURL: h.d.TemporalUIURL}, nil
}

func (h *dashboard) filter(q *queryReader) rcm.DashClaimFilter {
	f := rcm.DashClaimFilter{Status: q.str("status"), PayerID: q.id("payer_id"), ProviderID: q.id("provider_id"),
		From: q.time("from"), To: q.time("to")}
	for _, c := range []struct {
		name string
		dst  **int64
	}{{"min_cents", &f.MinCents}, {"max_cents", &f.MaxCents}} {
		if v := q.str(c.name); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 0 {
				q.fields = append(q.fields, FieldError{Parameter: c.name, Detail: "must be a whole number of cents"})
				continue
			}
			*c.dst = &n
		}
	}
	return f
}

func (h *dashboard) claims(r *http.Request, a rcm.Actor) (int, any, error) {
	q := &queryReader{r: r}
	f := h.filter(q)
	p := q.page()
	if err := q.err(); err != nil {
		return 0, nil, err
	}
	return list(h.s.records.DashClaims(r.Context(), a, f, p))
}

// ClaimSummary counts claims per status; its version changes whenever a
// visible claim changes, and is the ETag for polling.
type ClaimSummary struct {
	Counts  []rcm.StatusCount `json:"counts"`
	Total   int               `json:"total"`
	Version string            `json:"version"`
}

// summary answers 304 when the caller's If-None-Match is current, so the
// page can poll it cheaply for live updates.
func (h *dashboard) summary(w http.ResponseWriter, r *http.Request) {
	h.s.handle(rcm.PermClaimRead, func(r *http.Request, a rcm.Actor) (int, any, error) {
		q := &queryReader{r: r}
		f := h.filter(q)
		f.ClaimID = q.id("claim_id")
		if err := q.err(); err != nil {
			return 0, nil, err
		}
		counts, latest, err := h.s.records.DashStatusCounts(r.Context(), a, f)
		if err != nil {
			return 0, nil, err
		}
		sum := ClaimSummary{Counts: counts}
		hash := sha256.New()
		for _, c := range counts {
			sum.Total += c.Count
			hash.Write([]byte(c.Status + ":" + strconv.Itoa(c.Count) + ";"))
		}
		hash.Write([]byte(latest.UTC().Format(time.RFC3339Nano) + r.URL.RawQuery))
		sum.Version = hex.EncodeToString(hash.Sum(nil)[:12])
		return versioned(w, r, sum.Version, sum)
	}).ServeHTTP(&notModifiedWriter{ResponseWriter: w}, r)
}

// notModifiedWriter drops the body of a 304.
type notModifiedWriter struct {
	http.ResponseWriter
	status int
}

func (w *notModifiedWriter) WriteHeader(code int) {
	w.status = code
	if code == http.StatusNotModified {
		w.Header().Del("Content-Type")
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *notModifiedWriter) Write(b []byte) (int, error) {
	if w.status == http.StatusNotModified {
		return len(b), nil
	}
	return w.ResponseWriter.Write(b)
}

// Code is an adjustment, remark or status code with its plain-language
// description.
type Code struct {
	Code        string `json:"code"`
	Description string `json:"description"`
}

// WorkflowView is the claim workflow's state as the dashboard shows it.
type WorkflowView struct {
	// RunID is the run the view comes from (the claim's current run).
	RunID            string      `json:"run_id,omitempty"`
	Status           string      `json:"status"`
	Attempt          int         `json:"attempt"`
	FrequencyCode    string      `json:"frequency_code"`
	PayerClaimNumber string      `json:"payer_claim_number"`
	ChargeCents      int64       `json:"charge_cents"`
	PaidCents        int64       `json:"paid_cents"`
	PatientRespCents int64       `json:"patient_resp_cents"`
	Problems         []string    `json:"problems"`
	Denial           *DenialView `json:"denial,omitempty"`
	Deadline         *time.Time  `json:"deadline,omitempty"`
	Escalated        bool        `json:"escalated"`
	Inquiries        int         `json:"inquiries"`
	AllowedActions   []string    `json:"allowed_actions"`
	Events           []EventView `json:"events"`
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
	if v.AllowedActions == nil {
		v.AllowedActions = []string{}
	}
	if !st.Deadline.IsZero() {
		d := st.Deadline
		v.Deadline = &d
	}
	if st.Denial != nil {
		v.Denial = &DenialView{Category: st.Denial.Category, Codes: describeAll(st.Denial.Codes), RARCs: describeAll(st.Denial.RARCs)}
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
	for i, b := range docs.Batches {
		sum := "batch " + b.BatchID + ", ISA13 " + b.ISA13 + ", ST02 " + b.ST02 + ", attempt " + strconv.Itoa(b.Attempt)
		if b.UploadedAt == nil {
			sum += " (not uploaded yet)"
		}
		at := b.CreatedAt
		if b.UploadedAt != nil {
			at = *b.UploadedAt
		}
		t.Steps = append(t.Steps, Step{Kind: "837", N: i, At: at, Summary: sum, Codes: []Code{}, Raw: b.FileKey != ""})
	}
	if h.d.Workflows != nil {
		files, err := h.d.Workflows.ClaimFiles(ctx, c.ID)
		if err != nil && !errors.Is(err, ErrNoWorkflow) {
			h.s.log.WarnContext(ctx, "claim history", logging.Err(err))
		}
		for i, f := range files {
			acc := f.Accepted
			sum := f.Kind + " rejected"
			if acc {
				sum = f.Kind + " accepted"
			}
			codes := []Code{}
			for _, x := range f.Codes {
				codes = append(codes, Code{Code: x, Description: describeAck(f.Kind, x)})
			}
			t.Steps = append(t.Steps, Step{Kind: f.Kind, N: i, At: f.At, Summary: sum, Accepted: &acc, Codes: codes, Raw: f.FileKey != ""})
		}
	}
	for i, p := range docs.Postings {
		codes := []Code{}
		for _, adj := range p.Adjustments {
			codes = append(codes, describe(adj.Group+"-"+adj.Reason))
		}
		codes = append(codes, describeAll(p.RARCs)...)
		t.Steps = append(t.Steps, Step{Kind: "835", N: i, At: p.PostedAt, Codes: codes, Raw: true,
			Summary: "835 trace " + p.TraceNumber + ": CLP02 " + p.StatusCode + ", paid " + money(p.PaidCents) + " of " + money(p.ChargeCents)})
	}
	// Status inquiries (276/277, real time): as recorded with their
	// archived files, else (inquiries from before they were recorded) as
	// the workflow noted them, without segments.
	inquiries, err := h.s.records.ClaimStatusInquiries(ctx, c.ID)
	if err != nil {
		return 0, nil, err
	}
	for i, x := range inquiries {
		codes := []Code{}
		sum := "276 inquiry, trace " + x.Trace + ": "
		switch {
		case x.STC != "":
			sum += "277 STC " + x.STC
			codes = append(codes, Code{Code: x.STC, Description: describeAck("277CA", x.STC)})
		case x.Note != "":
			sum += x.Note
		default:
			sum += "no answer"
		}
		t.Steps = append(t.Steps, Step{Kind: "276/277", N: i, At: x.SentAt, Summary: sum, Codes: codes, Raw: x.RequestKey != ""})
	}
	if t.Workflow != nil && len(inquiries) == 0 {
		n := 0
		for _, ev := range t.Workflow.Events {
			if !strings.HasPrefix(ev.Note, "276 inquiry") {
				continue
			}
			codes := []Code{}
			if _, answer, ok := strings.Cut(ev.Note, ": STC "); ok {
				if f := strings.Fields(answer); len(f) > 0 {
					codes = append(codes, Code{Code: f[0], Description: describeAck("277CA", f[0])})
				}
			}
			t.Steps = append(t.Steps, Step{Kind: "276/277", N: n, At: ev.At, Summary: ev.Note, Codes: codes})
			n++
		}
	}
	slices.SortStableFunc(t.Steps, func(x, y Step) int { return x.At.Compare(y.At) })
	return http.StatusOK, t, nil
}

func money(c int64) string {
	sign := ""
	if c < 0 {
		sign, c = "-", -c
	}
	return sign + strconv.FormatInt(c/100, 10) + "." + strconv.FormatInt(c%100/10, 10) + strconv.FormatInt(c%10, 10)
}

// RawEDI is one step's segments, masked unless revealed.
type RawEDI struct {
	Kind     string   `json:"kind"`
	N        int      `json:"n"`
	Masked   bool     `json:"masked"`
	Segments []string `json:"segments"`
}

func (h *dashboard) rawEDI(r *http.Request, a rcm.Actor) (int, any, error) {
	ctx := r.Context()
	q := &queryReader{r: r}
	kind := q.str("kind")
	n, err := strconv.Atoi(q.str("n"))
	if err != nil || n < 0 {
		q.fields = append(q.fields, FieldError{Parameter: "n", Detail: "must be the step's index, from 0"})
	}
	if !slices.Contains([]string{"837", "TA1", "999", "277CA", "835", "276/277"}, kind) {
		q.fields = append(q.fields, FieldError{Parameter: "kind", Detail: "must be 837, TA1, 999, 277CA, 835 or 276/277"})
	}
	reveal := q.str("reveal") == "true"
	if err := q.err(); err != nil {
		return 0, nil, err
	}
	c, err := h.s.records.GetClaim(ctx, a, id(r))
	if err != nil {
		return 0, nil, err
	}
	if reveal {
		ok, err := h.s.records.CanSeePHI(ctx, a, c.OrgID)
		if err != nil {
			return 0, nil, err
		}
		if !ok {
			return 0, nil, &Error{Status: http.StatusForbidden, Code: "forbidden", Title: "Forbidden", Detail: "revealing patient data needs the patient:read permission at the claim's organisation"}
		}
	}
	docs, err := h.s.records.DashClaimDocuments(ctx, c.ID)
	if err != nil {
		return 0, nil, err
	}
	notFound := &Error{Status: http.StatusNotFound, Code: "not-found", Title: "Not found", Detail: "the claim has no such " + kind + " step"}
	var key string
	var pick func([]*edi.Interchange) []edi.Seg
	var more []ediPart // further files of the step (the 277 of a 276/277)
	switch kind {
	case "276/277":
		inqs, err := h.s.records.ClaimStatusInquiries(ctx, c.ID)
		if err != nil {
			return 0, nil, err
		}
		if n >= len(inqs) || inqs[n].RequestKey == "" {
			return 0, nil, notFound
		}
		key, pick = inqs[n].RequestKey, allSets
		if inqs[n].ResponseKey != "" {
			more = append(more, ediPart{key: inqs[n].ResponseKey, pick: allSets})
		}
	case "837":
		if n >= len(docs.Batches) || docs.Batches[n].FileKey == "" {
			return 0, nil, notFound
		}
		b := docs.Batches[n]
		key, pick = b.FileKey, func(ics []*edi.Interchange) []edi.Seg { return claimLoop837(ics, b.ST02) }
	case "835":
		if n >= len(docs.Postings) {
			return 0, nil, notFound
		}
		p := docs.Postings[n]
		key, pick = p.FileKey, func(ics []*edi.Interchange) []edi.Seg { return clpLoop(ics, p.TransactionIndex, p.Seq) }
	default:
		if h.d.Workflows == nil {
			return 0, nil, notFound
		}
		files, err := h.d.Workflows.ClaimFiles(ctx, c.ID)
		if err != nil && !errors.Is(err, ErrNoWorkflow) {
			return 0, nil, err
		}
		if n >= len(files) || files[n].Kind != kind {
			return 0, nil, notFound
		}
		key = files[n].FileKey
		st02 := "" // the batch of the same attempt, else the latest
		if len(docs.Batches) > 0 {
			st02 = docs.Batches[len(docs.Batches)-1].ST02
		}
		for _, b := range docs.Batches {
			if b.Attempt == files[n].Attempt {
				st02 = b.ST02
			}
		}
		if kind == "277CA" {
			pick = func(ics []*edi.Interchange) []edi.Seg { return claim277(ics, c.PatientControlNumber) }
		} else {
			pick = func(ics []*edi.Interchange) []edi.Seg { return ack999(ics, st02) }
		}
	}
	if h.d.Archive == nil {
		return 0, nil, &Error{Status: http.StatusServiceUnavailable, Code: "archive-unavailable", Title: "Archive unavailable", Detail: "the EDI archive is not connected"}
	}
	out := RawEDI{Kind: kind, N: n, Masked: !reveal, Segments: []string{}}
	for _, part := range append([]ediPart{{key: key, pick: pick}}, more...) {
		segs, err := h.segments(ctx, part, reveal)
		if err != nil {
			return 0, nil, err
		}
		out.Segments = append(out.Segments, segs...)
	}
	if reveal {
		if err := h.s.records.RecordAccess(ctx, a, rcm.AuditEntry{OrgID: c.OrgID, PatientID: c.PatientID, Action: rcm.ActionRead,
			Resource: "claim_edi", ResourceID: c.ID, Fields: []string{kind}}); err != nil {
			return 0, nil, err
		}
	}
	return http.StatusOK, out, nil
}

// ediPart is one archived file of a step and how to pick the claim's
// segments from it.
type ediPart struct {
	key  string
	pick func([]*edi.Interchange) []edi.Seg
}

// segments reads one archived file and renders the picked segments,
// patient data masked unless revealed.
func (h *dashboard) segments(ctx context.Context, part ediPart, reveal bool) ([]string, error) {
	body, err := h.d.Archive.Get(ctx, part.key)
	if errors.Is(err, rcm.ErrEDIFileNotFound) {
		return nil, &Error{Status: http.StatusNotFound, Code: "not-found", Title: "Not found", Detail: "the archived file is missing"}
	}
	if err != nil {
		return nil, err
	}
	ics, err := edi.ParseBytes(body)
	if err != nil || len(ics) == 0 {
		return nil, &Error{Status: http.StatusUnprocessableEntity, Code: "unreadable-edi", Title: "Unreadable EDI", Detail: "the archived file could not be parsed"}
	}
	// Pick the claim's segments first (masking hides the control numbers
	// they are found by); Mask then changes them in place.
	picked := part.pick(ics)
	if !reveal {
		// edi.Mask hides the composite STC01 too; its parts are claim
		// status codes (code lists 507, 508, 98), never PHI: keep them.
		stc := map[int]string{}
		for i, seg := range picked {
			if seg.ID() == "STC" {
				stc[i] = seg.El(1)
			}
		}
		for _, ic := range ics {
			edi.Mask(ic)
		}
		for i, v := range stc {
			picked[i][1] = v
		}
	}
	out := make([]string, 0, len(picked))
	d := ics[0].Delims
	for _, s := range picked {
		out = append(out, strings.Join(s, string(d.Element))+string(d.Segment))
	}
	return out, nil
}

// allSets is every transaction set's segments (ST to SE): a real-time 276
// or 277 is about the one claim inquired.
func allSets(ics []*edi.Interchange) []edi.Seg {
	var out []edi.Seg
	for _, t := range transactions(ics) {
		out = append(out, t.Segments...)
	}
	return out
}

func transactions(ics []*edi.Interchange) []*edi.Transaction {
	var out []*edi.Transaction
	for _, ic := range ics {
		for _, g := range ic.Groups {
			out = append(out, g.Sets...)
		}
	}
	return out
}

// claimLoop837 is the claim's 2300 loop (CLM up to SE) in the transaction
// set with control number st02: claimflow puts one claim in each set.
func claimLoop837(ics []*edi.Interchange, st02 string) []edi.Seg {
	for _, t := range transactions(ics) {
		if t.ST().El(2) != st02 {
			continue
		}
		for i, s := range t.Segments {
			if s.ID() == "CLM" {
				return t.Segments[i : len(t.Segments)-1]
			}
		}
	}
	return nil
}

// clpLoop is the seq-th CLP loop (from 1) of the n-th transaction set.
func clpLoop(ics []*edi.Interchange, n, seq int) []edi.Seg {
	ts := transactions(ics)
	if n >= len(ts) {
		return nil
	}
	var out []edi.Seg
	k := 0
	for _, s := range ts[n].Segments {
		switch s.ID() {
		case "CLP":
			k++
		case "LX", "PLB", "SE":
			if k == seq {
				return out
			}
		}
		if k == seq {
			if s.ID() == "CLP" && len(out) > 0 {
				return out
			}
			out = append(out, s)
		}
	}
	return out
}

// ack999 is the AK2 loop (AK2, IK3/IK4, IK5) of transaction set st02, or
// the whole acknowledgment's body when the set is not named (a TA1, or an
// interchange-level answer).
func ack999(ics []*edi.Interchange, st02 string) []edi.Seg {
	var all []edi.Seg
	for _, ic := range ics {
		all = append(all, ic.TA1...)
	}
	for _, t := range transactions(ics) {
		var cur []edi.Seg
		in := false
		for _, s := range t.Segments {
			switch s.ID() {
			case "AK2":
				in = s.El(2) == st02
			case "AK9", "SE":
				in = false
			}
			if in {
				cur = append(cur, s)
			}
		}
		if len(cur) > 0 {
			return cur
		}
		all = append(all, t.Segments...)
	}
	return all
}

// claim277 is the 277CA's claim-level loop (2200D: TRN with CLM01 as its
// trace, and its STC, REF and DTP) and the patient HL (2000D) above it.
func claim277(ics []*edi.Interchange, pcn string) []edi.Seg {
	for _, t := range transactions(ics) {
		for i, s := range t.Segments {
			if s.ID() != "TRN" || s.El(2) != pcn {
				continue
			}
			start := i
			for start > 0 && t.Segments[start].ID() != "HL" {
				start--
			}
			if t.Segments[start].El(3) != "PT" {
				continue // a TRN of another level (2200B/C) that happens to match
			}
			end := i + 1
			for end < len(t.Segments) && t.Segments[end].ID() != "HL" && t.Segments[end].ID() != "SE" && t.Segments[end].ID() != "TRN" {
				end++
			}
			return t.Segments[start:end]
		}
	}
	return nil
}

// Decision request and answer.
type decisionIn struct {
	Action string `json:"action"`
	Note   string `json:"note"`
}

// DecisionOut is the accepted decision.
type DecisionOut struct {
	ClaimID string `json:"claim_id"`
	Action  string `json:"action"`
	Status  string `json:"status"`
}

// decide sends the staff decision to the claim's workflow as the acting
// user; the validator's refusal is a 409 problem.
func (h *dashboard) decide(r *http.Request, a rcm.Actor) (int, any, error) {
	var in decisionIn
	if err := decode(r, &in); err != nil {
		return 0, nil, err
	}
	valid := []string{workflows.ActionResubmit, workflows.ActionCorrect, workflows.ActionAppeal, workflows.ActionWriteOff}
	if !slices.Contains(valid, in.Action) {
		return 0, nil, &Error{Status: http.StatusUnprocessableEntity, Code: "validation", Title: "Invalid request", Detail: "the request has invalid fields",
			Fields: []FieldError{{Pointer: "/action", Detail: "must be resubmit, correct, appeal or write_off"}}}
	}
	if len(in.Note) > 2000 {
		return 0, nil, &Error{Status: http.StatusUnprocessableEntity, Code: "validation", Title: "Invalid request", Detail: "the request has invalid fields",
			Fields: []FieldError{{Pointer: "/note", Detail: "must be at most 2000 characters"}}}
	}
	ctx := r.Context()
	c, err := h.s.records.GetClaim(ctx, a, id(r))
	if err != nil {
		return 0, nil, err
	}
	if ok, err := h.s.records.CanWriteClaim(ctx, a, c.OrgID); err != nil || !ok {
		if err != nil {
			return 0, nil, err
		}
		return 0, nil, &Error{Status: http.StatusForbidden, Code: "forbidden", Title: "Forbidden", Detail: "deciding needs the claim:write permission at the claim's organisation"}
	}
	if h.d.Workflows == nil {
		return 0, nil, &Error{Status: http.StatusServiceUnavailable, Code: "workflows-unavailable", Title: "Workflows unavailable", Detail: "the workflow service is not connected"}
	}
	_, err = h.d.Workflows.DecideClaim(ctx, c.ID, workflows.Decision{Action: in.Action, Note: in.Note, User: a.UserID})
	var refused *DecisionRefused
	switch {
	case errors.As(err, &refused):
		return 0, nil, &Error{Status: http.StatusConflict, Code: "decision-refused", Title: "Decision refused", Detail: refused.Reason}
	case errors.Is(err, ErrNoWorkflow):
		return 0, nil, &Error{Status: http.StatusConflict, Code: "decision-refused", Title: "Decision refused", Detail: "the claim's workflow is not running"}
	case err != nil:
		return 0, nil, err
	}
	if err := h.s.records.RecordAccess(ctx, a, rcm.AuditEntry{OrgID: c.OrgID, PatientID: c.PatientID, Action: rcm.ActionUpdate,
		Resource: "claim_decision", ResourceID: c.ID, Fields: []string{in.Action}}); err != nil {
		return 0, nil, err
	}
	return http.StatusAccepted, DecisionOut{ClaimID: c.ID, Action: in.Action, Status: "accepted"}, nil
}

// DenialItem is one claim waiting for a staff decision.
type DenialItem struct {
	Claim         rcm.DashClaim `json:"claim"`
	Workflow      *WorkflowView `json:"workflow"`
	WorkflowError string        `json:"workflow_error,omitempty"`
	WorkflowURL   string        `json:"workflow_url"`
}

// denialStatuses are the workflow statuses that wait for staff.
const denialStatuses = "needs_correction,appeal_pending,rejected,scrub_failed,appeal_lapsed"

func (h *dashboard) denials(r *http.Request, a rcm.Actor) (int, any, error) {
	q := &queryReader{r: r}
	f := h.filter(q)
	if f.Status == "" {
		f.Status = denialStatuses
	}
	p := q.page()
	if err := q.err(); err != nil {
		return 0, nil, err
	}
	claims, next, err := h.s.records.DashClaims(r.Context(), a, f, p)
	if err != nil {
		return 0, nil, err
	}
	items := make([]DenialItem, len(claims))
	var wg sync.WaitGroup
	for i, c := range claims {
		items[i] = DenialItem{Claim: c, WorkflowURL: h.workflowURL(c.ID)}
		wg.Add(1)
		go func() {
			defer wg.Done()
			items[i].Workflow, items[i].WorkflowError = h.state(r.Context(), c.ID)
		}()
	}
	wg.Wait()
	return http.StatusOK, List[DenialItem]{Items: items, NextCursor: next}, nil
}

// Remittances is the remittance view: posted 835s and the work queue.
type Remittances struct {
	Items      []rcm.DashRemittance `json:"items"`
	NextCursor string               `json:"next_cursor,omitempty"`
	WorkQueue  []rcm.WorkItem       `json:"work_queue"`
}

func (h *dashboard) remittances(r *http.Request, a rcm.Actor) (int, any, error) {
	q := &queryReader{r: r}
	p := q.page()
	if err := q.err(); err != nil {
		return 0, nil, err
	}
	items, next, err := h.s.records.DashRemittances(r.Context(), a, p)
	if err != nil {
		return 0, nil, err
	}
	if items == nil {
		items = []rcm.DashRemittance{}
	}
	wq, err := h.s.records.DashWorkQueue(r.Context(), a)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, Remittances{Items: items, NextCursor: next, WorkQueue: wq}, nil
}

func (h *dashboard) receivables(r *http.Request, a rcm.Actor) (int, any, error) {
	return one[rcm.Receivables](http.StatusOK)(h.s.records.DashReceivables(r.Context(), a))
}

// eligibility answers the latest eligibility check of an appointment with
// its benefits (an audited PHI read; the store checks the appointment's
// organisation).
func (h *dashboard) eligibility(r *http.Request, a rcm.Actor) (int, any, error) {
	q := &queryReader{r: r}
	appt := q.id("appointment_id")
	if appt == "" && len(q.fields) == 0 {
		q.fields = append(q.fields, FieldError{Parameter: "appointment_id", Detail: "is required"})
	}
	if err := q.err(); err != nil {
		return 0, nil, err
	}
	var b rcm.Benefits
	c, err := h.s.records.LatestEligibility(r.Context(), a, appt, &b)
	if err != nil {
		return 0, nil, err
	}
	if c.RejectCodes == nil {
		c.RejectCodes = []string{}
	}
	return http.StatusOK, c, nil
}

// Code descriptions (schemas/codes).

var (
	codesOnce sync.Once
	codeLists map[string]map[string]string
)

func codeList(name string) map[string]string {
	codesOnce.Do(func() {
		codeLists = map[string]map[string]string{}
		for _, l := range []string{"carc", "rarc", "claim-status-category", "claim-status"} {
			b, err := schemas.Codes.ReadFile("codes/" + l + ".json")
			if err != nil {
				continue
			}
			var doc struct {
				Codes [][]string `json:"codes"`
			}
			if json.Unmarshal(b, &doc) != nil {
				continue
			}
			m := map[string]string{}
			for _, c := range doc.Codes {
				if len(c) >= 2 {
					m[c[0]] = c[1]
				}
			}
			codeLists[l] = m
		}
	})
	return codeLists[name]
}

var groupNames = map[string]string{
	"CO": "Contractual obligation (the provider writes it off)",
	"PR": "Patient responsibility",
	"OA": "Other adjustment",
	"PI": "Payer-initiated reduction",
	"CR": "Correction or reversal",
}

// describe explains a CARC with its group ("CO-16") or a RARC ("M76").
func describe(code string) Code {
	if g, reason, ok := strings.Cut(code, "-"); ok {
		if d, ok := codeList("carc")[reason]; ok {
			return Code{Code: code, Description: groupNames[g] + ": " + d}
		}
		return Code{Code: code, Description: groupNames[g]}
	}
	if d, ok := codeList("rarc")[code]; ok {
		return Code{Code: code, Description: d}
	}
	if d, ok := codeList("carc")[code]; ok {
		return Code{Code: code, Description: d}
	}
	return Code{Code: code, Description: ""}
}

func describeAll(codes []string) []Code {
	out := make([]Code, 0, len(codes))
	for _, c := range codes {
		out = append(out, describe(c))
	}
	return out
}

// describeAck explains a 277CA STC01 (category:status:entity); 999/TA1
// codes carry their own positions and stay as they are.
func describeAck(kind, code string) string {
	if kind != "277CA" {
		return ""
	}
	parts := strings.Split(code, ":")
	var out []string
	if len(parts) > 0 {
		if d, ok := codeList("claim-status-category")[parts[0]]; ok {
			out = append(out, d)
		}
	}
	if len(parts) > 1 {
		if d, ok := codeList("claim-status")[parts[1]]; ok {
			out = append(out, d)
		}
	}
	return strings.Join(out, " — ")
}

// versioned answers v with an ETag of version, or 304 Not Modified when the
// client already holds that version (the dashboard's polled summaries).
func versioned(w http.ResponseWriter, r *http.Request, version string, v any) (int, any, error) {
	etag := `"` + version + `"`
	w.Header().Set("ETag", etag)
	w.Header().Set("Cache-Control", "no-store") // the page keeps the ETag itself
	if r.Header.Get("If-None-Match") == etag {
		return http.StatusNotModified, nil, nil
	}
	return http.StatusOK, v, nil
}
