package api

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// TestAuthRulesAndBookingInput (issue 19): bad rules and bad planned
// procedure codes are refused with a 422 naming each field; good rules
// are stored in order and read back; an empty list removes them.
func TestAuthRulesAndBookingInput(t *testing.T) {
	w := newDashboardWorld(t, &fakeClaimWorkflows{})
	path := "/v1/payers/" + w.payer.ID + "/auth-rules"
	var raw json.RawMessage
	if got := w.call(w.rootAdmin, "PUT", path, map[string]any{"rules": []map[string]any{{"from": "7255"}, {"from": "70553", "to": "70551"}}}, &raw); got != 422 ||
		!strings.Contains(string(raw), `"/rules/0/from"`) || !strings.Contains(string(raw), `"/rules/1/to"`) {
		t.Errorf("bad rules = %d %s; want 422 naming /rules/0/from and /rules/1/to", got, raw)
	}
	if got := w.call(w.rootAdmin, "PUT", path, map[string]any{}, &raw); got != 422 || !strings.Contains(string(raw), `"/rules"`) {
		t.Errorf("no rules = %d %s; want 422 naming /rules", got, raw)
	}
	var rules struct {
		Rules []struct{ From, To, Note string }
	}
	w.mustCall(200, w.rootAdmin, "PUT", path, map[string]any{"rules": []map[string]any{{"from": "72148", "note": "lumbar MRI"}, {"from": "70551", "to": "70553"}}}, &rules)
	w.mustCall(200, w.rootAdmin, "GET", path, nil, &rules)
	if len(rules.Rules) != 2 || rules.Rules[0].From != "72148" || rules.Rules[0].Note != "lumbar MRI" || rules.Rules[1].To != "70553" {
		t.Errorf("rules read back = %+v", rules.Rules)
	}
	w.mustCall(200, w.rootAdmin, "PUT", path, map[string]any{"rules": []any{}}, &rules)
	if len(rules.Rules) != 0 {
		t.Errorf("rules after an empty put = %+v", rules.Rules)
	}

	at := time.Now().UTC().Add(48 * time.Hour).Truncate(time.Hour)
	rec := w.makeRecords(w.facA, w.provA, "TESTAUTH", "ZZ0000001", 3)
	if got := w.call(w.rootAdmin, "POST", "/v1/appointments", map[string]any{"provider_id": w.provA.ID, "patient_id": rec.patient.ID,
		"visit_type": "follow_up", "starts_at": at.Format(time.RFC3339), "ends_at": at.Add(30 * time.Minute).Format(time.RFC3339),
		"procedure_codes": []string{"72148", "MRI"}}, &raw); got != 422 || !strings.Contains(string(raw), `"/procedure_codes/1"`) {
		t.Errorf("booking with a bad code = %d %s; want 422 naming /procedure_codes/1", got, raw)
	}
	if got := w.call(w.rootAdmin, "POST", "/v1/authorizations", map[string]any{"patient_id": rec.patient.ID, "coverage_id": rec.coverage.ID,
		"provider_id": w.provA.ID, "codes": []string{"72148"}, "diagnoses": []string{"M54.50"}, "units": 0,
		"service_from": "2030-02-01", "service_to": "2030-01-01"}, &raw); got != 422 || !strings.Contains(string(raw), `"/units"`) ||
		!strings.Contains(string(raw), `"/service_to"`) {
		t.Errorf("bad authorization request = %d %s; want 422 naming /units and /service_to", got, raw)
	}
}
