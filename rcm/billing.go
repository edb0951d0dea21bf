package rcm

import (
	"fmt"
	"regexp"
	"time"
)

// Encounter is a visit with its charge lines.
type Encounter struct {
	ID             string    `json:"id"`
	OrgID          string    `json:"org_id"`
	PatientID      string    `json:"patient_id"`
	ProviderID     string    `json:"provider_id"`
	CoverageID     string    `json:"coverage_id,omitempty"`
	AppointmentID  string    `json:"appointment_id,omitempty"`
	DateOfService  string    `json:"date_of_service"`
	PlaceOfService string    `json:"place_of_service"`
	Diagnoses      []string  `json:"diagnoses"`
	Charges        []Charge  `json:"charges"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
}

// Charge is one service line: a CPT or HCPCS code with up to four
// modifiers, pointers (1-based) into the encounter's diagnoses, units and
// the charge amount in cents.
type Charge struct {
	Line              int      `json:"line"`
	Code              string   `json:"code"`
	Modifiers         []string `json:"modifiers"`
	DiagnosisPointers []int    `json:"diagnosis_pointers"`
	Units             float64  `json:"units"`
	AmountCents       int64    `json:"amount_cents"`
	PlaceOfService    string   `json:"place_of_service,omitempty"`
}

var (
	icd10RE    = regexp.MustCompile(`^[A-TV-Z][0-9][0-9A-Z](\.?[0-9A-Z]{1,4})?$`)
	procRE     = regexp.MustCompile(`^([0-9]{4}[0-9A-Z]|[A-V][0-9]{4})$`)
	modifierRE = regexp.MustCompile(`^[0-9A-Z]{2}$`)
	posRE      = regexp.MustCompile(`^[0-9]{2}$`)
)

// Validate checks the record before it is stored; it returns a *ValidationError naming every invalid field.
func (e *Encounter) Validate(today time.Time) error {
	var pr Problems
	if !ValidID(e.PatientID) {
		pr.Add("/patient_id", "is required")
	}
	if !ValidID(e.ProviderID) {
		pr.Add("/provider_id", "is required")
	}
	if e.CoverageID != "" && !ValidID(e.CoverageID) {
		pr.Add("/coverage_id", "is not an id")
	}
	if e.AppointmentID != "" && !ValidID(e.AppointmentID) {
		pr.Add("/appointment_id", "is not an id")
	}
	pr.dateWithin("/date_of_service", e.DateOfService, today.AddDate(-ServiceYearsBack, 0, 0), today.AddDate(ServiceYearsAhead, 0, 0))
	if !posRE.MatchString(e.PlaceOfService) {
		pr.Add("/place_of_service", "must be a two-digit place of service code")
	}
	pr = append(pr, e.codingProblems()...)
	return pr.Err()
}

// codingProblems checks the diagnoses and charges (numbering the lines).
func (e *Encounter) codingProblems() Problems {
	var pr Problems
	if len(e.Diagnoses) == 0 || len(e.Diagnoses) > 12 {
		pr.Add("/diagnoses", "must list 1 to 12 ICD-10-CM codes")
	}
	for i, d := range e.Diagnoses {
		if !icd10RE.MatchString(d) {
			pr.Add(fmt.Sprintf("/diagnoses/%d", i), "is not an ICD-10-CM code")
		}
	}
	if len(e.Charges) == 0 || len(e.Charges) > MaxChargeLines {
		pr.Add("/charges", fmt.Sprintf("must list 1 to %d charges", MaxChargeLines))
	}
	var total int64 // each line is at most MaxAmountCents, so this cannot overflow before the check
	linesOK := true
	for i := range e.Charges {
		c := &e.Charges[i]
		c.Line = i + 1
		ptr := fmt.Sprintf("/charges/%d", i)
		if !procRE.MatchString(c.Code) {
			pr.Add(ptr+"/code", "is not a CPT or HCPCS code")
		}
		if len(c.Modifiers) > 4 {
			pr.Add(ptr+"/modifiers", "at most four modifiers")
		}
		for j, m := range c.Modifiers {
			if !modifierRE.MatchString(m) {
				pr.Add(fmt.Sprintf("%s/modifiers/%d", ptr, j), "is not a two-character modifier")
			}
		}
		if len(c.DiagnosisPointers) == 0 || len(c.DiagnosisPointers) > 4 {
			pr.Add(ptr+"/diagnosis_pointers", "must list 1 to 4 pointers")
		}
		for j, p := range c.DiagnosisPointers {
			if p < 1 || p > len(e.Diagnoses) {
				pr.Add(fmt.Sprintf("%s/diagnosis_pointers/%d", ptr, j), "does not point at a diagnosis")
			}
		}
		if c.Units <= 0 || c.Units > 9999 {
			pr.Add(ptr+"/units", "must be more than 0")
		}
		switch {
		case c.AmountCents < 0 || c.AmountCents > MaxAmountCents:
			pr.Add(ptr+"/amount_cents", fmt.Sprintf("must be from 0 to %d cents (SV102 carries at most 18 digits)", MaxAmountCents))
			linesOK = false
		case linesOK && total <= MaxAmountCents:
			total += c.AmountCents
		}
		if c.PlaceOfService != "" && !posRE.MatchString(c.PlaceOfService) {
			pr.Add(ptr+"/place_of_service", "must be a two-digit place of service code")
		}
		if c.Modifiers == nil {
			c.Modifiers = []string{}
		}
	}
	if linesOK && len(e.Charges) > 0 {
		switch {
		case total == 0:
			pr.Add("/charges", "must total more than 0 cents: a claim bills a charge")
		case total > MaxAmountCents:
			pr.Add("/charges", fmt.Sprintf("must total at most %d cents (CLM02 carries at most 18 digits)", MaxAmountCents))
		}
	}
	return pr
}

// validateCoding checks only the coding (a claim edit's part).
func (e *Encounter) validateCoding() error {
	pr := e.codingProblems()
	return pr.Err()
}

// EncounterPatch replaces an encounter's coding: place of service,
// diagnoses and charges (all charges at once, so pointers stay valid).
type EncounterPatch struct {
	PlaceOfService *string   `json:"place_of_service"`
	Diagnoses      *[]string `json:"diagnoses"`
	Charges        *[]Charge `json:"charges"`
}

// Claim is a bill to a payer for one encounter.
type Claim struct {
	ID                   string         `json:"id"`
	OrgID                string         `json:"org_id"`
	EncounterID          string         `json:"encounter_id"`
	PatientID            string         `json:"patient_id"`
	CoverageID           string         `json:"coverage_id"`
	PayerID              string         `json:"payer_id"`
	ProviderID           string         `json:"provider_id"`
	PatientControlNumber string         `json:"patient_control_number"`
	TotalCents           int64          `json:"total_cents"`
	Status               string         `json:"status"`
	History              []StatusChange `json:"history"`
	CreatedAt            time.Time      `json:"created_at"`
	UpdatedAt            time.Time      `json:"updated_at"`
}

// StatusChange is one entry of a claim's status history.
type StatusChange struct {
	Seq     int    `json:"seq"`
	Status  string `json:"status"`
	Reason  string `json:"reason,omitempty"`
	ActorID string `json:"actor_id,omitempty"`
	// ActorName is the acting staff member's display name.
	ActorName string    `json:"actor_name,omitempty"`
	At        time.Time `json:"at"`
}

// ClaimFilter narrows ListClaims.
type ClaimFilter struct {
	Status    string
	PatientID string
	PayerID   string
}

// ClaimBundle is everything an 837P needs for one claim: the claim, its
// encounter and charges, the patient, the billed coverage, the rendering
// provider and the payer.
type ClaimBundle struct {
	Claim     Claim
	Encounter Encounter
	Patient   Patient
	Coverage  Coverage
	Provider  Provider
	Payer     Payer
	// PriorAuthorization is the number of the approved prior
	// authorization the claim draws on (REF*G1), recorded when it passed
	// its scrub (issue 19); empty when none is needed.
	PriorAuthorization string
}
