package rcm

import (
	"encoding/base64"
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Search in the claims worklist (issue 16): what billing staff type into
// one search box, the explicit criteria beside it, the sort orders, and the
// filters a user saves.

// ClaimSearch is the worklist's search criteria. Every given criterion must
// hold. Names and the member ID match exactly after normalisation (case,
// spacing and punctuation ignored) through keyed blind indexes, since they
// are stored encrypted; the others match exactly as stored.
type ClaimSearch struct {
	// Q is a search box query; Meanings says what it is tried as.
	Q                    string
	PatientControlNumber string
	PayerClaimNumber     string // an 835's CLP07 on any payment of the claim
	MemberID             string
	FirstName, LastName  string
	DOSFrom, DOSTo       string // date of service, YYYY-MM-DD, inclusive
}

// Empty reports whether no criterion is given.
func (s ClaimSearch) Empty() bool { return s == ClaimSearch{} }

// QueryMeanings is what a search box query may mean. A UUID is a claim ID
// and nothing else; any other query is tried at once as a patient control
// number and a payer claim number (Text, exact), a member ID (Text through
// its blind index), a patient's last or first name (Names), a first and
// last name (Pairs: "Alpha Testpatient" and "Testpatient, Alpha" both try
// both orders), and, when it is a date (YYYY-MM-DD or MM/DD/YYYY), a date
// of service (DOS).
type QueryMeanings struct {
	ClaimID string
	Text    string
	Names   []string
	Pairs   [][2]string // first name, last name
	DOS     string
}

// maxQueryWords bounds the name pairs a query makes.
const maxQueryWords = 6

// Meanings interprets a search box query (see QueryMeanings).
func Meanings(q string) QueryMeanings {
	q = strings.TrimSpace(q)
	if q == "" {
		return QueryMeanings{}
	}
	if ValidID(strings.ToLower(q)) {
		return QueryMeanings{ClaimID: strings.ToLower(q)}
	}
	m := QueryMeanings{Text: q, Names: []string{q}}
	for _, layout := range []string{time.DateOnly, "01/02/2006", "1/2/2006"} {
		if t, err := time.Parse(layout, q); err == nil {
			m.DOS = t.Format(time.DateOnly)
			break
		}
	}
	if last, first, ok := strings.Cut(q, ","); ok {
		// "Last, First"
		if l, f := strings.TrimSpace(last), strings.TrimSpace(first); l != "" && f != "" {
			m.Pairs = append(m.Pairs, [2]string{f, l})
		}
		return m
	}
	words := strings.Fields(q)
	if len(words) < 2 || len(words) > maxQueryWords {
		return m
	}
	for i := 1; i < len(words); i++ {
		a, b := strings.Join(words[:i], " "), strings.Join(words[i:], " ")
		m.Pairs = append(m.Pairs, [2]string{a, b}, [2]string{b, a})
	}
	return m
}

// Claim worklist sort keys. Patient names are encrypted, so the worklist
// cannot sort by them; the dashboard sorts a page by name on its own.
const (
	SortCreated = "created"
	SortDOS     = "dos"
	SortPayer   = "payer"
	SortBalance = "balance"
	SortStatus  = "status"
)

// ClaimSortKeys lists the sort keys the worklist accepts.
var ClaimSortKeys = []string{SortCreated, SortDOS, SortPayer, SortBalance, SortStatus}

// ClaimSort orders the worklist: by Key, then by claim ID in the same
// direction (IDs are UUIDv7, so creation order), which makes every order
// total and keyset paging exact.
type ClaimSort struct {
	Key  string
	Desc bool
}

// DefaultClaimSort is newest first.
var DefaultClaimSort = ClaimSort{Key: SortCreated, Desc: true}

// ParseClaimSort reads sort and order parameters: an empty sort is
// created, an empty order is descending for created and ascending
// otherwise.
func ParseClaimSort(key, order string) (ClaimSort, []FieldProblem) {
	var pr []FieldProblem
	if key == "" {
		key = SortCreated
	}
	if !slices.Contains(ClaimSortKeys, key) {
		pr = append(pr, FieldProblem{Pointer: "sort", Detail: "must be one of " + strings.Join(ClaimSortKeys, ", ")})
	}
	s := ClaimSort{Key: key, Desc: key == SortCreated}
	switch order {
	case "":
	case "asc":
		s.Desc = false
	case "desc":
		s.Desc = true
	default:
		pr = append(pr, FieldProblem{Pointer: "order", Detail: "must be asc or desc"})
	}
	return s, pr
}

// Order is the sort's direction as a parameter value.
func (s ClaimSort) Order() string {
	if s.Desc {
		return "desc"
	}
	return "asc"
}

// SortCursor is the position after the last row of a page under a sort:
// that row's sort key and ID. It is only valid for the sort it was made
// under.
type SortCursor struct {
	Sort  string `json:"s"`
	Order string `json:"o"`
	Key   string `json:"k"`
	ID    string `json:"i"`
}

// Encode makes the opaque cursor text.
func (c SortCursor) Encode() string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

// DecodeSortCursor reads a cursor made under sort s (nil when p has none).
func DecodeSortCursor(p Page, s ClaimSort) (*SortCursor, error) {
	if p.After == "" {
		return nil, nil
	}
	bad := &ValidationError{Fields: []FieldProblem{{"/cursor", "is not a cursor from a previous page of this sort"}}}
	b, err := base64.RawURLEncoding.DecodeString(p.After)
	if err != nil {
		return nil, bad
	}
	var c SortCursor
	if json.Unmarshal(b, &c) != nil || c.Sort != s.Key || c.Order != s.Order() || !ValidID(c.ID) || len(c.Key) > 200 {
		return nil, bad
	}
	return &c, nil
}

// PayerClosedStatuses are the statuses in which the payer owes nothing on
// a claim (ClaimFacts.PayerBalance); the worklist's balance is 0 in them.
func PayerClosedStatuses() []string {
	out := make([]string, 0, len(payerClosed))
	for s := range payerClosed {
		out = append(out, s)
	}
	slices.Sort(out)
	return out
}

// Worklist query parameters a saved filter may hold: the search, the
// filters and the sort of GET /v1/dashboard/claims (not its cursor or
// limit).
var WorklistParams = []string{"q", "claim_id", "patient_control_number", "payer_claim_number", "member_id",
	"first_name", "last_name", "dos", "dos_from", "dos_to", "status", "payer_id", "provider_id", "from", "to",
	"min_cents", "max_cents", "sort", "order"}

// SavedFilter is a worklist filter a user saved under a name: Query is the
// worklist's query string ("q=ALPHA&sort=balance").
type SavedFilter struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Query     string    `json:"query"`
	CreatedAt time.Time `json:"created_at"`
}

// MaxSavedFilterName and MaxSavedFilterQuery bound a saved filter.
const (
	MaxSavedFilterName  = 80
	MaxSavedFilterQuery = 2000
)

// Validate checks a filter to save: a name of 1 to 80 characters and a
// query string of known worklist parameters, each given once. It trims
// the name.
func (f *SavedFilter) Validate() error {
	var pr []FieldProblem
	f.Name = strings.TrimSpace(f.Name)
	switch {
	case f.Name == "":
		pr = append(pr, FieldProblem{"/name", "is required"})
	case !utf8.ValidString(f.Name) || utf8.RuneCountInString(f.Name) > MaxSavedFilterName:
		pr = append(pr, FieldProblem{"/name", "must be at most 80 characters"})
	case strings.ContainsFunc(f.Name, func(r rune) bool { return r < 0x20 || r == 0x7f }):
		pr = append(pr, FieldProblem{"/name", "must not contain control characters"})
	}
	f.Query = strings.TrimPrefix(strings.TrimSpace(f.Query), "?")
	if len(f.Query) > MaxSavedFilterQuery {
		pr = append(pr, FieldProblem{"/query", "must be at most 2000 characters"})
	} else if vals, err := url.ParseQuery(f.Query); err != nil {
		pr = append(pr, FieldProblem{"/query", "is not a query string"})
	} else {
		keys := make([]string, 0, len(vals))
		for k := range vals {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			if !slices.Contains(WorklistParams, k) {
				pr = append(pr, FieldProblem{"/query", "has the unknown parameter " + strconvQuote(k) + "; known: " + strings.Join(WorklistParams, ", ")})
				break
			}
			if len(vals[k]) > 1 {
				pr = append(pr, FieldProblem{"/query", "gives " + k + " more than once"})
				break
			}
		}
	}
	if len(pr) > 0 {
		return &ValidationError{Fields: pr}
	}
	return nil
}

// strconvQuote quotes a parameter name for an error detail, cut to 40
// characters.
func strconvQuote(s string) string {
	if utf8.RuneCountInString(s) > 40 {
		s = string([]rune(s)[:40]) + "…"
	}
	b, _ := json.Marshal(s)
	return string(b)
}
