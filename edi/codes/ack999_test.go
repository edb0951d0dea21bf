package codes_test

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/claimflow/claimflow/edi"
	"github.com/claimflow/claimflow/edi/codes"
)

// pyx12Codes are the valid codes of the 999's coded elements as an
// independent source lists them: pyx12's map pyx12/map/999.5010X231.A1.xml
// (github.com/azoner/pyx12, commit 8893c59ffd95ccc213cc7661757dc4298b9f430a),
// the <valid_codes> of elements IK304, IK403, IK501, IK502, AK901 and
// AK905, copied as they are.
var pyx12Codes = map[string][]string{
	codes.SegmentError: {"1", "2", "3", "4", "5", "6", "7", "8", "I4", "I6", "I7", "I8", "I9"},
	codes.ElementError: {"1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "I10", "I11", "I12", "I13", "I6", "I9"},
	codes.SetAck:       {"A", "E", "M", "R", "W", "X"},
	codes.SetError:     {"1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "15", "16", "17", "18", "19", "23", "24", "25", "26", "27", "I5", "I6"},
	codes.GroupAck:     {"A", "E", "M", "P", "R", "W", "X"},
	codes.GroupError:   {"1", "2", "3", "4", "5", "6", "10", "11", "12", "13", "14", "15", "16", "17", "18", "19", "23", "24", "25", "26"},
}

// pyx12Extra are codes pyx12's map lists that the X12 element does not
// have: IK403 (element 621) has no code 11 in 5010, its published list
// goes from 10 to 12.
var pyx12Extra = map[string][]string{codes.ElementError: {"11"}}

// Test999ListsMatchPyx12: each 999 code list holds exactly the codes pyx12
// lists for its element (less the documented extras), every one described.
func Test999ListsMatchPyx12(t *testing.T) {
	for list, want := range pyx12Codes {
		l := codes.Lookup(list)
		if l == nil {
			t.Errorf("list %s missing", list)
			continue
		}
		want = slices.DeleteFunc(slices.Clone(want), func(c string) bool { return slices.Contains(pyx12Extra[list], c) })
		got := l.Codes()
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("list %s codes = %v, want pyx12's %v", list, got, want)
		}
		if !l.Complete {
			t.Errorf("list %s is not marked complete", list)
		}
		for _, c := range got {
			if d, _ := l.Describe(c); d == "" {
				t.Errorf("list %s code %s has no description", list, c)
			}
		}
	}
}

// TestEmittedAckCodesAreListed: every code claimflow's own 999 writer
// describes (edi.CodeText, probed over every plausible code) is a code of
// the guide's list, and both name it alike.
func TestEmittedAckCodesAreListed(t *testing.T) {
	var probe []string
	for i := 1; i <= 40; i++ {
		probe = append(probe, strconv.Itoa(i), "I"+strconv.Itoa(i))
	}
	seen := 0
	for _, k := range []struct {
		kind edi.Kind
		list string
	}{{edi.KindIK3, codes.SegmentError}, {edi.KindIK4, codes.ElementError}, {edi.KindIK5, codes.SetError}, {edi.KindAK9, codes.GroupError}} {
		for _, c := range probe {
			own := edi.CodeText(k.kind, c)
			if own == "" {
				continue
			}
			seen++
			d, ok := codes.Describe(k.list, c)
			if !ok {
				t.Errorf("edi emits %s code %s (%q), which the 999 guide's list lacks", k.list, c, own)
				continue
			}
			if !strings.EqualFold(strings.ReplaceAll(own, `"`, ""), strings.ReplaceAll(d, `"`, "")) {
				t.Errorf("%s code %s: edi says %q, the list %q", k.list, c, own, d)
			}
		}
	}
	if seen < 30 {
		t.Fatalf("probed only %d emitted codes", seen)
	}
}

func TestAck999(t *testing.T) {
	for _, tc := range []struct{ code, want string }{
		{"IK5:R", "Rejected"},
		{"IK5:E", "Accepted But Errors Were Noted"},
		{"IK5:5", "One or More Segments in Error"},
		{"IK5:I5", "Implementation One or More Segments in Error"},
		{"IK3:NM1@7:8", "Segment Has Data Element Errors"},
		{"IK3:CLM@12:I4", `Implementation "Not Used" Segment Present`},
		{"IK4:NM1@7.9:7", "Invalid Code Value"},
		{"IK4:DTP@9.3:8", "Invalid Date"},
		{"AK9:P", "Partially Accepted, At Least One Transaction Set Was Rejected"},
		{"AK9:5", "Number of Included Transaction Sets Does Not Match Actual Count"},
		{"IK4:NM1@7.9:11", ""}, // not a 5010 code
		{"IK3:8", "Segment Has Data Element Errors"},
		{"TA1:022", ""},
		{"R", ""},
	} {
		if got := codes.Ack999(tc.code); got != tc.want {
			t.Errorf("Ack999(%q) = %q, want %q", tc.code, got, tc.want)
		}
	}
}
