package api

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/claimflow/claimflow/rcm"
)

// MountDashboard adds the billing dashboard's endpoints (under
// /v1/dashboard and /v1/claims/{id}/...) to the records API. Each declares
// its permission; records answer only within the caller's organisations.
func (s *Server) MountDashboard(d Dashboard) {
	if s.records == nil {
		return
	}
	h := &dashboard{s: s, d: d}
	s.claims = d.Workflows
	s.runs = d.Runs
	s.router.Group(func(r chi.Router) {
		r.Use(s.authenticate)
		r.Get("/v1/dashboard/session", s.handle(permAuthenticated, h.session))
		r.Get("/v1/dashboard/claims", s.handle(rcm.PermClaimRead, h.claims))
		r.Get("/v1/dashboard/claims/summary", h.summary)
		r.Post("/v1/dashboard/claims/bulk", s.handle(rcm.PermClaimWrite, h.bulk))
		r.Get("/v1/dashboard/denials", s.handle(rcm.PermClaimRead, h.denials))
		r.Get("/v1/dashboard/remittances", s.handle(rcm.PermClaimRead, h.remittances))
		r.Get("/v1/dashboard/remittances/summary", h.remitSummary)
		r.Get("/v1/dashboard/remittances/work-queue", s.handle(rcm.PermClaimRead, h.workQueue))
		r.Post("/v1/dashboard/remittances/work-queue/{id}/resolve", s.handle(rcm.PermClaimWrite, h.resolve))
		r.Get("/v1/dashboard/remittances/{id}", s.handle(rcm.PermClaimRead, h.era))
		r.Get("/v1/dashboard/remittances/{id}/eob.pdf", h.eobPDF)
		r.Get("/v1/dashboard/deposits", s.handle(rcm.PermClaimRead, h.deposits))
		r.Get("/v1/dashboard/deposits/remittances-without-deposit", s.handle(rcm.PermClaimRead, h.remittancesWithoutDeposit))
		r.Post("/v1/dashboard/deposits", s.handle(rcm.PermClaimWrite, h.createDeposit))
		r.Post("/v1/dashboard/deposits/{id}/match", s.handle(rcm.PermClaimWrite, h.matchDeposit(true)))
		r.Post("/v1/dashboard/deposits/{id}/unmatch", s.handle(rcm.PermClaimWrite, h.matchDeposit(false)))
		r.Get("/v1/dashboard/receivables", s.handle(rcm.PermClaimRead, h.receivables))
		r.Get("/v1/dashboard/eligibility", s.handle(rcm.PermAppointmentRead, h.eligibility))
		r.Get("/v1/claims/{id}/timeline", s.handle(rcm.PermClaimRead, h.timeline))
		r.Get("/v1/claims/{id}/edi", s.handle(rcm.PermClaimRead, h.rawEDI))
		r.Post("/v1/claims/{id}/decisions", s.handle(rcm.PermClaimWrite, h.decide))
		r.Get("/v1/dashboard/statements/awaiting-release", s.handle(rcm.PermClaimRead, h.statementsAwaiting))
		r.Post("/v1/statements/{id}/release", s.handle(rcm.PermClaimWrite, h.releaseStatement))
		r.Post("/v1/dashboard/runs/submit", s.handle(rcm.PermClaimWrite, h.runNow("submit")))
		r.Post("/v1/dashboard/runs/check-status", s.handle(rcm.PermClaimWrite, h.runNow("check-status")))
		r.Get("/v1/dashboard/routing-warnings", s.handle(rcm.PermClaimRead, h.routingWarnings))
		r.Get("/v1/dashboard/appeals", s.handle(rcm.PermClaimRead, h.appeals))
		r.Post("/v1/claims/{id}/appeal-letter", s.handle(rcm.PermClaimWrite, h.appealLetter))
		r.Get("/v1/claims/{id}/appeal-letters", s.handle(rcm.PermClaimRead, h.appealLetters))
		r.Get("/v1/claims/{id}/appeal-letters/{letterID}.pdf", h.appealLetterPDF)
		h.mountSearch(r)
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
	readSearch(q, &f)
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

// Remittances is the remittance view: posted 835s, each with the totals
// of the claim payments the caller owns (a remittance's claim payments,
// adjustments and remark codes, explained, are its ERA view's), and the
// work queue.
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
// its benefits and the deviations from the guide found in its 271s (an
// audited PHI read; the store checks the appointment's organisation).
func (h *dashboard) eligibility(r *http.Request, a rcm.Actor) (int, any, error) {
	q := &queryReader{r: r}
	appt := q.id("appointment_id")
	if appt == "" && len(q.fields) == 0 {
		q.fields = append(q.fields, FieldError{Parameter: "appointment_id", Detail: "is required"})
	}
	if err := q.err(); err != nil {
		return 0, nil, err
	}
	var b json.RawMessage // the benefits as stored (activities.Benefits)
	c, err := h.s.records.LatestEligibility(r.Context(), a, appt, &b)
	if err != nil {
		return 0, nil, err
	}
	if c.RejectCodes == nil {
		c.RejectCodes = []string{}
	}
	if c.Deviations == nil {
		c.Deviations = []rcm.Deviation{}
	}
	return http.StatusOK, EligibilityView{EligibilityCheck: c, RejectReasons: describeRejects(c.RejectCodes)}, nil
}

// EligibilityView is an eligibility check with its AAA reject reasons
// explained.
type EligibilityView struct {
	rcm.EligibilityCheck
	RejectReasons []Code `json:"reject_reasons"`
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
