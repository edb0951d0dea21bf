package api

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/claimflow/claimflow/store"
)

func testDay(day int) time.Time { return time.Date(2030, 1, 7+day, 15, 0, 0, 0, time.UTC) }

func TestRecordsAPI(t *testing.T) {
	w := newWorld(t)
	r := w.makeRecords(w.facA, w.provA, "ALPHA", "ZZ0000001", 0)
	tok := w.rootAdmin

	// Reads and lists of every record.
	var p store.Patient
	w.mustCall(200, tok, "GET", "/v1/patients/"+r.patient.ID, nil, &p)
	if p.LastName != "ALPHA" || p.BirthDate != "1901-02-03" {
		t.Fatalf("patient = %+v", p)
	}
	var pl List[store.Patient]
	w.mustCall(200, tok, "GET", "/v1/patients?last_name=alpha&birth_date=1901-02-03", nil, &pl)
	if len(pl.Items) != 1 || pl.Items[0].ID != r.patient.ID {
		t.Fatalf("search = %+v", pl)
	}
	w.mustCall(200, tok, "PATCH", "/v1/patients/"+r.patient.ID, map[string]any{"email": "testpatient@example.invalid"}, &p)
	if p.Email != "testpatient@example.invalid" || p.LastName != "ALPHA" {
		t.Fatalf("patched = %+v", p)
	}
	for _, path := range []string{"/v1/coverages/" + r.coverage.ID, "/v1/appointments/" + r.appointment.ID, "/v1/waitlist/" + r.waitlist.ID,
		"/v1/encounters/" + r.encounter.ID, "/v1/claims/" + r.claim.ID, "/v1/providers/" + w.provA.ID, "/v1/payers/" + w.payer.ID,
		"/v1/orgs/" + w.facA.ID, "/v1/providers/" + w.provA.ID + "/availability"} {
		w.mustCall(200, tok, "GET", path, nil, nil)
	}
	for _, path := range []string{"/v1/coverages?member_id=ZZ0000001", "/v1/appointments?provider_id=" + w.provA.ID, "/v1/waitlist?status=waiting",
		"/v1/encounters?patient_id=" + r.patient.ID, "/v1/claims?status=draft", "/v1/providers?npi=1234567893", "/v1/payers", "/v1/orgs"} {
		var l List[json.RawMessage]
		w.mustCall(200, tok, "GET", path, nil, &l)
		if len(l.Items) == 0 {
			t.Errorf("GET %s: no items", path)
		}
	}
	w.mustCall(200, tok, "PATCH", "/v1/providers/"+w.provA.ID, map[string]any{"credentials": []string{"MD", "FACP"}}, nil)
	w.mustCall(200, tok, "PATCH", "/v1/payers/"+w.payer.ID, map[string]any{"clearinghouse_payer_id": "ZZ123"}, nil)
	w.mustCall(200, tok, "PATCH", "/v1/orgs/"+w.facA.ID, map[string]any{"name": "TEST FACILITY A1"}, nil)
	var cov store.Coverage
	w.mustCall(200, tok, "PATCH", "/v1/coverages/"+r.coverage.ID, map[string]any{"member_id": "ZZ0000011", "group_number": "G1"}, &cov)
	if cov.MemberID != "ZZ0000011" || cov.GroupNumber != "G1" {
		t.Fatalf("coverage = %+v", cov)
	}
	var cl List[store.Coverage]
	w.mustCall(200, tok, "GET", "/v1/coverages?member_id=ZZ0000011", nil, &cl)
	if len(cl.Items) != 1 {
		t.Fatalf("search by the new member ID: %+v", cl)
	}
	w.mustCall(200, tok, "PATCH", "/v1/appointments/"+r.appointment.ID, map[string]any{"visit_type": "follow-up"}, nil)
	var wle store.WaitlistEntry
	w.mustCall(200, tok, "PATCH", "/v1/waitlist/"+r.waitlist.ID, map[string]any{"priority": 9, "weekdays": []int{2}}, &wle)
	if wle.Priority != 9 || len(wle.Weekdays) != 1 || wle.TimeFrom != "08:00" {
		t.Fatalf("waitlist = %+v", wle)
	}

	// Cursor pagination walks every page once.
	for i := 0; i < 4; i++ {
		w.mustCall(201, tok, "POST", "/v1/patients", map[string]any{"org_id": w.facA.ID, "first_name": "TESTPATIENT", "last_name": fmt.Sprintf("PAGE%c", 'A'+i), "birth_date": "1902-01-01", "sex": "F"}, nil)
	}
	seen, cursor := 0, ""
	for pages := 0; ; pages++ {
		var l List[store.Patient]
		w.mustCall(200, tok, "GET", "/v1/patients?limit=2&cursor="+cursor, nil, &l)
		seen += len(l.Items)
		if l.NextCursor == "" {
			break
		}
		cursor = l.NextCursor
		if pages > 10 {
			t.Fatal("pagination does not end")
		}
	}
	if seen != 5 {
		t.Fatalf("paged through %d patients, want 5", seen)
	}

	// Scheduling: conflict names the clashing slot; reschedule, cancel.
	start := r.appointment.StartsAt
	var prob map[string]any
	w.mustCall(409, tok, "POST", "/v1/appointments", map[string]any{"provider_id": w.provA.ID, "patient_id": r.patient.ID, "visit_type": "new",
		"starts_at": start.Add(10 * time.Minute), "ends_at": start.Add(20 * time.Minute)}, &prob)
	if c, _ := prob["conflict"].(map[string]any); c["starts_at"] != start.Format(time.RFC3339) || c["ends_at"] != start.Add(30*time.Minute).Format(time.RFC3339) {
		t.Fatalf("conflict = %v, want the slot at %v", prob, start)
	}
	var moved store.Appointment
	w.mustCall(200, tok, "POST", "/v1/appointments/"+r.appointment.ID+"/reschedule", map[string]any{"starts_at": start.Add(time.Hour), "ends_at": start.Add(90 * time.Minute)}, &moved)
	if !moved.StartsAt.Equal(start.Add(time.Hour)) {
		t.Fatalf("rescheduled = %+v", moved)
	}
	w.mustCall(200, tok, "POST", "/v1/appointments/"+r.appointment.ID+"/cancel", map[string]any{"reason": "patient request"}, nil)
	w.mustCall(422, tok, "POST", "/v1/appointments/"+r.appointment.ID+"/cancel", map[string]any{}, nil)
	var series store.Series
	w.mustCall(201, tok, "POST", "/v1/appointment-series", map[string]any{"first": map[string]any{"provider_id": w.provA.ID, "patient_id": r.patient.ID,
		"visit_type": "therapy", "starts_at": testDay(1), "ends_at": testDay(1).Add(45 * time.Minute)}, "interval_weeks": 1, "count": 3}, &series)
	if len(series.Appointments) != 3 {
		t.Fatalf("series = %+v", series)
	}
	// Availability: with a Monday 09:00-17:00 template in Chicago, a Sunday slot is refused.
	w.mustCall(201, tok, "POST", "/v1/providers/"+w.provB.ID+"/availability", map[string]any{"weekday": 1, "start_time": "09:00", "end_time": "17:00", "time_zone": "America/Chicago"}, nil)
	w.mustCall(201, tok, "POST", "/v1/providers/"+w.provB.ID+"/availability-exceptions", map[string]any{"kind": "unavailable", "starts_at": testDay(0), "ends_at": testDay(0).Add(time.Hour)}, nil)
	rb := w.makePatient(w.facB, "AVAIL")
	book := func(at time.Time) int {
		return w.call(tok, "POST", "/v1/appointments", map[string]any{"provider_id": w.provB.ID, "patient_id": rb.ID, "visit_type": "new", "starts_at": at, "ends_at": at.Add(30 * time.Minute)}, nil)
	}
	if got := book(testDay(-1)); got != 422 { // Sunday
		t.Errorf("Sunday booking = %d, want 422", got)
	}
	if got := book(testDay(0)); got != 422 { // Monday 09:00 Chicago, blocked by the exception
		t.Errorf("blocked booking = %d, want 422", got)
	}
	if got := book(testDay(0).Add(2 * time.Hour)); got != 201 { // Monday 11:00 Chicago
		t.Errorf("Monday booking = %d, want 201", got)
	}
	// Waitlist: leave.
	var wl store.WaitlistEntry
	w.mustCall(200, tok, "POST", "/v1/waitlist/"+r.waitlist.ID+"/leave", nil, &wl)
	if wl.Status != "left" {
		t.Fatalf("left = %+v", wl)
	}
	// Encounters: recoding is allowed until the claim exists.
	w.mustCall(422, tok, "PATCH", "/v1/encounters/"+r.encounter.ID, map[string]any{"diagnoses": []string{"E11.9"}}, nil)
	var enc store.Encounter
	var p2 store.Patient
	w.mustCall(201, tok, "POST", "/v1/patients", map[string]any{"org_id": w.facA.ID, "first_name": "TESTPATIENT", "last_name": "RECODE", "birth_date": "1902-02-02", "sex": "M"}, &p2)
	w.mustCall(201, tok, "POST", "/v1/encounters", map[string]any{"patient_id": p2.ID, "provider_id": w.provA.ID, "date_of_service": "2030-02-01", "place_of_service": "11",
		"diagnoses": []string{"Z00.00"}, "charges": []map[string]any{{"code": "99213", "diagnosis_pointers": []int{1}, "units": 1, "amount_cents": 100}}}, &enc)
	w.mustCall(200, tok, "PATCH", "/v1/encounters/"+enc.ID, map[string]any{"diagnoses": []string{"Z00.00", "E11.9"},
		"charges": []map[string]any{{"code": "99214", "diagnosis_pointers": []int{1, 2}, "units": 2, "amount_cents": 300}}}, &enc)
	if len(enc.Charges) != 1 || enc.Charges[0].Code != "99214" || enc.Charges[0].Units != 2 || len(enc.Diagnoses) != 2 {
		t.Fatalf("recoded = %+v", enc)
	}

	// Claims: staff change status only by a decision the claim's workflow
	// applies (claimstatus_test.go); a draft claim has none open.
	var illegal Problem
	w.mustCall(409, tok, "POST", "/v1/claims/"+r.claim.ID+"/status", map[string]any{"status": "ready"}, &illegal)
	if illegal.Type != problemBase+"illegal-transition" || !strings.Contains(illegal.Detail, "from draft to ready") {
		t.Fatalf("draft -> ready by staff: %+v", illegal)
	}
	w.mustCall(422, tok, "POST", "/v1/claims/"+r.claim.ID+"/status", map[string]any{"status": "sent"}, nil)
	var c store.Claim
	w.mustCall(200, tok, "GET", "/v1/claims/"+r.claim.ID, nil, &c)
	if len(c.History) != 1 || c.Status != "draft" {
		t.Fatalf("claim = %+v", c)
	}

	// Audit: a compliance officer sees the reads of this patient.
	comp := w.token(w.root.ID, "compliance", "compliance")
	var al List[store.AuditEntry]
	w.mustCall(200, comp, "GET", "/v1/audit?patient_id="+r.patient.ID, nil, &al)
	actions := map[string]bool{}
	for _, e := range al.Items {
		actions[e.Action+" "+e.Resource] = true
		if e.SourceIP == "" || e.RequestID == "" || e.ActorID == "" {
			t.Errorf("audit row lacks who/where: %+v", e)
		}
	}
	for _, want := range []string{"create patient", "read patient", "update patient", "list patient", "read coverage", "create claim"} {
		if !actions[want] {
			t.Errorf("audit lacks %q: %v", want, actions)
		}
	}
	w.mustCall(403, tok, "GET", "/v1/audit", nil, nil) // admins are not compliance officers
	if rep, err := w.store.VerifyAudit(context.Background()); err != nil || !rep.OK {
		t.Fatalf("audit chain: %+v %v", rep, err)
	}
}

func (w *world) makePatient(org store.Org, last string) store.Patient {
	w.t.Helper()
	var p store.Patient
	w.mustCall(201, w.rootAdmin, "POST", "/v1/patients", map[string]any{"org_id": org.ID, "first_name": "TESTPATIENT", "last_name": last, "birth_date": "1903-03-03", "sex": "U"}, &p)
	return p
}

func TestProblemsNameFields(t *testing.T) {
	w := newWorld(t)
	tok := w.rootAdmin
	for _, tc := range []struct {
		name     string
		path     string
		body     any
		status   int
		pointers []string
	}{
		{"unknown field", "/v1/patients", `{"org_id":"` + w.facA.ID + `","first_name":"A","last_name":"B","birth_date":"1901-01-01","sex":"U","nickname":"x"}`, 422, []string{"/nickname"}},
		{"wrong type", "/v1/coverages", `{"priority":"first"}`, 422, []string{"/priority"}},
		{"read-only field", "/v1/patients", `{"id":"x","org_id":"` + w.facA.ID + `","first_name":"A","last_name":"B","birth_date":"1901-01-01","sex":"U","created_at":"2030-01-01T00:00:00Z"}`, 422, []string{"/id", "/created_at"}},
		{"malformed", "/v1/patients", `{"org_id":`, 400, nil},
		{"every invalid field", "/v1/patients", map[string]any{"org_id": w.facA.ID, "first_name": "", "last_name": "X", "birth_date": "01/02/1901", "sex": "Q"}, 422,
			[]string{"/first_name", "/birth_date", "/sex"}},
		{"bad NPI check digit", "/v1/providers", map[string]any{"org_id": w.facA.ID, "npi": "1234567890", "last_name": "X", "taxonomy": "207Q00000X"}, 422, []string{"/npi"}},
		{"charge pointers", "/v1/encounters", map[string]any{"patient_id": w.facA.ID, "provider_id": w.provA.ID, "date_of_service": "2030-01-01", "place_of_service": "11",
			"diagnoses": []string{"Z00.00"}, "charges": []map[string]any{{"code": "99213", "modifiers": []string{"2"}, "diagnosis_pointers": []int{3}, "units": 1, "amount_cents": 1}}}, 422,
			[]string{"/charges/0/modifiers/0", "/charges/0/diagnosis_pointers/0"}},
		{"bad query parameter", "/v1/patients?limit=0", nil, 422, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			method := "POST"
			if tc.body == nil {
				method = "GET"
			}
			var p Problem
			w.mustCall(tc.status, tok, method, tc.path, tc.body, &p)
			var got []string
			for _, f := range p.Errors {
				got = append(got, f.Pointer)
			}
			if tc.pointers != nil && strings.Join(got, " ") != strings.Join(tc.pointers, " ") {
				t.Errorf("pointers = %v, want %v (%+v)", got, tc.pointers, p)
			}
		})
	}
	// No token, a bad token: 401 problem.
	w.mustCall(401, "", "GET", "/v1/patients", nil, nil)
	w.mustCall(401, "cf_sys_forged", "GET", "/v1/patients", nil, nil)
}

func TestIdempotencyKeys(t *testing.T) {
	w := newWorld(t)
	body := map[string]any{"org_id": w.facA.ID, "first_name": "TESTPATIENT", "last_name": "IDEM", "birth_date": "1904-04-04", "sex": "U"}
	var a, b store.Patient
	w.mustCall(201, w.rootAdmin, "POST", "/v1/patients", body, &a, "Idempotency-Key", "k-1")
	w.mustCall(201, w.rootAdmin, "POST", "/v1/patients", body, &b, "Idempotency-Key", "k-1")
	if a.ID != b.ID || b.LastName != "IDEM" {
		t.Fatalf("replay = %+v, want %+v", b, a)
	}
	// The replay disclosed the record again: it is audited.
	var replays int
	if err := w.store.Pool.QueryRow(context.Background(), `SELECT count(*) FROM audit_log WHERE resource = 'idempotent_replay' AND patient_id = $1`, a.ID).Scan(&replays); err != nil || replays != 1 {
		t.Fatalf("replay audit rows = %d, %v; want 1", replays, err)
	}
	body["last_name"] = "OTHER"
	var p Problem
	w.mustCall(422, w.rootAdmin, "POST", "/v1/patients", body, &p, "Idempotency-Key", "k-1")
	if !strings.HasSuffix(p.Type, "idempotency-key-reused") {
		t.Fatalf("problem = %+v", p)
	}
	var l List[store.Patient]
	w.mustCall(200, w.rootAdmin, "GET", "/v1/patients?last_name=IDEM", nil, &l)
	if len(l.Items) != 1 {
		t.Fatalf("%d patients created, want 1", len(l.Items))
	}
	// A replayed error is the stored error; another caller's same key is theirs.
	other := w.token(w.root.ID, "other-admin", "admin")
	w.mustCall(201, other, "POST", "/v1/patients", body, nil, "Idempotency-Key", "k-1")
}

func TestStaffLoginTOTPLockoutAndIdleTimeout(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	var now atomic.Int64
	now.Store(time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC).UnixNano())
	clock := func() time.Time { return time.Unix(0, now.Load()).UTC() }
	w.store.UseClock(clock)
	w.store.UsePolicy(store.AuthPolicy{SessionIdle: 15 * time.Minute, SessionMaxAge: time.Hour, MaxFailures: 3, Lockout: 10 * time.Minute})
	w.rootAdmin = w.token(w.root.ID, "root-admin-2030", "admin") // the first expired when the clock moved to 2030

	var u CreatedUser
	w.mustCall(201, w.rootAdmin, "POST", "/v1/users", map[string]any{"org_id": w.facA.ID, "kind": "staff", "login": "desk@example.invalid",
		"display_name": "Front Desk", "password": "correct horse battery"}, &u)
	w.mustCall(201, w.rootAdmin, "POST", "/v1/users/"+u.ID+"/grants", map[string]any{"org_id": w.facA.ID, "role": "front_desk"}, nil)
	if u.TOTPSecret == "" {
		t.Fatal("no TOTP secret for staff")
	}
	login := func(pw, code string) (int, string) {
		var out map[string]any
		st := w.call("", "POST", "/v1/auth/login", map[string]any{"login": "desk@example.invalid", "password": pw, "totp": code}, &out)
		tok, _ := out["token"].(string)
		return st, tok
	}
	code := store.TOTPCode(u.TOTPSecret, clock())
	if st, _ := login("wrong password!", code); st != 401 {
		t.Fatalf("wrong password = %d", st)
	}
	if st, _ := login("correct horse battery", "000000"); st != 401 {
		t.Fatalf("wrong TOTP = %d", st)
	}
	st, tok := login("correct horse battery", code)
	if st != 200 || !strings.HasPrefix(tok, "cf_ses_") {
		t.Fatalf("login = %d %q", st, tok)
	}
	if st, _ := login("correct horse battery", code); st != 401 {
		t.Fatalf("a TOTP code replayed = %d, want 401", st)
	}
	// The session works, ends after 15 idle minutes.
	w.mustCall(200, tok, "GET", "/v1/patients", nil, nil)
	w.mustCall(403, tok, "GET", "/v1/claims", nil, nil) // front desk has no claim:read
	now.Add(int64(14 * time.Minute))
	w.mustCall(200, tok, "GET", "/v1/patients", nil, nil)
	now.Add(int64(16 * time.Minute))
	w.mustCall(401, tok, "GET", "/v1/patients", nil, nil)

	// Activity keeps a session alive only up to its maximum age (1 hour here).
	now.Add(int64(time.Minute))
	_, tok3 := login("correct horse battery", store.TOTPCode(u.TOTPSecret, clock()))
	for i := 0; i < 5; i++ {
		now.Add(int64(11 * time.Minute))
		w.mustCall(200, tok3, "GET", "/v1/patients", nil, nil)
	}
	now.Add(int64(6 * time.Minute))
	w.mustCall(401, tok3, "GET", "/v1/patients", nil, nil)

	// Logout ends a session at once.
	now.Add(int64(time.Minute))
	_, tok2 := login("correct horse battery", store.TOTPCode(u.TOTPSecret, clock()))
	w.mustCall(200, tok2, "POST", "/v1/auth/logout", nil, nil)
	w.mustCall(401, tok2, "GET", "/v1/patients", nil, nil)

	// Three failures lock the account, even for the right password.
	now.Add(int64(time.Minute))
	for i := 0; i < 3; i++ {
		login("wrong password!", "")
	}
	if st, _ := login("correct horse battery", store.TOTPCode(u.TOTPSecret, clock())); st != http.StatusUnauthorized {
		t.Fatalf("locked login = %d, want 401 (a locked account answers as a wrong password)", st)
	}
	now.Add(int64(11 * time.Minute))
	if st, _ := login("correct horse battery", store.TOTPCode(u.TOTPSecret, clock())); st != 200 {
		t.Fatalf("login after the lockout = %d", st)
	}
	_ = ctx
}

// TestCrossOrganisationMatrix: every role granted at facility A, against
// every endpoint aimed at facility B's records: nothing succeeds. The same
// calls on A's records succeed for an admin at A, so the matrix is not
// vacuous.
func TestCrossOrganisationMatrix(t *testing.T) {
	w := newWorld(t)
	a := w.makeRecords(w.facA, w.provA, "ALPHA", "ZZ0000001", 0)
	b := w.makeRecords(w.facB, w.provB, "BRAVO", "ZZ0000002", 1)
	type call struct {
		method, path string
		body         func(r records, prov store.Provider, org store.Org) any
	}
	// Statuses expected on A's own records when not 2xx.
	ownStatus := map[string]int{"PATCH /v1/encounters/{encounter}": 422, // it has a claim
		"POST /v1/claims/{claim}/status": 409} // no staff decision moves a draft claim to ready
	none := func(records, store.Provider, store.Org) any { return nil }
	calls := []call{
		{"GET", "/v1/patients/{patient}", none},
		{"PATCH", "/v1/patients/{patient}", func(records, store.Provider, store.Org) any { return map[string]any{"phone": "555-0111"} }},
		{"GET", "/v1/coverages/{coverage}", none},
		{"PATCH", "/v1/coverages/{coverage}", func(records, store.Provider, store.Org) any { return map[string]any{"group_number": "X"} }},
		{"PATCH", "/v1/appointments/{appointment}", func(records, store.Provider, store.Org) any { return map[string]any{"visit_type": "x"} }},
		{"PATCH", "/v1/waitlist/{waitlist}", func(records, store.Provider, store.Org) any { return map[string]any{"priority": 1} }},
		{"PATCH", "/v1/orgs/{org}", func(records, store.Provider, store.Org) any { return map[string]any{"name": "X"} }},
		{"POST", "/v1/coverages", func(r records, _ store.Provider, _ store.Org) any {
			return map[string]any{"patient_id": r.patient.ID, "payer_id": w.payer.ID, "member_id": "ZZ0000009", "relationship": "self", "priority": 2}
		}},
		{"GET", "/v1/appointments/{appointment}", none},
		{"POST", "/v1/appointments", func(r records, p store.Provider, _ store.Org) any {
			return map[string]any{"provider_id": p.ID, "patient_id": r.patient.ID, "visit_type": "x", "starts_at": testDay(20), "ends_at": testDay(20).Add(time.Hour)}
		}},
		{"POST", "/v1/appointments/{appointment}/reschedule", func(records, store.Provider, store.Org) any {
			return map[string]any{"starts_at": testDay(21), "ends_at": testDay(21).Add(time.Hour)}
		}},
		{"POST", "/v1/appointments/{appointment}/cancel", func(records, store.Provider, store.Org) any { return map[string]any{} }},
		{"GET", "/v1/waitlist/{waitlist}", none},
		{"POST", "/v1/waitlist", func(r records, _ store.Provider, o store.Org) any {
			return map[string]any{"org_id": o.ID, "patient_id": r.patient.ID, "visit_type": "x"}
		}},
		{"POST", "/v1/waitlist/{waitlist}/leave", none},
		{"GET", "/v1/encounters/{encounter}", none},
		{"PATCH", "/v1/encounters/{encounter}", func(records, store.Provider, store.Org) any { return map[string]any{"place_of_service": "22"} }},
		{"POST", "/v1/encounters", func(r records, p store.Provider, _ store.Org) any {
			return map[string]any{"patient_id": r.patient.ID, "provider_id": p.ID, "date_of_service": "2030-01-01", "place_of_service": "11", "diagnoses": []string{"Z00.00"},
				"charges": []map[string]any{{"code": "99213", "diagnosis_pointers": []int{1}, "units": 1, "amount_cents": 100}}}
		}},
		{"GET", "/v1/claims/{claim}", none},
		{"POST", "/v1/claims/{claim}/status", func(records, store.Provider, store.Org) any { return map[string]any{"status": "ready"} }},
		{"GET", "/v1/providers/{provider}", none},
		{"PATCH", "/v1/providers/{provider}", func(records, store.Provider, store.Org) any { return map[string]any{"first_name": "X"} }},
		{"GET", "/v1/providers/{provider}/availability", none},
		{"POST", "/v1/providers/{provider}/availability", func(records, store.Provider, store.Org) any {
			return map[string]any{"weekday": 2, "start_time": "09:00", "end_time": "10:00", "time_zone": "UTC"}
		}},
		{"GET", "/v1/orgs/{org}", none},
		{"POST", "/v1/orgs", func(_ records, _ store.Provider, o store.Org) any {
			return map[string]any{"parent_id": o.ID, "kind": "department", "name": "TEST DEPT"}
		}},
		{"POST", "/v1/patients", func(_ records, _ store.Provider, o store.Org) any {
			return map[string]any{"org_id": o.ID, "first_name": "X", "last_name": "Y", "birth_date": "1905-05-05", "sex": "U"}
		}},
		{"POST", "/v1/providers", func(_ records, _ store.Provider, o store.Org) any {
			return map[string]any{"org_id": o.ID, "npi": "1234567802", "last_name": "X", "taxonomy": "207Q00000X"}
		}},
		// Access management: a system user of each facility with a token.
		{"GET", "/v1/users/{user}", none},
		{"GET", "/v1/users/{user}/tokens", none},
		{"POST", "/v1/users/{user}/tokens", none},
		{"POST", "/v1/users/{user}/grants", func(_ records, _ store.Provider, o store.Org) any {
			return map[string]any{"org_id": o.ID, "role": "biller"}
		}},
		{"POST", "/v1/users/{user}/grants/revoke", func(_ records, _ store.Provider, o store.Org) any {
			return map[string]any{"org_id": o.ID, "role": "clinician"}
		}},
		{"POST", "/v1/users/{user}/unlock", none},
		{"POST", "/v1/users/{user}/disable", none},
		{"POST", "/v1/users/{user}/enable", none},
		{"POST", "/v1/users/{user}/tokens/{token}/revoke", none},
	}
	type member struct{ user, token string }
	members := map[string]member{}
	for _, org := range []store.Org{w.facA, w.facB} {
		var u CreatedUser
		var tok store.IssuedToken
		w.mustCall(201, w.rootAdmin, "POST", "/v1/users", map[string]any{"org_id": org.ID, "kind": "system", "login": "member-" + org.ID, "display_name": "TEST MEMBER"}, &u)
		w.mustCall(201, w.rootAdmin, "POST", "/v1/users/"+u.ID+"/grants", map[string]any{"org_id": org.ID, "role": "clinician"}, nil)
		w.mustCall(201, w.rootAdmin, "POST", "/v1/users/"+u.ID+"/tokens", nil, &tok)
		members[org.ID] = member{u.ID, tok.ID}
	}
	expand := func(p string, r records, prov store.Provider, org store.Org) string {
		return strings.NewReplacer("{patient}", r.patient.ID, "{coverage}", r.coverage.ID, "{appointment}", r.appointment.ID,
			"{waitlist}", r.waitlist.ID, "{encounter}", r.encounter.ID, "{claim}", r.claim.ID, "{provider}", prov.ID, "{org}", org.ID,
			"{user}", members[org.ID].user, "{token}", members[org.ID].token).Replace(p)
	}
	roles := []string{"admin", "front_desk", "clinician", "biller", "compliance", "scheduler_system"}
	tokens := map[string]string{}
	for _, role := range roles {
		tokens[role] = w.token(w.facA.ID, "a-"+role, role)
	}
	for _, role := range roles {
		for _, c := range calls {
			path := expand(c.path, b, w.provB, w.facB)
			got := w.call(tokens[role], c.method, path, c.body(b, w.provB, w.facB), nil)
			if got < 400 || got >= 500 {
				t.Errorf("%s at A: %s %s (facility B) = %d, want 403/404/422", role, c.method, c.path, got)
			}
		}
		// Lists never show B's records.
		for _, path := range []string{"/v1/patients", "/v1/coverages", "/v1/appointments", "/v1/waitlist", "/v1/encounters", "/v1/claims", "/v1/providers", "/v1/orgs", "/v1/audit",
			"/v1/users", "/v1/users?org_id=" + w.facB.ID} {
			var l List[map[string]any]
			st := w.call(tokens[role], "GET", path, nil, &l)
			for _, it := range l.Items {
				if it["org_id"] == w.facB.ID || it["id"] == w.facB.ID || it["patient_id"] == b.patient.ID {
					t.Errorf("%s at A: GET %s (%d) lists facility B's record %v", role, path, st, it["id"])
				}
			}
		}
	}
	// B's records are untouched.
	var p store.Patient
	w.mustCall(200, w.rootAdmin, "GET", "/v1/patients/"+b.patient.ID, nil, &p)
	if p.Phone != "555-0100" {
		t.Fatalf("facility B's patient changed: %+v", p)
	}
	var bu store.UserDetail
	w.mustCall(200, w.rootAdmin, "GET", "/v1/users/"+members[w.facB.ID].user, nil, &bu)
	var bt List[store.APIToken]
	w.mustCall(200, w.rootAdmin, "GET", "/v1/users/"+members[w.facB.ID].user+"/tokens", nil, &bt)
	if bu.Disabled || len(bu.Grants) != 1 || bu.Grants[0].Role != "clinician" || len(bt.Items) != 1 || bt.Items[0].RevokedAt != nil {
		t.Fatalf("facility B's user changed: %+v, tokens %+v", bu, bt.Items)
	}
	// The same calls on A's own records succeed for A's admin.
	for _, c := range calls {
		path := expand(c.path, a, w.provA, w.facA)
		got := w.call(tokens["admin"], c.method, path, c.body(a, w.provA, w.facA), nil)
		if own := ownStatus[c.method+" "+c.path]; own != 0 && got != own || own == 0 && got >= 300 {
			t.Errorf("admin at A: %s %s (own facility) = %d, want success", c.method, c.path, got)
		}
	}
}

// TestBookingRace: 1,000 concurrent bookings for 10 slots give exactly 10
// appointments; every other answer is 409.
func TestBookingRace(t *testing.T) {
	w := newWorld(t)
	w.mu.Lock()
	w.checkSpec = false // 1,000 responses: the other tests cover the shapes
	w.mu.Unlock()
	pat := w.makePatient(w.facA, "RACE")
	tr := &http.Transport{MaxIdleConnsPerHost: 200, MaxConnsPerHost: 200}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 2 * time.Minute}
	var created, conflicts, other atomic.Int64
	var wg sync.WaitGroup
	for i := 0; i < 1000; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			start := testDay(30).Add(time.Duration(i%10) * time.Hour)
			body := fmt.Sprintf(`{"provider_id":%q,"patient_id":%q,"visit_type":"race","starts_at":%q,"ends_at":%q}`,
				w.provA.ID, pat.ID, start.Format(time.RFC3339), start.Add(30*time.Minute).Format(time.RFC3339))
			req, _ := http.NewRequest("POST", w.srv.URL+"/v1/appointments", strings.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+w.rootAdmin)
			res, err := client.Do(req)
			if err != nil {
				other.Add(1)
				return
			}
			res.Body.Close()
			switch res.StatusCode {
			case 201:
				created.Add(1)
			case 409:
				conflicts.Add(1)
			default:
				other.Add(1)
			}
		}(i)
	}
	wg.Wait()
	var n int
	if err := w.store.Pool.QueryRow(context.Background(), `SELECT count(*) FROM appointments WHERE visit_type = 'race' AND status = 'booked'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if created.Load() != 10 || conflicts.Load() != 990 || other.Load() != 0 || n != 10 {
		t.Fatalf("created %d, conflicts %d, other %d, rows %d; want 10, 990, 0, 10", created.Load(), conflicts.Load(), other.Load(), n)
	}
	// /metrics counts the booking transactions: concurrent bookings share them.
	res, err := http.Get(w.srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	metric := func(name string) float64 {
		for _, line := range strings.Split(string(body), "\n") {
			if v, ok := strings.CutPrefix(line, name+" "); ok {
				f, _ := strconv.ParseFloat(v, 64)
				return f
			}
		}
		t.Fatalf("/metrics has no %s", name)
		return 0
	}
	attempts, txs := metric("claimflow_booking_attempts_total"), metric("claimflow_booking_transactions_total")
	if attempts < 1000 || txs < 1 {
		t.Fatalf("booking metrics: %v attempts in %v transactions", attempts, txs)
	}
	t.Logf("%v booking attempts in %v transactions, %v batch fallbacks", attempts, txs, metric("claimflow_booking_batch_fallbacks_total"))
}

// TestNoPlaintextPHI writes distinctive fake PHI through the API, reads it
// back every way, then dumps the whole database with pg_dump and greps it,
// and greps the server's logs: no value appears in plaintext.
func TestNoPlaintextPHI(t *testing.T) {
	if _, err := exec.LookPath("pg_dump"); err != nil {
		t.Fatal("pg_dump is required (Debian postgresql-client)")
	}
	w := newWorld(t)
	phi := map[string]string{
		"first_name": "TESTPATIENTQZXFIRST", "last_name": "TESTPATIENTQZXLAST", "birth_date": "1907-08-09",
		"ssn": "900-12-3456", "address": "1 QZXTEST STREET, NOWHERE", "phone": "555-0142-77", "email": "qzx.testpatient@example.invalid",
	}
	body := map[string]any{"org_id": w.facA.ID, "sex": "U"}
	for k, v := range phi {
		body[k] = v
	}
	var p store.Patient
	w.mustCall(201, w.rootAdmin, "POST", "/v1/patients", body, &p, "Idempotency-Key", "phi-1")
	w.mustCall(201, w.rootAdmin, "POST", "/v1/patients", body, nil, "Idempotency-Key", "phi-1") // replay from the sealed store
	member := "ZZQZX00001"
	var cov store.Coverage
	w.mustCall(201, w.rootAdmin, "POST", "/v1/coverages", map[string]any{"patient_id": p.ID, "payer_id": w.payer.ID, "member_id": member,
		"relationship": "spouse", "subscriber_first_name": "QZXSUBFIRST", "subscriber_last_name": "QZXSUBLAST", "subscriber_birth_date": "1906-07-08", "priority": 1}, &cov)
	w.mustCall(200, w.rootAdmin, "GET", "/v1/patients/"+p.ID, nil, nil)
	w.mustCall(200, w.rootAdmin, "GET", "/v1/patients?last_name="+phi["last_name"]+"&birth_date="+phi["birth_date"], nil, nil)
	w.mustCall(200, w.rootAdmin, "GET", "/v1/coverages?member_id="+member, nil, nil)
	w.mustCall(422, w.rootAdmin, "POST", "/v1/patients", map[string]any{"org_id": w.facA.ID, "first_name": phi["first_name"], "last_name": phi["last_name"], "birth_date": "x", "sex": "U"}, nil)

	out, err := exec.Command("pg_dump", "--no-owner", w.dsn).CombinedOutput()
	if err != nil {
		t.Fatalf("pg_dump: %v: %s", err, out)
	}
	dump := strings.ToLower(string(out))
	if !strings.Contains(dump, strings.ToLower(p.ID)) {
		t.Fatal("the dump does not hold the patient row at all")
	}
	values := []string{member, "QZXSUBFIRST", "QZXSUBLAST", "1906-07-08", "900123456", "QZXTEST"}
	for _, v := range phi {
		values = append(values, v)
	}
	logs := strings.ToLower(w.logs.String())
	for _, v := range values {
		if strings.Contains(dump, strings.ToLower(v)) {
			t.Errorf("PHI value %q is in the database in plaintext", v)
		}
		if strings.Contains(logs, strings.ToLower(v)) {
			t.Errorf("PHI value %q is in the logs", v)
		}
	}
	if !strings.Contains(logs, `"route":"/v1/patients"`) {
		t.Errorf("the logs do not hold the requests at all:\n%s", logs)
	}
}

// TestSpecCatchesDrift proves the spec check is strict: a real response
// with a field added, or a required one removed, fails validation.
func TestSpecCatchesDrift(t *testing.T) {
	w := newWorld(t)
	p := w.makePatient(w.facA, "DRIFT")
	req, _ := http.NewRequest("GET", w.srv.URL+"/v1/patients/"+p.ID, nil)
	req.Header.Set("Authorization", "Bearer "+w.rootAdmin)
	res, err := w.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var body map[string]any
	if err := json.NewDecoder(res.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	ok, _ := json.Marshal(body)
	if err := w.spec.check(req, 200, res.Header, ok); err != nil {
		t.Fatalf("the real response fails the spec: %v", err)
	}
	body["nickname"] = "x"
	added, _ := json.Marshal(body)
	if err := w.spec.check(req, 200, res.Header, added); err == nil {
		t.Error("a response with an undocumented field passes the spec")
	}
	delete(body, "nickname")
	delete(body, "last_name")
	removed, _ := json.Marshal(body)
	if err := w.spec.check(req, 200, res.Header, removed); err == nil {
		t.Error("a response without a required field passes the spec")
	}
	if err := w.spec.check(req, 201, res.Header, ok); err == nil {
		t.Error("an undocumented status passes the spec")
	}
}
