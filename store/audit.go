package store

import (
	"context"
	"encoding/hex"
	"fmt"
	mathrand "math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/claimflow/claimflow/store/internal/pgq"
)

const auditChainDomain = "audit-chain"

func (s *Store) chainHash(prev []byte, e AuditEntry) []byte {
	return s.keys.BlindIndex(auditChainDomain, hex.EncodeToString(prev)+"\x1e"+e.Canonical())
}

// auditChains is how many independent hash chains the log has (migration
// 00011 creates their heads).
const auditChains = 32

// audit appends entries to one hash chain inside the caller's transaction.
// It locks a chain head no other transaction holds (or waits for a random
// one when all are busy); the lock lasts until the transaction ends, which
// keeps each chain strictly ordered while appends to other chains proceed.
// Callers append last, just before commit.
func (s *Store) audit(ctx context.Context, tx pgx.Tx, a Actor, entries ...AuditEntry) error {
	if len(entries) == 0 || deferAudit(ctx, tx, a, entries) {
		return nil
	}
	var h auditHead
	b := &pgx.Batch{}
	h.queueLock(b)
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return fmt.Errorf("store: audit head: %w", err)
	}
	return s.appendAudit(ctx, tx, &h, a, entries...)
}

// appendAudit writes entries to the chain whose head h this transaction
// has locked (audit, or a caller that queued h.queueLock in a batch of
// its own), in one round trip.
func (s *Store) appendAudit(ctx context.Context, tx pgx.Tx, h *auditHead, a Actor, entries ...AuditEntry) error {
	b := &pgx.Batch{}
	if err := s.queueAudit(ctx, tx, b, h, a, entries...); err != nil {
		return err
	}
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return fmt.Errorf("store: audit append: %w", err)
	}
	return nil
}

// querier is a transaction or a connection inside one.
type querier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// auditHead is the chain head a transaction holds. Hot paths queue the
// lock into a batch with their other reads (queueLock), then the rows into
// a batch with their writes (queueAudit), saving round trips.
type auditHead struct {
	chain int
	seq   int64
	prev  []byte
	found bool
}

func (h *auditHead) queueLock(b *pgx.Batch) {
	b.Queue(q("LockAuditHead")).Query(func(rows pgx.Rows) error {
		for rows.Next() {
			if err := rows.Scan(&h.chain, &h.seq, &h.prev); err != nil {
				return err
			}
			h.found = true
		}
		return rows.Err()
	})
}

// ensure waits for a random chain's head when every chain was busy at
// queueLock. Paths that lock early call it before their writes, so no
// transaction waits for a chain while holding rows others wait for.
func (h *auditHead) ensure(ctx context.Context, tx querier) error {
	if h.found {
		return nil
	}
	if err := tx.QueryRow(ctx, q("WaitAuditHead"), mathrand.IntN(auditChains)).Scan(&h.chain, &h.seq, &h.prev); err != nil {
		return fmt.Errorf("store: audit head: %w", err)
	}
	h.found = true
	return nil
}

// queueAudit queues the entries and the head update; when every chain was
// busy at queueLock it first waits for a random chain's head.
func (s *Store) queueAudit(ctx context.Context, tx querier, b *pgx.Batch, h *auditHead, a Actor, entries ...AuditEntry) error {
	rows := make([]AuditEntry, len(entries))
	for i, e := range entries {
		e.ActorID, e.SourceIP, e.RequestID = a.UserID, a.SourceIP, a.RequestID
		rows[i] = e
	}
	return s.queueAuditRows(ctx, tx, b, h, rows...)
}

// queueAuditRows is queueAudit for entries that carry their own actor
// (ActorID, SourceIP, RequestID): a batch of several callers' writes.
func (s *Store) queueAuditRows(ctx context.Context, tx querier, b *pgx.Batch, h *auditHead, entries ...AuditEntry) error {
	if err := h.ensure(ctx, tx); err != nil {
		return err
	}
	at := time.Now().UTC().Truncate(time.Microsecond)
	if pg, ok := auditPageOf(entries); ok {
		// A page's rows (one actor, action, resource and request): the
		// shared columns once, the IDs as uuid[], the previous hashes
		// from the hashes, and the head's update in the same statement.
		first, prev0 := h.seq+1, h.prev
		for _, e := range entries {
			h.seq++
			e.Seq, e.At = h.seq, at
			hash := s.chainHash(h.prev, e)
			pg.hash = append(pg.hash, hash)
			h.prev = hash
		}
		b.Queue(q("InsertAuditPage"), at, h.chain, pg.actor, entries[0].Action, entries[0].Resource, entries[0].SourceIP,
			entries[0].RequestID, first, pg.org, pg.patient, pg.resourceID, pg.fields, prev0, pg.hash,
			s.headMAC(h.chain, h.seq, h.prev))
		return nil
	}
	if len(entries) > 1 && auditRowsJoinable(entries) {
		// One statement for all the rows (a page of a list audits each
		// record it shows): the same rows and hashes as one INSERT each,
		// without a statement per row.
		var r auditRowArrays
		for _, e := range entries {
			h.seq++
			e.Seq, e.At = h.seq, at
			hash := s.chainHash(h.prev, e)
			r.add(e, h.prev, hash)
			h.prev = hash
		}
		b.Queue(q("InsertAuditRows"), at, h.chain, r.seq, r.actor, r.org, r.patient, r.action, r.resource, r.resourceID, r.fields,
			r.sourceIP, r.requestID, r.prev, r.hash)
	} else {
		for _, e := range entries {
			h.seq++
			e.Seq, e.At = h.seq, at
			if e.Fields == nil {
				e.Fields = []string{}
			}
			hash := s.chainHash(h.prev, e)
			b.Queue(q("InsertAudit"), e.Seq, e.At, nullable(e.ActorID), nullable(e.OrgID), nullable(e.PatientID),
				e.Action, e.Resource, e.ResourceID, e.Fields, e.SourceIP, e.RequestID, h.prev, hash, h.chain)
			h.prev = hash
		}
	}
	b.Queue(q("UpdateAuditHead"), h.seq, h.prev, h.chain, s.headMAC(h.chain, h.seq, h.prev))
	return nil
}

// auditFieldSep joins a row's fields in InsertAuditRows (split again there).
const auditFieldSep = "\x1f"

// auditRowsJoinable reports whether every row's fields survive the join and
// split of InsertAuditRows unchanged: none empty or holding the separator
// (else the rows are inserted one statement each).
func auditRowsJoinable(entries []AuditEntry) bool {
	for _, e := range entries {
		for _, f := range e.Fields {
			if f == "" || strings.Contains(f, auditFieldSep) {
				return false
			}
		}
	}
	return true
}

// auditPage is InsertAuditPage's arguments but for the hashes.
type auditPage struct {
	actor              pgtype.UUID
	org, patient       []pgtype.UUID
	resourceID, fields []string
	hash               [][]byte
}

// auditPageOf returns InsertAuditPage's arguments for entries when they
// can go in that statement: more than one, joinable (auditRowsJoinable),
// sharing the actor, action, resource, source IP and request ID, and
// every ID given a UUID (else the rows go as InsertAuditRows or one
// statement each, whose casts accept or refuse them as before).
func auditPageOf(entries []AuditEntry) (auditPage, bool) {
	var pg auditPage
	if len(entries) < 2 || !auditRowsJoinable(entries) {
		return pg, false
	}
	id := func(s string) (pgtype.UUID, bool) {
		if s == "" {
			return pgtype.UUID{}, true
		}
		u, err := uuid.Parse(s)
		return pgtype.UUID{Bytes: u, Valid: err == nil}, err == nil
	}
	e0 := entries[0]
	var ok bool
	if pg.actor, ok = id(e0.ActorID); !ok {
		return pg, false
	}
	pg.org, pg.patient = make([]pgtype.UUID, len(entries)), make([]pgtype.UUID, len(entries))
	pg.resourceID, pg.fields = make([]string, len(entries)), make([]string, len(entries))
	for i, e := range entries {
		if e.ActorID != e0.ActorID || e.Action != e0.Action || e.Resource != e0.Resource || e.SourceIP != e0.SourceIP ||
			e.RequestID != e0.RequestID {
			return pg, false
		}
		if pg.org[i], ok = id(e.OrgID); !ok {
			return pg, false
		}
		if pg.patient[i], ok = id(e.PatientID); !ok {
			return pg, false
		}
		pg.resourceID[i], pg.fields[i] = e.ResourceID, strings.Join(e.Fields, auditFieldSep)
	}
	pg.hash = make([][]byte, 0, len(entries))
	return pg, true
}

// auditRowArrays are InsertAuditRows' column arrays.
type auditRowArrays struct {
	seq                                               []int64
	actor, org, patient, action, resource, resourceID []string
	fields, sourceIP, requestID                       []string
	prev, hash                                        [][]byte
}

func (r *auditRowArrays) add(e AuditEntry, prev, hash []byte) {
	r.seq = append(r.seq, e.Seq)
	r.actor = append(r.actor, e.ActorID)
	r.org = append(r.org, e.OrgID)
	r.patient = append(r.patient, e.PatientID)
	r.action = append(r.action, e.Action)
	r.resource = append(r.resource, e.Resource)
	r.resourceID = append(r.resourceID, e.ResourceID)
	r.fields = append(r.fields, strings.Join(e.Fields, auditFieldSep))
	r.sourceIP = append(r.sourceIP, e.SourceIP)
	r.requestID = append(r.requestID, e.RequestID)
	r.prev = append(r.prev, prev)
	r.hash = append(r.hash, hash)
}

// QueryAudit lists audit rows, newest first (Seq is the row's position in
// the whole log), for compliance officers holding
// audit:read at the rows' organisation (or an ancestor). Reading the log is
// itself audited.
func (s *Store) QueryAudit(ctx context.Context, a Actor, f AuditFilter, p Page) ([]AuditEntry, string, error) {
	before := int64(1<<62 - 1)
	if p.After != "" {
		n, err := strconv.ParseInt(p.After, 10, 64)
		if err != nil {
			return nil, "", &ValidationError{Fields: []FieldProblem{{Pointer: "/cursor", Detail: "is not a cursor from a previous page"}}}
		}
		before = n
	}
	var out []AuditEntry
	err := s.tx(ctx, func(tx pgx.Tx) error {
		rows, err := pgq.New(tx).QueryAudit(ctx, pgq.QueryAuditParams{Actor: nullText(a.UserID), Perm: PermAuditRead,
			PatientID: nullText(f.PatientID), ActorID: nullText(f.ActorID), AtFrom: f.From, AtTo: f.To, Before: before,
			RowLimit: int32(p.Size())})
		if err != nil {
			return err
		}
		out = make([]AuditEntry, len(rows))
		for i, r := range rows {
			out[i] = AuditEntry{Seq: r.Seq, At: r.At, ActorID: r.ActorID, OrgID: r.OrgID, PatientID: r.PatientID, Action: r.Action,
				Resource: r.Resource, ResourceID: r.ResourceID, Fields: r.Fields, SourceIP: r.SourceIp, RequestID: r.RequestID}
		}
		return s.audit(ctx, tx, a, AuditEntry{Action: ActionList, Resource: "audit_log", ResourceID: "query", PatientID: f.PatientID})
	})
	next := ""
	if len(out) == p.Size() {
		next = strconv.FormatInt(out[len(out)-1].Seq, 10)
	}
	return out, next, err
}
