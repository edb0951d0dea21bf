package codes_test

import (
	"testing"

	"github.com/claimflow/claimflow/edi/codes"
)

// TestActiveOn checks the start and stop dates of CARC and RARC entries.
func TestActiveOn(t *testing.T) {
	carc, rarc := codes.Lookup(codes.CARC), codes.Lookup(codes.RARC)
	if carc == nil || rarc == nil {
		t.Fatal("no CARC or RARC list")
	}
	for _, c := range []struct {
		l    *codes.List
		code string
		day  string
		want bool
	}{
		{carc, "1", "19950101", true},
		{carc, "1", "19941231", false}, // before its start
		{carc, "1", "", true},
		{carc, "25", "20080401", true}, // its last day
		{carc, "25", "20080402", false},
		{carc, "25", "20260115", false},
		{carc, "253", "20260115", true}, // no dates recorded: in force
		{carc, "NOPE", "20260115", false},
		{rarc, "N115", "20260115", true},
		{rarc, "N54", "19991231", false},
		{rarc, "N54", "20000101", true},
	} {
		if got := c.l.ActiveOn(c.code, c.day); got != c.want {
			t.Errorf("%s ActiveOn(%q, %q) = %v, want %v", c.l.ID, c.code, c.day, got, c.want)
		}
	}
	if s, e := carc.Dates("25"); s != "19950101" || e != "20080401" {
		t.Errorf("CARC 25 dates %q %q", s, e)
	}
	if carc.Complete || rarc.Complete {
		t.Error("the curated CARC and RARC lists are marked complete")
	}
	if d, ok := codes.Describe(codes.RARC, "N115"); !ok || d == "" {
		t.Error("RARC N115 has no description")
	}
}
