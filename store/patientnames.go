package store

import (
	"context"
	"strings"

	"github.com/jackc/pgx/v5"
)

// patientNames unseals patients' names for one listing: only where the
// actor holds patient:read at the record's organisation (asked once per
// organisation), so a list shows names to those who may read them and
// masks them for the rest. The caller audits the fields it shows.
type patientNames struct {
	s   *Store
	tx  pgx.Tx
	a   Actor
	may map[string]bool
}

func (s *Store) patientNames(tx pgx.Tx, a Actor) *patientNames {
	return &patientNames{s: s, tx: tx, a: a, may: map[string]bool{}}
}

// name returns the patient's "First Last", or ok=false when the actor may
// not read patients at orgID.
func (n *patientNames) name(ctx context.Context, orgID, patientID string) (name string, ok bool, err error) {
	ok, seen := n.may[orgID]
	if !seen {
		if ok, err = inScope(ctx, n.tx, n.a, PermPatientRead, orgID); err != nil {
			return "", false, err
		}
		n.may[orgID] = ok
	}
	if !ok {
		return "", false, nil
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
