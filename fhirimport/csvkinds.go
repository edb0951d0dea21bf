package fhirimport

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// CSV files of three kinds (docs/import.md has the layouts): patients with
// their coverage (CSVColumns), appointments, and encounters with their
// charges, one row per charge line. A file's kind is told by its header.
// Appointment and encounter rows name their patient by MRN and their
// provider by NPI; each row becomes FHIR resources with logical references
// (Reference.identifier), so CSV and FHIR share one mapping and one
// validation, and the error report names the CSV column at fault.

// CSV kinds (the template's ?kind=).
const (
	CSVPatients     = "patients"
	CSVAppointments = "appointments"
	CSVEncounters   = "encounters"
)

// CSVKinds lists the kinds in the order the docs give them.
var CSVKinds = []string{CSVPatients, CSVAppointments, CSVEncounters}

// CSVAppointmentColumns is the layout of an appointments CSV.
var CSVAppointmentColumns = []string{"appointment_id", "mrn", "provider_npi", "visit_type", "starts_at", "ends_at"}

// CSVEncounterColumns is the layout of an encounters CSV: one row per charge
// line; the encounter's columns repeat on each of its rows (the first row
// of an encounter_id gives them).
var CSVEncounterColumns = []string{"encounter_id", "mrn", "provider_npi", "appointment_id", "date_of_service", "place_of_service",
	"diagnoses", "charge_code", "modifiers", "units", "charge_amount", "charge_diagnoses"}

// CSVColumnsOf answers a kind's columns (nil for an unknown kind).
func CSVColumnsOf(kind string) []string {
	switch kind {
	case CSVPatients, "":
		return CSVColumns
	case CSVAppointments:
		return CSVAppointmentColumns
	case CSVEncounters:
		return CSVEncounterColumns
	}
	return nil
}

// CSVTemplateOf is a kind's header line and example rows (clearly fake
// data); nil for an unknown kind.
func CSVTemplateOf(kind string) []byte {
	var rows [][]string
	switch kind {
	case CSVPatients, "":
		return CSVTemplate()
	case CSVAppointments:
		rows = [][]string{{"A-0001", "MRN0001", "1234567893", "office visit", "2026-03-02T09:00:00-06:00", "2026-03-02T09:30:00-06:00"}}
	case CSVEncounters:
		rows = [][]string{
			{"E-0001", "MRN0001", "1234567893", "A-0001", "2026-03-02", "11", "E11.9;I10", "99214", "25", "1", "150.00", "E11.9;I10"},
			{"E-0001", "MRN0001", "1234567893", "A-0001", "2026-03-02", "11", "E11.9;I10", "36415", "", "1", "12.00", "E11.9"},
		}
	default:
		return nil
	}
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	_ = w.Write(CSVColumnsOf(kind))
	_ = w.WriteAll(rows)
	return b.Bytes()
}

// csvKind tells a file's kind from its header.
func csvKind(header []string) string {
	switch {
	case slices.Contains(header, "encounter_id"):
		return CSVEncounters
	case slices.Contains(header, "appointment_id") && slices.Contains(header, "starts_at"):
		return CSVAppointments
	}
	return CSVPatients
}

func mrnRef(typ, mrn string) map[string]any {
	if mrn == "" {
		return nil
	}
	return map[string]any{"type": typ, "identifier": map[string]any{
		"type": map[string]any{"coding": []any{map[string]any{"system": SystemV2_0203, "code": "MR"}}}, "value": mrn}}
}

func npiRef(npi string) map[string]any {
	if npi == "" {
		return nil
	}
	return map[string]any{"type": "Practitioner", "identifier": map[string]any{"system": SystemNPI, "value": npi}}
}

// number is a CSV number as JSON: a number when it parses, else the text
// (which the FHIR mapping refuses, naming the element).
func number(s string) any {
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		return f
	}
	return s
}

func splitList(s string) []string {
	var out []string
	for _, v := range strings.Split(s, ";") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

func emitAppointmentRow(get func(string) string, line int, emit Emit) error {
	id := get("appointment_id")
	if id == "" {
		id = "csv-line-" + strconv.Itoa(line)
	}
	a := map[string]any{"resourceType": "Appointment", "id": id, "status": "booked", "start": get("starts_at"), "end": get("ends_at")}
	if v := get("visit_type"); v != "" {
		a["appointmentType"] = map[string]any{"text": v}
	}
	var parts []any
	if r := mrnRef("Patient", get("mrn")); r != nil {
		parts = append(parts, map[string]any{"actor": r, "status": "accepted"})
	}
	if r := npiRef(get("provider_npi")); r != nil {
		parts = append(parts, map[string]any{"actor": r, "status": "accepted"})
	}
	a["participant"] = parts
	return emitJSON("Appointment", id, a, emit)
}

// csvEncounter collects one encounter's rows.
type csvEncounter struct {
	res     map[string]any
	charges []map[string]any
}

func readEncounterRow(get func(string) string, line int, encs map[string]*csvEncounter, order *[]string) {
	id := get("encounter_id")
	if id == "" {
		id = "csv-line-" + strconv.Itoa(line)
	}
	e, ok := encs[id]
	if !ok {
		res := map[string]any{"resourceType": "Encounter", "id": id, "status": "finished",
			"class": map[string]any{"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB"}}
		if r := mrnRef("Patient", get("mrn")); r != nil {
			res["subject"] = r
		}
		if r := npiRef(get("provider_npi")); r != nil {
			res["participant"] = []any{map[string]any{"individual": r}}
		}
		if v := get("appointment_id"); v != "" {
			res["appointment"] = []any{map[string]any{"reference": "Appointment/" + v}}
		}
		if v := get("date_of_service"); v != "" {
			res["period"] = map[string]any{"start": v}
		}
		var dx []any
		for _, d := range splitList(get("diagnoses")) {
			dx = append(dx, map[string]any{"coding": []any{map[string]any{"system": SystemICD10CM, "code": d}}})
		}
		if dx != nil {
			res["reasonCode"] = dx
		}
		if v := get("place_of_service"); v != "" {
			res["location"] = []any{map[string]any{"location": map[string]any{"reference": "Location/pos-" + v}}}
		}
		e = &csvEncounter{res: res}
		encs[id] = e
		*order = append(*order, id)
	}
	code := get("charge_code")
	system := SystemCPT
	if code != "" && code[0] >= 'A' && code[0] <= 'Z' {
		system = SystemHCPCS
	}
	ch := map[string]any{"resourceType": "ChargeItem", "id": id + "-line-" + strconv.Itoa(line), "status": "billable",
		"code": map[string]any{"coding": []any{map[string]any{"system": system, "code": code}}}, "context": map[string]any{"reference": "Encounter/" + id},
		"subject": mrnRef("Patient", get("mrn"))}
	if v := get("units"); v != "" {
		ch["quantity"] = map[string]any{"value": number(v)}
	}
	if v := get("charge_amount"); v != "" {
		ch["priceOverride"] = map[string]any{"value": number(v), "currency": "USD"}
	}
	var ext []any
	for _, m := range splitList(get("modifiers")) {
		ext = append(ext, map[string]any{"url": "https://claimflow.dev/fhir/StructureDefinition/modifier",
			"valueCodeableConcept": map[string]any{"coding": []any{map[string]any{"system": SystemModifier, "code": m}}}})
	}
	if ext != nil {
		ch["extension"] = ext
	}
	var reason []any
	for _, d := range splitList(get("charge_diagnoses")) {
		reason = append(reason, map[string]any{"coding": []any{map[string]any{"system": SystemICD10CM, "code": d}}})
	}
	if reason != nil {
		ch["reason"] = reason
	}
	e.charges = append(e.charges, ch)
}

// emitEncounters emits the places of service as Locations (pos-<code>),
// then each encounter's ChargeItems and the encounter, in file order.
func emitEncounters(encs map[string]*csvEncounter, order []string, emit Emit) error {
	seen := map[string]bool{}
	for _, id := range order {
		loc, _ := encs[id].res["location"].([]any)
		if len(loc) == 0 {
			continue
		}
		ref := loc[0].(map[string]any)["location"].(map[string]any)["reference"].(string)
		lid := strings.TrimPrefix(ref, "Location/")
		if seen[lid] {
			continue
		}
		seen[lid] = true
		l := map[string]any{"resourceType": "Location", "id": lid, "name": "Place of service " + strings.TrimPrefix(lid, "pos-"),
			"type": []any{map[string]any{"coding": []any{map[string]any{"system": SystemPOS, "code": strings.TrimPrefix(lid, "pos-")}}}}}
		if err := emitJSON("Location", lid, l, emit); err != nil {
			return err
		}
	}
	for _, id := range order {
		for _, ch := range encs[id].charges {
			if err := emitJSON("ChargeItem", ch["id"].(string), ch, emit); err != nil {
				return err
			}
		}
		if err := emitJSON("Encounter", id, encs[id].res, emit); err != nil {
			return err
		}
	}
	return nil
}

// csvColumn names the CSV column a validation problem of an appointment,
// encounter or ChargeItem from a CSV file is about ("" when none fits);
// a charge's problems name the file's line too.
func csvColumn(typ, ptr, detail string, m Mapped) string {
	for _, c := range csvPointers[typ] {
		if ptr == c.ptr || strings.HasPrefix(ptr, c.ptr+"/") {
			if c.col == "mrn|provider_npi" {
				if strings.Contains(detail, "Patient") || strings.Contains(detail, "patient") {
					return "mrn"
				}
				return "provider_npi"
			}
			return c.col
		}
	}
	if typ == "Encounter" {
		if sm := chargePtr.FindStringSubmatch(ptr); sm != nil {
			i, _ := strconv.Atoi(sm[1])
			col := map[string]string{"code": "charge_code", "modifiers": "modifiers", "units": "units", "amount_cents": "charge_amount",
				"diagnosis_pointers": "charge_diagnoses", "place_of_service": "place_of_service", "": "charge_code"}[sm[2]]
			if col == "" {
				col = "charge_code"
			}
			if i < len(m.ChargeSeqs) {
				if k := strings.LastIndex(m.ChargeSeqs[i].SourceID, "-line-"); k >= 0 {
					return fmt.Sprintf("%s (line %s)", col, m.ChargeSeqs[i].SourceID[k+len("-line-"):])
				}
			}
			return col
		}
	}
	return ""
}

var chargePtr = regexp.MustCompile(`^/charges/([0-9]+)(?:/([a-z_]+))?`)

var csvPointers = map[string][]struct{ ptr, col string }{
	"Appointment": {{"/id", "appointment_id"}, {"/start", "starts_at"}, {"/starts_at", "starts_at"}, {"/end", "ends_at"}, {"/ends_at", "ends_at"},
		{"/visit_type", "visit_type"}, {"/appointmentType", "visit_type"}, {"/participant", "mrn|provider_npi"}, {"/patient_id", "mrn"},
		{"/provider_id", "provider_npi"}},
	"Encounter": {{"/id", "encounter_id"}, {"/subject", "mrn"}, {"/patient_id", "mrn"}, {"/participant", "provider_npi"}, {"/provider_id", "provider_npi"},
		{"/appointment", "appointment_id"}, {"/appointment_id", "appointment_id"}, {"/period", "date_of_service"}, {"/date_of_service", "date_of_service"},
		{"/location", "place_of_service"}, {"/place_of_service", "place_of_service"}, {"/reasonCode", "diagnoses"}, {"/diagnoses", "diagnoses"}},
	"ChargeItem": {{"/code", "charge_code"}, {"/quantity", "units"}, {"/priceOverride", "charge_amount"}, {"/extension", "modifiers"},
		{"/reason", "charge_diagnoses"}, {"/context", "encounter_id"}},
}

// csvFields rewrites an item's problem pointers to the CSV columns.
func csvFields(it *ImportItem) {
	var m Mapped
	_ = json.Unmarshal(it.Mapped, &m)
	for i, p := range it.Problems {
		if col := csvColumn(it.ResourceType, p.Pointer, p.Detail, m); col != "" {
			it.Problems[i].Pointer = col
		}
	}
}
