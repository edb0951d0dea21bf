package fhirimport

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// Emit receives source records in a stable order: the stage step numbers
// them, so a retried fetch gives every record the same number again.
type Emit func(resourceType, sourceID string, body []byte) error

// maxLine bounds one NDJSON line (one resource).
const maxLine = 16 << 20

// ReadNDJSON reads one Bulk Data NDJSON stream: one resource a line. A
// line that is not a JSON object with a resourceType is still emitted (type
// "") so that the report names it.
func ReadNDJSON(r io.Reader, emit Emit) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), maxLine)
	for sc.Scan() {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var head struct {
			ResourceType string `json:"resourceType"`
			ID           string `json:"id"`
		}
		if json.Unmarshal(line, &head) != nil {
			head.ResourceType, head.ID = "", ""
		}
		if err := emit(head.ResourceType, head.ID, slices.Clone(line)); err != nil {
			return err
		}
	}
	return sc.Err()
}

// NDJSONFiles lists the .ndjson files of paths (files, or directories read
// one level deep), ordered so that referenced types come first (Order)
// and then by name: Bulk Data writes one resource type per file, named
// after the type (Patient.ndjson, Patient.2.ndjson, ...).
func NDJSONFiles(paths []string) ([]string, error) {
	var files []string
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		if !st.IsDir() {
			files = append(files, p)
			continue
		}
		m, err := filepath.Glob(filepath.Join(p, "*.ndjson"))
		if err != nil {
			return nil, err
		}
		files = append(files, m...)
	}
	rank := func(f string) int {
		base := filepath.Base(f)
		for i, t := range Order {
			if strings.HasPrefix(base, t+".") || strings.HasPrefix(base, t+"_") || strings.HasPrefix(base, t+"-") {
				return i
			}
		}
		return len(Order)
	}
	slices.SortStableFunc(files, func(a, b string) int {
		if ra, rb := rank(a), rank(b); ra != rb {
			return ra - rb
		}
		return strings.Compare(a, b)
	})
	if len(files) == 0 {
		return nil, errors.New("no .ndjson files found")
	}
	return files, nil
}

// CSVColumns is the documented layout of a patient CSV (docs/import.md):
// one row per patient and coverage. The template the API serves is this
// header line.
var CSVColumns = []string{"patient_id", "mrn", "first_name", "last_name", "birth_date", "sex", "ssn", "address_line", "city", "state",
	"postal_code", "phone", "email", "payer_id", "member_id", "group_number", "relationship", "priority", "effective_from", "effective_to"}

// CSVTemplate is the header line and one example row with clearly fake data.
func CSVTemplate() []byte {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	_ = w.Write(CSVColumns)
	_ = w.Write([]string{"P-0001", "MRN0001", "Testpatient", "Alpha", "1980-04-01", "F", "", "1 Example Way", "Springfield", "IL",
		"62701", "555-0100", "alpha@example.test", "PAYER1", "MEMBER0001", "GRP1", "self", "1", "2025-01-01", ""})
	w.Flush()
	return b.Bytes()
}

// ReadCSV turns each row of a CSV into FHIR resources, so CSV and FHIR
// share one mapping and one validation: a patient row into a Patient, a
// Coverage when payer_id is set, and one Organization per payer ID; an
// appointment row into an Appointment; encounter rows into an Encounter
// with one ChargeItem per row and a Location per place of service
// (csvkinds.go). The header tells the kind. Unknown columns are an error
// naming them: nothing is dropped silently.
func ReadCSV(r io.Reader, emit Emit) error {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		return fmt.Errorf("csv: no header line: %w", err)
	}
	col := map[string]int{}
	for i, h := range header {
		header[i] = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
	}
	kind := csvKind(header)
	var unknown []string
	for i, h := range header {
		if !slices.Contains(CSVColumnsOf(kind), h) {
			unknown = append(unknown, h)
		}
		col[h] = i
	}
	if len(unknown) > 0 {
		return fmt.Errorf("csv: unknown columns %s for a CSV of %s (the layouts are in docs/import.md)", strings.Join(unknown, ", "), kind)
	}
	payers := map[string]bool{}
	encs := map[string]*csvEncounter{}
	var order []string
	for line := 2; ; line++ {
		row, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return emitEncounters(encs, order, emit)
		}
		if err != nil {
			return fmt.Errorf("csv line %d: %w", line, err)
		}
		get := func(name string) string {
			if i, ok := col[name]; ok && i < len(row) {
				return strings.TrimSpace(row[i])
			}
			return ""
		}
		switch kind {
		case CSVAppointments:
			err = emitAppointmentRow(get, line, emit)
		case CSVEncounters:
			readEncounterRow(get, line, encs, &order)
		default:
			err = emitCSVRow(get, line, payers, emit)
		}
		if err != nil {
			return err
		}
	}
}

func emitCSVRow(get func(string) string, line int, payers map[string]bool, emit Emit) error {
	id := get("patient_id")
	if id == "" {
		id = get("mrn")
	}
	if id == "" {
		id = "csv-line-" + strconv.Itoa(line)
	}
	gender := map[string]string{"F": "female", "M": "male", "U": "unknown"}[strings.ToUpper(get("sex"))]
	p := map[string]any{"resourceType": "Patient", "id": id,
		"name": []any{map[string]any{"use": "official", "family": get("last_name"), "given": []string{get("first_name")}}}}
	if gender != "" {
		p["gender"] = gender
	} else if get("sex") != "" {
		p["gender"] = strings.ToLower(get("sex")) // not a code: the validator names it
	}
	if v := get("birth_date"); v != "" {
		p["birthDate"] = v
	}
	var ids []any
	if v := get("mrn"); v != "" {
		ids = append(ids, map[string]any{"type": map[string]any{"coding": []any{map[string]any{"system": SystemV2_0203, "code": "MR"}}}, "value": v})
	}
	if v := get("ssn"); v != "" {
		ids = append(ids, map[string]any{"system": SystemSSN, "value": v})
	}
	if ids != nil {
		p["identifier"] = ids
	}
	var tel []any
	if v := get("phone"); v != "" {
		tel = append(tel, map[string]any{"system": "phone", "value": v})
	}
	if v := get("email"); v != "" {
		tel = append(tel, map[string]any{"system": "email", "value": v})
	}
	if tel != nil {
		p["telecom"] = tel
	}
	if get("address_line") != "" || get("city") != "" {
		a := map[string]any{"line": []string{get("address_line")}}
		for k, c := range map[string]string{"city": "city", "state": "state", "postalCode": "postal_code"} {
			if v := get(c); v != "" {
				a[k] = v
			}
		}
		p["address"] = []any{a}
	}
	if err := emitJSON("Patient", id, p, emit); err != nil {
		return err
	}
	payer := strings.ToUpper(get("payer_id"))
	if payer == "" {
		return nil
	}
	orgID := "payer-" + payer
	if !payers[payer] {
		payers[payer] = true
		o := map[string]any{"resourceType": "Organization", "id": orgID, "identifier": []any{map[string]any{"value": payer}}}
		if err := emitJSON("Organization", orgID, o, emit); err != nil {
			return err
		}
	}
	prio := get("priority")
	if prio == "" {
		prio = "1"
	}
	c := map[string]any{"resourceType": "Coverage", "id": id + "-coverage-" + prio, "status": "active",
		"beneficiary": map[string]any{"reference": "Patient/" + id}, "payor": []any{map[string]any{"reference": "Organization/" + orgID}},
		"subscriberId": get("member_id")}
	if n, err := strconv.Atoi(prio); err == nil {
		c["order"] = n
	} else {
		c["order"] = -1 // not a number: the validator names the priority
	}
	if v := get("group_number"); v != "" {
		c["class"] = []any{map[string]any{"type": map[string]any{"coding": []any{map[string]any{"system": SystemCovClass, "code": "group"}}}, "value": v}}
	}
	if v := get("relationship"); v != "" {
		c["relationship"] = map[string]any{"coding": []any{map[string]any{"system": SystemSubRel, "code": strings.ToLower(v)}}}
	}
	if get("effective_from") != "" || get("effective_to") != "" {
		per := map[string]any{}
		if v := get("effective_from"); v != "" {
			per["start"] = v
		}
		if v := get("effective_to"); v != "" {
			per["end"] = v
		}
		c["period"] = per
	}
	return emitJSON("Coverage", id+"-coverage-"+prio, c, emit)
}

func emitJSON(typ, id string, v any, emit Emit) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return emit(typ, id, b)
}
