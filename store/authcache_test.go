package store_test

import (
	"context"
	"testing"

	"github.com/claimflow/claimflow/store"
)

// TestTokenCacheSeesGrantsAtOnce: an API token's principal is cached
// briefly, but a grant clears the cache, so new permissions apply to the
// very next request.
func TestTokenCacheSeesGrantsAtOnce(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	u, _, err := f.s.CreateUser(ctx, store.System, store.NewUser{OrgID: f.facA.ID, Kind: "system", Login: "cache-user", DisplayName: "cache"})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.s.Grant(ctx, store.System, u.ID, f.facA.ID, "clinician"); err != nil {
		t.Fatal(err)
	}
	tok, err := f.s.CreateAPIToken(ctx, store.System, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	for range 2 { // the second answer comes from the cache
		p, err := f.s.Authenticate(ctx, tok)
		if err != nil || p.Permissions[store.PermClaimRead] || !p.Permissions[store.PermEncounterRead] {
			t.Fatalf("before the grant: %+v, %v", p.Permissions, err)
		}
	}
	if err := f.s.Grant(ctx, store.System, u.ID, f.facA.ID, "biller"); err != nil {
		t.Fatal(err)
	}
	p, err := f.s.Authenticate(ctx, tok)
	if err != nil || !p.Permissions[store.PermClaimRead] {
		t.Fatalf("after granting biller: %+v, %v; want claim:read at once", p.Permissions, err)
	}
	if _, err := f.s.Authenticate(ctx, tok+"x"); err == nil {
		t.Error("a wrong token authenticated")
	}
}
