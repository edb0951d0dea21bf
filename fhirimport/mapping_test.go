package fhirimport_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/claimflow/claimflow/fhirimport"
	"github.com/claimflow/claimflow/rcm"
)

// nothingExists is an organisation that holds nothing yet.
type nothingExists struct{}

func (nothingExists) ImportRecordOf(context.Context, string, string, string) (string, bool, error) {
	return "", false, nil
}
func (nothingExists) ImportNaturalOwner(context.Context, string, string, string) (string, bool, error) {
	return "", false, nil
}
func (nothingExists) ImportCoverageExists(context.Context, string, string, string) (bool, error) {
	return false, nil
}
func (nothingExists) ImportProviderByNPI(context.Context, string, string) (string, bool, error) {
	return "", false, nil
}

const testOrg = "01a23854-619a-7edf-ac30-4b5e75a87c4e"

func check(t *testing.T, v *fhirimport.Validator, seq int, typ, id, body string) []rcm.ImportItem {
	t.Helper()
	out, err := v.Check(context.Background(), rcm.ImportItem{Seq: seq, ResourceType: typ, SourceID: id, Body: []byte(body)})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func pointers(it rcm.ImportItem) string {
	var p []string
	for _, f := range it.Problems {
		p = append(p, f.Pointer)
	}
	return strings.Join(p, " ")
}

// TestValidatorRules: the API's rules and the import's own, one record at
// a time, without a database.
func TestValidatorRules(t *testing.T) {
	v, err := fhirimport.NewValidator(testOrg, time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC), map[string]string{"PAYER1": "01a23854-619a-7edf-ac30-4b5e75a87c4f"}, nothingExists{})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, typ, id, body string
		status, pointers    string
	}{
		{"a valid practitioner", "Practitioner", "pr1", `{"resourceType":"Practitioner","id":"pr1","identifier":[{"system":"http://hl7.org/fhir/sid/us-npi","value":"1234567893"}],"name":[{"family":"Testdoctor","given":["A"]}],"qualification":[{"code":{"coding":[{"system":"http://nucc.org/provider-taxonomy","code":"207Q00000X"}]}}]}`, "valid", ""},
		{"an NPI with a wrong check digit", "Practitioner", "pr2", `{"resourceType":"Practitioner","id":"pr2","identifier":[{"system":"http://hl7.org/fhir/sid/us-npi","value":"1234567890"}],"name":[{"family":"Testdoctor"}],"qualification":[{"code":{"coding":[{"system":"http://nucc.org/provider-taxonomy","code":"207Q00000X"}]}}]}`, "invalid", "/npi"},
		{"the same NPI twice", "Practitioner", "pr3", `{"resourceType":"Practitioner","id":"pr3","identifier":[{"system":"http://hl7.org/fhir/sid/us-npi","value":"1234567893"}],"name":[{"family":"Testdoctor"}],"qualification":[{"code":{"coding":[{"system":"http://nucc.org/provider-taxonomy","code":"207Q00000X"}]}}]}`, "invalid", "/identifier"},
		{"a patient", "Patient", "p1", `{"resourceType":"Patient","id":"p1","name":[{"family":"Testpatient","given":["One"]}],"birthDate":"1980-01-01","gender":"female"}`, "valid", ""},
		{"a partial birth date", "Patient", "p2", `{"resourceType":"Patient","id":"p2","name":[{"family":"Testpatient","given":["Two"]}],"birthDate":"1980"}`, "invalid", "/birth_date"},
		{"an unknown gender code", "Patient", "p3", `{"resourceType":"Patient","id":"p3","name":[{"family":"Testpatient","given":["Three"]}],"birthDate":"1980-01-01","gender":"x"}`, "invalid", "/gender"},
		{"a coverage of an invalid patient", "Coverage", "c1", `{"resourceType":"Coverage","id":"c1","status":"active","beneficiary":{"reference":"Patient/p2"},"subscriberId":"M1","payor":[{"reference":"Organization/nowhere"}]}`, "invalid", "/payor/0 /beneficiary"},
		{"a charge whose code is no CPT", "ChargeItem", "ch1", `{"resourceType":"ChargeItem","id":"ch1","status":"billable","code":{"coding":[{"system":"http://www.ama-assn.org/go/cpt","code":"9921"}]},"subject":{"reference":"Patient/p1"},"context":{"reference":"Encounter/e1"},"priceOverride":{"value":10}}`, "", ""},
		{"an encounter with an unknown ICD-10-CM code", "Encounter", "e1", `{"resourceType":"Encounter","id":"e1","status":"finished","class":{"code":"AMB"},"subject":{"reference":"Patient/p1"},"participant":[{"individual":{"reference":"Practitioner/pr1"}}],"period":{"start":"2026-03-02"},"reasonCode":[{"coding":[{"system":"http://hl7.org/fhir/sid/icd-10-cm","code":"Z99.999"}]}]}`, "invalid", "/location /reasonCode/0 /place_of_service /charges/0/code"},
	}
	for i, c := range cases {
		out := check(t, v, i+1, c.typ, c.id, c.body)
		if c.status == "" {
			if len(out) != 0 {
				t.Errorf("%s: answered %d outcomes before its encounter", c.name, len(out))
			}
			continue
		}
		if out[0].Status != c.status || pointers(out[0]) != c.pointers {
			t.Errorf("%s: %s %q (%+v); want %s %q", c.name, out[0].Status, pointers(out[0]), out[0].Problems, c.status, c.pointers)
		}
		if c.typ == "Encounter" && (len(out) != 2 || out[1].SourceID != "ch1" || out[1].Status != "invalid") {
			t.Errorf("%s: its charge item shares its fate: %+v", c.name, out)
		}
	}
	// Unmapped elements are reported by path.
	out := check(t, v, 99, "Patient", "p9", `{"resourceType":"Patient","id":"p9","name":[{"family":"Testpatient","given":["Nine","Middle"]},{"family":"Alias"}],"birthDate":"1980-01-01","maritalStatus":{"text":"M"},"photo":[{}]}`)
	got := strings.Join(out[0].Unmapped, ",")
	for _, want := range []string{"Patient.maritalStatus", "Patient.photo", "Patient.name[0].given[1:]", "Patient.name[1]"} {
		if !strings.Contains(got, want) {
			t.Errorf("unmapped %q lacks %s", got, want)
		}
	}
}

// TestCSVUnknownColumnIsAnError: a column the layout does not have would
// be dropped, so the file is refused naming it.
func TestCSVUnknownColumnIsAnError(t *testing.T) {
	err := fhirimport.ReadCSV(strings.NewReader("mrn,first_name,favourite_colour\n1,A,blue\n"), func(string, string, []byte) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "favourite_colour") {
		t.Fatalf("got %v", err)
	}
}
