package store

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"

	"github.com/claimflow/claimflow/store/internal/pgq"
)

// CreateProvider adds a provider (provider:write at its organisation).
func (s *Store) CreateProvider(ctx context.Context, a Actor, p Provider) (Provider, error) {
	if err := p.Validate(); err != nil {
		return p, err
	}
	p.ID = newID()
	err := s.tx(ctx, func(tx pgx.Tx) error { return insertProvider(ctx, tx, a, &p) })
	return p, err
}

// insertProvider writes a validated provider inside tx; the API's create
// and the import's commit share it.
func insertProvider(ctx context.Context, tx pgx.Tx, a Actor, pp *Provider) error {
	p := *pp
	defer func() { *pp = p }()
	{
		if err := requireScope(ctx, tx, a, PermProviderWrite, p.OrgID); err != nil {
			return orgMissing()
		}
		r, err := pgq.New(tx).InsertProvider(ctx, pgq.InsertProviderParams{ID: p.ID, OrgID: p.OrgID, Npi: p.NPI, FirstName: p.FirstName,
			LastName: p.LastName, Taxonomy: p.Taxonomy, Credentials: p.Credentials})
		p.CreatedAt, p.UpdatedAt = r.CreatedAt, r.UpdatedAt
		if _, dup := isPgCode(err, "23505"); dup {
			return &ValidationError{Fields: []FieldProblem{{Pointer: "/npi", Detail: "is already registered at this organisation"}}}
		}
		return err
	}
}

func orgMissing() error {
	return &ValidationError{Fields: []FieldProblem{{Pointer: "/org_id", Detail: "does not exist"}}}
}

func provider(r pgq.GetProviderRow) Provider {
	return Provider{ID: r.ID, OrgID: r.OrgID, NPI: r.Npi, FirstName: r.FirstName, LastName: r.LastName, Taxonomy: r.Taxonomy,
		Credentials: r.Credentials, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
}

// getProvider reads one provider (ErrNotFound when there is none).
func getProvider(ctx context.Context, db pgq.DBTX, id string) (Provider, error) {
	r, err := pgq.New(db).GetProvider(ctx, id)
	if errors.Is(err, pgx.ErrNoRows) {
		return Provider{}, ErrNotFound
	}
	return provider(r), err
}

// GetProvider reads a provider.
func (s *Store) GetProvider(ctx context.Context, a Actor, id string) (Provider, error) {
	return readScoped(ctx, s, a, id, scopedRead[Provider]{
		perm: PermProviderRead,
		get: func(ctx context.Context, tx pgx.Tx) (Provider, error) {
			return getProvider(ctx, tx, id)
		},
		org: func(p Provider) string { return p.OrgID },
	})
}

// UpdateProvider applies a patch.
func (s *Store) UpdateProvider(ctx context.Context, a Actor, id string, ch ProviderPatch) (Provider, error) {
	var p Provider
	if !validID(id) {
		return p, ErrNotFound
	}
	err := s.tx(ctx, func(tx pgx.Tx) (err error) {
		db := pgq.New(tx)
		r, err := db.GetProviderForUpdate(ctx, id)
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		p = provider(pgq.GetProviderRow(r))
		if err := requireScope(ctx, tx, a, PermProviderWrite, p.OrgID); err != nil {
			return err
		}
		set(&p.NPI, ch.NPI)
		set(&p.FirstName, ch.FirstName)
		set(&p.LastName, ch.LastName)
		set(&p.Taxonomy, ch.Taxonomy)
		set(&p.Credentials, ch.Credentials)
		if err := p.Validate(); err != nil {
			return err
		}
		p.UpdatedAt, err = db.UpdateProvider(ctx, pgq.UpdateProviderParams{ID: p.ID, FirstName: p.FirstName, LastName: p.LastName,
			Taxonomy: p.Taxonomy, Credentials: p.Credentials, Npi: p.NPI})
		if _, dup := isPgCode(err, "23505"); dup {
			return &ValidationError{Fields: []FieldProblem{{Pointer: "/npi", Detail: "is already registered at this organisation"}}}
		}
		return err
	})
	return p, err
}

func set[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}

// ListProviders lists providers visible to the actor, optionally by NPI.
func (s *Store) ListProviders(ctx context.Context, a Actor, npi string, p Page) ([]Provider, string, error) {
	after, err := p.AfterID()
	if err != nil {
		return nil, "", err
	}
	rows, err := pgq.New(s.Pool).ListProviders(ctx, pgq.ListProvidersParams{Actor: nullText(a.UserID), Perm: PermProviderRead,
		After: after, RowLimit: int32(p.Size()), Npi: nullText(npi)})
	if err != nil {
		return nil, "", err
	}
	out := make([]Provider, len(rows))
	for i, r := range rows {
		out[i] = provider(pgq.GetProviderRow(r))
	}
	return out, nextCursor(len(out), p, func() string { return out[len(out)-1].ID }), nil
}

// getPayer reads one payer (ErrNotFound when there is none).
func getPayer(ctx context.Context, db pgq.DBTX, id string) (Payer, error) {
	r, err := pgq.New(db).GetPayer(ctx, id)
	if errors.Is(err, pgx.ErrNoRows) {
		return Payer{}, ErrNotFound
	}
	return Payer(r), err
}

// CreatePayer adds a payer (payer:write at its organisation).
func (s *Store) CreatePayer(ctx context.Context, a Actor, p Payer) (Payer, error) {
	if err := p.Validate(); err != nil {
		return p, err
	}
	p.ID = newID()
	err := s.tx(ctx, func(tx pgx.Tx) error {
		if err := requireScope(ctx, tx, a, PermPayerWrite, p.OrgID); err != nil {
			return orgMissing()
		}
		r, err := pgq.New(tx).InsertPayer(ctx, pgq.InsertPayerParams{ID: p.ID, OrgID: p.OrgID, PayerID: p.PayerID, Name: p.Name,
			Clearinghouse: p.Clearinghouse, ClearinghousePayer: p.ClearinghousePayer, EnrollmentRequired: p.EnrollmentRequired})
		p.CreatedAt, p.UpdatedAt = r.CreatedAt, r.UpdatedAt
		if _, dup := isPgCode(err, "23505"); dup {
			return &ValidationError{Fields: []FieldProblem{{Pointer: "/payer_id", Detail: "is already registered at this organisation"}}}
		}
		return err
	})
	return p, err
}

// GetPayer reads a payer.
func (s *Store) GetPayer(ctx context.Context, a Actor, id string) (Payer, error) {
	var p Payer
	if !validID(id) {
		return p, ErrNotFound
	}
	err := s.tx(ctx, func(tx pgx.Tx) (err error) {
		if p, err = getPayer(ctx, tx, id); err != nil {
			return err
		}
		// Payers set up higher in the tree serve the organisations below.
		if a == System {
			return nil
		}
		ok, err := pgq.New(tx).InScopeOrAbove(ctx, pgq.InScopeOrAboveParams{Actor: a.UserID, Perm: PermPayerRead, Org: p.OrgID})
		if err != nil {
			return err
		}
		if !ok {
			return ErrNotFound
		}
		return nil
	})
	return p, err
}

// UpdatePayer applies a patch.
func (s *Store) UpdatePayer(ctx context.Context, a Actor, id string, ch PayerPatch) (Payer, error) {
	var p Payer
	if !validID(id) {
		return p, ErrNotFound
	}
	err := s.tx(ctx, func(tx pgx.Tx) (err error) {
		db := pgq.New(tx)
		r, err := db.GetPayerForUpdate(ctx, id)
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		p = Payer(r)
		if err := requireScope(ctx, tx, a, PermPayerWrite, p.OrgID); err != nil {
			return err
		}
		set(&p.Name, ch.Name)
		set(&p.Clearinghouse, ch.Clearinghouse)
		set(&p.ClearinghousePayer, ch.ClearinghousePayer)
		set(&p.EnrollmentRequired, ch.EnrollmentRequired)
		if err := p.Validate(); err != nil {
			return err
		}
		p.UpdatedAt, err = db.UpdatePayer(ctx, pgq.UpdatePayerParams{ID: p.ID, Name: p.Name, Clearinghouse: p.Clearinghouse,
			ClearinghousePayer: p.ClearinghousePayer, EnrollmentRequired: p.EnrollmentRequired})
		return err
	})
	return p, err
}

// ListPayers lists payers visible to the actor.
func (s *Store) ListPayers(ctx context.Context, a Actor, p Page) ([]Payer, string, error) {
	after, err := p.AfterID()
	if err != nil {
		return nil, "", err
	}
	rows, err := pgq.New(s.Pool).ListPayers(ctx, pgq.ListPayersParams{Actor: nullText(a.UserID), Perm: PermPayerRead,
		After: after, RowLimit: int32(p.Size())})
	if err != nil {
		return nil, "", err
	}
	out := make([]Payer, len(rows))
	for i, r := range rows {
		out[i] = Payer(r)
	}
	return out, nextCursor(len(out), p, func() string { return out[len(out)-1].ID }), nil
}
