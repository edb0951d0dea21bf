package rcm_test

import (
	"encoding/base64"
	"errors"
	"testing"
	"time"

	"github.com/claimflow/claimflow/rcm"
)

// pointers lists the JSON pointers of a validation error (nil for nil).
func pointers(t *testing.T, err error) []string {
	t.Helper()
	if err == nil {
		return nil
	}
	var ve *rcm.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("error %v is not a *ValidationError", err)
	}
	var out []string
	for _, f := range ve.Fields {
		out = append(out, f.Pointer)
	}
	return out
}

func TestValidNPI(t *testing.T) {
	// 1234567893 is CMS's published example of a valid NPI.
	for npi, want := range map[string]bool{
		"1234567893": true, "1234567890": false, "123456789": false, "12345678a3": false, "": false,
	} {
		if got := rcm.ValidNPI(npi); got != want {
			t.Errorf("ValidNPI(%q) = %v, want %v", npi, got, want)
		}
	}
}

func TestProviderValidate(t *testing.T) {
	org := "01890000-0000-7000-8000-000000000001"
	good := rcm.Provider{OrgID: org, NPI: "1234567893", LastName: "TESTDOC", Taxonomy: "207Q00000X"}
	if err := good.Validate(); err != nil {
		t.Fatalf("valid provider: %v", err)
	}
	if good.Credentials == nil {
		t.Error("Validate left Credentials nil; responses want []")
	}
	bad := rcm.Provider{OrgID: "x", NPI: "1234567890", Taxonomy: "207Q"}
	got := pointers(t, bad.Validate())
	want := []string{"/org_id", "/npi", "/last_name", "/taxonomy"}
	if len(got) != len(want) {
		t.Fatalf("problems = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("problem %d = %s, want %s", i, got[i], want[i])
		}
	}
}

func TestPatientValidateBirthDate(t *testing.T) {
	today := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	p := rcm.Patient{OrgID: "01890000-0000-7000-8000-000000000001", FirstName: "TESTPATIENT", LastName: "ONE", BirthDate: "2026-06-02", Sex: "U"}
	got := pointers(t, p.Validate(today))
	if len(got) != 1 || got[0] != "/birth_date" {
		t.Fatalf("birth date after today: problems = %v, want [/birth_date]", got)
	}
	p.BirthDate = "1990-01-01"
	if err := p.Validate(today); err != nil {
		t.Fatalf("valid patient: %v", err)
	}
}

func TestPage(t *testing.T) {
	for limit, want := range map[int]int{0: 50, -3: 50, 1: 1, 200: 200, 201: 200} {
		if got := (rcm.Page{Limit: limit}).Size(); got != want {
			t.Errorf("Page{Limit: %d}.Size() = %d, want %d", limit, got, want)
		}
	}
	id := "01890000-0000-7000-8000-0000000000aa"
	got, err := rcm.Page{After: base64.RawURLEncoding.EncodeToString([]byte(id))}.AfterID()
	if err != nil || got != id {
		t.Errorf("AfterID of a cursor = %q, %v; want %q", got, err, id)
	}
	if _, err := (rcm.Page{After: "not-a-cursor"}).AfterID(); len(pointers(t, err)) != 1 {
		t.Errorf("AfterID of garbage = %v, want one /cursor problem", err)
	}
}

func TestSlotConflictIsConflict(t *testing.T) {
	var err error = &rcm.SlotConflict{ProviderID: "p"}
	if !errors.Is(err, rcm.ErrConflict) {
		t.Error("SlotConflict does not match ErrConflict")
	}
}
