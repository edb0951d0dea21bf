package snip

import (
	"bytes"
	"embed"
	"fmt"
	"io/fs"
	"strings"
	"sync"
	"time"

	"github.com/claimflow/claimflow/edi/codes"
	"github.com/claimflow/claimflow/edi/snip/internal/icdpack"
)

// External code sets (SNIP level 5). Each check takes the element's bytes
// and never keeps or prints them.

// states are the USPS codes X12 uses for N402 (data element 156): the 50
// states, the District of Columbia, the territories and freely associated
// states, and the armed forces "states"; provinces are the Canadian
// province and territory codes. "NA" is neither.
var states = codeSet(
	"AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "FL", "GA", "HI", "ID", "IL", "IN", "IA", "KS", "KY",
	"LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM", "NY", "NC", "ND",
	"OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA", "WV", "WI", "WY",
	"DC", "AS", "GU", "MP", "PR", "VI", "FM", "MH", "PW", "AA", "AE", "AP",
)

var provinces = codeSet("AB", "BC", "MB", "NB", "NL", "NS", "NT", "NU", "ON", "PE", "QC", "SK", "YT")

// stateTable and provinceTable hold states and provinces as a table of
// two-letter codes: a map lookup hashed the string on every N4 (about 150
// instructions; this is an index).
var stateTable, provinceTable = pairTable(states), pairTable(provinces)

func pairTable(m map[string]bool) (t [26 * 26]bool) {
	for c := range m {
		t[int(c[0]-'A')*26+int(c[1]-'A')] = true
	}
	return t
}

// inPairs reports whether b is one of the two-letter codes of t.
func inPairs(t *[26 * 26]bool, b []byte) bool {
	return len(b) == 2 && b[0] >= 'A' && b[0] <= 'Z' && b[1] >= 'A' && b[1] <= 'Z' && t[int(b[0]-'A')*26+int(b[1]-'A')]
}

func codeSet(cs ...string) map[string]bool {
	m := make(map[string]bool, len(cs))
	for _, c := range cs {
		m[c] = true
	}
	return m
}

func digits(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func upperAlnum(c byte) bool { return c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' }

// validZIP reports whether b is a US ZIP code of 5 or 9 digits (nine when
// need9).
func validZIP(b []byte, need9 bool) bool {
	if !digits(b) {
		return false
	}
	if need9 {
		return len(b) == 9
	}
	return len(b) == 5 || len(b) == 9
}

// validPostalCA reports whether b is a Canadian postal code (A9A9A9, with
// or without the space).
func validPostalCA(b []byte) bool {
	b = bytes.ReplaceAll(b, []byte(" "), nil)
	if len(b) != 6 {
		return false
	}
	for i, c := range b {
		letter := c >= 'A' && c <= 'Z'
		if letter != (i%2 == 0) || !letter && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// ValidNPI reports whether s is a National Provider Identifier: ten digits
// whose last is the Luhn check digit of the first nine prefixed with the
// card issuer prefix 80840 (45 CFR 162.406; the prefix adds 24 to the sum).
func ValidNPI(s string) bool { return validNPI([]byte(s)) }

func validNPI(b []byte) bool {
	if len(b) != 10 || !digits(b) || b[0] != '1' && b[0] != '2' {
		return false
	}
	sum := 24
	for i := 8; i >= 0; i-- {
		d := int(b[i] - '0')
		if (8-i)%2 == 0 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return (10-sum%10)%10 == int(b[9]-'0')
}

// validTaxonomy checks the shape of a Health Care Provider Taxonomy code:
// ten letters or digits, the last an X.
func validTaxonomy(b []byte) bool {
	if len(b) != 10 || b[9] != 'X' {
		return false
	}
	for _, c := range b {
		if !upperAlnum(c) {
			return false
		}
	}
	return true
}

// validHCPCS checks the shape of a code under the HC qualifier (HCPCS):
// CPT Category I (five digits), Category II (four digits and F), Category
// III (four digits and T), Proprietary Laboratory Analyses (four digits and
// U), or HCPCS Level II (a letter A-V but F, I, N and O, then four digits;
// D is the CDT range).
func validHCPCS(b []byte) bool {
	if len(b) != 5 {
		return false
	}
	if digits(b[:4]) {
		switch c := b[4]; {
		case c >= '0' && c <= '9', c == 'F', c == 'T', c == 'U':
			return true
		}
		return false
	}
	switch b[0] {
	case 'F', 'I', 'N', 'O':
		return false
	}
	return b[0] >= 'A' && b[0] <= 'V' && digits(b[1:])
}

// validCDT checks the shape of a Current Dental Terminology code (AD).
func validCDT(b []byte) bool { return len(b) == 5 && b[0] == 'D' && digits(b[1:]) }

// validRevenue checks a NUBC revenue code: four digits.
func validRevenue(b []byte) bool { return len(b) == 4 && digits(b) }

// validModifier checks a procedure modifier: two letters or digits.
func validModifier(b []byte) bool {
	return len(b) == 2 && upperAlnum(b[0]) && upperAlnum(b[1])
}

// icd10Shape checks the shape of an ICD-10-CM code without its dot: a
// letter, then two to six letters or digits. The second character is a
// digit except in the QA0 category FY2026 added.
func icd10Shape(b []byte) bool {
	if len(b) < 3 || len(b) > 7 {
		return false
	}
	if b[0] < 'A' || b[0] > 'Z' || !(b[1] >= '0' && b[1] <= '9' || string(b[:2]) == "QA") {
		return false
	}
	for _, c := range b[2:] {
		if !upperAlnum(c) {
			return false
		}
	}
	return true
}

// ICD10CM is one fiscal year's list of ICD-10-CM codes valid for HIPAA
// transactions (the billable codes), valid from From through To.
type ICD10CM struct {
	Year     int // federal fiscal year (2026 = October 2025 to September 2026)
	From, To time.Time
	codes    icdSet
	from, to string // From and To as YYYYMMDD
}

// Has reports whether code (without its dot) is in the list.
func (l *ICD10CM) Has(code string) bool { return l.codes.has([]byte(code)) }

func (l *ICD10CM) has(b []byte) bool { return l.codes.has(b) }

// Len is the number of codes.
func (l *ICD10CM) Len() int { return l.codes.n }

// Covers reports whether a date falls in the list's fiscal year.
func (l *ICD10CM) Covers(d time.Time) bool { return !d.Before(l.From) && !d.After(l.To) }

// icdSet holds ICD-10-CM codes (three to seven bytes) packed into
// integers in an open-addressing hash set (a power-of-two size, linear
// probing, 0 = empty slot; no packed code is 0). Hand-written rather than
// a map[string]struct{}: filling a map with a year's 75,000 codes was
// most of a validating process's start-up, and a lookup here is one
// multiply and usually one probe.
type icdSet struct {
	slots []uint64
	shift uint
	n     int
}

// packICD packs a code of one to seven bytes and its length; ok is false
// for longer or empty codes, which no list holds.
func packICD(b []byte) (uint64, bool) {
	if len(b) == 0 || len(b) > 7 {
		return 0, false
	}
	k := uint64(len(b)) << 56
	for i, c := range b {
		k |= uint64(c) << (8 * i)
	}
	return k, true
}

func newICDSet(n int) icdSet {
	// At most three quarters full.
	bits := uint(4)
	for 1<<bits < n+n/3 {
		bits++
	}
	return icdSet{slots: make([]uint64, 1<<bits), shift: 64 - bits}
}

// add inserts a packed code; the set must have room (newICDSet's n).
func (s *icdSet) add(k uint64) {
	mask := uint64(len(s.slots) - 1)
	for h := (k * 0x9E3779B97F4A7C15) >> s.shift; ; h = (h + 1) & mask {
		switch s.slots[h] {
		case k:
			return
		case 0:
			s.slots[h] = k
			s.n++
			return
		}
	}
}

func (s *icdSet) has(b []byte) bool {
	k, ok := packICD(b)
	if !ok || len(s.slots) == 0 {
		return false
	}
	mask := uint64(len(s.slots) - 1)
	for h := (k * 0x9E3779B97F4A7C15) >> s.shift; ; h = (h + 1) & mask {
		switch s.slots[h] {
		case k:
			return true
		case 0:
			return false
		}
	}
}

var (
	icdOnce  sync.Once
	icdLists []*ICD10CM
	icdErr   error
)

// icdPacked holds the ICD-10-CM lists of schemas/snip (icd10cm-<year>.txt.gz,
// the source) in the packed form of internal/icdpack, which reads in a few
// million instructions where the gzipped text took about 53 million per
// process. TestPackedICDListsMatchTheText proves each equals its source
// list, code for code; go generate writes them again.
//
//go:generate go run ./internal/genicd
//go:embed icd10cm-*.bin
var icdPacked embed.FS

// ICD10CMLists returns the shipped ICD-10-CM lists, oldest first.
func ICD10CMLists() ([]*ICD10CM, error) {
	icdOnce.Do(func() { icdLists, icdErr = loadICD(icdPacked) })
	return icdLists, icdErr
}

// loadICD reads the packed lists (icd10cm-<year>.bin) of fsys. The codes'
// shape is not checked again here: the generator takes them from the
// source lists, and TestPackedICDListsMatchTheText checks every one.
func loadICD(fsys fs.FS) ([]*ICD10CM, error) {
	names, err := fs.Glob(fsys, "icd10cm-*.bin")
	if err != nil {
		return nil, err
	}
	var out []*ICD10CM
	for _, name := range names {
		var year int
		if _, err := fmt.Sscanf(strings.TrimPrefix(name, "icd10cm-"), "%d", &year); err != nil {
			return nil, fmt.Errorf("%s: no year in the name", name)
		}
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		n, err := icdpack.Count(b)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		// icdpack packs codes as packICD does (TestPackedICDListsMatchTheText).
		set := newICDSet(n)
		if err := icdpack.Each(b, set.add); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		out = append(out, &ICD10CM{Year: year, codes: set,
			From: time.Date(year-1, 10, 1, 0, 0, 0, 0, time.UTC), To: time.Date(year, 9, 30, 0, 0, 0, 0, time.UTC),
			from: fmt.Sprintf("%04d1001", year-1), to: fmt.Sprintf("%04d0930", year)})
	}
	return out, nil
}

// icdFor returns the list covering day (YYYYMMDD), or nil.
func icdFor(day string) *ICD10CM {
	lists, err := ICD10CMLists()
	if err != nil {
		return nil
	}
	for _, l := range lists {
		if day >= l.from && day <= l.to {
			return l
		}
	}
	return nil
}

// validPOS reports whether b is a CMS place of service code.
func validPOS(b []byte) bool {
	if len(b) == 2 && b[0] >= '0' && b[0] <= '9' && b[1] >= '0' && b[1] <= '9' {
		// The codes are two digits: one table lookup, not two map
		// lookups with a hashed string per segment.
		return posTable[(b[0]-'0')*10+b[1]-'0']
	}
	_, ok := codes.Describe(codes.PlaceOfService, string(b))
	return ok
}

// posCodes are the two-digit codes of the place of service list of
// package codes (schemas/codes/place-of-service.json), kept here so that
// checking CLM05-1 and SV105 does not load every code list at start-up
// (about 9 million instructions, most of a small file's level 5 check
// after the ICD-10-CM list). TestPOSCodesMatchTheCodeList fails when the
// list changes without them.
const posCodes = "01 02 03 04 05 06 07 08 09 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 " +
	"31 32 33 34 41 42 49 50 51 52 53 54 55 56 57 58 60 61 62 65 66 71 72 81 99"

// posTable holds, for each two-digit code 00..99, whether it is in posCodes.
var posTable = func() (t [100]bool) {
	for i := 0; i+1 < len(posCodes); i += 3 {
		t[(posCodes[i]-'0')*10+posCodes[i+1]-'0'] = true
	}
	return t
}()

// adjustmentCode looks a CARC or RARC up and tells whether it was in force
// on day (YYYYMMDD, "" for any day). known is false when the list does not
// hold the code: the shipped CARC and RARC lists are curated subsets, so an
// unknown code is not a fault by itself.
func adjustmentCode(list string, code []byte, day string) (known, active bool) {
	l := codes.Lookup(list)
	if l == nil {
		return false, true
	}
	if _, ok := codes.Describe(list, string(code)); !ok {
		return false, true
	}
	return true, l.ActiveOn(string(code), day)
}
