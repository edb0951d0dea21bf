package store

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Provider is a rendering or billing provider. Provider data is not PHI.
type Provider struct {
	ID          string    `json:"id"`
	OrgID       string    `json:"org_id"`
	NPI         string    `json:"npi"`
	FirstName   string    `json:"first_name"`
	LastName    string    `json:"last_name"`
	Taxonomy    string    `json:"taxonomy"`
	Credentials []string  `json:"credentials"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// ValidNPI reports whether npi is ten digits whose last is the Luhn check
// digit computed over the 80840 prefix and the first nine.
func ValidNPI(npi string) bool {
	if len(npi) != 10 {
		return false
	}
	s := "80840" + npi
	sum := 0
	for i := len(s) - 1; i >= 0; i-- {
		c := s[i]
		if c < '0' || c > '9' {
			return false
		}
		d := int(c - '0')
		if (len(s)-1-i)%2 == 1 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return sum%10 == 0
}

var taxonomyRE = regexp.MustCompile(`^[0-9A-Z]{9}X$`)

func (p *Provider) validate() error {
	var pr problems
	if !validID(p.OrgID) {
		pr.add("/org_id", "is required")
	}
	if !ValidNPI(p.NPI) {
		pr.add("/npi", "is not a valid NPI (10 digits, Luhn check digit with the 80840 prefix)")
	}
	if strings.TrimSpace(p.LastName) == "" {
		pr.add("/last_name", "is required")
	}
	pr.x12Text("/first_name", p.FirstName)
	pr.x12Text("/last_name", p.LastName)
	if !taxonomyRE.MatchString(p.Taxonomy) {
		pr.add("/taxonomy", "is not a provider taxonomy code (10 characters ending in X)")
	}
	if p.Credentials == nil {
		p.Credentials = []string{}
	}
	return pr.err()
}

// CreateProvider adds a provider (provider:write at its organisation).
func (s *Store) CreateProvider(ctx context.Context, a Actor, p Provider) (Provider, error) {
	if err := p.validate(); err != nil {
		return p, err
	}
	p.ID = newID()
	err := s.tx(ctx, func(tx pgx.Tx) error {
		if err := requireScope(ctx, tx, a, PermProviderWrite, p.OrgID); err != nil {
			return orgMissing()
		}
		err := tx.QueryRow(ctx, q("InsertProvider"), p.ID, p.OrgID, p.NPI, p.FirstName, p.LastName, p.Taxonomy, p.Credentials).Scan(&p.CreatedAt, &p.UpdatedAt)
		if _, dup := isPgCode(err, "23505"); dup {
			return &ValidationError{Fields: []FieldProblem{{"/npi", "is already registered at this organisation"}}}
		}
		return err
	})
	return p, err
}

func orgMissing() error {
	return &ValidationError{Fields: []FieldProblem{{"/org_id", "does not exist"}}}
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
	return readScoped(ctx, s, a, id, scopedRead[Provider]{
		perm: PermProviderRead,
		get: func(ctx context.Context, tx pgx.Tx) (Provider, error) {
			return scanProvider(tx.QueryRow(ctx, q("GetProvider"), id))
		},
		org: func(p Provider) string { return p.OrgID },
	})
}

// ProviderPatch changes some of a provider's fields.
type ProviderPatch struct {
	FirstName   *string   `json:"first_name"`
	LastName    *string   `json:"last_name"`
	Taxonomy    *string   `json:"taxonomy"`
	Credentials *[]string `json:"credentials"`
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
		if err := p.validate(); err != nil {
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
	after, err := p.after()
	if err != nil {
		return nil, "", err
	}
	rows, err := s.Pool.Query(ctx, q("ListProviders"), nullable(a.UserID), PermProviderRead, after, p.limit(), nullable(npi))
	if err != nil {
		return nil, "", err
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Provider, error) { return scanProvider(r) })
	return out, nextCursor(len(out), p, func() string { return out[len(out)-1].ID }), err
}

// Payer is an insurance payer and how claims reach it.
type Payer struct {
	ID                 string    `json:"id"`
	OrgID              string    `json:"org_id"`
	PayerID            string    `json:"payer_id"`
	Name               string    `json:"name"`
	Clearinghouse      string    `json:"clearinghouse"`
	ClearinghousePayer string    `json:"clearinghouse_payer_id"`
	CreatedAt          time.Time `json:"created_at"`
	UpdatedAt          time.Time `json:"updated_at"`
}

var payerIDRE = regexp.MustCompile(`^[0-9A-Z]{2,80}$`)

func (p *Payer) validate() error {
	var pr problems
	if !validID(p.OrgID) {
		pr.add("/org_id", "is required")
	}
	if !payerIDRE.MatchString(p.PayerID) {
		pr.add("/payer_id", "must be 2 to 80 upper-case letters or digits")
	}
	if strings.TrimSpace(p.Name) == "" {
		pr.add("/name", "is required")
	}
	pr.x12Text("/name", p.Name)
	pr.x12Text("/clearinghouse_payer_id", p.ClearinghousePayer)
	if strings.TrimSpace(p.Clearinghouse) == "" {
		pr.add("/clearinghouse", "is required")
	}
	return pr.err()
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
	if err := p.validate(); err != nil {
		return p, err
	}
	p.ID = newID()
	err := s.tx(ctx, func(tx pgx.Tx) error {
		if err := requireScope(ctx, tx, a, PermPayerWrite, p.OrgID); err != nil {
			return orgMissing()
		}
		err := tx.QueryRow(ctx, q("InsertPayer"), p.ID, p.OrgID, p.PayerID, p.Name, p.Clearinghouse, p.ClearinghousePayer).Scan(&p.CreatedAt, &p.UpdatedAt)
		if _, dup := isPgCode(err, "23505"); dup {
			return &ValidationError{Fields: []FieldProblem{{"/payer_id", "is already registered at this organisation"}}}
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

// PayerPatch changes some of a payer's fields.
type PayerPatch struct {
	Name               *string `json:"name"`
	Clearinghouse      *string `json:"clearinghouse"`
	ClearinghousePayer *string `json:"clearinghouse_payer_id"`
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
		if err := p.validate(); err != nil {
			return err
		}
		return tx.QueryRow(ctx, q("UpdatePayer"), p.ID, p.Name, p.Clearinghouse, p.ClearinghousePayer).Scan(&p.UpdatedAt)
	})
	return p, err
}

// ListPayers lists payers visible to the actor.
func (s *Store) ListPayers(ctx context.Context, a Actor, p Page) ([]Payer, string, error) {
	after, err := p.after()
	if err != nil {
		return nil, "", err
	}
	rows, err := s.Pool.Query(ctx, q("ListPayers"), nullable(a.UserID), PermPayerRead, after, p.limit())
	if err != nil {
		return nil, "", err
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Payer, error) { return scanPayer(r) })
	return out, nextCursor(len(out), p, func() string { return out[len(out)-1].ID }), err
}
