package rcm

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Prior authorization (issue 19): a payer's rules say which services need
// its authorization before they are performed; an authorization is
// requested (278), may be pended, and ends approved (number, dates,
// units), denied or expired. Its workflow is the one writer of its status.

// Authorization statuses.
const (
	AuthRequested = "requested"
	AuthPended    = "pended"
	AuthApproved  = "approved"
	AuthDenied    = "denied"
	AuthExpired   = "expired"
	AuthError     = "error" // the payer could not review the request (AAA)
)

// AuthRule is one payer rule: services whose code is From..To (one code
// when To is empty or equals From; CPT and HCPCS codes of one shape
// compare as text) need the payer's prior authorization.
type AuthRule struct {
	From string `json:"from"`
	To   string `json:"to,omitempty"`
	Note string `json:"note,omitempty"`
}

// Covers reports whether the rule covers a procedure code.
func (r AuthRule) Covers(code string) bool {
	to := r.To
	if to == "" {
		to = r.From
	}
	return len(code) == len(r.From) && code >= r.From && code <= to
}

// AuthRules is a payer's rule set (GET/PUT /v1/payers/{id}/auth-rules).
type AuthRules struct {
	PayerID string     `json:"payer_id"`
	Rules   []AuthRule `json:"rules"`
}

// Validate names every bad rule.
func (rs AuthRules) Validate() error {
	var pr Problems
	for i, r := range rs.Rules {
		p := "/rules/" + strconv.Itoa(i)
		if !procRE.MatchString(r.From) {
			pr.Add(p+"/from", "must be a CPT or HCPCS code")
		}
		if r.To != "" && (!procRE.MatchString(r.To) || len(r.To) != len(r.From) || r.To < r.From) {
			pr.Add(p+"/to", "must be a code of the same shape, not before from")
		}
		if len(r.Note) > 200 {
			pr.Add(p+"/note", "must be at most 200 characters")
		}
	}
	if len(rs.Rules) > 500 {
		pr.Add("/rules", "must hold at most 500 rules")
	}
	return pr.Err()
}

// NeedsAuth returns the codes among codes that the rules cover, in order.
func (rs AuthRules) NeedsAuth(codes []string) []string {
	var out []string
	for _, c := range codes {
		for _, r := range rs.Rules {
			if r.Covers(c) && !slices.Contains(out, c) {
				out = append(out, c)
				break
			}
		}
	}
	return out
}

// Authorization is one prior authorization.
type Authorization struct {
	ID            string    `json:"id"`
	OrgID         string    `json:"org_id"`
	PatientID     string    `json:"patient_id"`
	CoverageID    string    `json:"coverage_id"`
	PayerID       string    `json:"payer_id"`
	ProviderID    string    `json:"provider_id"`
	AppointmentID string    `json:"appointment_id,omitempty"`
	Codes         []string  `json:"codes"`
	Diagnoses     []string  `json:"diagnoses"`
	Units         int       `json:"units"`
	ServiceFrom   string    `json:"service_from"`
	ServiceTo     string    `json:"service_to"`
	Status        string    `json:"status"`
	Number        string    `json:"auth_number,omitempty"`
	ApprovedFrom  string    `json:"approved_from,omitempty"`
	ApprovedTo    string    `json:"approved_to,omitempty"`
	ApprovedUnits int       `json:"approved_units,omitempty"`
	UsedUnits     int       `json:"used_units"`
	Decision      string    `json:"decision_code,omitempty"` // HCR01
	Reason        string    `json:"reason,omitempty"`        // HCR03 or AAA03
	Trace         string    `json:"trace"`                   // 2000E TRN02
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
}

// AuthRequest is the input of RequestAuthorization.
type AuthRequest struct {
	PatientID     string   `json:"patient_id"`
	CoverageID    string   `json:"coverage_id"`
	ProviderID    string   `json:"provider_id"`
	AppointmentID string   `json:"appointment_id,omitempty"`
	Codes         []string `json:"codes"`
	Diagnoses     []string `json:"diagnoses"`
	Units         int      `json:"units"`
	ServiceFrom   string   `json:"service_from"`
	ServiceTo     string   `json:"service_to"`
}

// Validate names every bad field.
func (r AuthRequest) Validate() error {
	var pr Problems
	for _, f := range [...]struct{ ptr, v string }{{"/patient_id", r.PatientID}, {"/coverage_id", r.CoverageID}, {"/provider_id", r.ProviderID}} {
		if !ValidID(f.v) {
			pr.Add(f.ptr, "is required")
		}
	}
	if r.AppointmentID != "" && !ValidID(r.AppointmentID) {
		pr.Add("/appointment_id", "is not an ID")
	}
	if len(r.Codes) == 0 || len(r.Codes) > 12 {
		pr.Add("/codes", "must list 1 to 12 procedure codes")
	}
	for i, c := range r.Codes {
		if !procRE.MatchString(c) {
			pr.Add("/codes/"+strconv.Itoa(i), "must be a CPT or HCPCS code")
		}
	}
	if len(r.Diagnoses) == 0 || len(r.Diagnoses) > 12 {
		pr.Add("/diagnoses", "must list 1 to 12 ICD-10-CM codes")
	}
	for i, d := range r.Diagnoses {
		if !icd10RE.MatchString(d) {
			pr.Add("/diagnoses/"+strconv.Itoa(i), "must be an ICD-10-CM code")
		}
	}
	if r.Units < 1 || r.Units > 999 {
		pr.Add("/units", "must be 1 to 999")
	}
	from, err1 := time.Parse(time.DateOnly, r.ServiceFrom)
	if err1 != nil {
		pr.Add("/service_from", "must be a date (YYYY-MM-DD)")
	}
	to, err2 := time.Parse(time.DateOnly, r.ServiceTo)
	if err2 != nil {
		pr.Add("/service_to", "must be a date (YYYY-MM-DD)")
	}
	if err1 == nil && err2 == nil && to.Before(from) {
		pr.Add("/service_to", "must not be before service_from")
	}
	return pr.Err()
}

// AuthOutcome is what the payer answered (recorded by the workflow).
type AuthOutcome struct {
	Status   string // AuthApproved, AuthDenied, AuthPended, AuthError
	Decision string // HCR01
	Number   string
	From, To string // YYYY-MM-DD
	Units    int
	Reason   string
}

// AuthHold is why a claim for these codes on date cannot go with the
// authorizations found (the payer's rules need one): "" when every code
// the rules cover has an approved authorization in force with units left.
// auths are the patient's authorizations with the claim's payer; units
// the claim's units per code.
func AuthHold(payerName string, rules AuthRules, auths []Authorization, units map[string]int, codes []string, date string) (hold string, number string) {
	need := rules.NeedsAuth(codes)
	var reasons []string
	for _, c := range need {
		var why string
		found := false
		for _, a := range auths {
			if !slices.Contains(a.Codes, c) {
				continue
			}
			switch {
			case a.Status == AuthApproved && date >= a.ApprovedFrom && date <= a.ApprovedTo:
				if a.ApprovedUnits > 0 && a.UsedUnits+units[c] > a.ApprovedUnits {
					why = "authorization " + a.Number + " is used up (" + strconv.Itoa(a.UsedUnits) + " of " + strconv.Itoa(a.ApprovedUnits) + " units)"
					continue
				}
				found, number = true, a.Number
			case a.Status == AuthApproved || a.Status == AuthExpired:
				if why == "" {
					why = "authorization " + a.Number + " is expired or not in force on " + date + " (" + a.ApprovedFrom + " to " + a.ApprovedTo + ")"
				}
			case why == "":
				why = "its authorization is " + a.Status
			}
			if found {
				break
			}
		}
		if found {
			continue
		}
		if why == "" {
			why = "no authorization is on file"
		}
		reasons = append(reasons, c+": "+why)
	}
	if len(reasons) == 0 {
		return "", number
	}
	return "prior authorization required by " + payerName + " for " + strings.Join(reasons, "; "), ""
}

var authNumberRE = regexp.MustCompile(`^[0-9A-Za-z-]{1,50}$`)

// ValidAuthNumber reports whether s can travel in REF*G1.
func ValidAuthNumber(s string) bool { return authNumberRE.MatchString(s) }

// AuthBundle is an authorization with what its 278 needs.
type AuthBundle struct {
	Auth     Authorization
	Patient  Patient
	Coverage Coverage
	Payer    Payer
	Provider Provider
}

// ValidProcedure reports whether s is shaped as a CPT or HCPCS code.
func ValidProcedure(s string) bool { return procRE.MatchString(s) }
