package api

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/claimflow/claimflow/edi/codes"
	"github.com/claimflow/claimflow/internal/printable"
	"github.com/claimflow/claimflow/rcm"
)

// The ERA/EOB viewer and bank deposits (issue 16): one 835 by check or
// EFT with every claim payment and service line the caller may see, its
// printable EOB, and deposits reconciled with 835s by trace number.

// ERARecords is the store as the ERA viewer and deposits use it.
type ERARecords interface {
	ERA(ctx context.Context, a rcm.Actor, id, claimID, resource string) (rcm.ERA, error)
	CreateDeposit(ctx context.Context, a rcm.Actor, d rcm.Deposit) (rcm.Deposit, error)
	Deposits(ctx context.Context, a rcm.Actor, p rcm.Page) (rcm.Reconciliation, error)
	RemittancesWithoutDeposit(ctx context.Context, a rcm.Actor, p rcm.Page) ([]rcm.DepositRemit, string, error)
	MatchDeposit(ctx context.Context, a rcm.Actor, depositID, remittanceID string, match bool) (rcm.Deposit, error)
}

// describeERA explains every adjustment and remark code of the ERA.
func describeERA(e *rcm.ERA) {
	adj := func(as []rcm.ERAAdjustment) {
		for i := range as {
			as[i].Description = codes.PaymentCode(as[i].Code)
		}
	}
	rem := func(rs []rcm.Remark) {
		for i := range rs {
			rs[i].Description = codes.PaymentCode(rs[i].Code)
		}
	}
	for i := range e.Claims {
		c := &e.Claims[i]
		adj(c.Adjustments)
		rem(c.RARCs)
		for j := range c.Lines {
			adj(c.Lines[j].Adjustments)
			rem(c.Lines[j].RARCs)
		}
	}
}

// era answers one remittance (an audited PHI read of each claim payment
// shown); ?claim_id= narrows it to one claim's payment.
func (h *dashboard) era(r *http.Request, a rcm.Actor) (int, any, error) {
	e, err := h.readERA(r, a, "era")
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, e, nil
}

func (h *dashboard) readERA(r *http.Request, a rcm.Actor, resource string) (rcm.ERA, error) {
	q := &queryReader{r: r}
	claimID := q.id("claim_id")
	if err := q.err(); err != nil {
		return rcm.ERA{}, err
	}
	if !validUUID(id(r)) {
		return rcm.ERA{}, rcm.ErrNotFound
	}
	e, err := h.s.records.ERA(r.Context(), a, id(r), claimID, resource)
	if err != nil {
		return rcm.ERA{}, err
	}
	describeERA(&e)
	return e, nil
}

// eobPDF answers the remittance's EOB as a PDF (the same read as era,
// audited as "eob_pdf").
func (h *dashboard) eobPDF(w http.ResponseWriter, r *http.Request) {
	pw := &rawWriter{ResponseWriter: w}
	h.s.handle(rcm.PermClaimRead, func(r *http.Request, a rcm.Actor) (int, any, error) {
		e, err := h.readERA(r, a, "eob_pdf")
		if err != nil {
			return 0, nil, err
		}
		b, err := eobDocument(e, time.Now().UTC())
		if err != nil {
			return 0, nil, err
		}
		name := "eob-" + safeFileName(e.TraceNumber) + ".pdf"
		w.Header().Set("Content-Type", "application/pdf")
		w.Header().Set("Content-Disposition", `inline; filename="`+name+`"`)
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(b) //nolint:gosec // G705: a PDF the server rendered, served as application/pdf, not HTML
		pw.done = true
		return http.StatusOK, nil, nil
	}).ServeHTTP(pw, r)
}

// rawWriter drops what the JSON handler writes after a handler wrote its
// own body.
type rawWriter struct {
	http.ResponseWriter
	done  bool
	spare http.Header
}

func (w *rawWriter) Header() http.Header {
	if w.done {
		if w.spare == nil {
			w.spare = http.Header{}
		}
		return w.spare
	}
	return w.ResponseWriter.Header()
}

func (w *rawWriter) WriteHeader(code int) {
	if !w.done {
		w.ResponseWriter.WriteHeader(code)
	}
}

func (w *rawWriter) Write(b []byte) (int, error) {
	if w.done {
		return len(b), nil
	}
	return w.ResponseWriter.Write(b)
}

func safeFileName(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' {
			return r
		}
		return '_'
	}, s)
}

var paymentMethods = map[string]string{"ACH": "ACH (EFT)", "CHK": "Check", "BOP": "Financial institution option", "FWT": "Federal Reserve wire transfer", "NON": "No payment"}

func eobDollars(c int64) string { return "$" + rcm.Dollars(c) }

// eobDocument prints the EOB: the payment, then each claim with its
// amounts, adjustments, remarks and service lines.
func eobDocument(e rcm.ERA, now time.Time) ([]byte, error) {
	d := printable.New("Explanation of benefits "+e.TraceNumber, now)
	d.Heading("Explanation of benefits")
	method := paymentMethods[e.PaymentMethod]
	if method == "" {
		method = e.PaymentMethod
	}
	paidLabel := "Total paid (BPR02)"
	if e.Shared {
		paidLabel = "Paid on your claims"
	}
	d.Fields([2]string{"Payer", strings.TrimSpace(e.PayerName + " (" + e.PayerID + ")")},
		[2]string{"Check/EFT trace number", e.TraceNumber},
		[2]string{"Payment method", method},
		[2]string{"Payment date", e.PaymentDate},
		[2]string{paidLabel, eobDollars(e.PaidCents)},
		[2]string{"Provider adjustments (PLB)", eobDollars(e.ProviderAdjCents)})
	if e.Shared {
		d.Paragraph("This payment also covers claims of other organisations; only yours are shown, without the payment's totals.")
	}
	if len(e.ProviderAdjustments) > 0 {
		d.Subheading("Provider adjustments")
		rows := make([][]string, len(e.ProviderAdjustments))
		for i, p := range e.ProviderAdjustments {
			rows[i] = []string{p.Reason, p.Reference, p.FiscalPeriod, eobDollars(p.AmountCents)}
		}
		d.Table([]printable.Column{{Heading: "Reason", Width: 30}, {Heading: "Reference", Width: 70}, {Heading: "Fiscal period", Width: 40},
			{Heading: "Amount", Width: 38, Align: "R"}}, rows)
	}
	for _, c := range e.Claims {
		eobClaim(d, c)
	}
	if len(e.Claims) == 0 {
		d.Paragraph("No claim payments of this remittance are visible to you.")
	}
	return d.Bytes()
}

func eobClaim(d *printable.Doc, c rcm.ERAClaim) {
	patient := c.PatientName
	switch {
	case c.ClaimID == "":
		patient = "(matched no claim)"
	case c.PatientMasked:
		patient = "(hidden: no patient:read permission)"
	}
	d.Subheading("Claim " + c.PatientControl)
	allowedNote := "sum of the lines' allowed amounts (AMT*B6)"
	if c.AllowedSource == rcm.AllowedChargeLessC {
		allowedNote = "billed less contractual (CO) adjustments"
	}
	d.Fields([2]string{"Patient", patient},
		[2]string{"Claim ID", c.ClaimID},
		[2]string{"Payer claim number", c.PayerClaimNumber},
		[2]string{"Claim status (CLP02)", c.StatusCode},
		[2]string{"Billed", eobDollars(c.ChargeCents)},
		[2]string{"Allowed", eobDollars(c.AllowedCents) + " (" + allowedNote + ")"},
		[2]string{"Paid", eobDollars(c.PaidCents)},
		[2]string{"Patient responsibility", eobDollars(c.PatientRespCents)})
	if len(c.Adjustments) > 0 || hasLineAdjustments(c) {
		var rows [][]string
		for _, a := range c.Adjustments {
			rows = append(rows, []string{"claim", a.Code, a.Description, eobDollars(a.AmountCents)})
		}
		for _, l := range c.Lines {
			for _, a := range l.Adjustments {
				rows = append(rows, []string{fmt.Sprintf("line %d", l.Line), a.Code, a.Description, eobDollars(a.AmountCents)})
			}
		}
		d.Table([]printable.Column{{Heading: "Level", Width: 18}, {Heading: "Code", Width: 20}, {Heading: "Reason", Width: 112},
			{Heading: "Amount", Width: 28, Align: "R"}}, rows)
	}
	if len(c.Lines) > 0 {
		rows := make([][]string, len(c.Lines))
		for i, l := range c.Lines {
			proc := l.Procedure
			if len(l.Modifiers) > 0 {
				proc += ":" + strings.Join(l.Modifiers, ":")
			}
			rows[i] = []string{fmt.Sprint(l.Line), l.ServiceDate, proc, l.Units, eobDollars(l.ChargeCents), eobDollars(l.AllowedCents), eobDollars(l.PaidCents)}
		}
		d.Table([]printable.Column{{Heading: "Line", Width: 12}, {Heading: "Date", Width: 24}, {Heading: "Procedure", Width: 40},
			{Heading: "Units", Width: 14, Align: "R"}, {Heading: "Billed", Width: 28, Align: "R"}, {Heading: "Allowed", Width: 28, Align: "R"},
			{Heading: "Paid", Width: 28, Align: "R"}}, rows)
	}
	var remarks []string
	for _, r := range c.RARCs {
		remarks = append(remarks, r.Code+": "+r.Description)
	}
	if len(remarks) > 0 {
		d.Paragraph("Remarks: " + strings.Join(remarks, "; "))
	}
}

func hasLineAdjustments(c rcm.ERAClaim) bool {
	for _, l := range c.Lines {
		if len(l.Adjustments) > 0 {
			return true
		}
	}
	return false
}

// DepositInput is a bank deposit as staff enter it.
type DepositInput struct {
	OrgID       string `json:"org_id"`
	AmountCents int64  `json:"amount_cents"`
	DepositedOn string `json:"deposited_on"`
	Reference   string `json:"reference"`
	Note        string `json:"note"`
}

func (h *dashboard) createDeposit(r *http.Request, a rcm.Actor) (int, any, error) {
	var in DepositInput
	if err := decode(r, &in); err != nil {
		return 0, nil, err
	}
	d := rcm.Deposit{OrgID: in.OrgID, AmountCents: in.AmountCents, DepositedOn: in.DepositedOn, Reference: in.Reference, Note: in.Note}
	return one[rcm.Deposit](http.StatusCreated)(h.s.records.CreateDeposit(r.Context(), a, d))
}

// deposits answers a page of deposits (?cursor=, ?limit=) with the first
// page of the 835s no deposit is matched to.
func (h *dashboard) deposits(r *http.Request, a rcm.Actor) (int, any, error) {
	q := &queryReader{r: r}
	p := q.page()
	if err := q.err(); err != nil {
		return 0, nil, err
	}
	return one[rcm.Reconciliation](http.StatusOK)(h.s.records.Deposits(r.Context(), a, p))
}

// remittancesWithoutDeposit pages on through the 835s no deposit is
// matched to.
func (h *dashboard) remittancesWithoutDeposit(r *http.Request, a rcm.Actor) (int, any, error) {
	q := &queryReader{r: r}
	p := q.page()
	if err := q.err(); err != nil {
		return 0, nil, err
	}
	return list(h.s.records.RemittancesWithoutDeposit(r.Context(), a, p))
}

// DepositMatchInput names the 835 to match or unmatch.
type DepositMatchInput struct {
	RemittanceID string `json:"remittance_id"`
}

func (h *dashboard) matchDeposit(match bool) handler {
	return func(r *http.Request, a rcm.Actor) (int, any, error) {
		var in DepositMatchInput
		if err := decode(r, &in); err != nil {
			return 0, nil, err
		}
		if in.RemittanceID == "" {
			return 0, nil, &rcm.ValidationError{Fields: []rcm.FieldProblem{{Pointer: "/remittance_id", Detail: "is required"}}}
		}
		if !validUUID(id(r)) {
			return 0, nil, rcm.ErrNotFound
		}
		return one[rcm.Deposit](http.StatusOK)(h.s.records.MatchDeposit(r.Context(), a, id(r), in.RemittanceID, match))
	}
}
