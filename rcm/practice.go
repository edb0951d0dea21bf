package rcm

import (
	"regexp"
	"slices"
	"strings"
	"time"
)

// Billing-profile modes: how an organisation's claims get their billing
// provider (837 loop 2010AA) and submitter (1000A).
const (
	// ProfileOwn: the organisation has a profile of its own.
	ProfileOwn = "own"
	// ProfileInherited: staff chose to bill under the nearest ancestor's
	// profile (InheritedFrom names it).
	ProfileInherited = "inherited"
	// ProfileMissing: neither; the organisation's claims are held.
	ProfileMissing = "missing"
)

// PracticeBilling is an organisation's billing setup as staff see it: its
// own profile, or the profile it explicitly inherits and from whom, or
// neither (then its claims are held, and HoldReason says why).
type PracticeBilling struct {
	OrgID   string `json:"org_id"`
	OrgName string `json:"org_name"`
	Mode    string `json:"mode"`
	// Profile is the profile the organisation's claims go out under (its
	// own or the inherited one); absent when Mode is missing.
	Profile *BillingProfile `json:"profile,omitempty"`
	// InheritedFrom names the organisation whose profile is inherited.
	InheritedFrom *OrgRef `json:"inherited_from,omitempty"`
	// ParentID is empty for a health system (nothing to inherit from).
	ParentID   string     `json:"parent_id,omitempty"`
	HoldReason string     `json:"hold_reason,omitempty"`
	UpdatedAt  *time.Time `json:"updated_at,omitempty"`
}

// OrgRef names an organisation.
type OrgRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// BillingSetup is what staff put: a profile of the organisation's own, or
// InheritFromParent (and no profile fields).
type BillingSetup struct {
	InheritFromParent bool   `json:"inherit_from_parent"`
	Name              string `json:"name"`
	NPI               string `json:"npi"`
	TaxID             string `json:"tax_id"`
	Taxonomy          string `json:"taxonomy"`
	AddressLine1      string `json:"address_line1"`
	City              string `json:"city"`
	State             string `json:"state"`
	Zip               string `json:"zip"`
	SubmitterID       string `json:"submitter_id"`
	ContactName       string `json:"contact_name"`
	ContactPhone      string `json:"contact_phone"`
}

// NoProfileReason is the hold reason of a claim whose organisation has no
// billing profile of its own and inherits none.
const NoProfileReason = "2010AA: the practice has no billing profile of its own and does not inherit its parent's; " +
	"set its billing profile, or choose to inherit the parent's, in practice setup"

var (
	taxIDRE        = regexp.MustCompile(`^[0-9]{2}-?[0-9]{7}$`)
	zip9RE         = regexp.MustCompile(`^[0-9]{5}-?[0-9]{4}$`)
	contactPhoneRE = regexp.MustCompile(`^[0-9]{10}$`)
	submitterRE    = regexp.MustCompile(`^[0-9A-Za-z]{2,80}$`)
	// USPS codes of the states, DC, territories and military post offices.
	usStates = strings.Fields(`AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY
		NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY DC AS GU MP PR VI AA AE AP`)
)

// Profile checks the setup and returns the profile to store (tax ID and
// ZIP without hyphens); a *ValidationError names every invalid field.
func (s BillingSetup) Profile(orgID string) (BillingProfile, error) {
	var pr Problems
	if s.InheritFromParent {
		if s != (BillingSetup{InheritFromParent: true}) {
			pr.Add("/inherit_from_parent", "inheriting the parent's profile takes no profile fields of its own")
		}
		return BillingProfile{}, pr.Err()
	}
	digits := func(v string) string { return strings.ReplaceAll(v, "-", "") }
	p := BillingProfile{OrgID: orgID, Name: strings.TrimSpace(s.Name), NPI: s.NPI, TaxID: digits(s.TaxID), Taxonomy: s.Taxonomy,
		AddressLine1: strings.TrimSpace(s.AddressLine1), City: strings.TrimSpace(s.City), State: s.State, Zip: digits(s.Zip),
		SubmitterID: s.SubmitterID, ContactName: strings.TrimSpace(s.ContactName), ContactPhone: s.ContactPhone}
	required := func(ptr, v string) {
		if v == "" {
			pr.Add(ptr, "is required")
		}
		pr.x12Text(ptr, v)
	}
	required("/name", p.Name)
	if !ValidNPI(s.NPI) {
		pr.Add("/npi", "is not a valid NPI (10 digits, Luhn check digit with the 80840 prefix)")
	}
	if !taxIDRE.MatchString(s.TaxID) {
		pr.Add("/tax_id", "is not an employer identification number (9 digits, as 12-3456789 or 123456789)")
	}
	if s.Taxonomy != "" && !taxonomyRE.MatchString(s.Taxonomy) {
		pr.Add("/taxonomy", "is not a provider taxonomy code (10 characters ending in X)")
	}
	required("/address_line1", p.AddressLine1)
	if strings.Contains(strings.ToUpper(p.AddressLine1), "PO BOX") || strings.Contains(strings.ToUpper(p.AddressLine1), "P.O. BOX") {
		pr.Add("/address_line1", "the billing provider's address must be a street address, not a post office box (837P 2010AA N301)")
	}
	required("/city", p.City)
	if !slices.Contains(usStates, s.State) {
		pr.Add("/state", "is not a two-letter USPS state code (upper case, such as NY)")
	}
	if !zip9RE.MatchString(s.Zip) {
		pr.Add("/zip", "the billing provider's ZIP code must have 9 digits (ZIP+4, 837P 2010AA N403)")
	}
	if !submitterRE.MatchString(s.SubmitterID) {
		pr.Add("/submitter_id", "is required: 2 to 80 letters or digits, as the clearinghouse assigned it")
	}
	required("/contact_name", p.ContactName)
	if !contactPhoneRE.MatchString(s.ContactPhone) {
		pr.Add("/contact_phone", "must be 10 digits")
	}
	return p, pr.Err()
}

// RoutingWarning is a payer routed to a clearinghouse claimflow does not
// know, with the ready claims that wait on it.
type RoutingWarning struct {
	PayerID       string `json:"payer_id"` // payers.id
	PayerCode     string `json:"payer_code"`
	PayerName     string `json:"payer_name"`
	Clearinghouse string `json:"clearinghouse"`
	ReadyClaims   int    `json:"ready_claims"`
	Message       string `json:"message"`
}
