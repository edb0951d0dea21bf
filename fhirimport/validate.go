package fhirimport

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/claimflow/claimflow/edi/snip"
	"github.com/claimflow/claimflow/rcm"
)

// Existing is what validation asks about the records that already exist
// at the organisation (the store implements it).
type Existing = interface {
	ImportRecordOf(ctx context.Context, orgID, resourceType, sourceID string) (string, bool, error)
	ImportNaturalOwner(ctx context.Context, orgID, resourceType, natural string) (string, bool, error)
	ImportCoverageExists(ctx context.Context, orgID, memberID, payerID string) (bool, error)
	ImportProviderByNPI(ctx context.Context, orgID, npi string) (string, bool, error)
}

// Validator validates one run's items, resource type by resource type in
// Order, remembering what it saw so that references, duplicates within
// the batch and encounters' charges can be checked. Nothing is written
// until every item has an outcome.
type Validator struct {
	OrgID    string
	Today    time.Time
	Payers   map[string]string // payer ID → claimflow payer id (the payer directory)
	Existing Existing
	// CSV: the items come from a CSV file; an appointment's, encounter's
	// or charge's problems name its CSV column.
	CSV bool

	icd        []*snip.ICD10CM
	seen       map[string]map[string]int  // type → source id → first seq
	valid      map[string]map[string]bool // type → source id → valid in this batch
	natural    map[string]map[string]string
	payerOrg   map[string]string // Organization source id → payer id
	pos        map[string]string // Location source id → place of service
	taxonomy   map[string]string // Practitioner source id → taxonomy
	coverageOf map[string]string // Patient source id → primary Coverage source id
	charges    map[string][]pendingCharge
}

type pendingCharge struct {
	item ImportItem
	res  result
}

// ImportItem is the store's staged item (rcm.ImportItem).
type ImportItem = rcm.ImportItem

// NewValidator prepares a validator; the ICD-10-CM lists come from edi.
func NewValidator(orgID string, today time.Time, payers map[string]string, ex Existing) (*Validator, error) {
	icd, err := snip.ICD10CMLists()
	if err != nil {
		return nil, err
	}
	return &Validator{OrgID: orgID, Today: today, Payers: payers, Existing: ex, icd: icd,
		seen: map[string]map[string]int{}, valid: map[string]map[string]bool{}, natural: map[string]map[string]string{},
		payerOrg: map[string]string{}, pos: map[string]string{}, taxonomy: map[string]string{}, coverageOf: map[string]string{},
		charges: map[string][]pendingCharge{}}, nil
}

func mark[V any](m map[string]map[string]V, typ, key string, v V) {
	if m[typ] == nil {
		m[typ] = map[string]V{}
	}
	m[typ][key] = v
}

// refOK: the referenced record is valid in this batch or was imported before.
func (v *Validator) refOK(ctx context.Context, typ, src string) (bool, error) {
	if src == "" {
		return false, nil
	}
	if v.valid[typ][src] {
		return true, nil
	}
	if _, seen := v.seen[typ][src]; seen {
		return false, nil
	}
	_, ok, err := v.Existing.ImportRecordOf(ctx, v.OrgID, typ, src)
	return ok, err
}

func (v *Validator) checkRef(ctx context.Context, r *result, ptr, typ, src string) error {
	if src == "" {
		return nil // the mapper already reported the missing reference
	}
	ok, err := v.refOK(ctx, typ, src)
	if err != nil {
		return err
	}
	if !ok {
		r.problems.Add(ptr, fmt.Sprintf("refers to %s/%s, which is neither valid in this import nor imported before", typ, src))
	}
	return nil
}

// checkNatural reports a natural key (MRN, member ID, NPI) held by another
// source record in this batch or imported before.
func (v *Validator) checkNatural(ctx context.Context, r *result, it ImportItem, ptr, what, key string, imported bool) error {
	if key == "" {
		return nil
	}
	if other, dup := v.natural[it.ResourceType][key]; dup && other != it.SourceID {
		r.problems.Add(ptr, fmt.Sprintf("the %s is also on %s/%s in this import", what, it.ResourceType, other))
		return nil
	}
	mark(v.natural, it.ResourceType, key, it.SourceID)
	if imported {
		return nil
	}
	other, ok, err := v.Existing.ImportNaturalOwner(ctx, v.OrgID, it.ResourceType, key)
	if err != nil {
		return err
	}
	if ok && other != it.SourceID {
		r.problems.Add(ptr, fmt.Sprintf("the %s belongs to %s/%s, imported before", what, it.ResourceType, other))
	}
	return nil
}

// Check validates one item and answers the items whose outcome is now
// known: usually the item itself; none for a ChargeItem (it waits for its
// Encounter); an Encounter with its ChargeItems.
func (v *Validator) Check(ctx context.Context, it ImportItem) ([]ImportItem, error) {
	var r result
	if it.SourceID == "" {
		r.problems.Add("/id", "is required: the source id is the record's key")
	} else if first, dup := v.seen[it.ResourceType][it.SourceID]; dup {
		r.problems.Add("/id", fmt.Sprintf("duplicates item %d (%s/%s) in this import", first, it.ResourceType, it.SourceID))
		return []ImportItem{v.outcome(it, r, false)}, nil
	}
	if it.SourceID != "" {
		mark(v.seen, it.ResourceType, it.SourceID, it.Seq)
	}
	imported := false
	if it.SourceID != "" {
		var err error
		if _, imported, err = v.Existing.ImportRecordOf(ctx, v.OrgID, it.ResourceType, it.SourceID); err != nil {
			return nil, err
		}
	}
	reference := false
	switch it.ResourceType {
	case "Organization":
		r = v.merge(r, mapOrganization(it.Body, v.Payers))
		v.payerOrg[it.SourceID] = r.m.PayerID
		reference = true
	case "Location":
		r = v.merge(r, mapLocation(it.Body))
		v.pos[it.SourceID] = r.m.POS
		reference = true
	case "PractitionerRole":
		r = v.merge(r, mapPractitionerRole(it.Body))
		if len(r.problems) == 0 {
			v.taxonomy[r.m.ProviderRef] = r.m.Taxonomy
		}
		reference = true
	case "Practitioner":
		r = v.merge(r, mapPractitioner(it.Body, v.OrgID, v.taxonomy[it.SourceID]))
		if r.m.Provider != nil {
			if err := v.checkNatural(ctx, &r, it, "/identifier", "NPI", r.m.Provider.NPI, imported); err != nil {
				return nil, err
			}
		}
	case "Patient":
		r = v.merge(r, mapPatient(it.Body, v.OrgID, v.Today))
		if err := v.checkNatural(ctx, &r, it, "/identifier", "MRN", r.m.MRN, imported); err != nil {
			return nil, err
		}
	case "Coverage":
		r = v.merge(r, mapCoverage(it.Body, v.OrgID, v.Today, func(ref string) (string, bool) {
			pid, ok := v.payerOrg[ref]
			return pid, ok && pid != ""
		}))
		if err := v.checkRef(ctx, &r, "/beneficiary", "Patient", r.m.PatientRef); err != nil {
			return nil, err
		}
		if r.m.Coverage != nil && r.m.MemberKey != "" {
			if err := v.checkNatural(ctx, &r, it, "/subscriberId", "member ID", r.m.MemberKey, imported); err != nil {
				return nil, err
			}
			if !imported && r.m.PayerID != "" {
				dup, err := v.Existing.ImportCoverageExists(ctx, v.OrgID, r.m.Coverage.MemberID, r.m.PayerID)
				if err != nil {
					return nil, err
				}
				if dup {
					r.problems.Add("/subscriberId", "a coverage with this member ID and payer already exists")
				}
			}
		}
		if len(r.problems) == 0 && r.m.Coverage.Priority == 1 {
			if _, has := v.coverageOf[r.m.PatientRef]; !has {
				v.coverageOf[r.m.PatientRef] = it.SourceID
			}
		}
	case "Appointment":
		r = v.merge(r, mapAppointment(it.Body))
		if err := v.resolveIdentifiers(ctx, &r, "/participant"); err != nil {
			return nil, err
		}
		if err := v.checkRef(ctx, &r, "/participant", "Patient", r.m.PatientRef); err != nil {
			return nil, err
		}
		if err := v.checkRef(ctx, &r, "/participant", "Practitioner", r.m.ProviderRef); err != nil {
			return nil, err
		}
	case "ChargeItem":
		r = v.merge(r, mapChargeItem(it.Body))
		v.charges[r.m.EncounterRef] = append(v.charges[r.m.EncounterRef], pendingCharge{it, r})
		return nil, nil
	case "Encounter":
		r = v.merge(r, mapEncounter(it.Body, v.OrgID))
		if err := v.resolveIdentifiers(ctx, &r, "/subject"); err != nil {
			return nil, err
		}
		return v.checkEncounter(ctx, it, r)
	case "":
		r.problems.Add("/resourceType", "the line is not a FHIR resource (a JSON object with a resourceType)")
	default:
		r.problems.Add("/resourceType", it.ResourceType+" is not imported (claimflow imports "+strings.Join(Order, ", ")+")")
	}
	return []ImportItem{v.outcome(it, r, reference)}, nil
}

func (v *Validator) merge(pre, r result) result {
	r.problems = append(pre.problems, r.problems...)
	return r
}

// outcome records the item's status, problems and mapped record.
func (v *Validator) outcome(it ImportItem, r result, reference bool) ImportItem {
	it.Problems, it.Unmapped = r.problems, r.unmapped
	switch {
	case len(r.problems) > 0:
		it.Status = rcm.ItemInvalid
	case reference:
		it.Status = rcm.ItemReference
	default:
		it.Status = rcm.ItemValid
		mark(v.valid, it.ResourceType, it.SourceID, true)
	}
	it.Mapped, _ = json.Marshal(r.m)
	if v.CSV {
		csvFields(&it)
	}
	return it
}

// resolveIdentifiers turns a record's logical references (a CSV row's MRN
// and NPI) into source records: the patient whose MRN is valid in this
// import or was imported before; the practitioner likewise by NPI, or a
// provider registered at the organisation with that NPI (its claimflow id).
func (v *Validator) resolveIdentifiers(ctx context.Context, r *result, patientPtr string) error {
	if mrn := r.m.PatientMRN; r.m.PatientRef == "" && mrn != "" {
		if src, ok := v.natural["Patient"][mrn]; ok && v.valid["Patient"][src] {
			r.m.PatientRef = src
		} else if src, ok, err := v.Existing.ImportNaturalOwner(ctx, v.OrgID, "Patient", mrn); err != nil {
			return err
		} else if ok {
			r.m.PatientRef = src
		} else {
			r.problems.Add(patientPtr, "names a patient by MRN that is neither in this import nor imported before")
		}
	}
	if npi := r.m.ProviderNPI; r.m.ProviderRef == "" && npi != "" {
		if src, ok := v.natural["Practitioner"][npi]; ok && v.valid["Practitioner"][src] {
			r.m.ProviderRef = src
		} else if src, ok, err := v.Existing.ImportNaturalOwner(ctx, v.OrgID, "Practitioner", npi); err != nil {
			return err
		} else if ok {
			r.m.ProviderRef = src
		} else if id, ok, err := v.Existing.ImportProviderByNPI(ctx, v.OrgID, npi); err != nil {
			return err
		} else if ok {
			r.m.ProviderID = id
		} else {
			r.problems.Add("/participant", "names a provider by NPI that is not registered at the organisation nor in this import")
		}
	}
	return nil
}

// checkEncounter builds the encounter's charges from its ChargeItems,
// resolves its place of service and diagnoses, and validates it with
// them; the ChargeItems share its fate.
func (v *Validator) checkEncounter(ctx context.Context, it ImportItem, r result) ([]ImportItem, error) {
	e := r.m.Encounter
	if e != nil {
		if loc := r.m.POS; loc != "" {
			if pos, ok := v.pos[loc]; ok && pos != "" {
				e.PlaceOfService = pos
			} else {
				r.problems.Add("/location/0", "refers to Location/"+loc+", which has no valid place of service in this import")
			}
		} else {
			r.problems.Add("/location", "is required: its Location carries the place of service")
		}
		r.m.POS = e.PlaceOfService
	}
	for _, ref := range []struct{ ptr, typ, src string }{{"/subject", "Patient", r.m.PatientRef}, {"/participant", "Practitioner", r.m.ProviderRef}, {"/appointment/0", "Appointment", r.m.AppointmentRef}} {
		if err := v.checkRef(ctx, &r, ref.ptr, ref.typ, ref.src); err != nil {
			return nil, err
		}
	}
	pending := v.charges[it.SourceID]
	delete(v.charges, it.SourceID)
	if len(pending) == 0 {
		r.problems.Add("/charges", "no ChargeItem refers to this encounter: claimflow bills an encounter's charges")
	}
	if e != nil {
		for i, pc := range pending {
			if pc.res.m.Charge == nil { // the ChargeItem did not parse
				r.problems.Add(fmt.Sprintf("/charges/%d", i), "ChargeItem/"+pc.item.SourceID+" is invalid")
				r.m.ChargeSeqs = append(r.m.ChargeSeqs, ChargeRef{Seq: pc.item.Seq, SourceID: pc.item.SourceID})
				continue
			}
			ch := *pc.res.m.Charge
			for _, d := range pc.res.m.ReasonCodes {
				d = strings.ToUpper(d)
				k := slices.Index(e.Diagnoses, d)
				if k < 0 {
					e.Diagnoses = append(e.Diagnoses, d)
					k = len(e.Diagnoses) - 1
				}
				if len(ch.DiagnosisPointers) < 4 {
					ch.DiagnosisPointers = append(ch.DiagnosisPointers, k+1)
				}
			}
			if len(ch.DiagnosisPointers) == 0 {
				ch.DiagnosisPointers = []int{1}
			}
			if len(pc.res.problems) > 0 {
				r.problems.Add(fmt.Sprintf("/charges/%d", i), "ChargeItem/"+pc.item.SourceID+" is invalid")
			}
			e.Charges = append(e.Charges, ch)
			r.m.ChargeSeqs = append(r.m.ChargeSeqs, ChargeRef{Seq: pc.item.Seq, SourceID: pc.item.SourceID})
		}
		r.m.CoverageRef = v.coverageOf[r.m.PatientRef]
		v.checkICD(&r, e)
		if err := e.Validate(v.Today); err != nil {
			r.problems = append(r.problems, err.(*rcm.ValidationError).Fields...)
		}
	}
	out := []ImportItem{v.outcome(it, r, false)}
	for _, pc := range pending {
		cr := pc.res
		if len(cr.problems) == 0 && len(r.problems) > 0 {
			cr.problems.Add("/context", "its Encounter/"+it.SourceID+" is invalid")
		}
		ci := v.outcome(pc.item, cr, false)
		out = append(out, ci)
	}
	return out, nil
}

// checkICD checks each diagnosis against the ICD-10-CM list of the date of
// service's fiscal year (edi's shipped lists); a date no list covers is
// checked for shape only (rcm's Validate).
func (v *Validator) checkICD(r *result, e *rcm.Encounter) {
	dos, err := time.Parse(time.DateOnly, e.DateOfService)
	if err != nil {
		return
	}
	for _, l := range v.icd {
		if !l.Covers(dos) {
			continue
		}
		for i, d := range e.Diagnoses {
			if !l.Has(strings.ReplaceAll(d, ".", "")) {
				r.problems.Add(fmt.Sprintf("/reasonCode/%d", i), "is not an ICD-10-CM code valid on the date of service")
			}
		}
		return
	}
}

// Leftovers answers the ChargeItems whose Encounter never came: invalid.
func (v *Validator) Leftovers() []ImportItem {
	var out []ImportItem
	for _, enc := range sortedKeys(v.charges) {
		for _, pc := range v.charges[enc] {
			r := pc.res
			r.problems.Add("/context", "refers to Encounter/"+enc+", which is not in this import")
			out = append(out, v.outcome(pc.item, r, false))
		}
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
