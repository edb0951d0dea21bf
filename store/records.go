package store

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
)

// CreateProvider adds a provider (provider:write at its organisation).
func (s *Store) CreateProvider(ctx context.Context, a Actor, p Provider) (Provider, error) {
	if err := p.Validate(); err != nil {
		return p, err
	}
	p.ID = newID()
	err := s.tx(ctx, func(tx pgx.Tx) error {
		if err := requireScope(ctx, tx, a, PermProviderWrite, p.OrgID); err != nil {
			return orgMissing()
		}
		err := tx.QueryRow(ctx, q("InsertProvider"), p.ID, p.OrgID, p.NPI, p.FirstName, p.LastName, p.Taxonomy, p.Credentials).Scan(&p.CreatedAt, &p.UpdatedAt)
		if _, dup := isPgCode(err, "23505"); dup {
			return &ValidationError{Fields: []FieldProblem{{Pointer: "/npi", Detail: "is already registered at this organisation"}}}
		}
		return err
	})
	return p, err
}

func orgMissing() error {
	return &ValidationError{Fields: []FieldProblem{{Pointer: "/org_id", Detail: "does not exist"}}}
}

func scanProvider(r pgx.Row) (Provider, error) {
	var p Provider
	err := r.Scan(&p.ID, &p.OrgID, &p.NPI, &p.FirstName, &p.LastName, &p.Taxonomy, &p.Credentials, &p.CreatedAt, &p.UpdatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		err = ErrNotFound
	}
	return p, err
}

// GetProvider reads a provider.
func (s *Store) GetProvider(ctx context.Context, a Actor, id string) (Provider, error) {
	var p Provider
	if !validID(id) {
		return p, ErrNotFound
	}
	err := s.tx(ctx, func(tx pgx.Tx) (err error) {
		if p, err = scanProvider(tx.QueryRow(ctx, q("GetProvider"), id)); err != nil {
			return err
		}
		return requireScope(ctx, tx, a, PermProviderRead, p.OrgID)
	})
	return p, err
}

// UpdateProvider applies a patch.
func (s *Store) UpdateProvider(ctx context.Context, a Actor, id string, ch ProviderPatch) (Provider, error) {
	var p Provider
	if !validID(id) {
		return p, ErrNotFound
	}
	err := s.tx(ctx, func(tx pgx.Tx) (err error) {
		if p, err = scanProvider(tx.QueryRow(ctx, q("GetProviderForUpdate"), id)); err != nil {
			return err
		}
		if err := requireScope(ctx, tx, a, PermProviderWrite, p.OrgID); err != nil {
			return err
		}
		set(&p.FirstName, ch.FirstName)
		set(&p.LastName, ch.LastName)
		set(&p.Taxonomy, ch.Taxonomy)
		set(&p.Credentials, ch.Credentials)
		if err := p.Validate(); err != nil {
			return err
		}
		return tx.QueryRow(ctx, q("UpdateProvider"), p.ID, p.FirstName, p.LastName, p.Taxonomy, p.Credentials).Scan(&p.UpdatedAt)
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
	rows, err := s.Pool.Query(ctx, q("ListProviders"), nullable(a.UserID), PermProviderRead, after, p.Size(), nullable(npi))
	if err != nil {
		return nil, "", err
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Provider, error) { return scanProvider(r) })
	return out, nextCursor(len(out), p, func() string { return out[len(out)-1].ID }), err
}

func scanPayer(r pgx.Row) (Payer, error) {
	var p Payer
	err := r.Scan(&p.ID, &p.OrgID, &p.PayerID, &p.Name, &p.Clearinghouse, &p.ClearinghousePayer, &p.CreatedAt, &p.UpdatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		err = ErrNotFound
	}
	return p, err
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
		err := tx.QueryRow(ctx, q("InsertPayer"), p.ID, p.OrgID, p.PayerID, p.Name, p.Clearinghouse, p.ClearinghousePayer).Scan(&p.CreatedAt, &p.UpdatedAt)
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
		if p, err = scanPayer(tx.QueryRow(ctx, q("GetPayer"), id)); err != nil {
			return err
		}
		// Payers set up higher in the tree serve the organisations below.
		if a == System {
			return nil
		}
		var ok bool
		if err := tx.QueryRow(ctx, q("InScopeOrAbove"), a.UserID, PermPayerRead, p.OrgID).Scan(&ok); err != nil {
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
		if p, err = scanPayer(tx.QueryRow(ctx, q("GetPayerForUpdate"), id)); err != nil {
			return err
		}
		if err := requireScope(ctx, tx, a, PermPayerWrite, p.OrgID); err != nil {
			return err
		}
		set(&p.Name, ch.Name)
		set(&p.Clearinghouse, ch.Clearinghouse)
		set(&p.ClearinghousePayer, ch.ClearinghousePayer)
		if err := p.Validate(); err != nil {
			return err
		}
		return tx.QueryRow(ctx, q("UpdatePayer"), p.ID, p.Name, p.Clearinghouse, p.ClearinghousePayer).Scan(&p.UpdatedAt)
	})
	return p, err
}

// ListPayers lists payers visible to the actor.
func (s *Store) ListPayers(ctx context.Context, a Actor, p Page) ([]Payer, string, error) {
	after, err := p.AfterID()
	if err != nil {
		return nil, "", err
	}
	rows, err := s.Pool.Query(ctx, q("ListPayers"), nullable(a.UserID), PermPayerRead, after, p.Size())
	if err != nil {
		return nil, "", err
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Payer, error) { return scanPayer(r) })
	return out, nextCursor(len(out), p, func() string { return out[len(out)-1].ID }), err
}
