package rcm_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/claimflow/claimflow/rcm"
)

func TestEnrollmentSetValidate(t *testing.T) {
	const prov, payer = "01900000-0000-7000-8000-000000000001", "01900000-0000-7000-8000-000000000002"
	ok := rcm.EnrollmentSet{ProviderID: prov, PayerID: payer, Transaction: "837", Status: "approved", EffectiveDate: "2026-01-01"}
	for _, tc := range []struct {
		name  string
		edit  func(*rcm.EnrollmentSet)
		known []string
		want  []string // pointers
	}{
		{"valid", func(*rcm.EnrollmentSet) {}, nil, nil},
		{"submitted without a date", func(s *rcm.EnrollmentSet) { s.Status, s.EffectiveDate = "submitted", "" }, nil, nil},
		{"approved without a date", func(s *rcm.EnrollmentSet) { s.EffectiveDate = "" }, nil, []string{"/effective_date"}},
		{"date not a date", func(s *rcm.EnrollmentSet) { s.EffectiveDate = "2026-02-30" }, nil, []string{"/effective_date"}},
		{"date out of range", func(s *rcm.EnrollmentSet) { s.EffectiveDate = "9999-12-31" }, nil, []string{"/effective_date"}},
		{"unknown transaction and status", func(s *rcm.EnrollmentSet) { s.Transaction, s.Status = "276", "pending" }, nil, []string{"/transaction", "/status"}},
		{"ids", func(s *rcm.EnrollmentSet) { s.ProviderID, s.PayerID = "x", "" }, nil, []string{"/provider_id", "/payer_id"}},
		{"configured clearinghouse", func(s *rcm.EnrollmentSet) { s.Clearinghouse = "sim" }, []string{"local", "sim"}, nil},
		{"unknown clearinghouse", func(s *rcm.EnrollmentSet) { s.Clearinghouse = "nowhere" }, []string{"local", "sim"}, []string{"/clearinghouse"}},
		{"no clearinghouse configured", func(s *rcm.EnrollmentSet) { s.Clearinghouse = "sim" }, []string{}, []string{"/clearinghouse"}},
		{"clearinghouse unchecked without a list", func(s *rcm.EnrollmentSet) { s.Clearinghouse = "sim" }, nil, nil},
		{"payer's route", func(s *rcm.EnrollmentSet) { s.Clearinghouse = "" }, []string{"sim"}, nil},
		{"long notes", func(s *rcm.EnrollmentSet) { s.Notes = strings.Repeat("x", 2001) }, nil, []string{"/notes"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := ok
			tc.edit(&s)
			err := s.Validate(tc.known)
			var got []string
			var ve *rcm.ValidationError
			if errors.As(err, &ve) {
				for _, f := range ve.Fields {
					got = append(got, f.Pointer)
				}
			} else if err != nil {
				t.Fatalf("error %v is not a ValidationError", err)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("problems at %v, want %v (%v)", got, tc.want, err)
			}
		})
	}
}

func TestEnrollmentHold(t *testing.T) {
	prov := rcm.Provider{ID: "p", NPI: "1234567893", FirstName: "TESTDOC", LastName: "ONE"}
	payer := rcm.Payer{ID: "y", Name: "TEST PAYER", EnrollmentRequired: true}
	free := payer
	free.EnrollmentRequired = false
	at := func(status, eff string) *rcm.Enrollment { return &rcm.Enrollment{Status: status, EffectiveDate: eff} }
	for _, tc := range []struct {
		name  string
		payer rcm.Payer
		e     *rcm.Enrollment
		tx    string
		date  string
		want  string // "" or a prefix of the reason
	}{
		{"payer does not require it", free, nil, "837", "2026-01-07", ""},
		{"none recorded", payer, nil, "837", "2026-01-07", "provider TESTDOC ONE NPI 1234567893 is not enrolled with TEST PAYER for claims (status: not started)"},
		{"submitted", payer, at("submitted", ""), "837", "2026-01-07", "provider TESTDOC ONE NPI 1234567893 is not enrolled with TEST PAYER for claims (status: submitted)"},
		{"rejected, eligibility", payer, at("rejected", ""), "270", "2026-01-07", "provider TESTDOC ONE NPI 1234567893 is not enrolled with TEST PAYER for eligibility (status: rejected)"},
		{"approved after the date", payer, at("approved", "2026-02-01"), "837", "2026-01-07", "provider TESTDOC ONE NPI 1234567893 is not enrolled with TEST PAYER for claims on 2026-01-07 (status: approved, effective 2026-02-01)"},
		{"approved on the date", payer, at("approved", "2026-01-07"), "837", "2026-01-07", ""},
		{"approved before the date", payer, at("approved", "2025-06-01"), "837", "2026-01-07", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := rcm.EnrollmentHold(prov, tc.payer, tc.e, tc.tx, tc.date)
			if tc.want == "" && got != "" || tc.want != "" && !strings.HasPrefix(got, tc.want) {
				t.Errorf("hold = %q, want %q", got, tc.want)
			}
		})
	}
}
