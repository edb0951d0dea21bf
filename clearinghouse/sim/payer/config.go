package payer

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/claimflow/claimflow/edi/x835"
)

// Money is an amount in cents.
type Money = x835.Money

// Amount is a money value in the configuration, written as a decimal
// string ("90.00") or number (90); it is kept in cents.
type Amount Money

// UnmarshalJSON reads "90.00" or 90.
func (a *Amount) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(bytes.TrimSpace(b)), `"`)
	m, ok := x835.ParseMoney(s)
	if !ok {
		return fmt.Errorf("payer: bad amount %s", b)
	}
	*a = Amount(m)
	return nil
}

// MarshalJSON writes the amount as a decimal string.
func (a Amount) MarshalJSON() ([]byte, error) { return json.Marshal(Money(a).String()) }

// Duration is a time.Duration written as "2s", "1m30s".
type Duration time.Duration

// UnmarshalJSON reads a Go duration string.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("payer: a duration is a string such as \"2s\": %w", err)
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

// MarshalJSON writes the duration as a string.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

// Config holds the simulated payer's rules. Every outcome follows from
// what a claim carries and from this configuration, so a test chooses the
// outcome of each claim by what it puts in the claim. See
// rules.sample.json and docs/clearinghouse.md.
type Config struct {
	// Readme documents a configuration file; it is not read.
	Readme []string `json:"readme,omitempty"`
	// Payer describes the payer in the 835 (address, contact, TIN) and the
	// 277CA information source. The 835's payer name and ID (N1*PR) are
	// those the claim names in its loop 2010BB.
	Payer PayerInfo `json:"payer"`
	// Delay between accepting a claim (277CA) and its 835.
	Delay Duration `json:"delay"`
	// FilingLimitDays: a claim whose earliest date of service is more than
	// this many days before its receipt is denied CO-29 (0: no limit).
	FilingLimitDays     int      `json:"filingLimitDays"`
	TimelyFilingRemarks []string `json:"timelyFilingRemarks,omitempty"`
	// InactiveRemarks go with the CO-27 denial of a claim for a member
	// whose coverage is inactive (default N30).
	InactiveRemarks []string `json:"inactiveRemarks,omitempty"`
	// PayerFeeSchedules are fee schedules of particular payers, by the
	// payer ID a claim names (2010BB NM109): a secondary or tertiary claim
	// to that payer is priced with its own schedule, falling back to
	// FeeSchedule (cob.go).
	PayerFeeSchedules map[string]map[string]Amount `json:"payerFeeSchedules,omitempty"`
	// FeeSchedule is the allowed amount per unit by procedure code (CPT or
	// HCPCS of an 837P or 837I line, CDT of an 837D line), or by
	// "CODE:MODIFIER" for a modifier-specific price (checked first).
	FeeSchedule map[string]Amount `json:"feeSchedule"`
	// RevenueFeeSchedule is the allowed amount per unit of an 837I line by
	// its revenue code (SV201), checked before FeeSchedule.
	RevenueFeeSchedule map[string]Amount `json:"revenueFeeSchedule,omitempty"`
	// DRGRates pays an 837I claim that carries a diagnosis related group
	// (HI*DR) listed here per claim: allowed is the rate (at most the
	// charge), CLP11 the DRG, adjustments at the claim level.
	DRGRates map[string]Amount `json:"drgRates,omitempty"`
	// UnlistedAllowedPercent prices a procedure missing from the fee
	// schedule at this percentage of its charge (default 100).
	UnlistedAllowedPercent int `json:"unlistedAllowedPercent,omitempty"`
	// Members is the roster by member ID (the 837's 2010BA NM109, the
	// 270's 2100C NM109). A member ID not listed is not found.
	Members map[string]Member `json:"members"`
	// Require lists elements the payer's front end demands; a claim
	// without one is rejected on the 277CA: "rendering" (2310B NPI,
	// A7:562:82), "subscriberBirthDate" (2010BA DMG, A7:158:IL),
	// "groupNumber" (SBR03, A7:163:IL), "priorAuthorization" (REF*G1,
	// A7:21).
	Require []string `json:"require,omitempty"`
	// LineRejections reject a claim on the 277CA because of one of its
	// service lines: the line is reported in loop 2220D with the rule's
	// status, the claim in 2200D as rejected. Checked after Require; every
	// line is checked and the first matching rule of each line is reported.
	LineRejections []LineRejection `json:"lineRejections,omitempty"`
	// Denials deny service lines; the first rule that matches a line wins.
	Denials []DenialRule `json:"denials,omitempty"`
	// PartialCoverage names the adjustment of the unpaid share for a
	// member with 0 < coveredPercent < 100 (default PR-119).
	PartialCoverage Adjust `json:"partialCoverage"`
	// Authorizations answer 278 prior authorization requests (auth278.go):
	// the first rule covering a requested procedure decides.
	Authorizations []AuthRule `json:"authorizations,omitempty"`
	// ProviderAdjustments add PLB entries to some 835s.
	ProviderAdjustments []PLBRule `json:"providerAdjustments,omitempty"`
}

// PayerInfo is the payer's own data.
type PayerInfo struct {
	Name    string `json:"name"` // default name when a claim carries none
	ID      string `json:"id"`
	TIN     string `json:"tin"` // 9 digits; TRN03 and BPR10 are "1" + TIN
	Address struct {
		Line1 string `json:"line1"`
		City  string `json:"city"`
		State string `json:"state"`
		Zip   string `json:"zip"`
	} `json:"address"`
	Contact string `json:"contact"`
	Phone   string `json:"phone"`
	// ClaimControlPrefix starts every payer claim control number (REF*1K,
	// CLP07); a sequence number follows.
	ClaimControlPrefix string `json:"claimControlPrefix"`
	// TracePrefix starts every EFT or check trace number (TRN02).
	TracePrefix string `json:"tracePrefix"`
}

// Member is one roster entry.
type Member struct {
	// Status: "active" (default), "inactive" (271 EB*6, claims denied
	// CO-27) or "invalid" (271 AAA*72, claims rejected like an unknown
	// member).
	Status      string `json:"status,omitempty"`
	LastName    string `json:"lastName,omitempty"`
	FirstName   string `json:"firstName,omitempty"`
	GroupNumber string `json:"groupNumber,omitempty"`
	Plan        string `json:"plan,omitempty"`
	// PlanBegin and PlanEnd (CCYYMMDD) bound the coverage in the 271.
	PlanBegin string `json:"planBegin,omitempty"`
	PlanEnd   string `json:"planEnd,omitempty"`
	// Deductible for the year and what remains of it when the simulator
	// starts (default: all of it). Claims use it up (PR-1).
	Deductible          Amount  `json:"deductible"`
	DeductibleRemaining *Amount `json:"deductibleRemaining,omitempty"`
	// CoinsurancePercent is the member's share after the deductible (PR-2).
	CoinsurancePercent int `json:"coinsurancePercent"`
	// Copay is charged once per claim, on its first priced line (PR-3).
	Copay Amount `json:"copay"`
	// OutOfPocket and OutOfPocketRemaining are reported in the 271 only.
	OutOfPocket          Amount  `json:"outOfPocket"`
	OutOfPocketRemaining *Amount `json:"outOfPocketRemaining,omitempty"`
	// CoveredPercent below 100 makes the member partially covered: the
	// payer pays this share of what it would pay, the rest is adjusted
	// with PartialCoverage. 0 means 100.
	CoveredPercent int `json:"coveredPercent,omitempty"`
	// Crossover makes the payer forward this member's claims, once it has
	// paid them as primary, to the member's next payer (cob.go): its 835
	// says so (CLP02 19, MOA MA18, NM1*TT) and the next payer's 835
	// follows without a claim from the provider.
	Crossover *Crossover `json:"crossover,omitempty"`
}

// LineMatch is the conditions on a service line that denial and
// line-rejection rules share; a rule matches a line when every condition
// given holds (at least one is required).
type LineMatch struct {
	Procedures   []string `json:"procedures,omitempty"`   // SV101-2 (837P), SV202-2 (837I), SV301-2 (837D) is one of these
	RevenueCodes []string `json:"revenueCodes,omitempty"` // SV201 (837I) is one of these
	Modifiers    []string `json:"modifiers,omitempty"`    // the line carries one of these modifiers
	// Diagnoses: a diagnosis the line points to is one of these (a line
	// pointing to none, as every 837I line, is matched against all of the
	// claim's diagnoses).
	Diagnoses []string `json:"diagnoses,omitempty"`
	Members   []string `json:"members,omitempty"` // the subscriber's member ID is one of these
	// ClaimTypes: "professional", "institutional" or "dental".
	ClaimTypes []string `json:"claimTypes,omitempty"`
	// MaxUnits: the line's unit count (SV104, SV205, SV306) is above this.
	MaxUnits *Amount `json:"maxUnits,omitempty"`
	// Missing: "priorAuthorization" (no REF*G1), "rendering" (no rendering
	// provider; for an 837I, no rendering or attending provider),
	// "lineControl" (no REF*6R).
	Missing string `json:"missing,omitempty"`
}

// DenialRule denies a service line in the 835.
type DenialRule struct {
	Name string `json:"name,omitempty"`
	LineMatch
	Adjust
}

// LineRejection rejects a service line, and with it the claim, on the
// 277CA (loop 2220D STC, action U).
type LineRejection struct {
	Name string `json:"name,omitempty"`
	LineMatch
	Category string `json:"category"`         // STC01-1: A3, A6, A7 or A8
	Code     string `json:"code"`             // STC01-2, code list 508 (e.g. 454 procedure code, 455 revenue code)
	Entity   string `json:"entity,omitempty"` // STC01-3 entity identifier code
	Message  string `json:"message,omitempty"`
}

func (m *LineMatch) check(what string, i int) []error {
	var errs []error
	if len(m.Procedures)+len(m.RevenueCodes)+len(m.Modifiers)+len(m.Diagnoses)+len(m.Members)+len(m.ClaimTypes) == 0 &&
		m.MaxUnits == nil && m.Missing == "" {
		errs = append(errs, fmt.Errorf("payer: %s rule %d has no condition", what, i+1))
	}
	switch m.Missing {
	case "", "priorAuthorization", "rendering", "lineControl":
	default:
		errs = append(errs, fmt.Errorf("payer: %s rule %d: unknown missing element %q", what, i+1, m.Missing))
	}
	for _, t := range m.ClaimTypes {
		if _, ok := claimKinds[t]; !ok {
			errs = append(errs, fmt.Errorf("payer: %s rule %d: unknown claim type %q", what, i+1, t))
		}
	}
	return errs
}

// Adjust is a CAS group and reason with its remark codes (RARC).
type Adjust struct {
	Group   string   `json:"group,omitempty"`  // CAS01: CO (default), PR, OA, PI
	Reason  string   `json:"reason,omitempty"` // CARC
	Remarks []string `json:"remarks,omitempty"`
}

// PLBRule adds a provider-level adjustment to every Every-th 835 built
// (counting from 1), when it leaves BPR02 at zero or more.
type PLBRule struct {
	Every     int    `json:"every"`
	Reason    string `json:"reason"`    // PLB03-1: L6 interest, FB forwarding balance, WO overpayment recovery...
	Reference string `json:"reference"` // PLB03-2
	// Amount is PLB04: positive reduces the payment, negative (interest)
	// adds to it.
	Amount Amount `json:"amount"`
}

// LoadConfig reads a JSON configuration file.
func LoadConfig(file string) (*Config, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	return ParseConfig(b)
}

// ParseConfig reads a JSON configuration, rejecting unknown fields, and
// checks it.
func ParseConfig(b []byte) (*Config, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var c Config
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("payer: configuration: %w", err)
	}
	return &c, c.check()
}

func (c *Config) check() error {
	var errs []error
	for id, m := range c.Members {
		switch m.Status {
		case "", "active", "inactive", "invalid":
		default:
			errs = append(errs, fmt.Errorf("payer: member %s: unknown status %q", id, m.Status))
		}
		if m.CoveredPercent < 0 || m.CoveredPercent > 100 || m.CoinsurancePercent < 0 || m.CoinsurancePercent > 100 {
			errs = append(errs, fmt.Errorf("payer: member %s: percentages must be 0..100", id))
		}
	}
	for i := range c.Authorizations {
		if err := c.Authorizations[i].check(i); err != nil {
			errs = append(errs, err)
		}
	}
	for i, r := range c.Denials {
		errs = append(errs, r.check("denial", i)...)
		if r.Reason == "" {
			errs = append(errs, fmt.Errorf("payer: denial rule %d has no reason code", i+1))
		}
	}
	for i, r := range c.LineRejections {
		errs = append(errs, r.check("line rejection", i)...)
		switch r.Category {
		case "A3", "A6", "A7", "A8":
		default:
			errs = append(errs, fmt.Errorf("payer: line rejection rule %d: category %q does not reject (A3, A6, A7 or A8)", i+1, r.Category))
		}
		if r.Code == "" {
			errs = append(errs, fmt.Errorf("payer: line rejection rule %d has no status code", i+1))
		}
	}
	for _, r := range c.Require {
		if _, ok := requirements[r]; !ok {
			errs = append(errs, fmt.Errorf("payer: unknown required element %q", r))
		}
	}
	for i, p := range c.ProviderAdjustments {
		if p.Every < 1 || p.Reason == "" {
			errs = append(errs, fmt.Errorf("payer: provider adjustment %d needs every >= 1 and a reason", i+1))
		}
	}
	if c.UnlistedAllowedPercent < 0 {
		errs = append(errs, errors.New("payer: unlistedAllowedPercent must be >= 0"))
	}
	return errors.Join(errs...)
}

func (c *Config) unlistedPercent() int {
	if c.UnlistedAllowedPercent == 0 {
		return 100
	}
	return c.UnlistedAllowedPercent
}

func (c *Config) payerTIN() string {
	t := c.Payer.TIN
	if t == "" {
		t = "999999999"
	}
	return "1" + t
}

func pad(n, w int) string {
	s := strconv.Itoa(n)
	for len(s) < w {
		s = "0" + s
	}
	return s
}

//go:embed rules.sample.json
var sample []byte

// SampleConfig returns the documented sample rules (rules.sample.json in
// this package): every outcome of the simulator has a member ID or a
// procedure code that triggers it (see docs/clearinghouse.md). Each call
// returns a new Config.
func SampleConfig() *Config {
	c, err := ParseConfig(sample)
	if err != nil {
		panic(err) // the sample is checked by the package's tests
	}
	return c
}
