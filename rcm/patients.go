package rcm

import (
	"regexp"
	"strings"
	"time"
)

// Patient is a person receiving care. Every field but the ids, sex and
// timestamps is PHI and is sealed at rest.
type Patient struct {
	ID        string    `json:"id"`
	OrgID     string    `json:"org_id"`
	FirstName string    `json:"first_name"`
	LastName  string    `json:"last_name"`
	BirthDate string    `json:"birth_date"`
	Sex       string    `json:"sex"`
	SSN       string    `json:"ssn,omitempty"`
	Address   string    `json:"address,omitempty"`
	Phone     string    `json:"phone,omitempty"`
	Email     string    `json:"email,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

var (
	ssnRE   = regexp.MustCompile(`^[0-9]{3}-?[0-9]{2}-?[0-9]{4}$`)
	phoneRE = regexp.MustCompile(`^\+?[0-9 ().-]{7,20}$`)
)

// ValidDate reports whether s is a YYYY-MM-DD date.
func ValidDate(s string) bool {
	_, err := time.Parse(time.DateOnly, s)
	return err == nil
}

// Validate checks the record before it is stored; it returns a *ValidationError naming every invalid field.
func (p *Patient) Validate(today time.Time) error {
	var pr Problems
	if !ValidID(p.OrgID) {
		pr.Add("/org_id", "is required")
	}
	if strings.TrimSpace(p.FirstName) == "" {
		pr.Add("/first_name", "is required")
	}
	if strings.TrimSpace(p.LastName) == "" {
		pr.Add("/last_name", "is required")
	}
	pr.x12Text("/first_name", p.FirstName)
	pr.x12Text("/last_name", p.LastName)
	pr.x12Text("/address", p.Address)
	pr.dateWithin("/birth_date", p.BirthDate, minDate, today)
	if p.Sex != "F" && p.Sex != "M" && p.Sex != "U" {
		pr.Add("/sex", "must be F, M or U")
	}
	if p.SSN != "" && !ssnRE.MatchString(p.SSN) {
		pr.Add("/ssn", "must be nine digits")
	}
	if p.Phone != "" && !phoneRE.MatchString(p.Phone) {
		pr.Add("/phone", "is not a phone number")
	}
	if p.Email != "" && !strings.Contains(p.Email, "@") {
		pr.Add("/email", "is not an email address")
	}
	return pr.Err()
}

// PatientPatch changes some of a patient's fields.
type PatientPatch struct {
	FirstName *string `json:"first_name"`
	LastName  *string `json:"last_name"`
	BirthDate *string `json:"birth_date"`
	Sex       *string `json:"sex"`
	SSN       *string `json:"ssn"`
	Address   *string `json:"address"`
	Phone     *string `json:"phone"`
	Email     *string `json:"email"`
}

// Fields names the fields the patch changes (for the audit entry).
func (ch PatientPatch) Fields() []string {
	var f []string
	for _, x := range []struct {
		n string
		v *string
	}{{"first_name", ch.FirstName}, {"last_name", ch.LastName}, {"birth_date", ch.BirthDate}, {"sex", ch.Sex},
		{"ssn", ch.SSN}, {"address", ch.Address}, {"phone", ch.Phone}, {"email", ch.Email}} {
		if x.v != nil {
			f = append(f, x.n)
		}
	}
	return f
}

// PatientFilter searches patients by exact last name and birth date (or
// SSN) through the blind indexes, and by organisation.
type PatientFilter struct {
	OrgID     string
	LastName  string
	BirthDate string
	SSN       string
}

// Coverage is a patient's insurance with one payer. Member ID and the
// subscriber's identity are PHI and sealed.
type Coverage struct {
	ID                  string    `json:"id"`
	OrgID               string    `json:"org_id"`
	PatientID           string    `json:"patient_id"`
	PayerID             string    `json:"payer_id"`
	MemberID            string    `json:"member_id"`
	GroupNumber         string    `json:"group_number"`
	Relationship        string    `json:"relationship"`
	SubscriberFirstName string    `json:"subscriber_first_name,omitempty"`
	SubscriberLastName  string    `json:"subscriber_last_name,omitempty"`
	SubscriberBirthDate string    `json:"subscriber_birth_date,omitempty"`
	Priority            int       `json:"priority"`
	EffectiveFrom       string    `json:"effective_from,omitempty"`
	EffectiveTo         string    `json:"effective_to,omitempty"`
	CreatedAt           time.Time `json:"created_at"`
	UpdatedAt           time.Time `json:"updated_at"`
}

var memberIDRE = regexp.MustCompile(`^[0-9A-Za-z-]{2,80}$`)

// Validate checks the record before it is stored; it returns a *ValidationError naming every invalid field.
func (c *Coverage) Validate(today time.Time) error {
	var pr Problems
	if !ValidID(c.PatientID) {
		pr.Add("/patient_id", "is required")
	}
	if !ValidID(c.PayerID) {
		pr.Add("/payer_id", "is required")
	}
	if !memberIDRE.MatchString(c.MemberID) {
		pr.Add("/member_id", "must be 2 to 80 letters, digits or dashes")
	}
	switch c.Relationship {
	case "self":
		if c.SubscriberFirstName != "" || c.SubscriberLastName != "" || c.SubscriberBirthDate != "" {
			pr.Add("/relationship", "the subscriber is the patient: leave the subscriber fields empty")
		}
	case "spouse", "child", "other":
		if c.SubscriberLastName == "" {
			pr.Add("/subscriber_last_name", "is required when the patient is not the subscriber")
		}
		pr.dateWithin("/subscriber_birth_date", c.SubscriberBirthDate, minDate, today)
	default:
		pr.Add("/relationship", "must be self, spouse, child or other")
	}
	if c.Priority < 1 || c.Priority > 3 {
		pr.Add("/priority", "must be 1 (primary), 2 or 3")
	}
	pr.x12Text("/group_number", c.GroupNumber)
	pr.x12Text("/subscriber_first_name", c.SubscriberFirstName)
	pr.x12Text("/subscriber_last_name", c.SubscriberLastName)
	if c.EffectiveFrom != "" {
		pr.dateWithin("/effective_from", c.EffectiveFrom, minDate, maxCoverageDate)
	}
	if c.EffectiveTo != "" {
		pr.dateWithin("/effective_to", c.EffectiveTo, minDate, maxCoverageDate)
	}
	if from, ok := parseDate(c.EffectiveFrom); ok {
		if to, ok := parseDate(c.EffectiveTo); ok && to.Before(from) {
			pr.Add("/effective_to", "must not be before effective_from")
		}
	}
	return pr.Err()
}

// CoveragePatch changes some of a coverage's fields.
type CoveragePatch struct {
	MemberID      *string `json:"member_id"`
	GroupNumber   *string `json:"group_number"`
	Priority      *int    `json:"priority"`
	EffectiveFrom *string `json:"effective_from"`
	EffectiveTo   *string `json:"effective_to"`
}
