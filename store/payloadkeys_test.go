package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/claimflow/claimflow/store"
)

// TestWorkflowTenant: the organisation owning a workflow is read from its
// ID (the claim's organisation for claim/<id>, the provider's for a
// waitlist slot); IDs that name no record belong to no organisation.
func TestWorkflowTenant(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	c := newClaim(t, f)
	for _, tc := range []struct{ wid, want string }{
		{"claim/" + c.ID, f.facA.ID},
		{"waitlist/" + f.provB.ID + "@20300107T0900Z", f.facB.ID},
		{"claim/00000000-0000-7000-8000-000000000000", ""},
		{"claim/not-a-uuid", ""},
		{"batch/local/2030-01-07T09:00:00Z", ""},
		{"remit/ZZPAYER1/TRACE1", ""},
		{"", ""},
	} {
		got, err := f.s.WorkflowTenant(ctx, tc.wid)
		if err != nil {
			t.Fatalf("%q: %v", tc.wid, err)
		}
		if got != tc.want {
			t.Errorf("WorkflowTenant(%q) = %q, want %q", tc.wid, got, tc.want)
		}
	}
}

// TestDecodablePayloadKey (issue 14, finding 2): the codec server's only
// way to a payload key returns it to holders of workflow:decode at the
// key's organisation or above, never to another organisation's engineer;
// the system key needs the platform grant, which only the operator gives.
func TestDecodablePayloadKey(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	keyA, keySys := "v2/org/"+f.facA.ID+"/2030-01", "v2/system/2030-01"
	if _, err := f.s.EnsurePayloadKey(ctx, keyA, f.facA.ID, []byte("wrapped-a")); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.EnsurePayloadKey(ctx, keySys, "", []byte("wrapped-sys")); err != nil {
		t.Fatal(err)
	}
	// A second EnsurePayloadKey keeps the first key.
	if w, err := f.s.EnsurePayloadKey(ctx, keyA, f.facA.ID, []byte("other")); err != nil || string(w) != "wrapped-a" {
		t.Fatalf("second ensure = %q, %v; want the first key", w, err)
	}
	// A key id naming another organisation than its owner is refused.
	if _, err := f.s.EnsurePayloadKey(ctx, "v2/org/"+f.facB.ID+"/2030-01", f.facA.ID, []byte("x")); err == nil {
		t.Fatal("stored a key whose id names another organisation")
	}

	engA := userWithRole(t, f.s, f.facA.ID, "eng-a", "engineer")
	engB := userWithRole(t, f.s, f.facB.ID, "eng-b", "engineer")
	engRoot := userWithRole(t, f.s, f.root.ID, "eng-root", "engineer")
	platform := userWithRole(t, f.s, f.facB.ID, "platform", "engineer")
	for _, tc := range []struct {
		name    string
		a       store.Actor
		id      string
		want    error
		wantOrg string
	}{
		{"own org", engA, keyA, nil, f.facA.ID},
		{"ancestor grant", engRoot, keyA, nil, f.facA.ID},
		{"sibling org", engB, keyA, store.ErrDecodeRefused, f.facA.ID},
		{"front desk", f.deskA, keyA, store.ErrDecodeRefused, f.facA.ID},
		{"system key without grant", engRoot, keySys, store.ErrDecodeRefused, ""},
		{"unknown key", engA, "v2/org/" + f.facA.ID + "/1999-01", store.ErrNotFound, ""},
	} {
		w, org, err := f.s.DecodablePayloadKey(ctx, tc.a, tc.id)
		if !errors.Is(err, tc.want) || org != tc.wantOrg {
			t.Errorf("%s: org %q err %v; want org %q err %v", tc.name, org, err, tc.wantOrg, tc.want)
		}
		if tc.want != nil && w != nil {
			t.Errorf("%s: a refused lookup returned the key", tc.name)
		}
	}
	// Only the operator grants the platform permission.
	if err := f.s.GrantPlatform(ctx, f.admin, platform.UserID, store.PermWorkflowDecodeSystem); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("an org admin granted a platform permission: %v", err)
	}
	if err := f.s.GrantPlatform(ctx, store.System, platform.UserID, store.PermWorkflowDecodeSystem); err != nil {
		t.Fatal(err)
	}
	if w, _, err := f.s.DecodablePayloadKey(ctx, platform, keySys); err != nil || string(w) != "wrapped-sys" {
		t.Fatalf("platform engineer: %q %v", w, err)
	}
	if ok, err := f.s.MayDecodeSystem(ctx, platform); err != nil || !ok {
		t.Fatalf("MayDecodeSystem = %v, %v", ok, err)
	}
	// The platform grant is no grant at any organisation.
	if _, _, err := f.s.DecodablePayloadKey(ctx, platform, keyA); !errors.Is(err, store.ErrDecodeRefused) {
		t.Fatalf("platform engineer of org B read org A's key: %v", err)
	}
}
