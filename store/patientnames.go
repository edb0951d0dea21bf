package store

import (
	"context"
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
	s     *Store
	tx    pgx.Tx
	a     Actor
	may   map[string]bool
	names map[string]string // patient ID → "First Last", from prefetch
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

// prefetch reads and opens, in one statement, the names of the rows'
// patients at organisations where the actor may read them.
func (n *patientNames) prefetch(ctx context.Context, refs []patientRef) error {
	var ids []string
	want := map[string]bool{}
	for _, r := range refs {
		if r.patientID == "" || want[r.patientID] {
			continue
		}
		ok, err := n.readable(ctx, r.orgID)
		if err != nil {
			return err
		}
		if ok && validID(r.patientID) {
			want[r.patientID] = true
			ids = append(ids, r.patientID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	rows, err := pgq.New(n.tx).GetPatientNames(ctx, ids)
	if err != nil {
		return err
	}
	for _, r := range rows {
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
