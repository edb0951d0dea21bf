package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/claimflow/claimflow/workflows"
)

// TestClaimsBulkCLI: `claimflow claims bulk` against the whole system
// (API, worker, Temporal, the clearinghouse simulator) writes off a denied
// claim, refuses a paid one with the reason, answers a made-up ID as not
// found, prints one line per claim in the order named, and exits 1 because
// some were refused; a bad action is the API's 422 naming the field.
func TestClaimsBulkCLI(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end")
	}
	e := newE2E(t, true)
	ctx := context.Background()
	var prov, pay idOnly
	e.api("POST", "/v1/providers", map[string]any{"org_id": e.org, "npi": "1234567893", "first_name": "TESTDOC", "last_name": "ONE", "taxonomy": "207Q00000X"}, &prov)
	e.api("POST", "/v1/payers", map[string]any{"org_id": e.org, "payer_id": "ZZPAYER1", "name": "TEST PAYER", "clearinghouse": "sim"}, &pay)
	paid := e.claim(prov.ID, pay.ID, "PAID", []string{"E11.9"}, line{"99213", 15000, 1})
	denied := e.claim(prov.ID, pay.ID, "DENIED", []string{"R69"}, line{"99213", 15000, 1})
	e.waitStatus(paid.ID, workflows.StatusPaid)
	e.waitStatus(denied.ID, workflows.StatusNeedsCorrection)

	getenv := env(map[string]string{"CLAIMFLOW_URL": e.base, "CLAIMFLOW_API_TOKEN": e.token})
	cli := func(args ...string) (int, string, string) {
		var out, errb bytes.Buffer
		code := run(ctx, args, getenv, &out, &errb)
		return code, out.String(), errb.String()
	}
	madeUp := uuid.NewString()
	code, out, errs := cli("claims", "bulk", "--action", "write_off", "--ids", denied.ID+","+paid.ID+","+madeUp, "--note", "small balance")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 1 || len(lines) != 3 || !strings.Contains(errs, "2 of 3 claims refused") {
		t.Fatalf("bulk write-off: exit %d, out %q, err %q", code, out, errs)
	}
	if lines[0] != denied.ID+"\tok\twritten_off" {
		t.Errorf("denied claim's line = %q", lines[0])
	}
	// A paid claim is refused by the API once its workflow has closed
	// ("Claim closed"), or by the workflow while it still runs (its
	// statement step, under load): either way, refused and still paid.
	if rest, ok := strings.CutPrefix(lines[1], paid.ID+"\trefused\tpaid\t"); !ok ||
		!strings.HasPrefix(rest, "Claim closed: ") && !strings.HasPrefix(rest, "Decision refused: decision write_off is not allowed while the claim is paid") {
		t.Errorf("paid claim's line = %q", lines[1])
	}
	if lines[2] != madeUp+"\trefused\t-\tNot found: Not found" {
		t.Errorf("made-up claim's line = %q", lines[2])
	}
	if st := e.state(denied.ID); st.Status != workflows.StatusWrittenOff {
		t.Errorf("denied claim is %s, want written_off", st.Status)
	}
	code, _, errs = cli("claims", "bulk", "-action", "delete", "-ids", paid.ID)
	if code != 1 || !strings.Contains(errs, "/action: ") {
		t.Errorf("bad action: exit %d, err %q; want the API's refusal naming /action", code, errs)
	}
	if code, _, _ := cli("claims", "bulk", "-action", "write_off"); code != 2 {
		t.Errorf("without -ids: exit %d, want 2", code)
	}
}
