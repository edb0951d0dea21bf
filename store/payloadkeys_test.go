package store_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
	"google.golang.org/protobuf/proto"

	"github.com/claimflow/claimflow/internal/testenv"
	"github.com/claimflow/claimflow/keyring"
	"github.com/claimflow/claimflow/payloadcodec"
	"github.com/claimflow/claimflow/store"
)

// TestWorkflowTenant: the organisation owning a workflow is read from its
// ID (the claim's organisation for claim/<id>, the provider's for a
// waitlist slot); IDs that name no record belong to no organisation.
func TestWorkflowTenant(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	c := newClaim(t, f)
	start := time.Date(2030, 1, 7, 15, 0, 0, 0, time.UTC)
	appt, err := f.s.Book(ctx, f.deskA, store.Booking{ProviderID: f.provA.ID, PatientID: f.patientA.ID, VisitType: "new", StartsAt: start, EndsAt: start.Add(30 * time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ wid, want string }{
		{"claim/" + c.ID, f.facA.ID},
		{"reminder/" + appt.ID, f.facA.ID},
		{"eligibility/" + appt.ID + "/2030-01-06", f.facA.ID},
		{"statement/" + c.ID + "-TRACE1", f.facA.ID},
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

// TestKeyRotationRewrapsPayloadKeys: keys rotate re-wraps the per-tenant
// payload keys under the new KEK version, and payloads sealed before still
// open.
func TestKeyRotationRewrapsPayloadKeys(t *testing.T) {
	ctx := context.Background()
	s, _ := testenv.Store(t)
	k, err := keyring.OpenLocal(filepath.Join(t.TempDir(), "kek.json"))
	if err != nil {
		t.Fatal(err)
	}
	s.UseKeys(store.KeysFrom[*keyring.DataKey](k))
	root, err := s.CreateOrg(ctx, store.System, store.Org{Kind: "health_system", Name: "TEST"})
	if err != nil {
		t.Fatal(err)
	}
	p, err := converter.GetDefaultDataConverter().ToPayload("TESTPATIENT-ROTATE")
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := payloadcodec.New(k, s).EncodeFor(ctx, root.ID, []*commonpb.Payload{p})
	if err != nil {
		t.Fatal(err)
	}
	old := k.CurrentKeyID()
	if _, err := k.KEK().(*keyring.LocalKEK).Rotate(); err != nil {
		t.Fatal(err)
	}
	rep, err := s.RotateKeys(ctx, 10)
	if err != nil || rep["payload_keys"] != 1 {
		t.Fatalf("rotated %v (%v), want 1 payload key", rep, err)
	}
	w, _, err := s.PayloadKey(ctx, payloadcodec.KeyIDOf(sealed[0]))
	if err != nil {
		t.Fatal(err)
	}
	if id, _ := keyring.WrappedKeyID(w); id == old || id != k.CurrentKeyID() {
		t.Fatalf("payload key wrapped under %q, want the new version %q", id, k.CurrentKeyID())
	}
	dec, err := payloadcodec.New(k, s).Decode(sealed)
	if err != nil || !proto.Equal(dec[0], p) {
		t.Fatalf("after rotation: %v", err)
	}
}

// TestRecordArchiveRead (issue 14, finding 8): decrypting an archived file
// is audited under each organisation whose records the file carries, or
// without one when none is known.
func TestRecordArchiveRead(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	c := newClaim(t, f)
	hash := strings.Repeat("ab", 32)
	if _, err := f.s.Pool.Exec(ctx, `INSERT INTO claim_status_inquiries (claim_id, attempt, trace, partner, request_key) VALUES ($1, 1, 'TRACE1', 'local', $2)`, c.ID, hash); err != nil {
		t.Fatal(err)
	}
	op := store.Actor{SourceIP: "cli", RequestID: "cli archive get by tester@host"}
	orgs, err := f.s.RecordArchiveRead(ctx, op, hash)
	if err != nil || len(orgs) != 1 || orgs[0] != f.facA.ID {
		t.Fatalf("orgs = %v (%v), want [%s]", orgs, err, f.facA.ID)
	}
	unknown := strings.Repeat("cd", 32)
	if orgs, err := f.s.RecordArchiveRead(ctx, op, unknown); err != nil || len(orgs) != 0 {
		t.Fatalf("unknown file: orgs %v (%v)", orgs, err)
	}
	for _, tc := range []struct {
		hash string
		org  any
	}{{hash, f.facA.ID}, {unknown, nil}} {
		var n int
		err := f.s.Pool.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE resource = 'archive_file' AND action = 'read' AND resource_id = $1
			AND org_id IS NOT DISTINCT FROM $2::uuid AND request_id = $3 AND source_ip = 'cli'`, tc.hash, tc.org, op.RequestID).Scan(&n)
		if err != nil || n != 1 {
			t.Errorf("audit rows for %s = %d (%v), want 1", tc.hash[:4], n, err)
		}
	}
	if rep, err := f.s.VerifyAudit(ctx); err != nil || !rep.OK {
		t.Fatalf("verify = %+v, %v", rep, err)
	}
}
