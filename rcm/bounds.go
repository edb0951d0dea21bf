package rcm

import (
	"github.com/claimflow/claimflow/edi"
	"strings"
	"time"
	"unicode"
)

// MaxAmountCents is the largest amount, in cents, of one charge and of a
// claim's total: CLM02 (total claim charge) and SV102 (line charge) are
// X12 decimals (R) of at most 18 digits (schemas/x12/segments.json), the
// decimal point not counted, so 9999999999999999.99 dollars. It is also far
// below the largest bigint, so 50 lines cannot overflow a sum.
const MaxAmountCents int64 = 999_999_999_999_999_999

// MaxChargeLines is the most charges an encounter (one claim) holds.
const MaxChargeLines = 50

// Date bounds.
var (
	// minDate is the earliest birth, subscriber birth or coverage date.
	minDate = time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)
	// maxCoverageDate is the latest coverage date; leave effective_to
	// empty for coverage without an end (rather than 9999-12-31).
	maxCoverageDate = time.Date(2099, 12, 31, 0, 0, 0, 0, time.UTC)
)

// Service dates lie at most ServiceYearsBack years before the store's
// date (no payer takes a claim that old: timely filing limits are a few
// years at most) and at most ServiceYearsAhead years after it (encounters
// recorded ahead of the visit).
const (
	ServiceYearsBack  = 10
	ServiceYearsAhead = 5
)

// parseDate reads a YYYY-MM-DD date.
func parseDate(s string) (time.Time, bool) {
	t, err := time.Parse(time.DateOnly, s)
	return t, err == nil
}

// dateWithin adds a problem unless s is a date in [lo, hi].
func (p *Problems) dateWithin(ptr, s string, lo, hi time.Time) {
	t, ok := parseDate(s)
	if !ok {
		p.Add(ptr, "must be a date YYYY-MM-DD")
		return
	}
	if t.Before(lo) || t.After(hi) {
		p.Add(ptr, "must be from "+lo.Format(time.DateOnly)+" to "+hi.Format(time.DateOnly))
	}
}

// x12Delimiters are the delimiters claimflow writes into the X12 it sends
// (element, repetition, component separators, segment terminator).
var x12Delimiters = string([]byte{edi.DefaultDelimiters.Element, edi.DefaultDelimiters.Repetition,
	edi.DefaultDelimiters.Component, edi.DefaultDelimiters.Segment})

// x12Text adds a problem when s, a value that goes into an X12 element as
// text, holds an X12 delimiter or any control character (line breaks
// included).
func (p *Problems) x12Text(ptr, s string) {
	if i := strings.IndexAny(s, x12Delimiters); i >= 0 {
		p.Add(ptr, "must not hold "+quoteDelims()+": they separate the X12 claim's segments and elements")
		return
	}
	if strings.IndexFunc(s, unicode.IsControl) >= 0 {
		p.Add(ptr, "must not hold control characters or line breaks")
	}
}

func quoteDelims() string {
	parts := make([]string, 0, len(x12Delimiters))
	for _, c := range x12Delimiters {
		parts = append(parts, "'"+string(c)+"'")
	}
	return strings.Join(parts, ", ")
}
