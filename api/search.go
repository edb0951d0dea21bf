package api

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/claimflow/claimflow/rcm"
)

// Search everywhere in the claims worklist (issue 16): the search and sort
// parameters of GET /v1/dashboard/claims (and the denials queue and the
// summary), CSV exports of the claims, denials and remittances lists, and
// each user's saved filters.

// ClaimSearchRecords is what the search, the exports and the saved
// filters ask of the store.
type ClaimSearchRecords interface {
	EachDashClaim(ctx context.Context, a rcm.Actor, f rcm.DashClaimFilter, fn func([]rcm.DashClaim) error) error
	SavedFilters(ctx context.Context, a rcm.Actor) ([]rcm.SavedFilter, error)
	SaveFilter(ctx context.Context, a rcm.Actor, f rcm.SavedFilter) (rcm.SavedFilter, error)
	DeleteSavedFilter(ctx context.Context, a rcm.Actor, id string) error
}

// mountSearch adds the exports and the saved filters (MountDashboard).
func (h *dashboard) mountSearch(r chi.Router) {
	r.Get("/v1/dashboard/claims.csv", h.csvRoute("claims", h.claimsCSV(false)))
	r.Get("/v1/dashboard/denials.csv", h.csvRoute("denials", h.claimsCSV(true)))
	r.Get("/v1/dashboard/remittances.csv", h.csvRoute("remittances", h.remittancesCSV))
	r.Get("/v1/dashboard/saved-filters", h.s.handle(rcm.PermClaimRead, h.savedFilters))
	r.Post("/v1/dashboard/saved-filters", h.s.handle(rcm.PermClaimRead, h.saveFilter))
	r.Delete("/v1/dashboard/saved-filters/{id}", h.s.handle(rcm.PermClaimRead, h.deleteSavedFilter))
}

// readSearch adds the worklist's search and sort parameters to f: q (a
// search box query: a claim ID, or a patient control number, payer claim
// number, member ID, patient name or date of service), claim_id,
// patient_control_number, payer_claim_number, member_id, first_name,
// last_name, dos (one date of service) or dos_from/dos_to, sort and order.
func readSearch(q *queryReader, f *rcm.DashClaimFilter) {
	s := &f.Search
	s.Q = q.bounded("q", 200)
	if id := q.id("claim_id"); id != "" {
		f.ClaimID = id
	}
	s.PatientControlNumber = q.bounded("patient_control_number", 38)
	s.PayerClaimNumber = q.bounded("payer_claim_number", 50)
	s.MemberID = q.bounded("member_id", 80)
	s.FirstName = q.bounded("first_name", 80)
	s.LastName = q.bounded("last_name", 80)
	dos := q.date("dos")
	s.DOSFrom, s.DOSTo = q.date("dos_from"), q.date("dos_to")
	if dos != "" {
		if s.DOSFrom != "" || s.DOSTo != "" {
			q.add("dos", "give dos, or dos_from and dos_to, not both")
		}
		s.DOSFrom, s.DOSTo = dos, dos
	}
	if s.DOSFrom != "" && s.DOSTo != "" && s.DOSFrom > s.DOSTo {
		q.add("dos_to", "must not be before dos_from")
	}
	sort, problems := rcm.ParseClaimSort(q.str("sort"), q.str("order"))
	for _, p := range problems {
		q.add(p.Pointer, p.Detail)
	}
	f.Sort = sort
}

// bounded reads a text parameter of at most n characters.
func (q *queryReader) bounded(name string, n int) string {
	v := strings.TrimSpace(q.str(name))
	if len([]rune(v)) > n {
		q.add(name, fmt.Sprintf("must be at most %d characters", n))
		return ""
	}
	return v
}

// date reads a YYYY-MM-DD parameter.
func (q *queryReader) date(name string) string {
	v := q.str(name)
	if v == "" {
		return ""
	}
	if _, err := time.Parse(time.DateOnly, v); err != nil {
		q.add(name, "must be a date (YYYY-MM-DD)")
		return ""
	}
	return v
}

// csvRoute answers a CSV export with the claim:read permission: the
// export validates its parameters (a problem+json 4xx before any row),
// then streams every matching row. An error after the first row aborts
// the response, so a cut file is never taken for a whole one.
func (h *dashboard) csvRoute(name string, export func(r *http.Request, a rcm.Actor, out *csvOut) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		out := &csvOut{w: w, name: name}
		h.s.handle(rcm.PermClaimRead, func(r *http.Request, a rcm.Actor) (int, any, error) {
			err := export(r, a, out)
			if err != nil && out.started {
				panic(http.ErrAbortHandler)
			}
			if err != nil {
				return 0, nil, err
			}
			out.finish()
			return http.StatusOK, nil, nil
		}).ServeHTTP(out, r)
	}
}

// csvOut is the export's response: the CSV header and rows once the first
// row is written, and nothing of handle's own rendering after the export.
type csvOut struct {
	w       http.ResponseWriter
	name    string
	cw      *csv.Writer
	started bool
	done    bool
}

// Header is the response's header until the export is done; handle's own
// rendering then sets a header nobody sends.
func (o *csvOut) Header() http.Header {
	if o.done {
		return http.Header{}
	}
	return o.w.Header()
}

func (o *csvOut) Write(b []byte) (int, error) {
	if o.done {
		return len(b), nil
	}
	return o.w.Write(b)
}

func (o *csvOut) WriteHeader(code int) {
	if !o.done {
		o.w.WriteHeader(code)
	}
}

// row writes one CSV record, each cell guarded against formula injection.
func (o *csvOut) row(cells ...string) error {
	if !o.started {
		o.started = true
		h := o.w.Header()
		h.Set("Content-Type", "text/csv; charset=utf-8")
		h.Set("Content-Disposition", `attachment; filename="`+o.name+`-`+time.Now().UTC().Format("20060102")+`.csv"`)
		h.Set("Cache-Control", "no-store")
		h.Set("X-Content-Type-Options", "nosniff")
		o.w.WriteHeader(http.StatusOK)
		o.cw = csv.NewWriter(o.w)
	}
	for i, c := range cells {
		cells[i] = CSVCell(c)
	}
	return o.cw.Write(cells)
}

// flush sends the rows written so far (after each page).
func (o *csvOut) flush() error {
	if o.cw == nil {
		return nil
	}
	o.cw.Flush()
	if f, ok := o.w.(http.Flusher); ok {
		f.Flush()
	}
	return o.cw.Error()
}

func (o *csvOut) finish() {
	_ = o.flush()
	o.done = true
}

// CSVCell guards a cell against formula injection: a spreadsheet runs a
// cell that starts with = + - @ (or a tab or carriage return before one)
// as a formula, so such a cell gets a leading apostrophe, which
// spreadsheets show as text. encoding/csv does the quoting.
func CSVCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// claimsCSVHeader names the columns of a claims export.
var claimsCSVHeader = []string{"claim_id", "date_of_service", "patient", "payer", "provider", "patient_control_number",
	"status", "charge", "paid", "balance", "created_at"}

// claimsCSV exports the worklist (or the denials queue) under the same
// filter, search and sort as the JSON list, every matching claim, each
// audited as the list audits it. Patients' names are masked where the
// caller may not read patients.
func (h *dashboard) claimsCSV(denials bool) func(r *http.Request, a rcm.Actor, out *csvOut) error {
	return func(r *http.Request, a rcm.Actor, out *csvOut) error {
		q := &queryReader{r: r}
		f := h.filter(q)
		if denials && f.Status == "" {
			f.Status = denialStatuses
		}
		if err := q.err(); err != nil {
			return err
		}
		if err := out.row(claimsCSVHeader...); err != nil {
			return err
		}
		return h.s.records.EachDashClaim(r.Context(), a, f, func(page []rcm.DashClaim) error {
			for _, c := range page {
				patient := c.PatientName
				if c.PatientMasked {
					patient = "(masked)"
				}
				if err := out.row(c.ID, c.DateOfService, patient, c.PayerName, c.ProviderName, c.PatientControlNumber, c.Status,
					rcm.Dollars(c.TotalCents), rcm.Dollars(c.PaidCents), rcm.Dollars(c.BalanceCents), c.CreatedAt.UTC().Format(time.RFC3339)); err != nil {
					return err
				}
			}
			return out.flush()
		})
	}
}

// remittancesCSV exports every visible remittance, one row per claim
// payment (a remittance without claim payments has one row of its own).
func (h *dashboard) remittancesCSV(r *http.Request, a rcm.Actor, out *csvOut) error {
	q := &queryReader{r: r}
	if err := q.err(); err != nil {
		return err
	}
	if err := out.row("remittance_id", "trace_number", "payer_id", "payment_date", "remittance_paid", "balanced", "claim_id",
		"payer_claim_number", "claim_status_code", "charge", "paid", "patient_responsibility", "adjustments", "remarks"); err != nil {
		return err
	}
	p := rcm.Page{Limit: 200}
	for {
		items, next, err := h.s.records.DashRemittancesWithPayments(r.Context(), a, p)
		if err != nil {
			return err
		}
		for _, m := range items {
			head := []string{m.ID, m.TraceNumber, m.PayerID, m.PaymentDate, rcm.Dollars(m.PaidCents), fmt.Sprint(m.Balanced)}
			if len(m.Payments) == 0 {
				if err := out.row(append(head, "", "", "", "", "", "", "", "")...); err != nil {
					return err
				}
			}
			for _, cp := range m.Payments {
				adj := make([]string, len(cp.Adjustments))
				for i, x := range cp.Adjustments {
					adj[i] = x.Group + "-" + x.Reason + " " + rcm.Dollars(x.AmountCents)
				}
				cells := append(append([]string{}, head...), cp.ClaimID, cp.PayerClaimNumber, cp.StatusCode, rcm.Dollars(cp.ChargeCents),
					rcm.Dollars(cp.PaidCents), rcm.Dollars(cp.PatientRespCents), strings.Join(adj, "; "), strings.Join(cp.RARCs, " "))
				if err := out.row(cells...); err != nil {
					return err
				}
			}
		}
		if err := out.flush(); err != nil {
			return err
		}
		if next == "" {
			return nil
		}
		p.After = next
	}
}

func (h *dashboard) savedFilters(r *http.Request, a rcm.Actor) (int, any, error) {
	fs, err := h.s.records.SavedFilters(r.Context(), a)
	return list(fs, "", err)
}

// SavedFilterInput is the body of POST /v1/dashboard/saved-filters.
type SavedFilterInput struct {
	Name  string `json:"name"`
	Query string `json:"query"`
}

func (h *dashboard) saveFilter(r *http.Request, a rcm.Actor) (int, any, error) {
	var in SavedFilterInput
	if err := decode(r, &in); err != nil {
		return 0, nil, err
	}
	return one[rcm.SavedFilter](http.StatusCreated)(h.s.records.SaveFilter(r.Context(), a, rcm.SavedFilter{Name: in.Name, Query: in.Query}))
}

func (h *dashboard) deleteSavedFilter(r *http.Request, a rcm.Actor) (int, any, error) {
	if err := h.s.records.DeleteSavedFilter(r.Context(), a, id(r)); err != nil {
		return 0, nil, err
	}
	return http.StatusNoContent, nil, nil
}
