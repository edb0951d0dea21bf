package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/claimflow/claimflow/activities"
	"github.com/claimflow/claimflow/archive"
	"github.com/claimflow/claimflow/edi"
	"github.com/claimflow/claimflow/edi/x835"
	"github.com/claimflow/claimflow/internal/testenv"
	"github.com/claimflow/claimflow/rcm"
	"github.com/claimflow/claimflow/store"
)

// memFiles is the archive as remittance posting reads it: the 835s the
// test wrote, by key.
type memFiles map[string][]byte

func (m memFiles) Fetch(_ context.Context, key string) ([]byte, error) {
	b, ok := m[key]
	if !ok {
		return nil, fmt.Errorf("no file %s", key)
	}
	return b, nil
}

// era835 is a claim payment of a test 835: one claim with its service
// lines.
func era835Claim(pcn string, charge, paid, resp x835.Money, claimAdj []x835.Adjustment, lines ...x835.LinePayment) x835.ClaimPayment {
	return x835.ClaimPayment{PatientControlNumber: pcn, Status: "1", Charge: charge, Paid: paid, PatientResponsibility: resp, FilingCode: "12",
		PayerControlNumber: "ZZPCN-" + pcn, Adjustments: claimAdj, Remarks: []string{"N130"},
		Patient: x835.Person{EntityType: "1", LastName: "TESTPATIENT", FirstName: "ZZ", IDQual: "MI", ID: "ZZ0000009"}, Lines: lines}
}

// post835File builds a real 835 with x835.Build, checks that our own
// validator and balancing accept it, and posts it through the
// remittance posting activity (activities.RemitService), as the
// remittance workflow does. It answers the remittance ID.
func post835File(t *testing.T, w *world, files memFiles, trace string, plb x835.Money, claims ...x835.ClaimPayment) string {
	t.Helper()
	var paid x835.Money
	for _, c := range claims {
		paid += c.Paid
	}
	rem := &x835.Remittance{
		Payment: x835.Payment{Handling: "I", Amount: paid - plb, CreditDebit: "C", Method: "ACH", Format: "CCP", SenderDFIQual: "01", SenderDFI: "999999992",
			SenderAcctQual: "DA", SenderAccount: "0001", OriginatorID: "1000000001", ReceiverDFIQual: "01", ReceiverDFI: "999999992",
			ReceiverAcctQual: "DA", ReceiverAccount: "0002", EffectiveDate: "20300115"},
		Trace:          x835.Trace{Type: "1", Number: trace, OriginatorID: "1000000001"},
		ProductionDate: "20300115",
		Payer: x835.Payer{Name: "TEST PAYER", Address: x835.Address{Line1: "1 PAYER WAY", City: "TESTVILLE", State: "ZZ", Zip: "00001"},
			PayerID: "ZZPAYER1", TechnicalContact: "EDI", Phone: "5550100000"},
		Payee:  x835.Payee{Name: "TEST PRACTICE", IDQual: "XX", ID: "1245319599"},
		Claims: claims,
	}
	if plb != 0 {
		rem.Adjustments = []x835.ProviderAdjustment{{ProviderID: "1245319599", FiscalPeriod: "20301231", Reason: "WO", Reference: "ZZRECOUP1", Amount: plb}}
	}
	ic, err := x835.Build(x835.Envelope{SenderID: "ZZPAYER1", ReceiverID: "ZZSUBMIT1", Usage: "T"}, rem)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := edi.Write(&buf, ic); err != nil {
		t.Fatal(err)
	}
	if r, err := x835.Validate(buf.Bytes(), nil); err != nil || !r.OK() {
		t.Fatalf("test 835 %s invalid: %v %v", trace, err, r.Errors)
	}
	key := "test-835-" + trace
	files[key] = buf.Bytes()
	poster := &activities.RemitService{Files: files, Records: w.store}
	res, err := poster.Post(context.Background(), activities.RemittanceRequest{Partner: "local", FileKey: key, PayerID: "ZZPAYER1", TraceNumber: trace})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Balanced {
		t.Fatalf("test 835 %s posted unbalanced: %v", trace, res.BalanceProblems)
	}
	var rid string
	if err := w.store.Pool.QueryRow(context.Background(), "SELECT id::text FROM remittances WHERE trace_number = $1", trace).Scan(&rid); err != nil {
		t.Fatal(err)
	}
	return rid
}

// getBytes fetches a path and answers the status, content type and body.
func getBytes(t *testing.T, w *world, tok, path string) (int, string, []byte) {
	t.Helper()
	req, err := http.NewRequest("GET", w.srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	res, err := w.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var b bytes.Buffer
	_, _ = b.ReadFrom(res.Body)
	return res.StatusCode, res.Header.Get("Content-Type"), b.Bytes()
}

func findClaim(e rcm.ERA, seq int) *rcm.ERAClaim {
	for i := range e.Claims {
		if e.Claims[i].Seq == seq {
			return &e.Claims[i]
		}
	}
	return nil
}

// TestERAViewerAndEOB (issue 16): a real 835 posted through the posting
// activity shows in the viewer with the amounts it carries: per claim the
// billed, allowed (the lines' AMT*B6), paid and patient responsibility,
// the claim and line adjustments and remarks explained, every service
// line; the PLB adjustment; the trace number and payment method. The
// patient's name needs patient:read. The printed EOB carries the trace
// number and the paid amounts. Tenant B gets 404 for A's remittance and
// its EOB; an 835 paying both tenants' claims shows each only its own.
func TestERAViewerAndEOB(t *testing.T) {
	w := newDashboardWorld(t, &fakeClaimWorkflows{})
	a := newTenant(w, "A", "1234567893", "ZZ0000001", 1)
	b := newTenant(w, "B", "1245319599", "ZZ0000002", 2)
	sendClaims(t, w, a)
	sendClaims(t, w, b)
	files := memFiles{}
	pcnA := a.recs.claim.PatientControlNumber
	// A's claim: billed 125.00, allowed 100.00 (AMT*B6), CO-45 25.00,
	// PR-1 deductible 20.00, paid 80.00; the same claim again, denied
	// CO-16 without lines; a 5.00 PLB recoupment: BPR02 75.00. (No CLP
	// matching no claim: such a payment belongs to every tenant billing
	// through the account, TestMixed835IsSplitByClaimOwner.)
	line := x835.LinePayment{ProcedureQual: "HC", Procedure: "99213", Modifiers: []string{"25"}, Charge: 12500, Paid: 8000, Units: "1",
		ServiceDate: "20300107", Allowed: 10000, HasAllowed: true, Remarks: []string{"N54"},
		Adjustments: []x835.Adjustment{{Group: "CO", Reason: "45", Amount: 2500}, {Group: "PR", Reason: "1", Amount: 2000}}}
	rid := post835File(t, w, files, "ZZEFTERA1", 500,
		era835Claim(pcnA, 12500, 8000, 2000, nil, line),
		era835Claim(pcnA, 5000, 0, 0, []x835.Adjustment{{Group: "CO", Reason: "16", Amount: 5000}}))

	var e rcm.ERA
	w.mustCall(200, a.tokens["biller"], "GET", "/v1/dashboard/remittances/"+rid, nil, &e)
	if e.TraceNumber != "ZZEFTERA1" || e.PaymentMethod != "ACH" || e.PaymentDate != "2030-01-15" || e.PaidCents != 7500 ||
		e.ProviderAdjCents != 500 || e.PayerName != "TEST PAYER" || e.Shared || !e.DetailsRecorded || !e.Balanced {
		t.Errorf("ERA header = %+v, want trace ZZEFTERA1, ACH, 2030-01-15, paid 7500, PLB 500, TEST PAYER", e)
	}
	if len(e.ProviderAdjustments) != 1 || e.ProviderAdjustments[0].Reason != "WO" || e.ProviderAdjustments[0].Reference != "ZZRECOUP1" ||
		e.ProviderAdjustments[0].AmountCents != 500 {
		t.Errorf("PLB = %+v, want WO ZZRECOUP1 500", e.ProviderAdjustments)
	}
	if len(e.Claims) != 2 {
		t.Fatalf("ERA claims = %+v, want both CLPs", e.Claims)
	}
	c := findClaim(e, 1)
	if c == nil || c.ClaimID != a.recs.claim.ID || c.PatientName != "TESTPATIENT TENANTA" || c.PatientMasked || c.PatientControl != pcnA ||
		c.PayerClaimNumber != "ZZPCN-"+pcnA || c.ChargeCents != 12500 || c.AllowedCents != 10000 || c.AllowedSource != rcm.AllowedFromLines ||
		c.PaidCents != 8000 || c.PatientRespCents != 2000 || !c.LinesRecorded {
		t.Fatalf("A's claim payment = %+v", c)
	}
	if len(c.Lines) != 1 {
		t.Fatalf("A's lines = %+v, want one", c.Lines)
	}
	l := c.Lines[0]
	if l.Procedure != "99213" || !slices.Equal(l.Modifiers, []string{"25"}) || l.Units != "1" || l.ServiceDate != "20300107" ||
		l.ChargeCents != 12500 || l.AllowedCents != 10000 || l.AllowedSource != rcm.AllowedFromLine || l.PaidCents != 8000 {
		t.Errorf("A's line = %+v", l)
	}
	if len(l.Adjustments) != 2 || l.Adjustments[0].Code != "CO-45" || l.Adjustments[0].AmountCents != 2500 ||
		!strings.Contains(l.Adjustments[0].Description, "fee schedule") || l.Adjustments[1].Code != "PR-1" || l.Adjustments[1].AmountCents != 2000 ||
		!strings.Contains(l.Adjustments[1].Description, "Deductible") {
		t.Errorf("A's line adjustments = %+v, want CO-45 25.00 and PR-1 20.00 explained", l.Adjustments)
	}
	if len(l.RARCs) != 1 || l.RARCs[0].Code != "N54" || l.RARCs[0].Description == "" {
		t.Errorf("A's line remarks = %+v, want N54 explained", l.RARCs)
	}
	if i := slices.IndexFunc(c.RARCs, func(r rcm.Remark) bool { return r.Code == "N130" }); i < 0 || c.RARCs[i].Description == "" {
		t.Errorf("A's claim remarks = %+v, want N130 explained", c.RARCs)
	}
	u := findClaim(e, 2)
	if u == nil || u.ClaimID != a.recs.claim.ID || u.PatientName != "TESTPATIENT TENANTA" || u.ChargeCents != 5000 || u.AllowedCents != 0 || u.AllowedSource != rcm.AllowedChargeLessC ||
		len(u.Adjustments) != 1 || u.Adjustments[0].Code != "CO-16" || u.Adjustments[0].Description == "" {
		t.Errorf("denied claim payment = %+v, want allowed 0 (billed less CO-16)", u)
	}
	// One claim's payment.
	var one rcm.ERA
	w.mustCall(200, a.tokens["biller"], "GET", "/v1/dashboard/remittances/"+rid+"?claim_id="+a.recs.claim.ID, nil, &one)
	if len(one.Claims) != 2 || one.Claims[0].ClaimID != a.recs.claim.ID || one.Claims[1].ClaimID != a.recs.claim.ID {
		t.Errorf("claim_id filter = %+v", one.Claims)
	}
	w.mustCall(404, a.tokens["biller"], "GET", "/v1/dashboard/remittances/"+rid+"?claim_id="+b.recs.claim.ID, nil, nil)
	w.mustCall(422, a.tokens["biller"], "GET", "/v1/dashboard/remittances/"+rid+"?claim_id=nope", nil, nil)

	// Without patient:read the name is masked.
	if _, err := w.store.Pool.Exec(context.Background(), "INSERT INTO role_permissions (role, permission) VALUES ('test_era_viewer', 'claim:read')"); err != nil {
		t.Fatal(err)
	}
	viewer := w.token(a.root.ID, "era-viewer-a", "test_era_viewer")
	var masked rcm.ERA
	w.mustCall(200, viewer, "GET", "/v1/dashboard/remittances/"+rid, nil, &masked)
	if mc := findClaim(masked, 1); mc == nil || mc.PatientName != "" || !mc.PatientMasked || mc.PaidCents != 8000 {
		t.Errorf("viewer without patient:read sees %+v, want the patient masked", mc)
	}

	// The EOB.
	status, ctype, pdf := getBytes(t, w, a.tokens["biller"], "/v1/dashboard/remittances/"+rid+"/eob.pdf")
	if status != 200 || ctype != "application/pdf" || !bytes.HasPrefix(pdf, []byte("%PDF")) {
		t.Fatalf("EOB: %d %s %.40q", status, ctype, pdf)
	}
	for _, want := range []string{"ZZEFTERA1", "80.00", "125.00", "100.00", "TESTPATIENT TENANTA", "CO-45", "99213"} {
		if !bytes.Contains(pdf, []byte(want)) {
			t.Errorf("EOB lacks %q", want)
		}
	}
	status, _, pdf1 := getBytes(t, w, a.tokens["biller"], "/v1/dashboard/remittances/"+rid+"/eob.pdf?claim_id="+a.recs.claim.ID)
	if status != 200 || !bytes.Contains(pdf1, []byte(pcnA)) || !bytes.Contains(pdf1, []byte("80.00")) {
		t.Errorf("one claim's EOB: %d, want A's claim", status)
	}
	var audited int
	if err := w.store.Pool.QueryRow(context.Background(), `SELECT count(*) FROM audit_log WHERE resource = 'eob_pdf' AND resource_id = $1
		AND patient_id = $2 AND action = 'read'`, rid, a.recs.patient.ID).Scan(&audited); err != nil || audited != 4 {
		t.Errorf("EOB PHI reads audited %d times (%v), want 4 (two CLPs, printed twice)", audited, err)
	}
	if err := w.store.Pool.QueryRow(context.Background(), `SELECT count(*) FROM audit_log WHERE resource = 'era' AND resource_id = $1
		AND patient_id = $2 AND 'first_name' = ANY(fields)`, rid, a.recs.patient.ID).Scan(&audited); err != nil || audited != 4 {
		t.Errorf("ERA name reads audited %d times (%v), want 4 (two CLPs, in the full view and the one-claim view)", audited, err)
	}

	// Tenant B: A's remittance does not exist, in any role.
	for _, role := range []string{"admin", "biller"} {
		if st, body := w.raw(b.tokens[role], "GET", "/v1/dashboard/remittances/"+rid, nil); st != 404 {
			t.Errorf("B's %s reads A's ERA: %d %s", role, st, body)
		}
		if st, _, body := getBytes(t, w, b.tokens[role], "/v1/dashboard/remittances/"+rid+"/eob.pdf"); st != 404 || bytes.Contains(body, []byte("ZZEFTERA1")) {
			t.Errorf("B's %s reads A's EOB: %d", role, st)
		}
	}

	// One 835 paying a claim of each tenant: each sees only its own, and
	// its share instead of BPR02 and the PLB.
	pcnB := b.recs.claim.PatientControlNumber
	mixed := post835File(t, w, files, "ZZEFTMIXERA", 300,
		era835Claim(pcnA, 12500, 6000, 0, []x835.Adjustment{{Group: "CO", Reason: "45", Amount: 6500}}),
		era835Claim(pcnB, 12500, 7000, 0, []x835.Adjustment{{Group: "CO", Reason: "97", Amount: 5500}}))
	for _, tc := range []struct {
		tn          *tenant
		claim, pcn  string
		paid        int64
		otherReason string
	}{{a, a.recs.claim.ID, pcnA, 6000, "CO-97"}, {b, b.recs.claim.ID, pcnB, 7000, "CO-45"}} {
		var m rcm.ERA
		w.mustCall(200, tc.tn.tokens["biller"], "GET", "/v1/dashboard/remittances/"+mixed, nil, &m)
		if len(m.Claims) != 1 || m.Claims[0].ClaimID != tc.claim || !m.Shared || m.PaidCents != tc.paid || m.ProviderAdjCents != 0 ||
			len(m.ProviderAdjustments) != 0 || m.Claims[0].AllowedSource != rcm.AllowedChargeLessC || m.Claims[0].AllowedCents != tc.paid {
			t.Errorf("tenant %s's view of the shared 835 = %+v, want only its claim and its share %d", tc.tn.name, m, tc.paid)
		}
		_, _, p := getBytes(t, w, tc.tn.tokens["biller"], "/v1/dashboard/remittances/"+mixed+"/eob.pdf")
		if bytes.Contains(p, []byte(tc.otherReason)) || !bytes.Contains(p, []byte(tc.pcn)) {
			t.Errorf("tenant %s's EOB of the shared 835 shows the other tenant's claim or misses its own", tc.tn.name)
		}
	}
}

// TestDepositsReconcile (issue 16): deposits entered from the bank
// statement match 835s by trace number (normalised) and amount: matched,
// mismatched (with the difference), no 835 yet; 835s without a deposit are
// listed; staff match and unmatch by hand. Tenant B sees none of A's
// deposits and cannot touch them or match A's 835s.
func TestDepositsReconcile(t *testing.T) {
	w := newDashboardWorld(t, &fakeClaimWorkflows{})
	a := newTenant(w, "A", "1234567893", "ZZ0000001", 1)
	b := newTenant(w, "B", "1245319599", "ZZ0000002", 2)
	sendClaims(t, w, a)
	sendClaims(t, w, b)
	files := memFiles{}
	pcnA := a.recs.claim.PatientControlNumber
	rid1 := post835File(t, w, files, "ZZEFTDEP1", 0, era835Claim(pcnA, 12500, 7500, 0, []x835.Adjustment{{Group: "CO", Reason: "45", Amount: 5000}}))
	rid2 := post835File(t, w, files, "ZZEFTDEP2", 0, era835Claim(pcnA, 12500, 1000, 0, []x835.Adjustment{{Group: "CO", Reason: "45", Amount: 11500}}))
	biller := a.tokens["biller"]

	var rec rcm.Reconciliation
	w.mustCall(200, biller, "GET", "/v1/dashboard/deposits", nil, &rec)
	if len(rec.Deposits) != 0 || len(rec.RemittancesUnplaced) != 2 {
		t.Fatalf("before any deposit: %+v, want both 835s without a deposit", rec)
	}

	// The bank writes the trace in lower case with blanks: matched.
	var d1 rcm.Deposit
	w.mustCall(201, biller, "POST", "/v1/dashboard/deposits", map[string]any{"org_id": a.practice.ID, "amount_cents": 7500,
		"deposited_on": "2030-01-16", "reference": " zzeft dep1 ", "note": "first"}, &d1)
	if d1.Status != rcm.DepositMatched || len(d1.Remittances) != 1 || d1.Remittances[0].RemittanceID != rid1 || d1.DifferenceCents != 0 ||
		d1.Reference != "zzeft dep1" {
		t.Errorf("deposit 1 = %+v, want matched to ZZEFTDEP1", d1)
	}
	// The amount differs: mismatch by 2.00.
	var d2 rcm.Deposit
	w.mustCall(201, biller, "POST", "/v1/dashboard/deposits", map[string]any{"org_id": a.root.ID, "amount_cents": 1200,
		"deposited_on": "2030-01-17", "reference": "ZZEFTDEP2"}, &d2)
	if d2.Status != rcm.DepositMismatch || d2.DifferenceCents != 200 || d2.RemittancesCents != 1000 || len(d2.Remittances) != 1 {
		t.Errorf("deposit 2 = %+v, want a mismatch of 200 against ZZEFTDEP2", d2)
	}
	// A reference no 835 has: no 835 yet.
	var d3 rcm.Deposit
	w.mustCall(201, biller, "POST", "/v1/dashboard/deposits", map[string]any{"org_id": a.practice.ID, "amount_cents": 1000,
		"deposited_on": "2030-01-18", "reference": "BANKREF99"}, &d3)
	if d3.Status != rcm.DepositUnmatched || len(d3.Remittances) != 0 || d3.DifferenceCents != 1000 {
		t.Errorf("deposit 3 = %+v, want unmatched", d3)
	}
	w.mustCall(200, biller, "GET", "/v1/dashboard/deposits", nil, &rec)
	statuses := map[string]string{}
	for _, d := range rec.Deposits {
		statuses[d.ID] = d.Status
	}
	if len(rec.Deposits) != 3 || statuses[d1.ID] != "matched" || statuses[d2.ID] != "mismatch" || statuses[d3.ID] != "unmatched" ||
		len(rec.RemittancesUnplaced) != 0 {
		t.Errorf("reconciliation = %+v", rec)
	}

	// By hand: ZZEFTDEP2 is really deposit 3's (the bank's reference
	// differs).
	var un, m rcm.Deposit
	w.mustCall(200, biller, "POST", "/v1/dashboard/deposits/"+d2.ID+"/unmatch", map[string]any{"remittance_id": rid2}, &un)
	if un.Status != rcm.DepositUnmatched || !un.Manual {
		t.Errorf("deposit 2 after unmatch = %+v", un)
	}
	w.mustCall(200, biller, "GET", "/v1/dashboard/deposits", nil, &rec)
	if len(rec.RemittancesUnplaced) != 1 || rec.RemittancesUnplaced[0].RemittanceID != rid2 || rec.RemittancesUnplaced[0].AmountCents != 1000 {
		t.Errorf("835s without deposit = %+v, want ZZEFTDEP2", rec.RemittancesUnplaced)
	}
	w.mustCall(200, biller, "POST", "/v1/dashboard/deposits/"+d3.ID+"/match", map[string]any{"remittance_id": rid2}, &m)
	if m.Status != rcm.DepositMatched || len(m.Remittances) != 1 || m.Remittances[0].TraceNumber != "ZZEFTDEP2" {
		t.Errorf("deposit 3 after match = %+v", m)
	}

	// Bad input names the field.
	for _, tc := range []struct {
		body  map[string]any
		field string
	}{
		{map[string]any{"org_id": a.practice.ID, "amount_cents": 0, "deposited_on": "2030-01-16", "reference": "X"}, "/amount_cents"},
		{map[string]any{"org_id": a.practice.ID, "amount_cents": -5, "deposited_on": "2030-01-16", "reference": "X"}, "/amount_cents"},
		{map[string]any{"org_id": a.practice.ID, "amount_cents": 5, "deposited_on": "2030-02-30", "reference": "X"}, "/deposited_on"},
		{map[string]any{"org_id": a.practice.ID, "amount_cents": 5, "deposited_on": "2030-01-16", "reference": "  "}, "/reference"},
		{map[string]any{"org_id": b.practice.ID, "amount_cents": 5, "deposited_on": "2030-01-16", "reference": "X"}, "/org_id"},
	} {
		st, body := w.raw(biller, "POST", "/v1/dashboard/deposits", tc.body)
		var p struct {
			Errors []FieldError `json:"errors"`
		}
		_ = json.Unmarshal(body, &p)
		if st != 422 || len(p.Errors) == 0 || p.Errors[0].Pointer != tc.field {
			t.Errorf("POST %v = %d %s, want 422 naming %s", tc.body, st, body, tc.field)
		}
	}
	if st, body := w.raw(biller, "POST", "/v1/dashboard/deposits/"+d3.ID+"/match", map[string]any{}); st != 422 || !strings.Contains(string(body), "/remittance_id") {
		t.Errorf("match without remittance_id = %d %s", st, body)
	}

	// Tenant B sees nothing of A's and cannot touch it.
	var recB rcm.Reconciliation
	w.mustCall(200, b.tokens["biller"], "GET", "/v1/dashboard/deposits", nil, &recB)
	if len(recB.Deposits) != 0 || len(recB.RemittancesUnplaced) != 0 {
		t.Errorf("B sees %+v", recB)
	}
	for _, path := range []string{"/v1/dashboard/deposits/" + d3.ID + "/match", "/v1/dashboard/deposits/" + d3.ID + "/unmatch"} {
		if st, _ := w.raw(b.tokens["admin"], "POST", path, map[string]any{"remittance_id": rid2}); st != 404 {
			t.Errorf("B's admin POST %s = %d, want 404", path, st)
		}
	}
	var dB rcm.Deposit
	w.mustCall(201, b.tokens["biller"], "POST", "/v1/dashboard/deposits", map[string]any{"org_id": b.practice.ID, "amount_cents": 7500,
		"deposited_on": "2030-01-16", "reference": "ZZEFTDEP1"}, &dB)
	if dB.Status != rcm.DepositUnmatched || len(dB.Remittances) != 0 {
		t.Errorf("B's deposit with A's trace number = %+v, want unmatched (A's 835 is not B's)", dB)
	}
	if st, body := w.raw(b.tokens["biller"], "POST", "/v1/dashboard/deposits/"+dB.ID+"/match", map[string]any{"remittance_id": rid1}); st != 422 ||
		!strings.Contains(string(body), "/remittance_id") {
		t.Errorf("B matches A's 835 = %d %s, want 422", st, body)
	}
	w.mustCall(200, biller, "GET", "/v1/dashboard/deposits", nil, &rec)
	for _, d := range rec.Deposits {
		if d.ID == dB.ID {
			t.Errorf("A sees B's deposit")
		}
	}
	var audited int
	if err := w.store.Pool.QueryRow(context.Background(), `SELECT count(*) FROM audit_log WHERE resource = 'deposit' AND action IN ('create', 'update')
		AND org_id IN ($1, $2)`, a.practice.ID, a.root.ID).Scan(&audited); err != nil || audited != 5 {
		t.Errorf("A's deposit writes audited %d times (%v), want 5", audited, err)
	}
}

// eftState answers whether the remittance is EFT reconciled on the
// remittance list and whether its eft_unreconciled work item is open.
func eftState(t *testing.T, w *world, tok, rid string) (reconciled, itemOpen bool) {
	t.Helper()
	var rs Remittances
	w.mustCall(200, tok, "GET", "/v1/dashboard/remittances?limit=200", nil, &rs)
	found := false
	for _, r := range rs.Items {
		if r.ID == rid {
			found, reconciled = true, r.EFTReconciled
		}
	}
	if !found {
		t.Fatalf("remittance %s not listed", rid)
	}
	for _, q := range rs.WorkQueue {
		if q.RemittanceID == rid && q.Kind == "eft_unreconciled" {
			itemOpen = true
		}
	}
	return reconciled, itemOpen
}

// TestDepositsDriveEFTReconciliation (issue 16 follow-up): staff deposits
// are the one source of EFT reconciliation. A deposit entered before its
// 835 reconciles it when the 835 is posted; an 835 posted first is
// reconciled (its work item resolved) when its deposit is entered;
// unmatching clears it and queues the item again; a second deposit cannot
// be matched to an 835 by hand (409 naming the first); deposits and 835s
// without a deposit page with a cursor; tenant B sees none of it.
func TestDepositsDriveEFTReconciliation(t *testing.T) {
	w := newDashboardWorld(t, &fakeClaimWorkflows{})
	a := newTenant(w, "A", "1234567893", "ZZ0000001", 1)
	b := newTenant(w, "B", "1245319599", "ZZ0000002", 2)
	sendClaims(t, w, a)
	sendClaims(t, w, b)
	files := memFiles{}
	pcnA, pcnB := a.recs.claim.PatientControlNumber, b.recs.claim.PatientControlNumber
	biller, billerB := a.tokens["biller"], b.tokens["biller"]
	claim := func(pcn string, paid x835.Money) x835.ClaimPayment {
		return era835Claim(pcn, 12500, paid, 0, []x835.Adjustment{{Group: "CO", Reason: "45", Amount: 12500 - paid}})
	}
	deposit := func(tok, org string, cents int64, on, ref string) rcm.Deposit {
		t.Helper()
		var d rcm.Deposit
		w.mustCall(201, tok, "POST", "/v1/dashboard/deposits", map[string]any{"org_id": org, "amount_cents": cents,
			"deposited_on": on, "reference": ref}, &d)
		return d
	}

	// Deposit first, then the 835: reconciled when posted, no work item.
	early := deposit(biller, a.practice.ID, 4000, "2030-01-20", "ZZEFTLATE1")
	if early.Status != rcm.DepositUnmatched {
		t.Fatalf("deposit before its 835 = %+v, want unmatched", early)
	}
	ridLate := post835File(t, w, files, "ZZEFTLATE1", 0, claim(pcnA, 4000))
	if rec, open := eftState(t, w, biller, ridLate); !rec || open {
		t.Errorf("835 posted after its deposit: reconciled %v, item open %v; want true, false", rec, open)
	}
	var got rcm.Reconciliation
	w.mustCall(200, biller, "GET", "/v1/dashboard/deposits", nil, &got)
	if len(got.Deposits) != 1 || got.Deposits[0].Status != rcm.DepositMatched || got.Deposits[0].Remittances[0].RemittanceID != ridLate {
		t.Errorf("deposits after the 835 = %+v, want the deposit matched to it", got.Deposits)
	}

	// 835 first: not reconciled, in the work queue; the deposit reconciles
	// it and resolves the item.
	ridFirst := post835File(t, w, files, "ZZEFTFIRST1", 0, claim(pcnA, 6000))
	if rec, open := eftState(t, w, biller, ridFirst); rec || !open {
		t.Fatalf("835 without deposit: reconciled %v, item open %v; want false, true", rec, open)
	}
	dFirst := deposit(biller, a.practice.ID, 6000, "2030-01-21", "zzeftfirst1")
	if dFirst.Status != rcm.DepositMatched {
		t.Errorf("deposit for a posted 835 = %+v, want matched", dFirst)
	}
	if rec, open := eftState(t, w, biller, ridFirst); !rec || open {
		t.Errorf("after the deposit: reconciled %v, item open %v; want true, false", rec, open)
	}
	var resolution, resolvedBy string
	if err := w.store.Pool.QueryRow(context.Background(), `SELECT q.resolution, coalesce(q.resolved_by::text, '') FROM remit_work_queue q
		WHERE q.remittance_id = $1 AND q.kind = 'eft_unreconciled'`, ridFirst).Scan(&resolution, &resolvedBy); err != nil ||
		resolution != "deposit_matched" || resolvedBy == "" {
		t.Errorf("work item resolution %q by %q (%v), want deposit_matched by the biller", resolution, resolvedBy, err)
	}

	// Unmatch: not reconciled, the item back in the queue.
	var un rcm.Deposit
	w.mustCall(200, biller, "POST", "/v1/dashboard/deposits/"+dFirst.ID+"/unmatch", map[string]any{"remittance_id": ridFirst}, &un)
	if un.Status != rcm.DepositUnmatched {
		t.Errorf("after unmatch = %+v", un)
	}
	if rec, open := eftState(t, w, biller, ridFirst); rec || !open {
		t.Errorf("after unmatch: reconciled %v, item open %v; want false, true", rec, open)
	}

	// A second deposit cannot take an 835 matched to another: 409 naming it.
	var m rcm.Deposit
	w.mustCall(200, biller, "POST", "/v1/dashboard/deposits/"+dFirst.ID+"/match", map[string]any{"remittance_id": ridFirst}, &m)
	if m.Status != rcm.DepositMatched {
		t.Errorf("matched again by hand = %+v", m)
	}
	if rec, open := eftState(t, w, biller, ridFirst); !rec || open {
		t.Errorf("after matching by hand: reconciled %v, item open %v; want true, false", rec, open)
	}
	other := deposit(biller, a.root.ID, 6000, "2030-01-22", "ZZBANKREF7")
	st, body := w.raw(biller, "POST", "/v1/dashboard/deposits/"+other.ID+"/match", map[string]any{"remittance_id": ridFirst})
	var pr struct {
		Code     string `json:"code"`
		Detail   string `json:"detail"`
		Conflict struct {
			DepositID    string `json:"deposit_id"`
			RemittanceID string `json:"remittance_id"`
		} `json:"conflict"`
	}
	_ = json.Unmarshal(body, &pr)
	if st != 409 || pr.Conflict.DepositID != dFirst.ID || pr.Conflict.RemittanceID != ridFirst || !strings.Contains(pr.Detail, dFirst.ID) {
		t.Errorf("second hand match = %d %s, want 409 naming deposit %s", st, body, dFirst.ID)
	}
	var n int
	if err := w.store.Pool.QueryRow(context.Background(), "SELECT count(*) FROM deposit_matches WHERE remittance_id = $1", ridFirst).Scan(&n); err != nil || n != 1 {
		t.Errorf("deposits matched to the 835: %d (%v), want 1", n, err)
	}
	// The database refuses it too, whatever the Go code checks.
	if _, err := w.store.Pool.Exec(context.Background(), "INSERT INTO deposit_matches (deposit_id, remittance_id) VALUES ($1, $2)", other.ID, ridFirst); err == nil ||
		!strings.Contains(err.Error(), "deposit_matches_one_deposit") {
		t.Errorf("second match inserted directly: %v, want the unique constraint", err)
	}
	// A second deposit with the same reference does not take it either.
	dup := deposit(biller, a.practice.ID, 6000, "2030-01-23", "ZZEFTFIRST1")
	if dup.Status != rcm.DepositUnmatched {
		t.Errorf("second deposit with the 835's trace = %+v, want unmatched", dup)
	}

	// Paging: 4 deposits so far, one more on the date of one of them (the
	// ID breaks the tie), 2 a page.
	deposit(biller, a.practice.ID, 100, "2030-01-22", "ZZBANKREF8")
	seen := map[string]bool{}
	var order []string
	cursor := ""
	for page := 0; ; page++ {
		if page > 5 {
			t.Fatal("deposit pages do not end")
		}
		var pg rcm.Reconciliation
		w.mustCall(200, biller, "GET", "/v1/dashboard/deposits?limit=2&cursor="+cursor, nil, &pg)
		if len(pg.Deposits) > 2 {
			t.Fatalf("page of %d deposits, want at most 2", len(pg.Deposits))
		}
		for _, d := range pg.Deposits {
			if seen[d.ID] {
				t.Errorf("deposit %s on two pages", d.ID)
			}
			seen[d.ID] = true
			order = append(order, d.DepositedOn)
		}
		if pg.NextCursor == "" {
			break
		}
		cursor = pg.NextCursor
	}
	if len(seen) != 5 || !slices.IsSortedFunc(order, func(x, y string) int { return strings.Compare(y, x) }) {
		t.Errorf("paged deposits = %d in order %v, want 5 newest first", len(seen), order)
	}
	// 835s without deposit: three more, two a page.
	var unplaced []string
	for i := range 3 {
		unplaced = append(unplaced, post835File(t, w, files, fmt.Sprintf("ZZEFTPAGE%d", i), 0, claim(pcnA, x835.Money(1000+i))))
	}
	var p1, p2 List[rcm.DepositRemit]
	w.mustCall(200, biller, "GET", "/v1/dashboard/deposits/remittances-without-deposit?limit=2", nil, &p1)
	if len(p1.Items) != 2 || p1.NextCursor == "" {
		t.Fatalf("first page of 835s without deposit = %+v", p1)
	}
	w.mustCall(200, biller, "GET", "/v1/dashboard/deposits/remittances-without-deposit?limit=2&cursor="+p1.NextCursor, nil, &p2)
	if len(p2.Items) != 1 || p2.NextCursor != "" {
		t.Fatalf("second page of 835s without deposit = %+v", p2)
	}
	pagedIDs := []string{p1.Items[0].RemittanceID, p1.Items[1].RemittanceID, p2.Items[0].RemittanceID}
	slices.Sort(pagedIDs)
	slices.Sort(unplaced)
	if !slices.Equal(pagedIDs, unplaced) {
		t.Errorf("835s without deposit paged = %v, want %v", pagedIDs, unplaced)
	}
	w.mustCall(200, biller, "GET", "/v1/dashboard/deposits?limit=1", nil, &got)
	if len(got.RemittancesUnplaced) != 3 || got.RemittancesNextCursor != "" || got.NextCursor == "" {
		t.Errorf("deposits page 1 = %d 835s without deposit (next %q), next deposits %q", len(got.RemittancesUnplaced),
			got.RemittancesNextCursor, got.NextCursor)
	}
	for _, path := range []string{"/v1/dashboard/deposits?cursor=bm90LWEtY3Vyc29y", "/v1/dashboard/deposits/remittances-without-deposit?cursor=!!",
		"/v1/dashboard/deposits?limit=0"} {
		if st, body := w.raw(biller, "GET", path, nil); st != 422 || (!strings.Contains(string(body), "cursor") && !strings.Contains(string(body), "limit")) {
			t.Errorf("GET %s = %d %s, want 422 naming the parameter", path, st, body)
		}
	}

	// Tenant B: its own 835 and deposit reconcile; it sees nothing of A's.
	ridB := post835File(t, w, files, "ZZEFTTENB1", 0, claim(pcnB, 5000))
	if rec, open := eftState(t, w, billerB, ridB); rec || !open {
		t.Errorf("B's 835: reconciled %v, item open %v; want false, true", rec, open)
	}
	dB := deposit(billerB, b.practice.ID, 5000, "2030-01-24", "ZZEFTTENB1")
	if rec, open := eftState(t, w, billerB, ridB); !rec || open || dB.Status != rcm.DepositMatched {
		t.Errorf("B's deposit %+v: reconciled %v, item open %v; want matched, true, false", dB, rec, open)
	}
	var recB rcm.Reconciliation
	w.mustCall(200, billerB, "GET", "/v1/dashboard/deposits", nil, &recB)
	if len(recB.Deposits) != 1 || recB.Deposits[0].ID != dB.ID || len(recB.RemittancesUnplaced) != 0 {
		t.Errorf("B's deposits = %+v, want only its own", recB)
	}
	var listB List[rcm.DepositRemit]
	w.mustCall(200, billerB, "GET", "/v1/dashboard/deposits/remittances-without-deposit", nil, &listB)
	if len(listB.Items) != 0 {
		t.Errorf("B sees A's 835s without deposit: %+v", listB.Items)
	}
	// B's 835 is not A's to match; A's deposit is not B's to touch.
	if st, _ := w.raw(biller, "POST", "/v1/dashboard/deposits/"+other.ID+"/match", map[string]any{"remittance_id": ridB}); st != 422 {
		t.Errorf("A matches B's 835 = %d, want 422", st)
	}
	if st, _ := w.raw(billerB, "POST", "/v1/dashboard/deposits/"+dFirst.ID+"/unmatch", map[string]any{"remittance_id": ridFirst}); st != 404 {
		t.Errorf("B unmatches A's deposit = %d, want 404", st)
	}
	if rec, open := eftState(t, w, biller, ridFirst); !rec || open {
		t.Errorf("A's 835 after B's attempt: reconciled %v, item open %v; want true, false", rec, open)
	}
}

// Test999CodesExplained (issue 16): a 999's IK5, IK3, IK4 and AK9 codes
// are explained where the dashboard shows them: the claim file's 999 step
// and the workflow's problems (the rejection the denials queue shows);
// TA1 codes stay raw. Tenant B reads neither.
func Test999CodesExplained(t *testing.T) {
	files := map[string][]byte{}
	arch := ArchiveFunc(func(ctx context.Context, key string) ([]byte, error) {
		if b, ok := files[key]; ok {
			return b, nil
		}
		return nil, archive.ErrNotFound
	})
	problems := []string{"IK5:R", "IK5:5", "IK3:NM1@7:8", "IK4:NM1@7.9:7", "AK9:P", "AK9:5", "TA1:022"}
	w := newDashboardWorld(t, &fakeClaimWorkflows{problems: problems}, arch)
	a := w.makeRecords(w.facA, w.provA, "ALPHA", "ZZ0000001", 1)
	b999, err := os.ReadFile(filepath.Join(testenv.RepoRoot(t), "edi", "testdata", "999-rejected.x12"))
	if err != nil {
		t.Fatal(err)
	}
	key := archive.Hash(b999)
	files[key] = b999
	no := false
	if err := w.store.RecordClaimEvent(context.Background(), store.ClaimEvent{ClaimID: a.claim.ID, Kind: store.Event999, Dedup: key, FileKey: key,
		ST02: "0001", Accepted: &no, Codes: problems[:6], Summary: "999 rejected", At: time.Date(2030, 1, 7, 9, 0, 0, 0, time.UTC)}); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"IK5:R":         "Rejected",
		"IK5:5":         "One or More Segments in Error",
		"IK3:NM1@7:8":   "Segment Has Data Element Errors",
		"IK4:NM1@7.9:7": "Invalid Code Value",
		"AK9:P":         "Partially Accepted, At Least One Transaction Set Was Rejected",
		"AK9:5":         "Number of Included Transaction Sets Does Not Match Actual Count",
	}
	billerA := w.token(w.facA.ID, "ack-biller-a", "biller")
	var tl Timeline
	w.mustCall(200, billerA, "GET", "/v1/claims/"+a.claim.ID+"/timeline", nil, &tl)
	got := map[string]string{}
	for _, s := range tl.Steps {
		if s.Kind == "999" {
			for _, c := range s.Codes {
				got[c.Code] = c.Description
			}
		}
	}
	for c, d := range want {
		if got[c] != d {
			t.Errorf("999 step code %s described %q, want %q", c, got[c], d)
		}
	}
	if tl.Workflow == nil {
		t.Fatal("timeline without the workflow's state")
	}
	pc := map[string]string{}
	for _, c := range tl.Workflow.ProblemCodes {
		pc[c.Code] = c.Description
	}
	for c, d := range want {
		if pc[c] != d {
			t.Errorf("problem %s described %q, want %q", c, pc[c], d)
		}
	}
	if d, ok := pc["TA1:022"]; !ok || d != "" {
		t.Errorf("TA1:022 described %q (present %v), want listed without a description", d, ok)
	}
	billerB := w.token(w.facB.ID, "ack-biller-b", "biller")
	w.mustCall(404, billerB, "GET", "/v1/claims/"+a.claim.ID+"/timeline", nil, nil)
}
