package activities

import (
	"context"
	"os"
	"testing"

	"github.com/claimflow/claimflow/edi"
	"github.com/claimflow/claimflow/rcm"
)

// linkRecords knows one claim (PCN0001) and one eligibility check
// (TRACE1000), both sent through the account "sim".
type linkRecords struct{}

func (linkRecords) BatchClaimControls(context.Context, string, string) ([]rcm.BatchedClaimControl, error) {
	return nil, nil
}

func (linkRecords) ClaimIDByControlNumber(_ context.Context, partner, pcn string) (string, error) {
	if partner == "sim" && pcn == "PCN0001" {
		return "claim-1", nil
	}
	return "", rcm.ErrNotFound
}

func (linkRecords) EligibilityByTrace(_ context.Context, partner, trace string) (string, string, error) {
	if partner == "sim" && trace == "TRACE1000" {
		return "appointment-1", "eligibility/appointment-1", nil
	}
	return "", "", rcm.ErrNotFound
}

func (linkRecords) RecordClaimEvent(context.Context, rcm.ClaimEvent) error { return nil }

// TestDeviationLinks places findings of each transaction set kind: an
// 835's header, claim payments (CLP and its service lines) and PLB; a
// 277CA's receiver and claims; a 271's receiver and subscriber. Claims
// and checks are found through the account the file came through.
func TestDeviationLinks(t *testing.T) {
	type at struct {
		seg   string // the n-th segment with this ID
		n     int
		seq   int
		claim string
		trace string
	}
	for _, tc := range []struct {
		file    string
		partner string
		places  []at
	}{
		{"835-valid.x12", "sim", []at{
			{"TRN", 1, 0, "", ""},        // header
			{"CLP", 1, 1, "claim-1", ""}, // the first claim payment
			{"SVC", 2, 1, "claim-1", ""}, // one of its lines
			{"CLP", 2, 2, "", ""},        // a claim payment matching no claim
			{"PLB", 1, 0, "", ""},        // provider adjustments
		}},
		{"835-valid.x12", "other", []at{{"CLP", 1, 1, "", ""}}}, // another account's claim is not found
		{"277ca-valid.x12", "sim", []at{
			{"TRN", 2, 0, "", ""},        // the receiver's batch trace (HL 21)
			{"NM1", 4, 0, "claim-1", ""}, // the first claim's patient (HL PT)
			{"STC", 2, 0, "claim-1", ""}, // its status
			{"SVC", 1, 0, "", ""},        // a line of the second claim, which matches none
		}},
		{"271-valid.x12", "sim", []at{
			{"NM1", 2, 0, "", ""},          // the receiver (HL 21)
			{"NM1", 3, 0, "", "TRACE1000"}, // the subscriber (HL 22)
			{"EB", 1, 0, "", "TRACE1000"},  // its benefits
		}},
	} {
		body, err := os.ReadFile("../edi/testdata/sets/" + tc.file)
		if err != nil {
			t.Fatal(err)
		}
		ics, err := edi.ParseBytes(body)
		if err != nil {
			t.Fatal(err)
		}
		tx := ics[0].Groups[0].Sets[0]
		set := &edi.SetResult{ST: tx.ST(), Guide: tx.ST().El(3)}
		for _, p := range tc.places {
			pos, seen := 0, 0
			for i, s := range tx.Segments {
				if s.ID() == p.seg {
					if seen++; seen == p.n {
						pos = i + 1
						break
					}
				}
			}
			if pos == 0 {
				t.Fatalf("%s: no %s #%d", tc.file, p.seg, p.n)
			}
			set.Errors = append(set.Errors, &edi.Error{Kind: edi.KindIK4, Code: "I10", Pos: pos, Index: pos + 2, SegID: p.seg, Elem: 1, Warning: true})
		}
		rep := &edi.Report{Errors: set.Errors, Interchanges: []*edi.InterchangeResult{{Groups: []*edi.GroupResult{{Sets: []*edi.SetResult{set}}}}}}
		r := &Router{Records: linkRecords{}}
		ds, err := r.deviations(context.Background(), InboundFile{Partner: tc.partner, Hash: "h"}, ics, rep)
		if err != nil {
			t.Fatal(err)
		}
		if len(ds) != len(tc.places) {
			t.Fatalf("%s: %d deviations, want %d", tc.file, len(ds), len(tc.places))
		}
		for i, p := range tc.places {
			d := ds[i]
			if d.ClaimSeq != p.seq || d.ClaimID != p.claim || d.EligibilityTrace != p.trace || d.SetIndex != 0 || d.TransactionSet != tx.ST().El(1) ||
				d.Severity != rcm.DeviationWarning || d.SNIPLevel != 2 || d.Description == "" {
				t.Errorf("%s via %s, %s #%d: %+v; want seq %d, claim %q, trace %q", tc.file, tc.partner, p.seg, p.n, d, p.seq, p.claim, p.trace)
			}
		}
	}
}
