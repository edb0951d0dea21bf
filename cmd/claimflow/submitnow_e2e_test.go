package main

import (
	"testing"
	"time"

	"github.com/claimflow/claimflow/api"
	"github.com/claimflow/claimflow/workflows"
)

// TestSubmitNowEndToEnd (issue 16, item 3): with the batch schedule daily,
// a ready claim waits; "Submit now" through the API triggers the worker's
// batch/<clearinghouse> schedule, and the claim goes out and is paid by
// the simulator without waiting for the schedule.
func TestSubmitNowEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end")
	}
	e := newE2E(t, true, map[string]string{"CLAIMFLOW_BATCH_EVERY": "24h"})
	var prov, pay idOnly
	e.api("POST", "/v1/providers", map[string]any{"org_id": e.org, "npi": "1234567893", "first_name": "TESTDOC", "last_name": "ONE", "taxonomy": "207Q00000X"}, &prov)
	e.api("POST", "/v1/payers", map[string]any{"org_id": e.org, "payer_id": "ZZPAYER1", "name": "TEST PAYER", "clearinghouse": "sim"}, &pay)
	c := e.claim(prov.ID, pay.ID, "PAID", []string{"E11.9"}, line{"99213", 15000, 1})
	e.waitStatus(c.ID, workflows.StatusReady)
	time.Sleep(3 * time.Second)
	if st := e.state(c.ID); st.Status != workflows.StatusReady {
		t.Fatalf("claim moved to %q before anyone asked (the batch schedule is daily)", st.Status)
	}
	// For one organisation: a batch run started for it.
	var out api.RunsStarted
	e.api("POST", "/v1/dashboard/runs/submit", map[string]any{"org_id": e.org}, &out)
	if len(out.Runs) != 1 || out.Runs[0].WorkflowID == "" {
		t.Fatalf("submit now for the organisation = %+v", out)
	}
	e.waitStatus(c.ID, workflows.StatusPaid)

	// For all: the worker's batch/sim schedule, triggered.
	c2 := e.claim(prov.ID, pay.ID, "PAID", []string{"E11.9"}, line{"99214", 20000, 1})
	e.waitStatus(c2.ID, workflows.StatusReady)
	e.api("POST", "/v1/dashboard/runs/submit", map[string]any{}, &out)
	if len(out.Runs) != 1 || out.Runs[0].Schedule != "batch/sim" {
		t.Fatalf("submit now = %+v", out)
	}
	e.waitStatus(c2.ID, workflows.StatusPaid)
}
