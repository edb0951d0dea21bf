package store

import (
	"context"
	"maps"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/claimflow/claimflow/store/internal/pgq"
)

// patientNames unseals patients' names for one listing: only where the
// actor holds patient:read at the record's organisation (asked once per
// organisation), so a list shows names to those who may read them and
// masks them for the rest. The caller audits the fields it shows.
//
// A listing calls prefetch with its rows first: the names of a whole page
// are then read in one statement and only the name columns are opened,
// instead of a round trip and every PHI column per row.
type patientNames struct {
	s        *Store
	tx       pgx.Tx
	a        Actor
	may      map[string]bool
	names    map[string]string        // patient ID → "First Last", from prefetch
	sealed   []pgq.GetPatientNamesRow // read by queue, opened by open
	unscoped []string                 // the system's patients, read by open
}

func (s *Store) patientNames(tx pgx.Tx, a Actor) *patientNames {
	return &patientNames{s: s, tx: tx, a: a, may: map[string]bool{}, names: map[string]string{}}
}

// patientRef is a listed row's organisation and patient.
type patientRef struct{ orgID, patientID string }

// readable reports whether the actor may read patients at orgID (asked once
// per organisation).
func (n *patientNames) readable(ctx context.Context, orgID string) (bool, error) {
	ok, seen := n.may[orgID]
	if !seen {
		var err error
		if ok, err = inScope(ctx, n.tx, n.a, PermPatientRead, orgID); err != nil {
			return false, err
		}
		n.may[orgID] = ok
	}
	return ok, nil
}

// prefetch reads and opens, in one round trip, the scope of the rows'
// organisations and the names of their patients at the organisations
// where the actor may read them.
func (n *patientNames) prefetch(ctx context.Context, refs []patientRef) error {
	b := &pgx.Batch{}
	n.queue(b, refs)
	if b.Len() > 0 {
		if err := n.tx.SendBatch(ctx, b).Close(); err != nil {
			return err
		}
	}
	return n.open(ctx)
}

// queue adds to b, for the rows' organisations, one statement answering
// whether the actor may read patients at each (InScopeOrgs: what
// readable would ask once per organisation) and one reading the sealed
// names of the rows' patients at the organisations where they may
// (GetPatientNamesInScope: the scope is applied by Postgres, so no name
// of a patient the actor may not read leaves it); open then decrypts
// them. A caller sends b with its own statements: a page's scope and
// names cost one round trip, whatever its organisations.
func (n *patientNames) queue(b *pgx.Batch, refs []patientRef) {
	var orgs, ids, idOrgs []string
	type pair struct{ org, patient string }
	seen := map[pair]bool{}
	for _, r := range refs {
		if _, asked := n.may[r.orgID]; !asked && validID(r.orgID) && !slices.Contains(orgs, r.orgID) {
			orgs = append(orgs, r.orgID)
		}
		k := pair{r.orgID, r.patientID}
		if r.patientID == "" || seen[k] || !validID(r.patientID) || !validID(r.orgID) {
			continue
		}
		seen[k] = true
		ids, idOrgs = append(ids, r.patientID), append(idOrgs, r.orgID)
	}
	if n.a.UserID == "" {
		// inScope's answer for an actor without a user: the system only.
		for _, o := range orgs {
			n.may[o] = n.a == System
		}
		if n.a == System {
			n.unscoped = append(n.unscoped, ids...)
		}
		return
	}
	if len(orgs) > 0 {
		b.Queue(q("InScopeOrgs"), orgs, n.a.UserID, PermPatientRead).Query(func(rows pgx.Rows) error {
			for _, o := range orgs {
				n.may[o] = false
			}
			for rows.Next() {
				var o string
				if err := rows.Scan(&o); err != nil {
					return err
				}
				n.may[o] = true
			}
			return rows.Err()
		})
	}
	if len(ids) > 0 {
		all := slices.Collect(maps.Keys(seenOrgs(idOrgs)))
		b.Queue(q("GetPatientNamesInScope"), ids, idOrgs, all, n.a.UserID, PermPatientRead).Query(n.scanSealed)
	}
}

func seenOrgs(orgs []string) map[string]bool {
	m := make(map[string]bool, 4)
	for _, o := range orgs {
		m[o] = true
	}
	return m
}

func (n *patientNames) scanSealed(rows pgx.Rows) error {
	for rows.Next() {
		var r pgq.GetPatientNamesRow
		if err := rows.Scan(&r.ID, &r.Dek, &r.FirstName, &r.LastName); err != nil {
			return err
		}
		n.sealed = append(n.sealed, r)
	}
	return rows.Err()
}

// open decrypts the names queue read (and reads those of the system's
// listings, which ask no scope).
func (n *patientNames) open(ctx context.Context) error {
	if len(n.unscoped) > 0 {
		rows, err := pgq.New(n.tx).GetPatientNames(ctx, n.unscoped)
		if err != nil {
			return err
		}
		n.sealed, n.unscoped = append(n.sealed, rows...), nil
	}
	for _, r := range n.sealed {
		if _, done := n.names[r.ID]; done {
			continue
		}
		dk, err := n.s.keys.DataKey(ctx, r.Dek)
		if err != nil {
			return err
		}
		sl := sealer{dk, "patients", r.ID}
		first, err := sl.open("first_name", r.FirstName)
		if err != nil {
			return err
		}
		last, err := sl.open("last_name", r.LastName)
		if err != nil {
			return err
		}
		n.names[r.ID] = strings.TrimSpace(first + " " + last)
	}
	n.sealed = n.sealed[:0]
	return nil
}

// name returns the patient's "First Last", or ok=false when the actor may
// not read patients at orgID.
func (n *patientNames) name(ctx context.Context, orgID, patientID string) (name string, ok bool, err error) {
	if ok, err = n.readable(ctx, orgID); err != nil || !ok {
		return "", false, err
	}
	if name, seen := n.names[patientID]; seen {
		return name, true, nil
	}
	sp, err := getSealedPatient(ctx, n.tx, patientID)
	if err != nil {
		return "", false, err
	}
	p, _, err := n.s.openPatient(ctx, sp)
	if err != nil {
		return "", false, err
	}
	return strings.TrimSpace(p.FirstName + " " + p.LastName), true, nil
}
