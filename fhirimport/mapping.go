// Package fhirimport brings a practice into claimflow (issue 21): FHIR R4
// resources from NDJSON files (the Bulk Data format), from CSV files with a
// documented layout, or from a FHIR server (SMART Backend Services, Bulk
// Data $export, REST search), mapped onto claimflow's records, validated
// before anything is written, and committed through the store's own create
// paths by the import workflow (workflows/imports.go).
//
// The FHIR model library is github.com/samply/golang-fhir-models (R4):
// plain Go structs with encoding/json and typed code enums, no runtime
// dependencies. google/fhir's Go packages were the other candidate; they
// carry FHIR as protocol buffers and need their own JSON (un)marshaller and
// a large generated tree, which buys nothing here: the importer reads JSON
// resources and maps a handful of fields.
package fhirimport

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/samply/golang-fhir-models/fhir-models/fhir"

	"github.com/claimflow/claimflow/rcm"
)

// Code systems the mapping reads.
const (
	SystemNPI       = "http://hl7.org/fhir/sid/us-npi"
	SystemSSN       = "http://hl7.org/fhir/sid/us-ssn"
	SystemV2_0203   = "http://terminology.hl7.org/CodeSystem/v2-0203"
	SystemICD10CM   = "http://hl7.org/fhir/sid/icd-10-cm"
	SystemCPT       = "http://www.ama-assn.org/go/cpt"
	SystemHCPCS     = "https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets"
	SystemNUCC      = "http://nucc.org/provider-taxonomy"
	SystemPOS       = "https://www.cms.gov/Medicare/Coding/place-of-service-codes/Place_of_Service_Code_Set"
	SystemCovClass  = "http://terminology.hl7.org/CodeSystem/coverage-class"
	SystemSubRel    = "http://terminology.hl7.org/CodeSystem/subscriber-relationship"
	SystemModifier  = "http://www.ama-assn.org/go/cpt-modifier"
	placeholderUUID = "00000000-0000-4000-8000-000000000000"
)

// Resource types, in the order the import validates and commits them: a
// record's references point only at earlier types.
var Order = []string{"Organization", "Location", "PractitionerRole", "Practitioner", "Patient", "Coverage", "Appointment", "ChargeItem", "Encounter"}

// Mapped is the claimflow record one source record maps to, with its
// references still as source ids (resolved at commit through the import
// keys). It is PHI and sealed at rest with the item.
type Mapped struct {
	Patient *rcm.Patient `json:"patient,omitempty"`
	MRN     string       `json:"mrn,omitempty"`

	Coverage  *rcm.Coverage `json:"coverage,omitempty"`
	MemberKey string        `json:"member_key,omitempty"` // payer ID + member ID

	Provider *rcm.Provider `json:"provider,omitempty"`

	Booking *rcm.Booking `json:"booking,omitempty"`

	Encounter  *rcm.Encounter `json:"encounter,omitempty"`
	ChargeSeqs []ChargeRef    `json:"charge_seqs,omitempty"`

	Charge       *rcm.Charge `json:"charge,omitempty"`
	EncounterRef string      `json:"encounter_ref,omitempty"`
	ReasonCodes  []string    `json:"reason_codes,omitempty"`

	// A CSV row names its patient by MRN and its provider by NPI (logical
	// references, FHIR Reference.identifier); validation resolves them to
	// a source record (PatientRef, ProviderRef) or, for a provider
	// registered through the API, to its claimflow id (ProviderID).
	PatientMRN  string `json:"patient_mrn,omitempty"`
	ProviderNPI string `json:"provider_npi,omitempty"`
	PatientID   string `json:"patient_id,omitempty"`
	ProviderID  string `json:"provider_id,omitempty"`

	PatientRef     string `json:"patient_ref,omitempty"`
	ProviderRef    string `json:"provider_ref,omitempty"`
	AppointmentRef string `json:"appointment_ref,omitempty"`
	CoverageRef    string `json:"coverage_ref,omitempty"`
	PayerID        string `json:"payer_id,omitempty"` // claimflow payer id (resolved by payer ID)
	POS            string `json:"pos,omitempty"`      // Location: place of service
	Taxonomy       string `json:"taxonomy,omitempty"` // PractitionerRole
}

// ChargeRef names a ChargeItem item an encounter absorbed.
type ChargeRef struct {
	Seq      int    `json:"seq"`
	SourceID string `json:"source_id"`
}

// result is what mapping one resource yields.
type result struct {
	m        Mapped
	problems rcm.Problems
	unmapped []string
}

func (r *result) drop(path string) { r.unmapped = append(r.unmapped, path) }

// addValidation adds the field problems of an rcm Validate error (the
// same rules the API applies); an error of another kind is recorded
// against the whole record rather than dropped.
func (r *result) addValidation(err error) {
	var v *rcm.ValidationError
	switch {
	case err == nil:
	case errors.As(err, &v):
		r.problems = append(r.problems, v.Fields...)
	default:
		r.problems.Add("", err.Error())
	}
}

// topLevel lists the resource's top-level elements the mapper does not
// read: each is reported, never silently dropped. meta and text (the
// generated narrative) carry no data of the record.
func topLevel(body []byte, typ string, used ...string) ([]string, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil {
		return nil, err
	}
	ok := map[string]bool{"resourceType": true, "id": true, "meta": true, "text": true}
	for _, u := range used {
		ok[u] = true
	}
	var out []string
	for k := range m {
		if !ok[k] {
			out = append(out, typ+"."+k)
		}
	}
	sort.Strings(out)
	return out, nil
}

// decode unmarshals a resource; when it does not parse, it names the
// top-level element at fault (the library rejects unknown codes), never
// the value.
func decode(body []byte, v any, typ string, r *result) bool {
	if json.Unmarshal(body, v) == nil {
		return true
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(body, &m) != nil {
		r.problems.Add("", "is not a JSON object")
		return false
	}
	for _, k := range sortedKeys(m) {
		one, _ := json.Marshal(map[string]json.RawMessage{k: m[k]})
		if json.Unmarshal(one, v) != nil {
			r.problems.Add("/"+k, "is not a valid FHIR R4 "+typ+"."+k+" (a wrong type or an unknown code)")
			return false
		}
	}
	r.problems.Add("", "does not parse as a FHIR R4 "+typ)
	return false
}

// refID reads "Type/id" (relative, or the tail of an absolute URL) and
// answers the id when the type matches.
func refID(r *fhir.Reference, typ string) (string, bool) {
	if r == nil || r.Reference == nil {
		return "", false
	}
	parts := strings.Split(strings.TrimRight(*r.Reference, "/"), "/")
	if len(parts) < 2 || parts[len(parts)-2] != typ || parts[len(parts)-1] == "" {
		return "", false
	}
	return parts[len(parts)-1], true
}

// identifierRef reads a logical reference (Reference.type and
// .identifier): a Patient's MRN (identifier type MR) or a Practitioner's
// NPI (system us-npi); "" when r is no such reference.
func identifierRef(r *fhir.Reference, typ string) string {
	if r == nil || r.Identifier == nil || r.Reference != nil || str(r.Type) != typ {
		return ""
	}
	switch typ {
	case "Patient":
		if identifierType(*r.Identifier) == "MR" {
			return str(r.Identifier.Value)
		}
	case "Practitioner":
		if str(r.Identifier.System) == SystemNPI {
			return str(r.Identifier.Value)
		}
	}
	return ""
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return strings.TrimSpace(*p)
}

// codeIn answers the first coding of cc in one of the systems.
func codeIn(cc *fhir.CodeableConcept, systems ...string) (string, bool) {
	if cc == nil {
		return "", false
	}
	for _, c := range cc.Coding {
		for _, s := range systems {
			if str(c.System) == s && str(c.Code) != "" {
				return str(c.Code), true
			}
		}
	}
	return "", false
}

// date reads a FHIR date or dateTime as YYYY-MM-DD ("" when not a full date).
func date(s string) string {
	if len(s) >= 10 && rcm.ValidDate(s[:10]) {
		return s[:10]
	}
	return ""
}

// instant reads a FHIR instant/dateTime with a time zone.
func instant(s string) (time.Time, bool) {
	t, err := time.Parse(time.RFC3339Nano, s)
	return t, err == nil
}

func humanName(names []fhir.HumanName, typ string, r *result) (first, last string, suffix []string) {
	if len(names) == 0 {
		return "", "", nil
	}
	pick := 0
	for i, n := range names {
		if n.Use != nil && (*n.Use == fhir.NameUseOfficial || *n.Use == fhir.NameUseUsual) {
			pick = i
			break
		}
	}
	n := names[pick]
	last = str(n.Family)
	if len(n.Given) > 0 {
		first = strings.TrimSpace(n.Given[0])
	}
	if len(n.Given) > 1 {
		r.drop(fmt.Sprintf("%s.name[%d].given[1:]", typ, pick))
	}
	if len(n.Prefix) > 0 {
		r.drop(fmt.Sprintf("%s.name[%d].prefix", typ, pick))
	}
	for i := range names {
		if i != pick {
			r.drop(fmt.Sprintf("%s.name[%d]", typ, i))
		}
	}
	return first, last, n.Suffix
}

func mapPatient(body []byte, orgID string, today time.Time) result {
	var r result
	var p fhir.Patient
	if !decode(body, &p, "Patient", &r) {
		return r
	}
	r.unmapped, _ = topLevel(body, "Patient", "identifier", "name", "birthDate", "gender", "telecom", "address", "active")
	out := rcm.Patient{OrgID: orgID}
	out.FirstName, out.LastName, _ = humanName(p.Name, "Patient", &r)
	if len(p.Name) > 0 && len(p.Name[0].Suffix) > 0 {
		r.drop("Patient.name.suffix")
	}
	out.BirthDate = str(p.BirthDate)
	switch {
	case p.Gender == nil:
		out.Sex = "U"
	case *p.Gender == fhir.AdministrativeGenderMale:
		out.Sex = "M"
	case *p.Gender == fhir.AdministrativeGenderFemale:
		out.Sex = "F"
	default:
		out.Sex = "U"
	}
	for i, id := range p.Identifier {
		switch {
		case str(id.System) == SystemSSN && out.SSN == "":
			out.SSN = str(id.Value)
		case identifierType(id) == "MR" && r.m.MRN == "":
			r.m.MRN = str(id.Value)
		default:
			r.drop(fmt.Sprintf("Patient.identifier[%d]", i))
		}
	}
	for i, t := range p.Telecom {
		switch {
		case t.System != nil && *t.System == fhir.ContactPointSystemPhone && out.Phone == "":
			out.Phone = str(t.Value)
		case t.System != nil && *t.System == fhir.ContactPointSystemEmail && out.Email == "":
			out.Email = str(t.Value)
		default:
			r.drop(fmt.Sprintf("Patient.telecom[%d]", i))
		}
	}
	for i, a := range p.Address {
		if i > 0 {
			r.drop(fmt.Sprintf("Patient.address[%d]", i))
			continue
		}
		parts := append([]string{}, a.Line...)
		cityLine := strings.TrimSpace(strings.Join([]string{str(a.City), str(a.State), str(a.PostalCode)}, " "))
		if cityLine != "" {
			parts = append(parts, cityLine)
		}
		out.Address = strings.Join(parts, ", ")
		if a.Country != nil || a.District != nil || a.Period != nil {
			r.drop("Patient.address[0].country/district/period")
		}
	}
	if p.Active != nil && !*p.Active {
		r.problems.Add("/active", "is false: inactive patients are not imported")
	}
	r.addValidation(out.Validate(today))
	r.m.Patient = &out
	return r
}

func identifierType(id fhir.Identifier) string {
	c, _ := codeIn(id.Type, SystemV2_0203)
	return c
}

func mapPractitioner(body []byte, orgID string, taxonomy string) result {
	var r result
	var p fhir.Practitioner
	if !decode(body, &p, "Practitioner", &r) {
		return r
	}
	r.unmapped, _ = topLevel(body, "Practitioner", "identifier", "name", "qualification", "active")
	out := rcm.Provider{OrgID: orgID, Taxonomy: taxonomy}
	var suffix []string
	out.FirstName, out.LastName, suffix = humanName(p.Name, "Practitioner", &r)
	out.Credentials = append([]string{}, suffix...)
	for i, id := range p.Identifier {
		if str(id.System) == SystemNPI && out.NPI == "" {
			out.NPI = str(id.Value)
			continue
		}
		r.drop(fmt.Sprintf("Practitioner.identifier[%d]", i))
	}
	for i, q := range p.Qualification {
		if c, ok := codeIn(&q.Code, SystemNUCC); ok && out.Taxonomy == "" {
			out.Taxonomy = c
			continue
		}
		r.drop(fmt.Sprintf("Practitioner.qualification[%d]", i))
	}
	if out.NPI == "" {
		r.problems.Add("/identifier", "has no NPI (system "+SystemNPI+")")
	}
	r.addValidation(out.Validate())
	r.m.Provider = &out
	return r
}

func mapPractitionerRole(body []byte) result {
	var r result
	var p fhir.PractitionerRole
	if !decode(body, &p, "PractitionerRole", &r) {
		return r
	}
	r.unmapped, _ = topLevel(body, "PractitionerRole", "practitioner", "specialty")
	ref, ok := refID(p.Practitioner, "Practitioner")
	if !ok {
		r.problems.Add("/practitioner", "must refer to a Practitioner")
	}
	r.m.ProviderRef = ref
	for i := range p.Specialty {
		if c, ok := codeIn(&p.Specialty[i], SystemNUCC); ok && r.m.Taxonomy == "" {
			r.m.Taxonomy = c
			continue
		}
		r.drop(fmt.Sprintf("PractitionerRole.specialty[%d]", i))
	}
	if r.m.Taxonomy == "" {
		r.problems.Add("/specialty", "has no provider taxonomy code (system "+SystemNUCC+")")
	}
	return r
}

func mapLocation(body []byte) result {
	var r result
	var l fhir.Location
	if !decode(body, &l, "Location", &r) {
		return r
	}
	r.unmapped, _ = topLevel(body, "Location", "type", "name")
	for i := range l.Type {
		if c, ok := codeIn(&l.Type[i], SystemPOS); ok && r.m.POS == "" {
			r.m.POS = c
			continue
		}
		r.drop(fmt.Sprintf("Location.type[%d]", i))
	}
	if r.m.POS == "" {
		r.problems.Add("/type", "has no place of service code (system "+SystemPOS+")")
	}
	return r
}

// mapOrganization resolves a payer Organization to a payer in the payer
// directory by the first identifier whose value is a known payer ID.
func mapOrganization(body []byte, payers map[string]string) result {
	var r result
	var o fhir.Organization
	if !decode(body, &o, "Organization", &r) {
		return r
	}
	r.unmapped, _ = topLevel(body, "Organization", "identifier", "name", "type", "active")
	for _, id := range o.Identifier {
		if pid, ok := payers[strings.ToUpper(str(id.Value))]; ok {
			r.m.PayerID = pid
			break
		}
	}
	if r.m.PayerID == "" {
		r.problems.Add("/identifier", "names no payer ID of the payer directory")
	}
	return r
}

func mapCoverage(body []byte, orgID string, today time.Time, payerOf func(orgRef string) (string, bool)) result {
	var r result
	var c fhir.Coverage
	if !decode(body, &c, "Coverage", &r) {
		return r
	}
	r.unmapped, _ = topLevel(body, "Coverage", "status", "beneficiary", "subscriberId", "payor", "class", "relationship", "order", "period", "subscriber")
	if c.Status != fhir.FinancialResourceStatusCodesActive {
		r.problems.Add("/status", "is "+c.Status.Code()+": only active coverage is imported")
	}
	out := rcm.Coverage{OrgID: orgID, PatientID: placeholderUUID, PayerID: placeholderUUID, MemberID: str(c.SubscriberId), Priority: 1}
	pat, ok := refID(&c.Beneficiary, "Patient")
	if !ok {
		r.problems.Add("/beneficiary", "must refer to a Patient")
	}
	r.m.PatientRef = pat
	var payerCode string
	for i, p := range c.Payor {
		if i > 0 {
			r.drop(fmt.Sprintf("Coverage.payor[%d]", i))
			continue
		}
		ref, ok := refID(&c.Payor[0], "Organization")
		if !ok {
			r.problems.Add("/payor/0", "must refer to an Organization")
			continue
		}
		payerCode = ref
		if pid, ok := payerOf(ref); ok {
			r.m.PayerID = pid
		} else {
			r.problems.Add("/payor/0", "refers to "+str(p.Reference)+", which is not a payer of the payer directory")
		}
	}
	if len(c.Payor) == 0 {
		r.problems.Add("/payor", "is required")
	}
	for i, cl := range c.Class {
		if t, _ := codeIn(&cl.Type, SystemCovClass); t == "group" && out.GroupNumber == "" {
			out.GroupNumber = cl.Value
			continue
		}
		r.drop(fmt.Sprintf("Coverage.class[%d]", i))
	}
	rel, _ := codeIn(c.Relationship, SystemSubRel)
	switch rel {
	case "", "self":
		out.Relationship = "self"
	case "spouse", "child":
		out.Relationship = rel
	default:
		out.Relationship = "other"
	}
	if out.Relationship != "self" {
		// The subscriber's name and birth date would come from the
		// subscriber (a RelatedPerson or Patient); not mapped yet.
		r.drop("Coverage.subscriber")
	}
	if c.Order != nil {
		out.Priority = *c.Order
	}
	if c.Period != nil {
		out.EffectiveFrom, out.EffectiveTo = date(str(c.Period.Start)), date(str(c.Period.End))
		if str(c.Period.Start) != "" && out.EffectiveFrom == "" {
			r.problems.Add("/period/start", "is not a full date")
		}
	}
	r.addValidation(out.Validate(today))
	r.m.Coverage = &out
	r.m.MemberKey = payerCode + "|" + out.MemberID
	return r
}

func mapAppointment(body []byte) result {
	var r result
	var a fhir.Appointment
	if !decode(body, &a, "Appointment", &r) {
		return r
	}
	r.unmapped, _ = topLevel(body, "Appointment", "status", "participant", "start", "end", "appointmentType", "serviceType")
	switch a.Status {
	case fhir.AppointmentStatusProposed, fhir.AppointmentStatusPending, fhir.AppointmentStatusBooked,
		fhir.AppointmentStatusArrived, fhir.AppointmentStatusFulfilled, fhir.AppointmentStatusCheckedIn:
		if a.Status != fhir.AppointmentStatusBooked {
			r.drop("Appointment.status (" + a.Status.Code() + " is imported as booked)")
		}
	default:
		r.problems.Add("/status", "is "+a.Status.Code()+": only live appointments are imported")
	}
	b := rcm.Booking{ProviderID: placeholderUUID, PatientID: placeholderUUID}
	for i, p := range a.Participant {
		if id, ok := refID(p.Actor, "Patient"); ok && r.m.PatientRef == "" {
			r.m.PatientRef = id
		} else if id, ok := refID(p.Actor, "Practitioner"); ok && r.m.ProviderRef == "" {
			r.m.ProviderRef = id
		} else if mrn := identifierRef(p.Actor, "Patient"); mrn != "" && r.m.PatientMRN == "" {
			r.m.PatientMRN = mrn
		} else if npi := identifierRef(p.Actor, "Practitioner"); npi != "" && r.m.ProviderNPI == "" {
			r.m.ProviderNPI = npi
		} else {
			r.drop(fmt.Sprintf("Appointment.participant[%d]", i))
		}
	}
	if r.m.PatientRef == "" && r.m.PatientMRN == "" {
		r.problems.Add("/participant", "names no Patient")
	}
	if r.m.ProviderRef == "" && r.m.ProviderNPI == "" {
		r.problems.Add("/participant", "names no Practitioner")
	}
	if c, ok := codeIn(a.AppointmentType); ok {
		b.VisitType = c
	} else if a.AppointmentType != nil && str(a.AppointmentType.Text) != "" {
		b.VisitType = str(a.AppointmentType.Text)
	} else if len(a.ServiceType) > 0 && str(a.ServiceType[0].Text) != "" {
		b.VisitType = str(a.ServiceType[0].Text)
	}
	var ok bool
	if b.StartsAt, ok = instant(str(a.Start)); !ok {
		r.problems.Add("/start", "is required (an instant with a time zone)")
	}
	if b.EndsAt, ok = instant(str(a.End)); !ok {
		r.problems.Add("/end", "is required (an instant with a time zone)")
	}
	r.addValidation(b.Validate())
	r.m.Booking = &b
	return r
}

func mapChargeItem(body []byte) result {
	var r result
	var c fhir.ChargeItem
	if !decode(body, &c, "ChargeItem", &r) {
		// Still the charge of its encounter, which is invalid with it.
		var head struct {
			Context fhir.Reference `json:"context"`
		}
		if json.Unmarshal(body, &head) == nil {
			r.m.EncounterRef, _ = refID(&head.Context, "Encounter")
		}
		return r
	}
	r.unmapped, _ = topLevel(body, "ChargeItem", "status", "code", "subject", "context", "quantity", "priceOverride", "reason", "extension")
	if c.Status != fhir.ChargeItemStatusBillable && c.Status != fhir.ChargeItemStatusPlanned {
		r.problems.Add("/status", "is "+c.Status.Code()+": only billable charges are imported")
	}
	ch := rcm.Charge{Units: 1}
	code, ok := codeIn(&c.Code, SystemCPT, SystemHCPCS)
	if !ok {
		r.problems.Add("/code", "has no CPT or HCPCS coding")
	}
	ch.Code = code
	for i, ext := range c.Extension {
		// Modifiers travel as extensions carrying a CPT modifier coding.
		if ext.ValueCodeableConcept != nil {
			if m, ok := codeIn(ext.ValueCodeableConcept, SystemModifier); ok {
				ch.Modifiers = append(ch.Modifiers, m)
				continue
			}
		}
		r.drop(fmt.Sprintf("ChargeItem.extension[%d]", i))
	}
	enc, ok := refID(c.Context, "Encounter")
	if !ok {
		r.problems.Add("/context", "must refer to the Encounter the charge belongs to")
	}
	r.m.EncounterRef = enc
	r.m.PatientRef, _ = refID(&c.Subject, "Patient")
	if c.Quantity != nil && c.Quantity.Value != nil {
		if u, err := c.Quantity.Value.Float64(); err == nil {
			ch.Units = u
		}
	}
	if c.PriceOverride == nil || c.PriceOverride.Value == nil {
		r.problems.Add("/priceOverride", "is required: the charge amount")
	} else if v, err := c.PriceOverride.Value.Float64(); err != nil || math.IsNaN(v) {
		r.problems.Add("/priceOverride/value", "is not a number")
	} else {
		ch.AmountCents = int64(math.Round(v * 100))
		if cur := str(c.PriceOverride.Currency); cur != "" && cur != "USD" {
			r.problems.Add("/priceOverride/currency", "must be USD")
		}
	}
	for i := range c.Reason {
		if d, ok := codeIn(&c.Reason[i], SystemICD10CM); ok {
			r.m.ReasonCodes = append(r.m.ReasonCodes, d)
			continue
		}
		r.drop(fmt.Sprintf("ChargeItem.reason[%d]", i))
	}
	r.m.Charge = &ch
	return r
}

func mapEncounter(body []byte, orgID string) result {
	var r result
	var e fhir.Encounter
	if !decode(body, &e, "Encounter", &r) {
		return r
	}
	r.unmapped, _ = topLevel(body, "Encounter", "status", "class", "subject", "participant", "appointment", "period", "reasonCode", "location")
	switch e.Status {
	case fhir.EncounterStatusCancelled, fhir.EncounterStatusEnteredInError, fhir.EncounterStatusPlanned:
		r.problems.Add("/status", "is "+e.Status.Code()+": only encounters that took place are imported")
	}
	out := rcm.Encounter{OrgID: orgID, PatientID: placeholderUUID, ProviderID: placeholderUUID}
	var ok bool
	if r.m.PatientRef, ok = refID(e.Subject, "Patient"); !ok {
		if r.m.PatientMRN = identifierRef(e.Subject, "Patient"); r.m.PatientMRN == "" {
			r.problems.Add("/subject", "must refer to a Patient")
		}
	}
	for i, p := range e.Participant {
		if id, ok := refID(p.Individual, "Practitioner"); ok && r.m.ProviderRef == "" {
			r.m.ProviderRef = id
			continue
		}
		if npi := identifierRef(p.Individual, "Practitioner"); npi != "" && r.m.ProviderRef == "" && r.m.ProviderNPI == "" {
			r.m.ProviderNPI = npi
			continue
		}
		r.drop(fmt.Sprintf("Encounter.participant[%d]", i))
	}
	if r.m.ProviderRef == "" && r.m.ProviderNPI == "" {
		r.problems.Add("/participant", "names no Practitioner")
	}
	for i := range e.Appointment {
		if id, ok := refID(&e.Appointment[i], "Appointment"); ok && i == 0 {
			r.m.AppointmentRef = id
			continue
		}
		r.drop(fmt.Sprintf("Encounter.appointment[%d]", i))
	}
	if e.Period != nil {
		out.DateOfService = date(str(e.Period.Start))
	}
	if out.DateOfService == "" {
		r.problems.Add("/period/start", "is required (the date of service)")
	}
	for i := range e.ReasonCode {
		if d, ok := codeIn(&e.ReasonCode[i], SystemICD10CM); ok {
			out.Diagnoses = append(out.Diagnoses, strings.ToUpper(d))
			continue
		}
		r.drop(fmt.Sprintf("Encounter.reasonCode[%d]", i))
	}
	for i, l := range e.Location {
		if id, ok := refID(&l.Location, "Location"); ok && i == 0 {
			r.m.POS = id // a Location source id here; the validator resolves its place of service
			continue
		}
		r.drop(fmt.Sprintf("Encounter.location[%d]", i))
	}
	r.m.Encounter = &out
	return r
}
