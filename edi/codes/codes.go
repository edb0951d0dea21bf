// Package codes looks up the descriptions of the code lists the health care
// transactions carry: claim adjustment reason codes (CARC), remittance
// advice remark codes (RARC), claim status category (507) and status (508)
// codes, service type codes (1365), entity identifier codes (98), place
// of service codes, claim adjustment group codes (CAS01), eligibility
// reject reasons (AAA03) and the 999 acknowledgment's codes (IK304, IK403,
// IK501, IK502, AK901, AK905). The lists are data (schemas/codes/*.json),
// embedded. explain.go describes codes as the transactions write them
// ("CO-16", "A3:33:IL", "AAA03:75").
package codes

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"sort"
	"strings"
	"sync"

	"github.com/claimflow/claimflow/schemas"
)

// The code lists, by the name Describe takes.
const (
	AdjustmentGroup     = "cag"  // claim adjustment group codes (CAS01)
	CARC                = "carc" // claim adjustment reason codes (CAS)
	RARC                = "rarc" // remittance advice remark codes (LQ*HE, MOA)
	ClaimStatusCategory = "507"  // STC01-1
	ClaimStatus         = "508"  // STC01-2
	ServiceType         = "1365" // EQ01, EB03
	EntityIdentifier    = "98"   // NM101, N101, STC01-3
	PlaceOfService      = "pos"  // CLM05-1, SV105
	RejectReason        = "901"  // AAA03 (270/271 eligibility rejections)

	// The 999's codes (005010X231A1), by X12 data element.
	GroupAck     = "715" // AK901 functional group acknowledge code
	GroupError   = "716" // AK905..AK909 functional group syntax error code
	SetAck       = "717" // IK501 transaction set acknowledgment code
	SetError     = "618" // IK502..IK506 implementation transaction set syntax error code
	SegmentError = "620" // IK304 implementation segment syntax error code
	ElementError = "621" // IK403 implementation data element syntax error code
)

// List is one code list.
type List struct {
	ID         string // the list name (CARC, "507"...)
	Name       string
	Source     string
	Unverified map[string]bool // codes whose description still needs checking against the published list
	// Complete is set when the list holds every code of its source, so a
	// code missing from it is invalid; CARC and RARC are curated subsets.
	Complete bool
	codes    map[string]string
	order    []string
	// start and stop hold a code's dates (YYYYMMDD) when the list gives
	// them: the first day it may be used and the last.
	start, stop map[string]string
}

type rawList struct {
	List       string   `json:"list"`
	Name       string   `json:"name"`
	Source     string   `json:"source"`
	Unverified []string `json:"unverified"`
	Complete   bool     `json:"complete"`
	// Codes are [code, description] or [code, description, start, stop]
	// with the dates as YYYY-MM-DD ("" when open).
	Codes [][]string `json:"codes"`
}

var (
	once  sync.Once
	lists map[string]*List
	err   error
)

func load() {
	once.Do(func() { lists, err = loadFS(schemas.Codes, "codes") })
}

func loadFS(fsys fs.FS, dir string) (map[string]*List, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, err
	}
	out := map[string]*List{}
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".json") {
			continue
		}
		b, err := fs.ReadFile(fsys, dir+"/"+e.Name())
		if err != nil {
			return nil, err
		}
		var raw rawList
		if err := json.Unmarshal(b, &raw); err != nil {
			return nil, fmt.Errorf("code list %s: %w", e.Name(), err)
		}
		if raw.List == "" || out[raw.List] != nil {
			return nil, fmt.Errorf("code list %s: missing or duplicate list name", e.Name())
		}
		l := &List{ID: raw.List, Name: raw.Name, Source: raw.Source, Complete: raw.Complete, Unverified: map[string]bool{},
			codes: map[string]string{}, start: map[string]string{}, stop: map[string]string{}}
		for _, c := range raw.Codes {
			if len(c) != 2 && len(c) != 4 {
				return nil, fmt.Errorf("code list %s: entry %q is not [code, description] or [code, description, start, stop]", e.Name(), c)
			}
			if _, dup := l.codes[c[0]]; dup || c[0] == "" || c[1] == "" {
				return nil, fmt.Errorf("code list %s: empty or duplicate code %q", e.Name(), c[0])
			}
			l.codes[c[0]] = c[1]
			l.order = append(l.order, c[0])
			if len(c) == 4 {
				for i, d := range c[2:] {
					if d == "" {
						continue
					}
					if len(d) != 10 || d[4] != '-' || d[7] != '-' {
						return nil, fmt.Errorf("code list %s: code %q: date %q is not YYYY-MM-DD", e.Name(), c[0], d)
					}
					day := d[:4] + d[5:7] + d[8:]
					if i == 0 {
						l.start[c[0]] = day
					} else {
						l.stop[c[0]] = day
					}
				}
				if a, b := l.start[c[0]], l.stop[c[0]]; a != "" && b != "" && b < a {
					return nil, fmt.Errorf("code list %s: code %q stops before it starts", e.Name(), c[0])
				}
			}
		}
		for _, c := range raw.Unverified {
			l.Unverified[c] = true
		}
		out[raw.List] = l
	}
	return out, nil
}

// Describe returns the description of a code in a list ("carc", "rarc",
// "507", "508", "1365", "98", "pos"; see the constants). Codes match
// exactly as written (place of service "01" is not "1").
func Describe(list, code string) (string, bool) {
	l := Lookup(list)
	if l == nil {
		return "", false
	}
	d, ok := l.codes[code]
	return d, ok
}

// Lookup returns a code list, or nil when there is no such list.
func Lookup(list string) *List {
	load()
	return lists[list]
}

// Lists returns the names of the loaded lists, sorted.
func Lists() []string {
	load()
	out := make([]string, 0, len(lists))
	for k := range lists {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Err reports an error loading the embedded lists (nil normally).
func Err() error {
	load()
	return err
}

// Codes returns the codes of the list in file order.
func (l *List) Codes() []string { return append([]string(nil), l.order...) }

// Describe returns the description of a code in the list.
func (l *List) Describe(code string) (string, bool) {
	d, ok := l.codes[code]
	return d, ok
}

// Dates returns a code's start and stop dates as YYYYMMDD, "" when the list
// gives none (in use since before the list's records, or not stopped).
func (l *List) Dates(code string) (start, stop string) { return l.start[code], l.stop[code] }

// ActiveOn reports whether a code may be used on day (YYYYMMDD): it is in
// the list, has started and has not stopped. An empty day checks only that
// the code is in the list.
func (l *List) ActiveOn(code, day string) bool {
	if _, ok := l.codes[code]; !ok {
		return false
	}
	if day == "" {
		return true
	}
	if s := l.start[code]; s != "" && day < s {
		return false
	}
	if s := l.stop[code]; s != "" && day > s {
		return false
	}
	return true
}
