package store

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/claimflow/claimflow/store/internal/pgq"
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
		r, err := pgq.New(tx).InsertProvider(ctx, pgq.InsertProviderParams{ID: p.ID, OrgID: p.OrgID, Npi: p.NPI, FirstName: p.FirstName,
			LastName: p.LastName, Taxonomy: p.Taxonomy, Credentials: p.Credentials})
		p.CreatedAt, p.UpdatedAt = r.CreatedAt, r.UpdatedAt
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
		set(&p.FirstName, ch.FirstName)
		set(&p.LastName, ch.LastName)
		set(&p.Taxonomy, ch.Taxonomy)
		set(&p.Credentials, ch.Credentials)
		if err := p.validate(); err != nil {
			return err
		}
		p.UpdatedAt, err = db.UpdateProvider(ctx, pgq.UpdateProviderParams{ID: p.ID, FirstName: p.FirstName, LastName: p.LastName,
			Taxonomy: p.Taxonomy, Credentials: p.Credentials})
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
	after, err := p.after()
	if err != nil {
		return nil, "", err
	}
	rows, err := pgq.New(s.Pool).ListProviders(ctx, pgq.ListProvidersParams{Actor: nullText(a.UserID), Perm: PermProviderRead,
		After: after, RowLimit: int32(p.limit()), Npi: nullText(npi)})
	if err != nil {
		return nil, "", err
	}
	out := make([]Provider, len(rows))
	for i, r := range rows {
		out[i] = provider(pgq.GetProviderRow(r))
	}
	return out, nextCursor(len(out), p, func() string { return out[len(out)-1].ID }), nil
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
	if err := p.validate(); err != nil {
		return p, err
	}
	p.ID = newID()
	err := s.tx(ctx, func(tx pgx.Tx) error {
		if err := requireScope(ctx, tx, a, PermPayerWrite, p.OrgID); err != nil {
			return orgMissing()
		}
		r, err := pgq.New(tx).InsertPayer(ctx, pgq.InsertPayerParams{ID: p.ID, OrgID: p.OrgID, PayerID: p.PayerID, Name: p.Name,
			Clearinghouse: p.Clearinghouse, ClearinghousePayer: p.ClearinghousePayer})
		p.CreatedAt, p.UpdatedAt = r.CreatedAt, r.UpdatedAt
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
		if err := p.validate(); err != nil {
			return err
		}
		p.UpdatedAt, err = db.UpdatePayer(ctx, pgq.UpdatePayerParams{ID: p.ID, Name: p.Name, Clearinghouse: p.Clearinghouse,
			ClearinghousePayer: p.ClearinghousePayer})
		return err
	})
	return p, err
}

// ListPayers lists payers visible to the actor.
func (s *Store) ListPayers(ctx context.Context, a Actor, p Page) ([]Payer, string, error) {
	after, err := p.after()
	if err != nil {
		return nil, "", err
	}
	rows, err := pgq.New(s.Pool).ListPayers(ctx, pgq.ListPayersParams{Actor: nullText(a.UserID), Perm: PermPayerRead,
		After: after, RowLimit: int32(p.limit())})
	if err != nil {
		return nil, "", err
	}
	out := make([]Payer, len(rows))
	for i, r := range rows {
		out[i] = Payer(r)
	}
	return out, nextCursor(len(out), p, func() string { return out[len(out)-1].ID }), nil
}
