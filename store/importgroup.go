package store

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/claimflow/claimflow/rcm"
)

// Group commit of the practice import (issue 21): the records of one slice
// page are written in transactions of up to a few hundred records instead
// of one each. Every record still goes through the API's insert helpers
// (scope checks, a data key of its own, sealed columns, blind indexes, an
// audit row), its import key and its item's outcome are in the same
// transaction as the record, and a record whose key exists is marked
// unchanged and not written again. What the group saves: one transaction
// (BEGIN, COMMIT and its WAL flush) per record, the key lookup per record
// (one query for the group), and the audit chain lock and append per
// record (the group's audit rows are appended together under one chain
// head just before the commit).

type (
	ImportRecord = rcm.ImportRecord
	ImportResult = rcm.ImportResult
)

// deferredAudit collects the audit rows of one transaction (a group
// commit) so that audit appends them once, under one chain head, just
// before the commit (see audit: "callers append last").
type deferredAudit struct {
	tx   pgx.Tx
	rows []AuditEntry
}

type deferredAuditKey struct{}

// deferAudit keeps the entries for the group's final append when ctx
// carries tx's deferredAudit; it answers false otherwise.
// auditDeferred reports whether audit would keep tx's rows for the import
// group (deferAudit) instead of appending them.
func auditDeferred(ctx context.Context, tx pgx.Tx) bool {
	d, ok := ctx.Value(deferredAuditKey{}).(*deferredAudit)
	return ok && d.tx == tx
}

func deferAudit(ctx context.Context, tx pgx.Tx, a Actor, entries []AuditEntry) bool {
	d, ok := ctx.Value(deferredAuditKey{}).(*deferredAudit)
	if !ok || d.tx != tx {
		return false
	}
	for _, e := range entries {
		e.ActorID, e.SourceIP, e.RequestID = a.UserID, a.SourceIP, a.RequestID
		d.rows = append(d.rows, e)
	}
	return true
}

var errGroupRefused = errors.New("store: a record of the import group was refused")

// refused reports whether err is the store refusing a record (its answer
// to the import) rather than a failure of the database.
func refused(err error) bool {
	var ve *ValidationError
	return errors.As(err, &ve) || errors.Is(err, ErrConflict) || errors.Is(err, ErrNotFound)
}

// validateImport runs the record's own Validate, as the single-record
// commits do before their transaction.
func (s *Store) validateImport(r *ImportRecord) error {
	switch {
	case r.Patient != nil:
		return r.Patient.Validate(s.today())
	case r.Coverage != nil:
		return r.Coverage.Validate(s.today())
	case r.Provider != nil:
		return r.Provider.Validate()
	case r.Booking != nil:
		b := *r.Booking
		b.StartsAt, b.EndsAt = b.StartsAt.UTC().Truncate(time.Microsecond), b.EndsAt.UTC().Truncate(time.Microsecond)
		r.Booking = &b
		return b.Validate()
	case r.Encounter != nil:
		return r.Encounter.Validate(s.today())
	}
	return &ValidationError{Fields: []FieldProblem{{Pointer: "/resourceType", Detail: "is not imported"}}}
}

// ImportGroup commits records in one transaction (see the top of this
// file). A record the store refuses (a slot taken, a reference gone, a
// failed Validate) gets its refusal in its result; when one record of the
// group is refused inside the transaction, the group is rolled back and
// its records are committed one at a time (ImportPatient, ...), so every
// other record is still written and each refusal is its own. The error is
// a database failure: nothing of the group may be assumed written, and a
// retry finds the keys of what was.
func (s *Store) ImportGroup(ctx context.Context, a Actor, recs []ImportRecord) ([]ImportResult, error) {
	out := make([]ImportResult, len(recs))
	var todo []int
	for i := range recs {
		if err := s.validateImport(&recs[i]); err != nil {
			out[i].Err = err
			continue
		}
		todo = append(todo, i)
	}
	if len(todo) == 0 {
		return out, nil
	}
	err := s.tx(ctx, func(tx pgx.Tx) error {
		d := &deferredAudit{tx: tx}
		gctx := context.WithValue(ctx, deferredAuditKey{}, d)
		existing, err := s.importKeysOf(gctx, tx, recs, todo)
		if err != nil {
			return err
		}
		b := &pgx.Batch{}
		mark := func(r *ImportRecord, status, id string) {
			for _, seq := range append([]int{r.Seq}, seqs(r.Also)...) {
				b.Queue(`UPDATE import_items SET status = $3, record_id = $4 WHERE run_id = $1 AND seq = $2`, r.Key.RunID, seq, status, id)
			}
		}
		for _, i := range todo {
			r := &recs[i]
			k := r.Key
			if id, ok := existing[k.OrgID+"\x00"+k.ResourceType+"\x00"+k.SourceID]; ok {
				out[i] = ImportResult{ID: id}
				mark(r, rcm.ItemUnchanged, id)
				continue
			}
			id, err := s.insertImported(gctx, tx, a, r)
			if err != nil {
				if refused(err) {
					return errGroupRefused
				}
				return err
			}
			out[i] = ImportResult{ID: id, Created: true}
			b.Queue(q("InsertImportKey"), k.OrgID, k.ResourceType, k.SourceID, id, s.bidx("import_keys."+k.ResourceType, k.Natural), k.RunID)
			for _, it := range r.Also {
				b.Queue(q("InsertImportKey"), k.OrgID, it.ResourceType, it.SourceID, id, nil, k.RunID)
			}
			mark(r, rcm.ItemImported, id)
		}
		if len(d.rows) > 0 {
			var h auditHead
			lb := &pgx.Batch{}
			h.queueLock(lb)
			if err := tx.SendBatch(ctx, lb).Close(); err != nil {
				return err
			}
			if err := s.queueAuditRows(ctx, tx, b, &h, d.rows...); err != nil {
				return err
			}
		}
		return tx.SendBatch(ctx, b).Close()
	})
	if err == nil {
		return out, nil
	}
	if !errors.Is(err, errGroupRefused) {
		return nil, err
	}
	for _, i := range todo {
		r := recs[i]
		var res ImportResult
		switch {
		case r.Patient != nil:
			res.ID, res.Created, res.Err = s.ImportPatient(ctx, a, r.Key, r.Seq, *r.Patient)
		case r.Coverage != nil:
			res.ID, res.Created, res.Err = s.ImportCoverage(ctx, a, r.Key, r.Seq, *r.Coverage)
		case r.Provider != nil:
			res.ID, res.Created, res.Err = s.ImportProvider(ctx, a, r.Key, r.Seq, *r.Provider)
		case r.Booking != nil:
			res.ID, res.Created, res.Err = s.ImportAppointment(ctx, a, r.Key, r.Seq, *r.Booking)
		case r.Encounter != nil:
			res.ID, res.Created, res.Err = s.ImportEncounter(ctx, a, r.Key, r.Seq, r.Also, *r.Encounter)
		}
		if res.Err != nil && !refused(res.Err) {
			return nil, res.Err
		}
		out[i] = res
	}
	return out, nil
}

func seqs(items []ImportItem) []int {
	out := make([]int, len(items))
	for i, it := range items {
		out[i] = it.Seq
	}
	return out
}

// insertImported writes one record of a group through the API's insert
// helper (a fresh data key for a patient or a coverage).
func (s *Store) insertImported(ctx context.Context, tx pgx.Tx, a Actor, r *ImportRecord) (string, error) {
	switch {
	case r.Patient != nil:
		p := *r.Patient
		p.ID = newID()
		dk, wrapped, err := s.keys.NewDataKey(ctx)
		if err != nil {
			return "", err
		}
		return p.ID, s.insertPatient(ctx, tx, a, &p, dk, wrapped)
	case r.Coverage != nil:
		c := *r.Coverage
		c.ID = newID()
		dk, wrapped, err := s.keys.NewDataKey(ctx)
		if err != nil {
			return "", err
		}
		return c.ID, s.insertCoverage(ctx, tx, a, &c, dk, wrapped)
	case r.Provider != nil:
		return s.importProviderTx(ctx, tx, a, *r.Provider)
	case r.Booking != nil:
		b := *r.Booking
		x := Appointment{ID: newID(), ProviderID: b.ProviderID, PatientID: b.PatientID, VisitType: b.VisitType, StartsAt: b.StartsAt, EndsAt: b.EndsAt}
		var c bookingChecks
		bt := &pgx.Batch{}
		c.queueScope(bt, a, &x)
		if err := tx.SendBatch(ctx, bt).Close(); err != nil {
			return "", err
		}
		org, err := c.check(a)
		if err != nil {
			return "", err
		}
		x.OrgID = org
		if err := markImporting(ctx, tx); err != nil {
			return "", err
		}
		if err := s.book(ctx, tx, &x); err != nil {
			return "", err
		}
		return x.ID, s.audit(ctx, tx, a, AuditEntry{OrgID: org, PatientID: x.PatientID, Action: ActionCreate, Resource: "appointment", ResourceID: x.ID, Fields: apptFields})
	case r.Encounter != nil:
		e := *r.Encounter
		e.ID = newID()
		return e.ID, s.insertEncounter(ctx, tx, a, &e)
	}
	return "", &ValidationError{Fields: []FieldProblem{{Pointer: "/resourceType", Detail: "is not imported"}}}
}

// importKeysOf reads the import keys of the group's records in one query
// per organisation and resource type.
func (s *Store) importKeysOf(ctx context.Context, tx pgx.Tx, recs []ImportRecord, todo []int) (map[string]string, error) {
	type ot struct{ org, typ string }
	want := map[ot][]string{}
	for _, i := range todo {
		k := recs[i].Key
		want[ot{k.OrgID, k.ResourceType}] = append(want[ot{k.OrgID, k.ResourceType}], k.SourceID)
	}
	out := map[string]string{}
	for g, srcs := range want {
		m, err := importRecordsOf(ctx, tx, g.org, g.typ, srcs)
		if err != nil {
			return nil, err
		}
		for src, id := range m {
			out[g.org+"\x00"+g.typ+"\x00"+src] = id
		}
	}
	return out, nil
}

type queryer interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

func importRecordsOf(ctx context.Context, db queryer, orgID, resourceType string, sourceIDs []string) (map[string]string, error) {
	rows, err := db.Query(ctx, `SELECT source_id, record_id::text FROM import_keys WHERE org_id = $1 AND resource_type = $2 AND source_id = ANY($3)`,
		orgID, resourceType, sourceIDs)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make(map[string]string, len(sourceIDs))
	for rows.Next() {
		var src, id string
		if err := rows.Scan(&src, &id); err != nil {
			return nil, err
		}
		out[src] = id
	}
	return out, rows.Err()
}

// ImportRecordsOf answers, in one query, the claimflow records that source
// records of one type became at an organisation (a source id never
// imported is absent).
func (s *Store) ImportRecordsOf(ctx context.Context, orgID, resourceType string, sourceIDs []string) (map[string]string, error) {
	if len(sourceIDs) == 0 {
		return map[string]string{}, nil
	}
	return importRecordsOf(ctx, s.Pool, orgID, resourceType, sourceIDs)
}
