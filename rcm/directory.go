package rcm

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The payer directory (issue 19): reference data shared by every tenant —
// which payers exist, their payer IDs at each clearinghouse, the X12
// transactions each supports and those it accepts only from enrolled
// providers. Staff search it, and a payer made from an entry inherits
// its IDs, transactions and enrollment requirement.

// Directory transactions, as payer lists name them.
const (
	DirEligibility = "270/271"
	DirClaimStatus = "276/277"
	DirClaimP      = "837P"
	DirClaimI      = "837I"
	DirClaimD      = "837D"
	DirRemittance  = "835"
	DirPriorAuth   = "278"
)

// DirTransactions lists the directory's transactions in the order staff
// read them.
var DirTransactions = []string{DirEligibility, DirClaimStatus, DirClaimP, DirClaimI, DirClaimD, DirRemittance, DirPriorAuth}

// DirectoryPayerID is a payer's ID as one clearinghouse lists it.
type DirectoryPayerID struct {
	Clearinghouse string `json:"clearinghouse"`
	PayerID       string `json:"payer_id"`
}

// DirectoryEntry is one payer of the directory.
type DirectoryEntry struct {
	// ID is the directory's own stable key (lower-case letters, digits and
	// hyphens), not a payer ID.
	ID       string             `json:"id"`
	Name     string             `json:"name"`
	Aliases  []string           `json:"aliases"`
	PayerIDs []DirectoryPayerID `json:"payer_ids"`
	// Transactions the payer supports (DirTransactions).
	Transactions []string `json:"transactions"`
	// EnrollmentRequired lists the transactions the payer accepts only
	// from providers enrolled with it (a subset of Transactions).
	EnrollmentRequired []string `json:"enrollment_required"`
	Source             string   `json:"source,omitempty"`
}

// DirectoryFile is the data file's shape (schemas/payers/directory.json,
// and what `claimflow payers import` reads).
type DirectoryFile struct {
	// Note says where the entries come from.
	Note    string           `json:"note"`
	Entries []DirectoryEntry `json:"entries"`
}

// DirectoryQuery filters a directory search.
type DirectoryQuery struct {
	// Q matches a name, an alias or a payer ID (case-insensitive; a part
	// of a name or alias, a whole payer ID); empty matches every entry.
	Q string
	// Transaction keeps entries supporting it (DirTransactions, or the
	// bare numbers: 270, 271, 276, 277, 837 — any of P, I, D — 835, 278).
	Transaction string
	// Clearinghouse keeps entries with a payer ID at it.
	Clearinghouse string
	Limit         int
}

// MaxDirectoryQuery bounds the q parameter (characters).
const MaxDirectoryQuery = 100

// DirectoryTransactions resolves a transaction filter to the directory's
// names it matches (nil when tx is not one).
func DirectoryTransactions(tx string) []string {
	switch strings.ToUpper(strings.TrimSpace(tx)) {
	case "270", "271", "270/271":
		return []string{DirEligibility}
	case "276", "277", "276/277":
		return []string{DirClaimStatus}
	case "837":
		return []string{DirClaimP, DirClaimI, DirClaimD}
	case "837P":
		return []string{DirClaimP}
	case "837I":
		return []string{DirClaimI}
	case "837D":
		return []string{DirClaimD}
	case "835":
		return []string{DirRemittance}
	case "278":
		return []string{DirPriorAuth}
	}
	return nil
}

var (
	directoryIDRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,79}$`)
	dirPayerIDRE  = regexp.MustCompile(`^[0-9A-Z]{2,80}$`)
)

// Validate checks one entry; at is the JSON pointer prefix of the entry
// in its file ("/entries/3"). It returns a *ValidationError naming every
// invalid field.
func (e DirectoryEntry) Validate(at string) error {
	var pr Problems
	e.validate(&pr, at)
	return pr.Err()
}

func (e DirectoryEntry) validate(pr *Problems, at string) {
	if !directoryIDRE.MatchString(e.ID) {
		pr.Add(at+"/id", "must be 1 to 80 lower-case letters, digits or hyphens")
	}
	text := func(ptr, v string, required bool) {
		switch {
		case required && strings.TrimSpace(v) == "":
			pr.Add(ptr, "is required")
		case utf8.RuneCountInString(v) > 200 || !utf8.ValidString(v) || strings.ContainsFunc(v, unicode.IsControl):
			pr.Add(ptr, "must be at most 200 characters of text")
		}
	}
	text(at+"/name", e.Name, true)
	for i, a := range e.Aliases {
		text(fmt.Sprintf("%s/aliases/%d", at, i), a, true)
	}
	if len(e.PayerIDs) == 0 {
		pr.Add(at+"/payer_ids", "needs the payer's ID at one clearinghouse at least")
	}
	seen := map[string]bool{}
	for i, p := range e.PayerIDs {
		ptr := fmt.Sprintf("%s/payer_ids/%d", at, i)
		switch {
		case strings.TrimSpace(p.Clearinghouse) != p.Clearinghouse || p.Clearinghouse == "" || strings.ContainsFunc(p.Clearinghouse, unicode.IsControl):
			pr.Add(ptr+"/clearinghouse", "is not a clearinghouse ID")
		case seen[p.Clearinghouse]:
			pr.Add(ptr+"/clearinghouse", "is listed twice")
		}
		seen[p.Clearinghouse] = true
		if !dirPayerIDRE.MatchString(p.PayerID) {
			pr.Add(ptr+"/payer_id", "must be 2 to 80 upper-case letters or digits")
		}
	}
	if len(e.Transactions) == 0 {
		pr.Add(at+"/transactions", "must list the transactions the payer supports: "+strings.Join(DirTransactions, ", "))
	}
	for i, t := range e.Transactions {
		if !slices.Contains(DirTransactions, t) {
			pr.Add(fmt.Sprintf("%s/transactions/%d", at, i), "must be one of "+strings.Join(DirTransactions, ", "))
		}
	}
	for i, t := range e.EnrollmentRequired {
		if !slices.Contains(e.Transactions, t) {
			pr.Add(fmt.Sprintf("%s/enrollment_required/%d", at, i), "must be one of the entry's transactions")
		}
	}
	if utf8.RuneCountInString(e.Source) > 500 {
		pr.Add(at+"/source", "must be at most 500 characters")
	}
}

// ParseDirectoryFile reads and checks a directory data file; every invalid
// field of every entry is named (JSON pointers into the file).
func ParseDirectoryFile(b []byte) (DirectoryFile, error) {
	var f DirectoryFile
	if err := json.Unmarshal(b, &f); err != nil {
		return f, &ValidationError{Fields: []FieldProblem{{Pointer: "", Detail: "is not a payer directory file (JSON): " + err.Error()}}}
	}
	var pr Problems
	if len(f.Entries) == 0 {
		pr.Add("/entries", "is empty")
	}
	ids := map[string]bool{}
	for i, e := range f.Entries {
		at := fmt.Sprintf("/entries/%d", i)
		e.validate(&pr, at)
		if ids[e.ID] {
			pr.Add(at+"/id", "is listed twice")
		}
		ids[e.ID] = true
	}
	return f, pr.Err()
}

// PayerIDAt is the entry's payer ID at a clearinghouse ("" when it has
// none there).
func (e DirectoryEntry) PayerIDAt(clearinghouse string) string {
	for _, p := range e.PayerIDs {
		if p.Clearinghouse == clearinghouse {
			return p.PayerID
		}
	}
	return ""
}

// RequiresEnrollment reports whether the entry requires enrollment for any
// transaction the enrollment records track (claims, remittance,
// eligibility): what a payer made from it inherits as EnrollmentRequired.
func (e DirectoryEntry) RequiresEnrollment() bool {
	for _, t := range e.EnrollmentRequired {
		switch t {
		case DirClaimP, DirClaimI, DirClaimD, DirRemittance, DirEligibility:
			return true
		}
	}
	return false
}

// DirectoryPayerNew is what staff send to make a payer from a directory
// entry: the organisation, the clearinghouse it routes through (the
// entry's payer ID there becomes the payer's ID) and, optionally, a name
// other than the directory's.
type DirectoryPayerNew struct {
	OrgID         string `json:"org_id"`
	Clearinghouse string `json:"clearinghouse"`
	Name          string `json:"name"`
}

// DirectoryPayer is a payer with what it inherited from its directory
// entry.
type DirectoryPayer struct {
	Payer
	DirectoryID           string   `json:"directory_id"`
	Transactions          []string `json:"transactions"`
	EnrollmentRequiredFor []string `json:"enrollment_required_for"`
}
