package store

import (
	"context"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// The billing dashboard's reads (store/dashboard.sql). Each is scoped to
// the organisations where the actor holds claim:read, like ListClaims.

func pageBefore(p Page) (*string, error) {
	if p.After == "" {
		return nil, nil
	}
	id, err := p.AfterID()
	if err != nil {
		return nil, err
	}
	return &id, nil
}

// DashClaims lists visible claims, newest first, one page at a time. Each
// listed claim is audited as ListClaims does.
func (s *Store) DashClaims(ctx context.Context, a Actor, f DashClaimFilter, p Page) ([]DashClaim, string, error) {
	before, err := pageBefore(p)
	if err != nil {
		return nil, "", err
	}
	var out []DashClaim
	err = s.tx(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, q("DashClaims"), nullable(a.UserID), PermClaimRead, before, p.Size(),
			nullable(f.Status), nullable(f.PayerID), nullable(f.ProviderID), f.From, f.To, f.MinCents, f.MaxCents)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (DashClaim, error) {
			var c DashClaim
			return c, r.Scan(&c.ID, &c.OrgID, &c.Status, &c.PayerID, &c.PayerName, &c.ProviderID, &c.ProviderName,
				&c.PatientControlNumber, &c.TotalCents, &c.PaidCents, &c.Attempt, &c.CreatedAt, &c.UpdatedAt, &c.PatientID)
		})
		if err != nil {
			return err
		}
		phi := map[string]bool{}
		entries := make([]AuditEntry, len(out))
		for i := range out {
			c := &out[i]
			fields := []string{"status", "total_cents"}
			ok, seen := phi[c.OrgID]
			if !seen {
				if ok, err = inScope(ctx, tx, a, PermPatientRead, c.OrgID); err != nil {
					return err
				}
				phi[c.OrgID] = ok
			}
			if ok {
				sp, err := scanSealedPatient(tx.QueryRow(ctx, q("GetPatient"), c.PatientID))
				if err != nil {
					return err
				}
				p, _, err := s.openPatient(ctx, sp)
				if err != nil {
					return err
				}
				c.PatientName = strings.TrimSpace(p.FirstName + " " + p.LastName)
				fields = append(fields, "first_name", "last_name")
			} else {
				c.PatientMasked = true
			}
			entries[i] = AuditEntry{OrgID: c.OrgID, PatientID: c.PatientID, Action: ActionList, Resource: "claim", ResourceID: c.ID, Fields: fields}
		}
		return s.audit(ctx, tx, a, entries...)
	})
	return out, nextCursor(len(out), p, func() string { return out[len(out)-1].ID }), err
}

// DashStatusCounts counts visible claims per status under the filter (its
// Status ignored) and returns the latest change among them, a cheap
// version for live updates.
func (s *Store) DashStatusCounts(ctx context.Context, a Actor, f DashClaimFilter) ([]StatusCount, time.Time, error) {
	rows, err := s.Pool.Query(ctx, q("DashStatusCounts"), nullable(a.UserID), PermClaimRead,
		nullable(f.PayerID), nullable(f.ProviderID), f.From, f.To, f.MinCents, f.MaxCents, nullable(f.ClaimID))
	if err != nil {
		return nil, time.Time{}, err
	}
	defer rows.Close()
	out := []StatusCount{}
	var latest time.Time
	for rows.Next() {
		var c StatusCount
		var at time.Time
		if err := rows.Scan(&c.Status, &c.Count, &at); err != nil {
			return nil, time.Time{}, err
		}
		if at.After(latest) {
			latest = at
		}
		out = append(out, c)
	}
	return out, latest, rows.Err()
}

// DashClaimDocuments reads the claim's 837 batches and 835 postings.
func (s *Store) DashClaimDocuments(ctx context.Context, claimID string) (ClaimDocuments, error) {
	d := ClaimDocuments{Batches: []ClaimBatch{}, Postings: []ClaimPosting{}}
	if !validID(claimID) {
		return d, ErrNotFound
	}
	rows, err := s.Pool.Query(ctx, q("DashClaimBatches"), claimID)
	if err != nil {
		return d, err
	}
	d.Batches, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (ClaimBatch, error) {
		var b ClaimBatch
		return b, r.Scan(&b.BatchID, &b.ISA13, &b.GS06, &b.ST02, &b.Attempt, &b.FileKey, &b.UploadedAt, &b.CreatedAt)
	})
	if err != nil {
		return d, err
	}
	rows, err = s.Pool.Query(ctx, q("DashClaimPayments"), claimID)
	if err != nil {
		return d, err
	}
	d.Postings, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (ClaimPosting, error) {
		var p ClaimPosting
		return p, r.Scan(&p.RemittanceID, &p.TraceNumber, &p.FileKey, &p.TransactionIndex, &p.Seq, &p.StatusCode, &p.ChargeCents,
			&p.PaidCents, &p.PatientRespCents, &p.PayerClaimNumber, &p.RARCs, &p.PostedAt)
	})
	if err != nil {
		return d, err
	}
	if d.Batches == nil {
		d.Batches = []ClaimBatch{}
	}
	if d.Postings == nil {
		d.Postings = []ClaimPosting{}
	}
	for i := range d.Postings {
		adj, err := s.remittanceAdjustments(ctx, d.Postings[i].RemittanceID)
		if err != nil {
			return d, err
		}
		d.Postings[i].Adjustments = adj[d.Postings[i].Seq]
		if d.Postings[i].Adjustments == nil {
			d.Postings[i].Adjustments = []PaymentAdjustment{}
		}
	}
	return d, nil
}

func (s *Store) remittanceAdjustments(ctx context.Context, remittanceID string) (map[int][]PaymentAdjustment, error) {
	rows, err := s.Pool.Query(ctx, q("DashAdjustments"), remittanceID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int][]PaymentAdjustment{}
	for rows.Next() {
		var seq int
		var a PaymentAdjustment
		if err := rows.Scan(&seq, &a.Line, &a.Group, &a.Reason, &a.AmountCents); err != nil {
			return nil, err
		}
		out[seq] = append(out[seq], a)
	}
	return out, rows.Err()
}

// DashRemittances lists visible remittances, newest first.
func (s *Store) DashRemittances(ctx context.Context, a Actor, p Page) ([]DashRemittance, string, error) {
	before, err := pageBefore(p)
	if err != nil {
		return nil, "", err
	}
	rows, err := s.Pool.Query(ctx, q("DashRemittances"), nullable(a.UserID), PermClaimRead, before, p.Size())
	if err != nil {
		return nil, "", err
	}
	var payments []int
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (DashRemittance, error) {
		var d DashRemittance
		var n int
		err := r.Scan(&d.ID, &d.PayerID, &d.TraceNumber, &d.PaidCents, &d.ProviderAdjCents, &d.Balanced, &d.BalanceProblems,
			&d.EFTReconciled, &d.PaymentDate, &d.CreatedAt, &n)
		payments = append(payments, n)
		return d, err
	})
	if err != nil {
		return nil, "", err
	}
	for i := range out {
		adj, err := s.remittanceAdjustments(ctx, out[i].ID)
		if err != nil {
			return nil, "", err
		}
		rows, err := s.Pool.Query(ctx, q("DashRemittancePayments"), nullable(a.UserID), PermClaimRead, out[i].ID)
		if err != nil {
			return nil, "", err
		}
		out[i].Payments, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (RemittancePayment, error) {
			var p RemittancePayment
			err := r.Scan(&p.Seq, &p.ClaimID, &p.StatusCode, &p.ChargeCents, &p.PaidCents, &p.PatientRespCents, &p.PayerClaimNumber, &p.RARCs)
			p.Adjustments = adj[p.Seq]
			if p.Adjustments == nil {
				p.Adjustments = []PaymentAdjustment{}
			}
			return p, err
		})
		if err != nil {
			return nil, "", err
		}
		if out[i].Payments == nil {
			out[i].Payments = []RemittancePayment{}
		}
		if len(out[i].Payments) < payments[i] {
			out[i].OwnShare()
		}
	}
	return out, nextCursor(len(out), p, func() string { return out[len(out)-1].ID }), nil
}

// DashWorkQueue lists the open work items of visible remittances.
func (s *Store) DashWorkQueue(ctx context.Context, a Actor) ([]WorkItem, error) {
	rows, err := s.Pool.Query(ctx, q("DashWorkQueue"), nullable(a.UserID), PermClaimRead)
	if err != nil {
		return nil, err
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (WorkItem, error) {
		var w WorkItem
		return w, r.Scan(&w.ID, &w.RemittanceID, &w.TraceNumber, &w.Seq, &w.Kind, &w.Detail, &w.Status, &w.CreatedAt)
	})
	if out == nil {
		out = []WorkItem{}
	}
	return out, err
}

// DashReceivables computes aging per payer and the weekly trend.
func (s *Store) DashReceivables(ctx context.Context, a Actor) (Receivables, error) {
	r := Receivables{Aging: []AgingRow{}, Trend: []TrendPoint{}}
	rows, err := s.Pool.Query(ctx, q("DashAging"), nullable(a.UserID), PermClaimRead)
	if err != nil {
		return r, err
	}
	aging, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (AgingRow, error) {
		var x AgingRow
		err := row.Scan(&x.Payer, &x.Days0to30, &x.Days31to60, &x.Days61to90, &x.DaysOver90)
		x.TotalCents = x.Days0to30 + x.Days31to60 + x.Days61to90 + x.DaysOver90
		return x, err
	})
	if err != nil {
		return r, err
	}
	if aging != nil {
		r.Aging = aging
	}
	rows, err = s.Pool.Query(ctx, q("DashTrend"), nullable(a.UserID), PermClaimRead)
	if err != nil {
		return r, err
	}
	trend, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (TrendPoint, error) {
		var x TrendPoint
		err := row.Scan(&x.Week, &x.Payments, &x.Denials, &x.DaysToPayment)
		if x.Payments > 0 {
			x.DenialRate = float64(x.Denials) / float64(x.Payments)
		}
		return x, err
	})
	if trend != nil {
		r.Trend = trend
	}
	return r, err
}

// CanSeePHI reports whether the actor may read patient data at the
// organisation (patient:read there): the dashboard unmasks raw EDI only
// then.
func (s *Store) CanSeePHI(ctx context.Context, a Actor, orgID string) (bool, error) {
	var ok bool
	err := s.tx(ctx, func(tx pgx.Tx) (err error) {
		ok, err = inScope(ctx, tx, a, PermPatientRead, orgID)
		return err
	})
	return ok, err
}

// CanWriteClaim reports whether the actor may act on claims at the
// organisation (claim:write there).
func (s *Store) CanWriteClaim(ctx context.Context, a Actor, orgID string) (bool, error) {
	var ok bool
	err := s.tx(ctx, func(tx pgx.Tx) (err error) {
		ok, err = inScope(ctx, tx, a, PermClaimWrite, orgID)
		return err
	})
	return ok, err
}
