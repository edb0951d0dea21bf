// Package ackread reads TA1 interchange acknowledgments and 999
// implementation acknowledgments (005010X231A1) back into typed values: which
// interchange (ISA13), functional group (GS06) and transaction set (ST02)
// control numbers were accepted or rejected, with which codes, so inbound
// routing can find the batch by control number. Element values copied into
// IK404 (possibly PHI) are not kept.
package ackread

import (
	"errors"
	"strconv"
	"strings"

	"github.com/claimflow/claimflow/edi"
)

// Acks are the acknowledgments found in received interchanges.
type Acks struct {
	TA1    []TA1      // interchange acknowledgments, in order
	Groups []GroupAck // one per 999 transaction set, in order
}

// TA1 is an interchange acknowledgment.
type TA1 struct {
	AckControl string // ISA13 of the interchange that carried the TA1
	Control    string // TA101 interchange control number acknowledged (the sent ISA13)
	Date       string // TA102 interchange date, YYMMDD
	Time       string // TA103 interchange time, HHMM
	Code       string // TA104 interchange acknowledgment code: A accepted, E accepted with errors, R rejected
	Note       string // TA105 interchange note code: 000 no error, 001..031 errors
}

// Accepted reports whether the interchange was accepted (A or E).
func (t *TA1) Accepted() bool { return t.Code == "A" || t.Code == "E" }

// GroupAck is one 999: the acknowledgment of one functional group.
type GroupAck struct {
	AckControl   string   // ST02 of the 999
	FunctionalID string   // AK101 functional identifier code of the group acknowledged (HC, HS, HR...)
	Control      string   // AK102 group control number acknowledged (the sent GS06)
	Version      string   // AK103 version identifier (the sent GS08)
	Code         string   // AK901 functional group acknowledge code: A, E, P partially, R rejected, M, W, X
	Included     int      // AK902 number of transaction sets included
	Received     int      // AK903 number of received transaction sets
	AcceptedSets int      // AK904 number of accepted transaction sets
	Errors       []string // AK905..AK909 functional group syntax error codes
	Sets         []SetAck // loop 2000
}

// Accepted reports whether the group was accepted, wholly or in part.
func (g *GroupAck) Accepted() bool { return g.Code == "A" || g.Code == "E" || g.Code == "P" }

// SetAck is loop 2000: the acknowledgment of one transaction set.
type SetAck struct {
	ID       string         // AK201 transaction set identifier code (837...)
	Control  string         // AK202 transaction set control number acknowledged (the sent ST02)
	Guide    string         // AK203 implementation convention reference
	Code     string         // IK501 acknowledgment code: A accepted, E accepted with errors, R rejected, M, W, X
	Errors   []string       // IK502..IK506 implementation transaction set syntax error codes
	Segments []SegmentError // loop 2100
}

// Accepted reports whether the set was accepted (A or E).
func (s *SetAck) Accepted() bool { return s.Code == "A" || s.Code == "E" }

// SegmentError is loop 2100 (IK3 with its IK4 elements).
type SegmentError struct {
	SegID    string         // IK301 segment ID code
	Pos      int            // IK302 segment position in transaction set
	Loop     string         // IK303 loop identifier code
	Code     string         // IK304 implementation segment syntax error code
	Claim    string         // CTX01-2 business unit identifier when CTX01-1 is CLM01: the claim's patient control number
	Elements []ElementError // loop 2110
}

// Claims lists the patient control numbers (CTX*CLM01) the set's errors
// name, in order, without repeats: the claims a rejected 837 set holds
// that the receiver found in error.
func (s *SetAck) Claims() []string {
	var out []string
	seen := map[string]bool{}
	for _, e := range s.Segments {
		if e.Claim != "" && !seen[e.Claim] {
			seen[e.Claim] = true
			out = append(out, e.Claim)
		}
	}
	return out
}

// ElementError is one IK4.
type ElementError struct {
	Elem int    // IK401-1 element position in segment
	Comp int    // IK401-2 component data element position in composite
	Rep  int    // IK401-3 repeating data element position
	Ref  string // IK402 data element reference number
	Code string // IK403 implementation data element syntax error code
}

// ReadBytes parses X12 text and reads its acknowledgments.
func ReadBytes(b []byte) (*Acks, error) {
	ics, err := edi.ParseBytes(b)
	if err != nil {
		return nil, err
	}
	return Read(ics)
}

// Read collects the TA1 segments and 999 sets of parsed interchanges. Other
// transaction sets are skipped.
func Read(ics []*edi.Interchange) (*Acks, error) {
	out := &Acks{}
	for _, ic := range ics {
		for _, s := range ic.TA1 {
			out.TA1 = append(out.TA1, TA1{AckControl: ic.ISA.El(13), Control: s.El(1), Date: s.El(2), Time: s.El(3), Code: s.El(4), Note: s.El(5)})
		}
		for _, g := range ic.Groups {
			for _, t := range g.Sets {
				if t.ST().El(1) != "999" {
					continue
				}
				ga, err := Read999(t, ic.Delims)
				if err != nil {
					return nil, err
				}
				out.Groups = append(out.Groups, *ga)
			}
		}
	}
	return out, nil
}

// Read999 reads one 999 transaction set.
func Read999(t *edi.Transaction, d edi.Delimiters) (*GroupAck, error) {
	if t.ST().El(1) != "999" {
		return nil, errors.New("ackread: not a 999 transaction set")
	}
	g := &GroupAck{AckControl: t.ST().El(2)}
	var set *SetAck
	var seg *SegmentError
	codes := func(s edi.Seg, from, to int) []string {
		var c []string
		for i := from; i <= to; i++ {
			if v := s.El(i); v != "" {
				c = append(c, v)
			}
		}
		return c
	}
	num := func(v string) int {
		n, _ := strconv.Atoi(v)
		return n
	}
	for _, s := range t.Segments {
		switch s.ID() {
		case "AK1":
			g.FunctionalID, g.Control, g.Version = s.El(1), s.El(2), s.El(3)
		case "AK2":
			g.Sets = append(g.Sets, SetAck{ID: s.El(1), Control: s.El(2), Guide: s.El(3)})
			set, seg = &g.Sets[len(g.Sets)-1], nil
		case "IK3":
			if set == nil {
				continue
			}
			set.Segments = append(set.Segments, SegmentError{SegID: s.El(1), Pos: num(s.El(2)), Loop: s.El(3), Code: s.El(4)})
			seg = &set.Segments[len(set.Segments)-1]
		case "CTX":
			if seg != nil && s.Comp(d.Component, 1, 1) == "CLM01" {
				seg.Claim = s.Comp(d.Component, 1, 2)
			}
		case "IK4":
			if seg == nil {
				continue
			}
			e := ElementError{Elem: num(s.Comp(d.Component, 1, 1)), Comp: num(s.Comp(d.Component, 1, 2)),
				Rep: num(s.Comp(d.Component, 1, 3)), Ref: s.El(2), Code: s.El(3)}
			seg.Elements = append(seg.Elements, e)
		case "IK5":
			if set == nil {
				continue
			}
			set.Code, set.Errors = s.El(1), codes(s, 2, 6)
			set, seg = nil, nil
		case "AK9":
			g.Code, g.Included, g.Received, g.AcceptedSets = s.El(1), num(s.El(2)), num(s.El(3)), num(s.El(4))
			g.Errors = codes(s, 5, 9)
		}
	}
	return g, nil
}

// Interchange returns the TA1 acknowledging a sent ISA13, if any.
func (a *Acks) Interchange(control string) (*TA1, bool) {
	for i := range a.TA1 {
		if sameControl(a.TA1[i].Control, control) {
			return &a.TA1[i], true
		}
	}
	return nil, false
}

// Group returns the 999 acknowledging a sent functional group by GS06
// (and GS01 when fid is not empty).
func (a *Acks) Group(fid, control string) (*GroupAck, bool) {
	for i := range a.Groups {
		g := &a.Groups[i]
		if sameControl(g.Control, control) && (fid == "" || g.FunctionalID == fid) {
			return g, true
		}
	}
	return nil, false
}

// Set returns the acknowledgment of a sent transaction set by ST02.
func (g *GroupAck) Set(control string) (*SetAck, bool) {
	for i := range g.Sets {
		if g.Sets[i].Control == control {
			return &g.Sets[i], true
		}
	}
	return nil, false
}

// sameControl compares control numbers ignoring leading zeros (GS06 is
// N0 1..9 and may be written with or without padding).
func sameControl(a, b string) bool {
	return strings.TrimLeft(a, "0") == strings.TrimLeft(b, "0")
}

// Rejected lists the sent control numbers the acknowledgments reject:
// interchanges (ISA13), groups (GS06) and sets ("GS06/ST02").
func (a *Acks) Rejected() (interchanges, groups, sets []string) {
	for _, t := range a.TA1 {
		if !t.Accepted() {
			interchanges = append(interchanges, t.Control)
		}
	}
	for _, g := range a.Groups {
		if !g.Accepted() {
			groups = append(groups, g.Control)
		}
		for _, s := range g.Sets {
			if !s.Accepted() {
				sets = append(sets, g.Control+"/"+s.Control)
			}
		}
	}
	return
}
