package rcm

import (
	"regexp"
	"strings"
	"time"
)

// Provider is a rendering or billing provider. Provider data is not PHI.
type Provider struct {
	ID          string    `json:"id"`
	OrgID       string    `json:"org_id"`
	NPI         string    `json:"npi"`
	FirstName   string    `json:"first_name"`
	LastName    string    `json:"last_name"`
	Taxonomy    string    `json:"taxonomy"`
	Credentials []string  `json:"credentials"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// ValidNPI reports whether npi is ten digits whose last is the Luhn check
// digit computed over the 80840 prefix and the first nine.
func ValidNPI(npi string) bool {
	if len(npi) != 10 {
		return false
	}
	s := "80840" + npi
	sum := 0
	for i := len(s) - 1; i >= 0; i-- {
		c := s[i]
		if c < '0' || c > '9' {
			return false
		}
		d := int(c - '0')
		if (len(s)-1-i)%2 == 1 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return sum%10 == 0
}

var taxonomyRE = regexp.MustCompile(`^[0-9A-Z]{9}X$`)

// Validate checks the record before it is stored; it returns a *ValidationError naming every invalid field.
func (p *Provider) Validate() error {
	var pr Problems
	if !ValidID(p.OrgID) {
		pr.Add("/org_id", "is required")
	}
	if !ValidNPI(p.NPI) {
		pr.Add("/npi", "is not a valid NPI (10 digits, Luhn check digit with the 80840 prefix)")
	}
	if strings.TrimSpace(p.LastName) == "" {
		pr.Add("/last_name", "is required")
	}
	pr.x12Text("/first_name", p.FirstName)
	pr.x12Text("/last_name", p.LastName)
	if !taxonomyRE.MatchString(p.Taxonomy) {
		pr.Add("/taxonomy", "is not a provider taxonomy code (10 characters ending in X)")
	}
	if p.Credentials == nil {
		p.Credentials = []string{}
	}
	return pr.Err()
}

// ProviderPatch changes some of a provider's fields.
type ProviderPatch struct {
	NPI         *string   `json:"npi"`
	FirstName   *string   `json:"first_name"`
	LastName    *string   `json:"last_name"`
	Taxonomy    *string   `json:"taxonomy"`
	Credentials *[]string `json:"credentials"`
}

// Payer is an insurance payer and how claims reach it.
type Payer struct {
	ID                 string    `json:"id"`
	OrgID              string    `json:"org_id"`
	PayerID            string    `json:"payer_id"`
	Name               string    `json:"name"`
	Clearinghouse      string    `json:"clearinghouse"`
	ClearinghousePayer string    `json:"clearinghouse_payer_id"`
	CreatedAt          time.Time `json:"created_at"`
	UpdatedAt          time.Time `json:"updated_at"`
	// EnrollmentRequired: the payer takes claims (and answers 270s) only
	// from providers whose enrollment with it is approved (enrollment.go).
	EnrollmentRequired bool `json:"enrollment_required"`
}

var payerIDRE = regexp.MustCompile(`^[0-9A-Z]{2,80}$`)

// Validate checks the record before it is stored; it returns a *ValidationError naming every invalid field.
func (p *Payer) Validate() error {
	var pr Problems
	if !ValidID(p.OrgID) {
		pr.Add("/org_id", "is required")
	}
	if !payerIDRE.MatchString(p.PayerID) {
		pr.Add("/payer_id", "must be 2 to 80 upper-case letters or digits")
	}
	if strings.TrimSpace(p.Name) == "" {
		pr.Add("/name", "is required")
	}
	pr.x12Text("/name", p.Name)
	pr.x12Text("/clearinghouse_payer_id", p.ClearinghousePayer)
	if strings.TrimSpace(p.Clearinghouse) == "" {
		pr.Add("/clearinghouse", "is required")
	}
	return pr.Err()
}

// PayerPatch changes some of a payer's fields.
type PayerPatch struct {
	Name               *string `json:"name"`
	Clearinghouse      *string `json:"clearinghouse"`
	ClearinghousePayer *string `json:"clearinghouse_payer_id"`
	EnrollmentRequired *bool   `json:"enrollment_required"`
}
