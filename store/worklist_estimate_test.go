package store_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/claimflow/claimflow/rcm"
	"github.com/claimflow/claimflow/store"
)

// TestWorklistTenantEstimate generates many small tenants (so that a
// tenant is a small share of the claims, as at production size) and
// checks the planner's estimate for one tenant's claims in the worklist's
// statement: the tenant and the caller's organisations are one condition,
// not two independent ones (the functional-dependency statistics of
// 00173). Multiplied as independent, a tenant's 60 claims were estimated
// at 5 (and read by a bitmap scan, then sorted), and at 200 tenants of 50,000 claims at 829, which made the planner
// sort the tenant's claims instead of reading 00171's ordered index. (At
// this size, with the estimate right, sorting 60 claims is still the
// cheaper plan: the estimate is what is checked; TestScaleExplainAnalyze
// shows the plans at 200 tenants.)
func TestWorklistTenantEstimate(t *testing.T) {
	ctx := context.Background()
	s, dsn := newStore(t)
	size := store.ScaleSize{Tenants: 40, Facilities: 3, PatientsPerTenant: 6, ClaimsPerTenant: 60, Payers: 2, Providers: 3, Years: 3}
	if _, err := s.GenerateScale(ctx, size, store.ScaleOptions{Workers: 2}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Pool.Exec(ctx, `ANALYZE claims`); err != nil {
		t.Fatal(err)
	}
	ts, log, err := s.TracedCopy(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer ts.Close()
	a := store.Actor{UserID: store.ScaleTenant(0).BillerID, SourceIP: "192.0.2.1", RequestID: "estimate-test"}
	log.Take()
	if _, _, err := ts.DashClaims(ctx, a, store.DashClaimFilter{Sort: rcm.ClaimSort{Key: rcm.SortDOS, Desc: true}}, store.Page{}); err != nil {
		t.Fatal(err)
	}
	var sql string
	var args []any
	for _, st := range log.Take() {
		if strings.HasPrefix(st.SQL, "-- DashClaimsListed") {
			sql, args = st.SQL, st.Args
		}
	}
	if sql == "" {
		t.Fatal("the worklist sent no DashClaimsListed")
	}
	var plan []struct {
		Plan planNode `json:"Plan"`
	}
	var raw []byte
	if err := s.Pool.QueryRow(ctx, "EXPLAIN (FORMAT JSON) "+sql, args...).Scan(&raw); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &plan); err != nil || len(plan) != 1 {
		t.Fatalf("plan %s: %v", raw, err)
	}
	var scans []planNode
	plan[0].Plan.walk(func(n planNode) {
		if n.Relation == "claims" {
			scans = append(scans, n)
		}
	})
	if len(scans) != 1 {
		t.Fatalf("%d scans of claims, want 1: %s", len(scans), raw)
	}
	if got := scans[0].Rows; got < float64(size.ClaimsPerTenant)/2 {
		t.Errorf("a tenant's claims estimated at %.0f rows, has %d (%s using %s)", got, size.ClaimsPerTenant, scans[0].Type, scans[0].Index)
	}
}

// planNode is a node of EXPLAIN (FORMAT JSON).
type planNode struct {
	Type     string     `json:"Node Type"`
	Relation string     `json:"Relation Name"`
	Index    string     `json:"Index Name"`
	Rows     float64    `json:"Plan Rows"`
	Filter   string     `json:"Filter"`
	Plans    []planNode `json:"Plans"`
}

func (n planNode) walk(f func(planNode)) {
	f(n)
	for _, c := range n.Plans {
		c.walk(f)
	}
}
