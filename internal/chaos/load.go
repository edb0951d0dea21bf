package chaos

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/claimflow/claimflow/store"
)

// State is what one chaos run loaded, written by `claimflow-chaos load`
// and read by the commands after it.
type State struct {
	Run       string    `json:"run"`
	OrgID     string    `json:"org_id"`
	Token     string    `json:"token"`
	APIs      []string  `json:"apis"`
	Started   time.Time `json:"started"`
	Claims    []string  `json:"claims"`
	Providers []string  `json:"providers"`
	Patients  []string  `json:"patients"`
	// Retried counts API attempts that failed and were retried while
	// loading (a fault during the load shows here).
	Retried int64 `json:"retried"`
}

// Save writes s to path as JSON (mode 0600: it holds a bearer token).
func (s State) Save(path string) error {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o600)
}

// LoadState reads a State written by Save.
func LoadState(path string) (State, error) {
	var s State
	b, err := os.ReadFile(path)
	if err != nil {
		return s, err
	}
	return s, json.Unmarshal(b, &s)
}

// NewTenant creates an organisation with a billing profile and an admin
// API token through the store, as an operator provisions one (the API has
// no route that creates organisations).
func NewTenant(ctx context.Context, st *store.Store, run string) (orgID, token string, err error) {
	org, err := st.CreateOrg(ctx, store.System, store.Org{Kind: "health_system", Name: "CHAOS " + run})
	if err != nil {
		return "", "", err
	}
	u, _, err := st.CreateUser(ctx, store.System, store.NewUser{OrgID: org.ID, Kind: "system", Login: "chaos-" + run, DisplayName: "CHAOS " + run})
	if err != nil {
		return "", "", err
	}
	if err := st.Grant(ctx, store.System, u.ID, org.ID, "admin"); err != nil {
		return "", "", err
	}
	tok, err := st.CreateAPIToken(ctx, store.System, u.ID)
	if err != nil {
		return "", "", err
	}
	err = st.PutBillingProfile(ctx, store.BillingProfile{OrgID: org.ID, Name: "CHAOS HEALTH", NPI: "1245319599", TaxID: "000000001",
		Taxonomy: "207Q00000X", AddressLine1: "1 TEST WAY", City: "TESTVILLE", State: "NY", Zip: "999990001",
		SubmitterID: "ZZSUBMIT1", ContactName: "BILLING", ContactPhone: "5550100000"})
	return org.ID, tok, err
}

type idOnly struct {
	ID string `json:"id"`
}

// LoadClaims creates n claims through the API (patient, coverage,
// encounter, claim; the sample payer pays 90.00 of 150.00 for member
// ZZ0000006), conc at a time, each request under its own Idempotency-Key,
// and records their IDs in s. It also creates the providers and patients
// bookings use.
func LoadClaims(ctx context.Context, c *Client, s *State, n, conc int) error {
	key := func(parts ...any) string { return fmt.Sprint(append([]any{"chaos", s.Run}, parts...)...) }
	var pay idOnly
	if _, err := c.Post(ctx, "/v1/payers", key("payer"), map[string]any{"org_id": s.OrgID, "payer_id": "ZZPAYER1", "name": "TEST PAYER", "clearinghouse": "sim"}, &pay); err != nil {
		return err
	}
	// Bookings spread over a few providers; their NPIs are valid check digits.
	for i, npi := range []string{"1234567893", "1234567802", "1234567810", "1234567828"} {
		var prov, pat idOnly
		if _, err := c.Post(ctx, "/v1/providers", key("provider", i), map[string]any{"org_id": s.OrgID, "npi": npi, "first_name": "TESTDOC", "last_name": fmt.Sprintf("CHAOS%d", i), "taxonomy": "207Q00000X"}, &prov); err != nil {
			return err
		}
		if _, err := c.Post(ctx, "/v1/patients", key("booking-patient", i), map[string]any{"org_id": s.OrgID, "first_name": "TESTPATIENT", "last_name": fmt.Sprintf("BOOKING%d", i),
			"birth_date": "1980-01-01", "sex": "F", "address": "1 TEST ST, TESTVILLE, NY 99999"}, &pat); err != nil {
			return err
		}
		s.Providers = append(s.Providers, prov.ID)
		s.Patients = append(s.Patients, pat.ID)
	}
	dos := time.Now().UTC().AddDate(0, 0, -10).Format(time.DateOnly)
	ids := make([]string, n)
	var mu sync.Mutex
	var first error
	sem := make(chan struct{}, max(conc, 1))
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			err := func() error {
				var pat, cov, enc, cl idOnly
				if _, err := c.Post(ctx, "/v1/patients", key("patient", i), map[string]any{"org_id": s.OrgID, "first_name": "TESTPATIENT", "last_name": fmt.Sprintf("CHAOS%d", i),
					"birth_date": "1980-01-01", "sex": "F", "address": "1 TEST ST, TESTVILLE, NY 99999"}, &pat); err != nil {
					return err
				}
				if _, err := c.Post(ctx, "/v1/coverages", key("coverage", i), map[string]any{"patient_id": pat.ID, "payer_id": pay.ID, "member_id": "ZZ0000006", "relationship": "self", "priority": 1}, &cov); err != nil {
					return err
				}
				if _, err := c.Post(ctx, "/v1/encounters", key("encounter", i), map[string]any{"patient_id": pat.ID, "provider_id": s.Providers[i%len(s.Providers)], "date_of_service": dos, "place_of_service": "11",
					"diagnoses": []string{"E11.9"}, "charges": []map[string]any{{"code": "99213", "diagnosis_pointers": []int{1}, "units": 1, "amount_cents": 15000}}}, &enc); err != nil {
					return err
				}
				if _, err := c.Post(ctx, "/v1/claims", key("claim", i), map[string]any{"encounter_id": enc.ID}, &cl); err != nil {
					return err
				}
				ids[i] = cl.ID
				return nil
			}()
			if err != nil {
				mu.Lock()
				if first == nil {
					first = fmt.Errorf("claim %d: %w", i, err)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	s.Claims = ids
	s.Retried = c.Failures()
	return first
}
