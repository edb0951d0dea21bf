package rcm_test

import (
	"testing"

	"github.com/claimflow/claimflow/rcm"
)

func TestAuthHold(t *testing.T) {
	rules := rcm.AuthRules{Rules: []rcm.AuthRule{{From: "70551", To: "70553"}, {From: "72148"}}}
	ok := rcm.Authorization{Codes: []string{"72148"}, Status: rcm.AuthApproved, Number: "AUTH1", ApprovedFrom: "2030-03-01", ApprovedTo: "2030-03-31", ApprovedUnits: 2}
	usedUp := ok
	usedUp.UsedUnits = 2
	pended := rcm.Authorization{Codes: []string{"72148"}, Status: rcm.AuthPended}
	for _, tc := range []struct {
		name, date string
		codes      []string
		auths      []rcm.Authorization
		hold, num  string
	}{
		{"not covered by a rule", "2030-03-05", []string{"99213"}, nil, "", ""},
		{"range, missing", "2030-03-05", []string{"99213", "70552"}, nil,
			"prior authorization required by TEST PAYER for 70552: no authorization is on file", ""},
		{"approved in force", "2030-03-05", []string{"72148"}, []rcm.Authorization{ok}, "", "AUTH1"},
		{"before its period", "2030-02-28", []string{"72148"}, []rcm.Authorization{ok},
			"prior authorization required by TEST PAYER for 72148: authorization AUTH1 is expired or not in force on 2030-02-28 (2030-03-01 to 2030-03-31)", ""},
		{"used up", "2030-03-05", []string{"72148"}, []rcm.Authorization{usedUp},
			"prior authorization required by TEST PAYER for 72148: authorization AUTH1 is used up (2 of 2 units)", ""},
		{"used up, another one in force", "2030-03-05", []string{"72148"}, []rcm.Authorization{usedUp, ok}, "", "AUTH1"},
		{"pended", "2030-03-05", []string{"72148"}, []rcm.Authorization{pended},
			"prior authorization required by TEST PAYER for 72148: its authorization is pended", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hold, num := rcm.AuthHold("TEST PAYER", rules, tc.auths, map[string]int{"72148": 1, "70552": 1}, tc.codes, tc.date)
			if hold != tc.hold || num != tc.num {
				t.Errorf("AuthHold = %q, %q; want %q, %q", hold, num, tc.hold, tc.num)
			}
		})
	}
}

func TestAuthRulesValidate(t *testing.T) {
	bad := rcm.AuthRules{Rules: []rcm.AuthRule{{From: "7255"}, {From: "70553", To: "70551"}}}
	err := bad.Validate()
	ve, ok := err.(*rcm.ValidationError)
	if !ok || len(ve.Fields) != 2 || ve.Fields[0].Pointer != "/rules/0/from" || ve.Fields[1].Pointer != "/rules/1/to" {
		t.Errorf("Validate = %v; want /rules/0/from and /rules/1/to", err)
	}
}
