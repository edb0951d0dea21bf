package store

import (
	"context"
	"encoding/base64"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/claimflow/claimflow/store/internal/pgq"
)

// The remittance work queue's own reads and its resolutions (queries in
// store/rcm.sql).

// Work item resolutions.
const (
	ResolutionPostedManually  = "posted_manually"
	ResolutionRefundRequested = "refund_requested"
	ResolutionWrittenOff      = "written_off"
	ResolutionNotOurs         = "not_ours"
	// ResolutionEnrollmentFollowedUp closes a not_enrolled_835 item: staff
	// followed the provider's ERA enrollment up (issue 19).
	ResolutionEnrollmentFollowedUp = "enrollment_followed_up"
)

// Resolutions lists the valid work item resolutions.
var Resolutions = []string{ResolutionPostedManually, ResolutionRefundRequested, ResolutionWrittenOff, ResolutionNotOurs, ResolutionEnrollmentFollowedUp}

// MaxResolutionNote is the longest note a resolution keeps (characters).
const MaxResolutionNote = 2000

// workCursor is what a work queue page's cursor encodes (nextCursor
// encodes it): the last item's (opaque) ID.
func workCursor(id string) string { return "wq:" + id }

func workCursorBefore(p Page) (*string, error) {
	if p.After == "" {
		return nil, nil
	}
	bad := &ValidationError{Fields: []FieldProblem{{Pointer: "/cursor", Detail: "is not a cursor from a previous page"}}}
	b, err := base64.RawURLEncoding.DecodeString(p.After)
	if err != nil {
		return nil, bad
	}
	s, ok := strings.CutPrefix(string(b), "wq:")
	if !ok || !validID(s) {
		return nil, bad
	}
	return &s, nil
}

// DashWorkQueuePage lists the open work items of visible remittances,
// newest first, one page at a time.
func (s *Store) DashWorkQueuePage(ctx context.Context, a Actor, p Page) ([]WorkItem, string, error) {
	before, err := workCursorBefore(p)
	if err != nil {
		return nil, "", err
	}
	rows, err := pgq.New(s.Pool).DashWorkQueuePage(ctx, pgq.DashWorkQueuePageParams{Actor: nullText(a.UserID), Perm: PermClaimRead,
		Before: before, RowLimit: int32(p.Size())})
	if err != nil {
		return nil, "", err
	}
	out := make([]WorkItem, len(rows))
	for i, r := range rows {
		out[i] = WorkItem{ID: r.ID, RemittanceID: r.RemittanceID, TraceNumber: r.TraceNumber, Seq: int(r.Seq), Kind: r.Kind,
			Detail: r.Detail, Status: r.Status, CreatedAt: r.CreatedAt}
	}
	return out, nextCursor(len(out), p, func() string { return workCursor(out[len(out)-1].ID) }), nil
}

// DashRemittanceVersion counts visible remittances and open work items
// and finds the latest change among them: the remittance page's cheap
// version for live updates. The counts are kept in the database per owner
// key (remittance_poll_counts, 00180, kept by triggers on every write that
// can change them), so a poll, a user's first included, sums the caller's
// keys in one statement instead of counting every remittance they own.
func (s *Store) DashRemittanceVersion(ctx context.Context, a Actor) (RemittanceVersion, error) {
	r, err := pgq.New(s.Pool).DashRemittanceVersion(ctx, pgq.DashRemittanceVersionParams{Actor: nullText(a.UserID), Perm: PermClaimRead})
	if err != nil {
		return RemittanceVersion{}, err
	}
	return RemittanceVersion{Remittances: int(r.Remittances), Reconciled: int(r.Reconciled), OpenWorkItems: int(r.OpenItems), Latest: r.Latest}, nil
}

// ResolveWorkItem records the resolution of an open work item by the
// actor (claim:write where the remittance belongs), audited, and takes it
// out of the queue. Resolving an item again changes nothing and answers
// the first resolution (first is false then). An item the actor cannot
// see is ErrNotFound; one they see but may not act on is ErrNoClaimWrite.
func (s *Store) ResolveWorkItem(ctx context.Context, a Actor, id string, in WorkResolution) (ResolvedWorkItem, bool, error) {
	if !validID(id) {
		return ResolvedWorkItem{}, false, ErrNotFound
	}
	var fields []FieldProblem
	if !slices.Contains(Resolutions, in.Resolution) {
		fields = append(fields, FieldProblem{Pointer: "/resolution", Detail: "must be " + strings.Join(Resolutions[:len(Resolutions)-1], ", ") + " or " + Resolutions[len(Resolutions)-1]})
	}
	if utf8.RuneCountInString(in.Note) > MaxResolutionNote || !utf8.ValidString(in.Note) {
		fields = append(fields, FieldProblem{Pointer: "/note", Detail: "must be at most " + strconv.Itoa(MaxResolutionNote) + " characters"})
	}
	if len(fields) > 0 {
		return ResolvedWorkItem{}, false, &ValidationError{Fields: fields}
	}
	var out ResolvedWorkItem
	first := false
	err := s.tx(ctx, func(tx pgx.Tx) error {
		db := pgq.New(tx)
		r, err := db.WorkItemForResolve(ctx, pgq.WorkItemForResolveParams{Actor: nullText(a.UserID), ReadPerm: PermClaimRead,
			WritePerm: PermClaimWrite, ItemID: id})
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		w := ResolvedWorkItem{WorkItem: WorkItem{ID: r.ID, RemittanceID: r.RemittanceID, TraceNumber: r.TraceNumber, Seq: int(r.Seq),
			Kind: r.Kind, Detail: r.Detail, Status: r.Status, CreatedAt: r.CreatedAt},
			Resolution: r.Resolution, Note: r.ResolutionNote, ResolvedBy: r.ResolvedBy}
		resolvedAt, canRead, writeOrg, ownerOrg, patientID := r.ResolvedAt, r.Visible, r.WritableOrg, r.OwnerOrg, r.PatientID
		if a.UserID == "" && a != System {
			return ErrNotFound
		}
		if a != System {
			if !canRead {
				return ErrNotFound
			}
			if writeOrg == "" {
				return ErrNoClaimWrite
			}
		} else {
			writeOrg = ownerOrg
		}
		if w.Status != "open" {
			if resolvedAt != nil {
				w.ResolvedAt = *resolvedAt
			}
			out = w
			return nil
		}
		resolved, err := db.ResolveWorkItem(ctx, pgq.ResolveWorkItemParams{ItemID: id, Resolution: in.Resolution,
			ResolutionNote: in.Note, ResolvedBy: nullText(a.UserID)})
		if err != nil {
			return err
		}
		var at time.Time
		if resolved != nil {
			at = *resolved
		}
		w.Status, w.Resolution, w.Note, w.ResolvedBy, w.ResolvedAt = "resolved", in.Resolution, in.Note, a.UserID, at
		out, first = w, true
		return s.audit(ctx, tx, a, AuditEntry{OrgID: writeOrg, PatientID: patientID, Action: ActionUpdate,
			Resource: "remit_work_item", ResourceID: id, Fields: []string{"resolution", "note"}})
	})
	if err != nil {
		return ResolvedWorkItem{}, false, err
	}
	return out, first, nil
}
