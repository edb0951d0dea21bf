package api

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/claimflow/claimflow/internal/printable"
	"github.com/claimflow/claimflow/rcm"
)

// Appeals (issue 16): GET /v1/dashboard/appeals is the worklist of denied
// claims staff may appeal or have appealed, soonest filing deadline first;
// POST /v1/claims/{id}/appeal-letter generates an appeal letter (PDF)
// from the claim, its denial and the staff's reason; GET
// /v1/claims/{id}/appeal-letters lists them and
// /v1/claims/{id}/appeal-letters/{letterID}.pdf downloads one. A letter
// files nothing: filing is the claim workflow's appeal decision
// (POST /v1/claims/{id}/decisions).

// AppealRecords is what the appeals endpoints ask of the records store.
type AppealRecords interface {
	DashAppeals(ctx context.Context, a rcm.Actor, f rcm.AppealFilter, now time.Time) ([]rcm.AppealItem, error)
	CreateAppealLetter(ctx context.Context, a rcm.Actor, claimID string, in rcm.AppealLetterInput,
		render func(rcm.AppealLetterData) ([]byte, error)) (rcm.AppealLetter, error)
	ListAppealLetters(ctx context.Context, a rcm.Actor, claimID string) ([]rcm.AppealLetter, error)
	AppealLetterPDF(ctx context.Context, a rcm.Actor, claimID, letterID string) ([]byte, error)
}

// AppealRow is one row of the appeals worklist.
type AppealRow struct {
	rcm.AppealItem
	DenialCodes []Code `json:"denial_codes"`
	DenialRARCs []Code `json:"denial_rarcs"`
	// Deadline is the appeal filing deadline; nil when neither the
	// recorded denial nor the claim's workflow knows it.
	Deadline *time.Time `json:"deadline"`
	DaysLeft *int       `json:"days_left"`
	Overdue  bool       `json:"overdue"`
}

// maxWithinDays bounds the within_days filter (ten years).
const maxWithinDays = 3650

func (h *dashboard) appeals(r *http.Request, a rcm.Actor) (int, any, error) {
	q := &queryReader{r: r}
	f := rcm.AppealFilter{PayerID: q.id("payer_id")}
	if v := q.str("status"); v != "" {
		for _, s := range strings.Split(v, ",") {
			st := rcm.ClaimStatus(strings.TrimSpace(s))
			if !slices.Contains(rcm.AppealStatuses, st) {
				q.add("status", "must be a comma-separated list of appeal_pending, needs_correction, appealed, appeal_lapsed")
				break
			}
			f.Statuses = append(f.Statuses, st)
		}
	}
	if v := q.str("within_days"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > maxWithinDays {
			q.add("within_days", "must be a whole number of days from 0 to "+strconv.Itoa(maxWithinDays))
		} else {
			f.WithinDays = &n
		}
	}
	if err := q.err(); err != nil {
		return 0, nil, err
	}
	now := time.Now()
	items, err := h.s.appealRecords().DashAppeals(r.Context(), a, f, now)
	if err != nil {
		return 0, nil, err
	}
	h.fillFromWorkflows(r.Context(), items)
	rows := make([]AppealRow, 0, len(items))
	for _, it := range items {
		row := AppealRow{AppealItem: it, DenialCodes: describePayment(it.DenialCodes), DenialRARCs: describePayment(it.DenialRARCs)}
		if it.DeadlineKnown {
			d := it.Deadline
			left := rcm.DaysLeft(d, now)
			row.Deadline, row.DaysLeft, row.Overdue = &d, &left, d.Before(now)
			if f.WithinDays != nil && left > *f.WithinDays {
				continue
			}
		}
		rows = append(rows, row)
	}
	// Soonest deadline first; unknown deadlines last.
	slices.SortStableFunc(rows, func(x, y AppealRow) int {
		switch {
		case x.Deadline == nil && y.Deadline == nil:
			return 0
		case x.Deadline == nil:
			return 1
		case y.Deadline == nil:
			return -1
		}
		return x.Deadline.Compare(*y.Deadline)
	})
	return http.StatusOK, List[AppealRow]{Items: rows}, nil
}

// fillFromWorkflows reads the deadline and denial of the claims denied
// before denials were recorded (claim_denials) from their workflows.
func (h *dashboard) fillFromWorkflows(ctx context.Context, items []rcm.AppealItem) {
	if h.d.Workflows == nil {
		return
	}
	var wg sync.WaitGroup
	for i := range items {
		if items[i].DeadlineKnown {
			continue
		}
		wg.Add(1)
		go func(it *rcm.AppealItem) {
			defer wg.Done()
			st, err := h.d.Workflows.ClaimState(ctx, it.ClaimID)
			if err != nil || st.Deadline.IsZero() {
				return
			}
			it.Deadline, it.DeadlineKnown = st.Deadline, true
			if st.Denial != nil {
				it.DenialCategory, it.DenialCodes, it.DenialRARCs = st.Denial.Category, st.Denial.Codes, st.Denial.RARCs
			}
		}(&items[i])
	}
	wg.Wait()
}

func (s *Server) appealRecords() AppealRecords { return s.records }

// appealLetter answers POST /v1/claims/{id}/appeal-letter.
func (h *dashboard) appealLetter(r *http.Request, a rcm.Actor) (int, any, error) {
	var in rcm.AppealLetterInput
	if err := decode(r, &in); err != nil {
		return 0, nil, err
	}
	if err := in.Validate(); err != nil {
		return 0, nil, err
	}
	now := time.Now().UTC()
	l, err := h.s.appealRecords().CreateAppealLetter(r.Context(), a, id(r), in, func(d rcm.AppealLetterData) ([]byte, error) {
		if len(d.Denial.Codes) == 0 && h.d.Workflows != nil {
			// Denied before denials were recorded: the workflow knows.
			if st, err := h.d.Workflows.ClaimState(r.Context(), d.ClaimID); err == nil && st.Denial != nil {
				d.Denial = rcm.ClaimDenial{Category: st.Denial.Category, Codes: st.Denial.Codes, RARCs: st.Denial.RARCs, Deadline: st.Deadline}
			}
		}
		return renderAppealLetter(d, in, now)
	})
	if err != nil {
		return 0, nil, appealError(err)
	}
	return http.StatusCreated, l, nil
}

// appealLetters answers GET /v1/claims/{id}/appeal-letters.
func (h *dashboard) appealLetters(r *http.Request, a rcm.Actor) (int, any, error) {
	ls, err := h.s.appealRecords().ListAppealLetters(r.Context(), a, id(r))
	return list(ls, "", err)
}

// appealLetterPDF answers GET /v1/claims/{id}/appeal-letters/{letterID}.pdf
// with the PDF (problem+json when refused).
func (h *dashboard) appealLetterPDF(w http.ResponseWriter, r *http.Request) {
	pw := &pdfWriter{ResponseWriter: w}
	h.s.handle(rcm.PermClaimRead, func(r *http.Request, a rcm.Actor) (int, any, error) {
		pdf, err := h.s.appealRecords().AppealLetterPDF(r.Context(), a, id(r), chi.URLParam(r, "letterID"))
		if err != nil {
			return 0, nil, appealError(err)
		}
		pw.pdf = pdf
		return http.StatusOK, nil, nil
	}).ServeHTTP(pw, r)
}

// pdfWriter writes the PDF in place of the handler's JSON body when the
// answer is 200; a problem passes through.
type pdfWriter struct {
	http.ResponseWriter
	pdf    []byte
	status int
}

func (w *pdfWriter) WriteHeader(code int) {
	w.status = code
	if code == http.StatusOK && w.pdf != nil {
		w.Header().Set("Content-Type", "application/pdf")
		w.Header().Set("Content-Disposition", `attachment; filename="appeal-letter.pdf"`)
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Content-Length", strconv.Itoa(len(w.pdf)))
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *pdfWriter) Write(b []byte) (int, error) {
	if w.status == http.StatusOK && w.pdf != nil {
		if _, err := w.ResponseWriter.Write(w.pdf); err != nil { //nolint:gosec // G705: a PDF the server rendered, served as application/pdf, not HTML
			return 0, err
		}
		w.pdf = nil
		return len(b), nil
	}
	if w.status == http.StatusOK {
		return len(b), nil // the PDF is written already
	}
	return w.ResponseWriter.Write(b)
}

// appealError maps the store's refusals to problems.
func appealError(err error) error {
	var fe *rcm.AppealForbiddenError
	if errors.As(err, &fe) {
		return &Error{Status: http.StatusForbidden, Code: "forbidden", Title: "Forbidden", Detail: fe.Error()}
	}
	var na *rcm.NotAppealableError
	if errors.As(err, &na) {
		return &Error{Status: http.StatusConflict, Code: "claim-not-appealable", Title: "Claim not appealable", Detail: na.Error(),
			Extra: map[string]any{"claim_status": string(na.Status)}}
	}
	return err
}

// renderAppealLetter prints the letter: the practice's billing identity,
// the payer, the patient, the claim, its denial codes explained, the
// staff's reason, the date and a signature block.
func renderAppealLetter(d rcm.AppealLetterData, in rcm.AppealLetterInput, now time.Time) ([]byte, error) {
	doc := printable.New("Appeal of claim "+d.PatientControlNumber, now)
	p := d.Profile
	if p.Name != "" {
		doc.Heading(p.Name)
		addr := strings.TrimSpace(p.AddressLine1)
		if city := strings.TrimSpace(strings.Join(nonEmpty(p.City, strings.TrimSpace(p.State+" "+zip(p.Zip))), ", ")); city != "" {
			addr = strings.Join(nonEmpty(addr, city), ", ")
		}
		doc.Fields([2]string{"Address", addr}, [2]string{"NPI", p.NPI}, [2]string{"Tax ID", p.TaxID})
	}
	doc.Paragraph(now.Format("January 2, 2006"))
	doc.Fields([2]string{"To", orDash(d.PayerName)}, [2]string{"Attention", "Appeals / Provider Disputes"})
	doc.Subheading("Re: Request for reconsideration of a denied claim")
	doc.Fields(
		[2]string{"Patient", d.PatientName},
		[2]string{"Date of birth", d.PatientBirthDate},
		[2]string{"Member ID", d.MemberID},
		[2]string{"Claim (PCN)", d.PatientControlNumber},
		[2]string{"Payer claim number", orDash(d.PayerClaimNumber)},
		[2]string{"Date(s) of service", d.DatesOfService},
		[2]string{"Billed amount", "$" + rcm.Dollars(d.BilledCents)},
	)
	doc.Paragraph("We ask you to reconsider the denial of the claim above. The claim was denied with the following codes:")
	if len(d.Denial.Codes)+len(d.Denial.RARCs) == 0 {
		doc.Paragraph("(no denial codes recorded)")
	}
	var codes [][2]string
	for _, c := range append(slices.Clone(d.Denial.Codes), d.Denial.RARCs...) {
		codes = append(codes, [2]string{c, orDash(describePayment([]string{c})[0].Description)})
	}
	doc.Fields(codes...)
	doc.Subheading("Reason for appeal")
	for _, para := range strings.Split(in.Reason, "\n") {
		if strings.TrimSpace(para) != "" {
			doc.Paragraph(para)
		}
	}
	if in.AttachmentsNote != "" {
		doc.Subheading("Enclosures")
		doc.Paragraph(in.AttachmentsNote)
	}
	contact := in.ContactName
	if contact == "" {
		contact = p.ContactName
	}
	closing := "Please reprocess the claim accordingly."
	if contact != "" {
		closing += " For questions about this appeal, please contact " + contact
		if p.ContactPhone != "" {
			closing += " at " + p.ContactPhone
		}
		closing += "."
	}
	doc.Paragraph(closing)
	doc.Paragraph("Sincerely,")
	doc.Paragraph("\n\n______________________________")
	sig := [][2]string{{"Name", orDash(d.StaffName)}}
	if p.Name != "" {
		sig = append(sig, [2]string{"On behalf of", p.Name})
	}
	sig = append(sig, [2]string{"Date", now.Format("2006-01-02")})
	doc.Fields(sig...)
	return doc.Bytes()
}

func nonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// zip prints a nine-digit ZIP as ZIP+4.
func zip(z string) string {
	if len(z) == 9 {
		return z[:5] + "-" + z[5:]
	}
	return z
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
