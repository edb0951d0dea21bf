package api

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/claimflow/claimflow/rcm"
	"github.com/claimflow/claimflow/store"
)

// csvRows parses an export and checks its header row.
func csvRows(t *testing.T, body []byte) [][]string {
	t.Helper()
	rows, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatalf("export is not CSV: %v\n%s", err, body)
	}
	if len(rows) == 0 {
		t.Fatalf("export has no header row")
	}
	return rows
}

// TestClaimSearchAcrossTenants (issue 16): tenant A's biller finds A's
// claim by patient name, claim ID, patient control number, payer claim
// number and member ID, in the JSON list and in the CSV export; tenant B
// finds nothing of A's by any of them, and B's exports carry no row of A.
func TestClaimSearchAcrossTenants(t *testing.T) {
	w := newDashboardWorld(t, &fakeClaimWorkflows{})
	a := newTenant(w, "A", "1234567893", "ZZ0000001", 1)
	b := newTenant(w, "B", "1245319599", "ZZ0000002", 2)
	sendClaims(t, w, a)
	a.remittance = post835(t, w, "ZZEFTA", a.recs.claim.PatientControlNumber)
	claimA, claimB := a.recs.claim, b.recs.claim
	dosA := a.recs.encounter.DateOfService
	createdDay := claimA.CreatedAt.UTC().Truncate(24 * time.Hour)
	searches := map[string]string{
		"name":                        "q=" + url.QueryEscape("Testpatient TenantA"),
		"last name":                   "q=tenanta",
		"claim ID":                    "q=" + claimA.ID,
		"control number":              "q=" + url.QueryEscape(claimA.PatientControlNumber),
		"payer claim number":          "q=ZZCLMZZEFTA",
		"member ID":                   "q=zz0000001",
		"explicit member ID":          "member_id=ZZ0000001",
		"explicit names":              "first_name=testpatient&last_name=TENANTA",
		"explicit payer claim number": "payer_claim_number=ZZCLMZZEFTA",
		"date of service":             "dos=" + dosA,
		// 00181's two paths: a first name alone (its patients first) and
		// the created day (claims_tenant_created); B's own claim matches
		// both, A's must not show.
		"explicit first name": "first_name=TESTPATIENT",
		"created day": "from=" + url.QueryEscape(createdDay.Format(time.RFC3339)) +
			"&to=" + url.QueryEscape(createdDay.AddDate(0, 0, 1).Format(time.RFC3339)),
	}
	// Searches whose criterion B's own claim also meets.
	shared := map[string]bool{"date of service": true, "explicit first name": true, "created day": true}
	for name, q := range searches {
		t.Run(name, func(t *testing.T) {
			var mine, theirs List[store.DashClaim]
			w.mustCall(200, a.tokens["biller"], "GET", "/v1/dashboard/claims?"+q, nil, &mine)
			if len(mine.Items) != 1 || mine.Items[0].ID != claimA.ID || mine.Items[0].PatientName != "TESTPATIENT TENANTA" {
				t.Errorf("tenant A's search %s = %+v, want its claim", q, mine.Items)
			}
			w.mustCall(200, b.tokens["biller"], "GET", "/v1/dashboard/claims?"+q, nil, &theirs)
			if len(theirs.Items) != 0 && (!shared[name] || slices.ContainsFunc(theirs.Items, func(c store.DashClaim) bool { return c.ID == claimA.ID })) {
				t.Errorf("tenant B's search %s = %+v, want none of A's", q, theirs.Items)
			}
			st, body := w.raw(b.tokens["biller"], "GET", "/v1/dashboard/claims.csv?"+q, nil)
			if st != 200 || bytes.Contains(body, []byte(claimA.ID)) || bytes.Contains(body, []byte("TENANTA")) {
				t.Errorf("tenant B's export %s = %d %s", q, st, body)
			}
			st, body = w.raw(a.tokens["biller"], "GET", "/v1/dashboard/claims.csv?"+q, nil)
			rows := csvRows(t, body)
			if st != 200 || len(rows) != 2 || rows[1][0] != claimA.ID || rows[1][2] != "TESTPATIENT TENANTA" {
				t.Errorf("tenant A's export %s = %d %q", q, st, rows)
			}
		})
	}
	// The same two paths with no match: the day after A's claim was
	// created, and a first name no patient has.
	for _, q := range []string{"from=" + url.QueryEscape(createdDay.AddDate(0, 0, 1).Format(time.RFC3339)), "first_name=NOBODY"} {
		var none List[store.DashClaim]
		w.mustCall(200, a.tokens["biller"], "GET", "/v1/dashboard/claims?"+q, nil, &none)
		if len(none.Items) != 0 {
			t.Errorf("tenant A's search %s = %+v, want no claim", q, none.Items)
		}
	}
	// B's unfiltered exports: its own claim, none of A's.
	for _, path := range []string{"/v1/dashboard/claims.csv", "/v1/dashboard/denials.csv?status=draft,ready,batched", "/v1/dashboard/remittances.csv"} {
		st, body := w.raw(b.tokens["biller"], "GET", path, nil)
		if st != 200 {
			t.Fatalf("%s = %d %s", path, st, body)
		}
		for _, secret := range secretsOf(a) {
			if secret != "" && strings.Contains(string(body), secret) {
				t.Errorf("tenant B's %s carries tenant A's %q", path, secret)
			}
		}
		if strings.HasPrefix(path, "/v1/dashboard/claims") && !bytes.Contains(body, []byte(claimB.ID)) {
			t.Errorf("tenant B's %s lacks its own claim:\n%s", path, body)
		}
	}
	// A's remittance export: the claim payment with its payer claim number
	// and adjustments, and the payment that matched no claim.
	st, body := w.raw(a.tokens["biller"], "GET", "/v1/dashboard/remittances.csv", nil)
	rows := csvRows(t, body)
	if st != 200 || len(rows) != 3 || rows[1][6] != claimA.ID || rows[1][7] != "ZZCLMZZEFTA" || rows[1][12] != "CO-45 35.00" || rows[1][10] != "90.00" {
		t.Errorf("remittances export = %d %q", st, rows)
	}
}

// TestClaimExportMasksAuditsAndGuards: an export streams every matching
// claim (more than a page), masks names for a role without patient:read,
// audits each exported claim, follows the list's sort, and bad parameters
// answer problem+json naming them.
func TestClaimExportMasksAuditsAndGuards(t *testing.T) {
	w := newDashboardWorld(t, &fakeClaimWorkflows{})
	a := newTenant(w, "A", "1234567893", "ZZ0000001", 1)
	ctx := context.Background()
	// 230 more claims of A's patient (more than one 200-claim page).
	for i := 0; i < 230; i++ {
		var enc store.Encounter
		w.mustCall(201, a.admin, "POST", "/v1/encounters", map[string]any{"patient_id": a.recs.patient.ID, "provider_id": a.prov.ID,
			"coverage_id": a.recs.coverage.ID, "date_of_service": "2030-01-01", "place_of_service": "11", "diagnoses": []string{"Z00.00"},
			"charges": []map[string]any{{"code": "99213", "diagnosis_pointers": []int{1}, "units": 1, "amount_cents": 1000 + i}}}, &enc)
		w.mustCall(201, a.admin, "POST", "/v1/claims", map[string]any{"encounter_id": enc.ID}, nil)
	}
	// Sent: the payer owes each claim's charge (a draft owes nothing).
	if _, err := w.store.Pool.Exec(ctx, `UPDATE claims SET status = 'submitted' WHERE org_id = $1`, a.practice.ID); err != nil {
		t.Fatal(err)
	}
	var before int
	if err := w.store.Pool.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE resource = 'claim' AND action = 'list'`).Scan(&before); err != nil {
		t.Fatal(err)
	}
	st, body := w.raw(a.tokens["biller"], "GET", "/v1/dashboard/claims.csv?sort=balance&order=asc&q=TENANTA", nil)
	rows := csvRows(t, body)
	if st != 200 || len(rows) != 232 {
		t.Fatalf("export = %d, %d rows, want 231 claims and the header", st, len(rows))
	}
	if !slices.Equal(rows[0], claimsCSVHeader) {
		t.Errorf("header %q", rows[0])
	}
	for i := 2; i < len(rows); i++ {
		prev, _ := strconv.ParseFloat(rows[i-1][9], 64)
		cur, _ := strconv.ParseFloat(rows[i][9], 64)
		if cur <= prev {
			t.Fatalf("rows %d and %d out of balance order: %s then %s", i-1, i, rows[i-1][9], rows[i][9])
		}
	}
	if rows[1][9] != "10.00" || rows[231][9] != "125.00" {
		t.Errorf("balances from %s to %s, want 10.00 to 125.00", rows[1][9], rows[231][9])
	}
	var after int
	if err := w.store.Pool.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE resource = 'claim' AND action = 'list'`).Scan(&after); err != nil {
		t.Fatal(err)
	}
	if after-before != 231 {
		t.Errorf("the export audited %d claims, want 231", after-before)
	}
	// A role with claim:read but not patient:read gets the names masked.
	if _, err := w.store.Pool.Exec(ctx, "INSERT INTO role_permissions (role, permission) VALUES ('test_export_viewer', 'claim:read')"); err != nil {
		t.Fatal(err)
	}
	viewer := w.token(a.root.ID, "export-viewer-a", "test_export_viewer")
	_, body = w.raw(viewer, "GET", "/v1/dashboard/claims.csv", nil)
	rows = csvRows(t, body)
	if len(rows) != 232 || bytes.Contains(body, []byte("TENANTA")) || rows[1][2] != "(masked)" {
		t.Errorf("viewer's export: %d rows, first %q", len(rows), rows[1])
	}
	// The front desk (no claim:read) gets 403; bad parameters 422 naming them.
	st, _ = w.raw(a.tokens["front_desk"], "GET", "/v1/dashboard/claims.csv", nil)
	if st != http.StatusForbidden {
		t.Errorf("front desk export = %d", st)
	}
	for param, q := range map[string]string{"sort": "sort=name", "order": "order=up", "dos": "dos=2030-02-30", "dos_to": "dos_from=2030-02-02&dos_to=2030-02-01",
		"claim_id": "claim_id=nope", "q": "q=" + strings.Repeat("x", 201)} {
		for _, path := range []string{"/v1/dashboard/claims.csv?", "/v1/dashboard/claims?", "/v1/dashboard/denials.csv?"} {
			st, body := w.raw(a.tokens["biller"], "GET", path+q, nil)
			var p struct {
				Errors []struct {
					Parameter string `json:"parameter"`
				} `json:"errors"`
			}
			_ = json.Unmarshal(body, &p)
			if st != 422 || len(p.Errors) == 0 || p.Errors[0].Parameter != param {
				t.Errorf("%s%s = %d %s, want 422 naming %s", path, q, st, body, param)
			}
		}
	}
	// A cursor of another sort is refused.
	var page List[store.DashClaim]
	w.mustCall(200, a.tokens["biller"], "GET", "/v1/dashboard/claims?sort=dos&limit=5", nil, &page)
	if page.NextCursor == "" {
		t.Fatal("no next page")
	}
	w.mustCall(422, a.tokens["biller"], "GET", "/v1/dashboard/claims?sort=balance&limit=5&cursor="+page.NextCursor, nil, nil)
}

// TestCSVQuotingAndFormulaInjection: names, payers and control numbers
// that would be formulas in a spreadsheet are exported as text, and
// quotes, commas and line breaks survive a round trip through a CSV reader.
func TestCSVQuotingAndFormulaInjection(t *testing.T) {
	for in, want := range map[string]string{
		"=HYPERLINK(\"x\")": "'=HYPERLINK(\"x\")",
		"+1+1":              "'+1+1",
		"-2+3":              "'-2+3",
		"@SUM(A1)":          "'@SUM(A1)",
		"\t=1":              "'\t=1",
		"O'Neil, \"Jr\"":    "O'Neil, \"Jr\"",
		"":                  "",
		"PLAIN":             "PLAIN",
	} {
		if got := CSVCell(in); got != want {
			t.Errorf("CSVCell(%q) = %q, want %q", in, got, want)
		}
	}

	w := newDashboardWorld(t, &fakeClaimWorkflows{})
	a := newTenant(w, "A", "1234567893", "ZZ0000001", 1)
	ctx := context.Background()
	// A payer named like a formula with quotes, a comma and a line break,
	// and a patient whose last name starts with @.
	if _, err := w.store.Pool.Exec(ctx, `UPDATE payers SET name = $2 WHERE id = $1`, a.payer.ID, "=cmd|' /C calc'!A0, \"Quoted\"\nPayer"); err != nil {
		t.Fatal(err)
	}
	w.mustCall(200, a.admin, "PATCH", "/v1/patients/"+a.recs.patient.ID, map[string]any{"last_name": "@Testpatient"}, nil)
	st, body := w.raw(a.tokens["biller"], "GET", "/v1/dashboard/claims.csv", nil)
	rows := csvRows(t, body)
	if st != 200 || len(rows) != 2 {
		t.Fatalf("export = %d %q", st, rows)
	}
	if got := rows[1][3]; got != "'=cmd|' /C calc'!A0, \"Quoted\"\nPayer" {
		t.Errorf("payer cell = %q", got)
	}
	if got := rows[1][2]; got != "TESTPATIENT @Testpatient" {
		t.Errorf("patient cell = %q", got)
	}
	// The raw bytes quote the cell (encoding/csv), so no cell of the file
	// starts with a formula character.
	if !bytes.Contains(body, []byte(`"'=cmd|' /C calc'!A0, ""Quoted""`)) {
		t.Errorf("raw export:\n%s", body)
	}
}

// TestSavedFiltersAPI: a user saves, lists and deletes their own filters;
// another user of the same tenant, and a user of another tenant, neither
// see nor delete them (404, as for a made-up ID); bad input is 422 naming
// the field.
func TestSavedFiltersAPI(t *testing.T) {
	w := newDashboardWorld(t, &fakeClaimWorkflows{})
	a := newTenant(w, "A", "1234567893", "ZZ0000001", 1)
	b := newTenant(w, "B", "1245319599", "ZZ0000002", 2)
	var saved rcm.SavedFilter
	w.mustCall(201, a.tokens["biller"], "POST", "/v1/dashboard/saved-filters", map[string]any{"name": "Big balances", "query": "sort=balance&order=desc&status=accepted"}, &saved)
	var mine List[rcm.SavedFilter]
	w.mustCall(200, a.tokens["biller"], "GET", "/v1/dashboard/saved-filters", nil, &mine)
	if len(mine.Items) != 1 || mine.Items[0] != saved {
		t.Fatalf("own filters %+v, want %+v", mine.Items, saved)
	}
	for who, tok := range map[string]string{"A's admin": a.tokens["admin"], "B's biller": b.tokens["biller"]} {
		var other List[rcm.SavedFilter]
		w.mustCall(200, tok, "GET", "/v1/dashboard/saved-filters", nil, &other)
		if len(other.Items) != 0 {
			t.Errorf("%s sees %+v", who, other.Items)
		}
		st, body := w.raw(tok, "DELETE", "/v1/dashboard/saved-filters/"+saved.ID, nil)
		stG, bodyG := w.raw(tok, "DELETE", "/v1/dashboard/saved-filters/"+madeUpID(`"`+saved.ID+`"`), nil)
		if st != 404 || st != stG || !sameRefusal(body, bodyG) {
			t.Errorf("%s deleting A's filter = %d %s; a made-up one %d %s", who, st, body, stG, bodyG)
		}
	}
	for pointer, in := range map[string]map[string]any{
		"/name":  {"name": strings.Repeat("n", 81), "query": "q=x"},
		"/query": {"name": "x", "query": "limit=5"},
	} {
		var p struct {
			Errors []struct {
				Pointer string `json:"pointer"`
			} `json:"errors"`
		}
		w.mustCall(422, a.tokens["biller"], "POST", "/v1/dashboard/saved-filters", in, &p)
		if len(p.Errors) == 0 || p.Errors[0].Pointer != pointer {
			t.Errorf("POST %v answered %+v, want a problem at %s", in, p, pointer)
		}
	}
	w.mustCall(422, a.tokens["biller"], "POST", "/v1/dashboard/saved-filters", map[string]any{"query": "q=x"}, nil)
	if st, body := w.raw(a.tokens["biller"], "DELETE", "/v1/dashboard/saved-filters/"+saved.ID, nil); st != 204 || len(body) != 0 {
		t.Fatalf("delete = %d %q", st, body)
	}
	w.mustCall(200, a.tokens["biller"], "GET", "/v1/dashboard/saved-filters", nil, &mine)
	if len(mine.Items) != 0 {
		t.Errorf("after delete %+v", mine.Items)
	}
	w.mustCall(404, a.tokens["biller"], "DELETE", "/v1/dashboard/saved-filters/"+saved.ID, nil, nil)
}

// TestClaimVersionsMaskPHI: GET /v1/claims/{id}/versions shows the member
// ID and diagnoses only to a caller who may read patients at the claim's
// organisation; both reads are audited with the fields shown.
func TestClaimVersionsMaskPHI(t *testing.T) {
	w := newDashboardWorld(t, &fakeClaimWorkflows{})
	a := newTenant(w, "A", "1234567893", "ZZ0000001", 1)
	ctx := context.Background()
	if _, err := w.store.Pool.Exec(ctx, "INSERT INTO role_permissions (role, permission) VALUES ('test_versions_viewer', 'claim:read')"); err != nil {
		t.Fatal(err)
	}
	viewer := w.token(a.root.ID, "versions-viewer-a", "test_versions_viewer")
	var full, masked List[rcm.ClaimVersion]
	w.mustCall(200, a.tokens["biller"], "GET", "/v1/claims/"+a.recs.claim.ID+"/versions", nil, &full)
	w.mustCall(200, viewer, "GET", "/v1/claims/"+a.recs.claim.ID+"/versions", nil, &masked)
	if len(full.Items) != 1 || full.Items[0].MemberID != "ZZ0000001" || len(full.Items[0].Diagnoses) != 1 || full.Items[0].PHIMasked {
		t.Errorf("biller's versions %+v", full.Items)
	}
	if len(masked.Items) != 1 || masked.Items[0].MemberID != "" || len(masked.Items[0].Diagnoses) != 0 || !masked.Items[0].PHIMasked ||
		len(masked.Items[0].Charges) != 1 {
		t.Errorf("viewer's versions %+v, want the member ID and diagnoses masked, the charges shown", masked.Items)
	}
	rows, err := w.store.Pool.Query(ctx, `SELECT array_to_string(fields, ',') FROM audit_log WHERE resource = 'claim_versions' AND resource_id = $1 ORDER BY id`, a.recs.claim.ID)
	if err != nil {
		t.Fatal(err)
	}
	var fields []string
	for rows.Next() {
		var f string
		if err := rows.Scan(&f); err != nil {
			t.Fatal(err)
		}
		fields = append(fields, f)
	}
	if !slices.Equal(fields, []string{"diagnoses,charges,member_id", "charges"}) {
		t.Errorf("audited fields %q", fields)
	}
}
