package main

import (
	"context"
	"testing"

	"github.com/claimflow/claimflow/store"
)

// cliWorld is the set-up the practice CLI tests share: a keyed store, a
// health system with a provider and a payer, another tenant, and tokens
// made for users granted a role at an organisation.
type cliWorld struct {
	s           *store.Store
	root, other store.Org
	prov        store.Provider
	payer       store.Payer
}

// newCLIWorld names its organisations "<name> HEALTH" and "<name> OTHER";
// payer is created at the health system (its OrgID is set here).
func newCLIWorld(t *testing.T, name string, payer store.Payer) *cliWorld {
	t.Helper()
	ctx := context.Background()
	w := &cliWorld{s: keyedStore(t)}
	var err error
	if w.root, err = w.s.CreateOrg(ctx, store.System, store.Org{Kind: "health_system", Name: name + " HEALTH"}); err != nil {
		t.Fatal(err)
	}
	if w.other, err = w.s.CreateOrg(ctx, store.System, store.Org{Kind: "health_system", Name: name + " OTHER"}); err != nil {
		t.Fatal(err)
	}
	if w.prov, err = w.s.CreateProvider(ctx, store.System, store.Provider{OrgID: w.root.ID, NPI: "1234567893", FirstName: "TESTDOC", LastName: "CLI", Taxonomy: "207Q00000X"}); err != nil {
		t.Fatal(err)
	}
	payer.OrgID = w.root.ID
	if w.payer, err = w.s.CreatePayer(ctx, store.System, payer); err != nil {
		t.Fatal(err)
	}
	return w
}

// token makes a system user at org with role and returns its API token.
func (w *cliWorld) token(t *testing.T, org, login, role string) string {
	t.Helper()
	ctx := context.Background()
	u, _, err := w.s.CreateUser(ctx, store.System, store.NewUser{OrgID: org, Kind: "system", Login: login, DisplayName: "TEST " + login})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.s.Grant(ctx, store.System, u.ID, org, role); err != nil {
		t.Fatal(err)
	}
	tok, err := w.s.CreateAPIToken(ctx, store.System, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}
