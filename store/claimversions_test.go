package store_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/claimflow/claimflow/rcm"
	"github.com/claimflow/claimflow/store"
)

// TestClaimEditsAreVersioned: a correctable claim's edit is stored as its
// next version (the original stays readable as version 0, every edit keeps
// its editor's name and note), the claim bundle (what the 837 is built
// from) carries the latest version, and the sealed data is not in the row
// in clear. A claim that does not wait for a correction cannot be edited;
// invalid edits name their fields; another facility's biller can neither
// read nor edit the claim.
func TestClaimEditsAreVersioned(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	c := newClaim(t, f)
	biller := userWithRole(t, f.s, f.facA.ID, "biller-a", "biller")
	edit := rcm.ClaimEdit{Diagnoses: []string{"J06.9", "R05.9"},
		Charges:  []rcm.Charge{{Code: "99214", Modifiers: []string{"25"}, DiagnosisPointers: []int{1, 2}, Units: 1, AmountCents: 15000}},
		MemberID: "ZZ0000777", Note: "payer denied for diagnosis"}

	// Draft: not waiting for a correction.
	var nc *rcm.NotCorrectableError
	if _, err := f.s.EditClaim(ctx, biller, c.ID, edit); !errors.As(err, &nc) || !errors.Is(err, rcm.ErrConflict) {
		t.Fatalf("edit of a draft claim: %v, want not correctable", err)
	}
	at := time.Date(2030, 1, 8, 9, 0, 0, 0, time.UTC)
	for i, st := range []string{"scrubbing", "scrub_failed"} {
		if err := f.s.RecordClaimProgress(ctx, store.ClaimProgress{ClaimID: c.ID, Attempt: 1, Seq: i + 1, Status: st, At: at}); err != nil {
			t.Fatal(err)
		}
	}

	// Invalid edits name the fields.
	bad := rcm.ClaimEdit{Diagnoses: []string{"12345"}, Charges: []rcm.Charge{{Code: "9921", DiagnosisPointers: []int{2}, Units: 1, AmountCents: 100}}, MemberID: "*"}
	_, err := f.s.EditClaim(ctx, biller, c.ID, bad)
	var ve *rcm.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("invalid edit: %v", err)
	}
	var ptrs []string
	for _, p := range ve.Fields {
		ptrs = append(ptrs, p.Pointer)
	}
	for _, want := range []string{"/diagnoses/0", "/charges/0/code", "/charges/0/diagnosis_pointers/0", "/member_id"} {
		if !strings.Contains(strings.Join(ptrs, " "), want) {
			t.Errorf("invalid edit fields %v lack %s", ptrs, want)
		}
	}
	if _, err := f.s.EditClaim(ctx, biller, c.ID, rcm.ClaimEdit{RenderingProviderID: f.provB.ID}); !errors.As(err, &ve) || ve.Fields[0].Pointer != "/rendering_provider_id" {
		t.Errorf("another facility's provider: %v", err)
	}

	// Another facility's biller: not found, for the edit and the history.
	other := userWithRole(t, f.s, f.facB.ID, "biller-b", "biller")
	if _, err := f.s.EditClaim(ctx, other, c.ID, edit); !errors.Is(err, rcm.ErrNotFound) {
		t.Errorf("edit by another facility: %v, want not found", err)
	}
	if _, err := f.s.ListClaimVersions(ctx, other, c.ID); !errors.Is(err, rcm.ErrNotFound) {
		t.Errorf("versions read by another facility: %v, want not found", err)
	}

	v1, err := f.s.EditClaim(ctx, biller, c.ID, edit)
	if err != nil {
		t.Fatal(err)
	}
	if v1.Version != 1 || v1.TotalCents != 15000 || v1.Charges[0].Line != 1 {
		t.Errorf("first edit = %+v", v1)
	}
	v2, err := f.s.EditClaim(ctx, biller, c.ID, rcm.ClaimEdit{Diagnoses: []string{"J02.9"}, Charges: []rcm.Charge{{Code: "99213", DiagnosisPointers: []int{1}, Units: 2, AmountCents: 9000}}, Note: "second look"})
	if err != nil {
		t.Fatal(err)
	}
	if v2.Version != 2 || v2.MemberID != "ZZ0000777" {
		t.Errorf("second edit = %+v (the member ID of version 1 stays)", v2)
	}

	vs, err := f.s.ListClaimVersions(ctx, biller, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) != 3 || vs[0].Version != 0 || vs[0].Diagnoses[0] != "Z00.00" || vs[0].MemberID != "ZZ0000001" ||
		vs[1].Diagnoses[0] != "J06.9" || vs[1].Note != "payer denied for diagnosis" || vs[1].EditedByName != "biller-a" ||
		vs[2].Diagnoses[0] != "J02.9" || vs[2].EditedBy != biller.UserID {
		t.Fatalf("versions = %+v", vs)
	}

	b, err := f.s.GetClaimBundle(ctx, store.System, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(b.Encounter.Diagnoses, ",") != "J02.9" || b.Encounter.Charges[0].Units != 2 || b.Claim.TotalCents != 9000 ||
		b.Coverage.MemberID != "ZZ0000777" {
		t.Errorf("bundle after edits: dx %v charges %+v total %d member %s", b.Encounter.Diagnoses, b.Encounter.Charges, b.Claim.TotalCents, b.Coverage.MemberID)
	}
	if got := claimStatus(t, f, c.ID); got.TotalCents != 9000 || got.Status != "scrub_failed" {
		t.Errorf("claim after edits: total %d status %s (the edit changes the total, never the status)", got.TotalCents, got.Status)
	}

	// Sealed at rest: the stored row does not hold the diagnosis or the member ID.
	conn, err := pgx.Connect(ctx, f.dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var raw []byte
	if err := conn.QueryRow(ctx, `SELECT data FROM claim_versions WHERE claim_id = $1 AND version = 1`, c.ID).Scan(&raw); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(raw), "J06") || strings.Contains(string(raw), "ZZ0000777") {
		t.Error("claim version stored in clear")
	}
}
