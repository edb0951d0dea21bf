// Package codes looks up the descriptions of the code lists the health care
// transactions carry: claim adjustment reason codes (CARC), remittance
// advice remark codes (RARC), claim status category (507) and status (508)
// codes, service type codes (1365), entity identifier codes (98), place
// of service codes and claim adjustment group codes (CAS01). The lists are data (schemas/codes/*.json), embedded.
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
)

// List is one code list.
type List struct {
	ID         string // the list name (CARC, "507"...)
	Name       string
	Source     string
	Unverified map[string]bool // codes whose description still needs checking against the published list
	codes      map[string]string
	order      []string
}

type rawList struct {
	List       string      `json:"list"`
	Name       string      `json:"name"`
	Source     string      `json:"source"`
	Unverified []string    `json:"unverified"`
	Codes      [][2]string `json:"codes"`
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
		l := &List{ID: raw.List, Name: raw.Name, Source: raw.Source, Unverified: map[string]bool{}, codes: map[string]string{}}
		for _, c := range raw.Codes {
			if _, dup := l.codes[c[0]]; dup || c[0] == "" || c[1] == "" {
				return nil, fmt.Errorf("code list %s: empty or duplicate code %q", e.Name(), c[0])
			}
			l.codes[c[0]] = c[1]
			l.order = append(l.order, c[0])
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
