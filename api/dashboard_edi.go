package api

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/claimflow/claimflow/edi"
	"github.com/claimflow/claimflow/rcm"
)

// RawEDI is one step's segments, masked unless revealed.
type RawEDI struct {
	Kind     string   `json:"kind"`
	N        int      `json:"n"`
	Masked   bool     `json:"masked"`
	Segments []string `json:"segments"`
}

func (h *dashboard) rawEDI(r *http.Request, a rcm.Actor) (int, any, error) {
	ctx := r.Context()
	q := &queryReader{r: r}
	kind := q.str("kind")
	n, err := strconv.Atoi(q.str("n"))
	if err != nil || n < 0 {
		q.fields = append(q.fields, FieldError{Parameter: "n", Detail: "must be the step's index, from 0"})
	}
	if !slices.Contains([]string{"837", "TA1", "999", "277CA", "835", "276/277"}, kind) {
		q.fields = append(q.fields, FieldError{Parameter: "kind", Detail: "must be 837, TA1, 999, 277CA, 835 or 276/277"})
	}
	reveal := q.str("reveal") == "true"
	if err := q.err(); err != nil {
		return 0, nil, err
	}
	c, err := h.s.records.GetClaim(ctx, a, id(r))
	if err != nil {
		return 0, nil, err
	}
	if reveal {
		ok, err := h.s.records.CanSeePHI(ctx, a, c.OrgID)
		if err != nil {
			return 0, nil, err
		}
		if !ok {
			return 0, nil, &Error{Status: http.StatusForbidden, Code: "forbidden", Title: "Forbidden", Detail: "revealing patient data needs the patient:read permission at the claim's organisation"}
		}
	}
	// The step is the n-th recorded event of its kind (as the timeline
	// numbers them); it names the file and where the claim is in it.
	events, err := h.s.records.ClaimEvents(ctx, a, c.ID)
	if err != nil {
		return 0, nil, err
	}
	notFound := &Error{Status: http.StatusNotFound, Code: "not-found", Title: "Not found", Detail: "the claim has no such " + kind + " step"}
	var ev *rcm.ClaimEvent
	k := 0
	for i := range events {
		if events[i].Kind != kind {
			continue
		}
		if k == n {
			ev = &events[i]
			break
		}
		k++
	}
	if ev == nil || ev.FileKey == "" {
		return 0, nil, notFound
	}
	key := ev.FileKey
	var pick func([]*edi.Interchange) []edi.Seg
	var more []ediPart // further files of the step (the 277 of a 276/277)
	switch kind {
	case "276/277":
		pick = edi.AllSets
		if ev.ResponseKey != "" {
			more = append(more, ediPart{key: ev.ResponseKey, pick: edi.AllSets})
		}
	case "837":
		st02 := ev.ST02
		pick = func(ics []*edi.Interchange) []edi.Seg { return edi.ClaimLoop837(ics, st02) }
	case "835":
		set, seq := ev.SetIndex, ev.Seq
		pick = func(ics []*edi.Interchange) []edi.Seg { return edi.ClaimPaymentLoop835(ics, set, seq) }
	case "277CA":
		pcn := c.PatientControlNumber
		pick = func(ics []*edi.Interchange) []edi.Seg { return edi.ClaimLoop277CA(ics, pcn) }
	default: // TA1, 999
		st02 := ev.ST02
		pick = func(ics []*edi.Interchange) []edi.Seg { return edi.AckLoop999(ics, st02) }
	}
	if h.d.Archive == nil {
		return 0, nil, &Error{Status: http.StatusServiceUnavailable, Code: "archive-unavailable", Title: "Archive unavailable", Detail: "the EDI archive is not connected"}
	}
	out := RawEDI{Kind: kind, N: n, Masked: !reveal, Segments: []string{}}
	for _, part := range append([]ediPart{{key: key, pick: pick}}, more...) {
		segs, err := h.segments(ctx, part, reveal)
		if err != nil {
			return 0, nil, err
		}
		out.Segments = append(out.Segments, segs...)
	}
	if reveal {
		if err := h.s.records.RecordAccess(ctx, a, rcm.AuditEntry{OrgID: c.OrgID, PatientID: c.PatientID, Action: rcm.ActionRead,
			Resource: "claim_edi", ResourceID: c.ID, Fields: []string{kind}}); err != nil {
			return 0, nil, err
		}
	}
	return http.StatusOK, out, nil
}

// ediPart is one archived file of a step and how to pick the claim's
// segments from it.
type ediPart struct {
	key  string
	pick func([]*edi.Interchange) []edi.Seg
}

// segments reads one archived file and renders the picked segments,
// patient data masked unless revealed.
func (h *dashboard) segments(ctx context.Context, part ediPart, reveal bool) ([]string, error) {
	body, err := h.d.Archive.Get(ctx, part.key)
	if errors.Is(err, rcm.ErrEDIFileNotFound) {
		return nil, &Error{Status: http.StatusNotFound, Code: "not-found", Title: "Not found", Detail: "the archived file is missing"}
	}
	if err != nil {
		return nil, err
	}
	ics, err := edi.ParseBytes(body)
	if err != nil || len(ics) == 0 {
		return nil, &Error{Status: http.StatusUnprocessableEntity, Code: "unreadable-edi", Title: "Unreadable EDI", Detail: "the archived file could not be parsed"}
	}
	// Pick the claim's segments first (masking hides the control numbers
	// they are found by); Mask then changes them in place.
	picked := part.pick(ics)
	if !reveal {
		// edi.Mask hides the composite STC01 too; its parts are claim
		// status codes (code lists 507, 508, 98), never PHI: keep them.
		stc := map[int]string{}
		for i, seg := range picked {
			if seg.ID() == "STC" {
				stc[i] = seg.El(1)
			}
		}
		for _, ic := range ics {
			edi.Mask(ic)
		}
		for i, v := range stc {
			picked[i][1] = v
		}
	}
	out := make([]string, 0, len(picked))
	d := ics[0].Delims
	for _, s := range picked {
		out = append(out, strings.Join(s, string(d.Element))+string(d.Segment))
	}
	return out, nil
}
