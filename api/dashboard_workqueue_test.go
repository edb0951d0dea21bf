package api

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/claimflow/claimflow/archive"
	"github.com/claimflow/claimflow/internal/testenv"
	"github.com/claimflow/claimflow/store"
)

// addRemittance posts a remittance (by SQL: posting itself is tested in
// store) paying the claim at CLP 1, and queues work items on it.
func addRemittance(t *testing.T, w *world, claimID, trace string, kinds ...string) []string {
	t.Helper()
	ctx := context.Background()
	rid := uuid.Must(uuid.NewV7()).String()
	if _, err := w.store.Pool.Exec(ctx, `INSERT INTO remittances (id, payer_id, trace_number, file_key, transaction_index, paid_cents, balanced)
		VALUES ($1, 'ZZPAYER1', $2, 'test', 0, 10000, false)`, rid, trace); err != nil {
		t.Fatal(err)
	}
	if _, err := w.store.Pool.Exec(ctx, `INSERT INTO claim_payments (remittance_id, seq, claim_id, patient_control, status_code, charge_cents, paid_cents, patient_resp_cents, org_id)
		VALUES ($1, 1, $2, 'PCNTEST', '1', 12500, 10000, 0, (SELECT org_id FROM claims WHERE id = $2))`, rid, claimID); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, k := range kinds {
		seq := 0 // the whole remittance; an unmatched claim payment is CLP 1's
		if k == "unmatched_claim" {
			seq = 1
		}
		var id string
		if err := w.store.Pool.QueryRow(ctx, `INSERT INTO remit_work_queue (remittance_id, seq, kind, detail) VALUES ($1, $2, $3, 'TEST DETAIL') RETURNING public_id::text`,
			rid, seq, k).Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	return ids
}

func auditCount(t *testing.T, w *world, resource, resourceID, field string) int {
	t.Helper()
	var n int
	if err := w.store.Pool.QueryRow(context.Background(), `SELECT count(*) FROM audit_log WHERE resource = $1 AND resource_id = $2
		AND ($3 = '' OR $3 = ANY (fields))`, resource, resourceID, field).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestDashboardWorkQueue: the remittance work queue pages with a cursor;
// resolving an item validates its body (problem naming the field), needs
// claim:write where the remittance belongs (403) and hides other
// organisations' items (404), is audited, takes the item out of the queue
// and answers the first resolution when repeated; the remittance summary
// polls with an ETag that changes on a resolution.
func TestDashboardWorkQueue(t *testing.T) {
	w := newDashboardWorld(t, &fakeClaimWorkflows{})
	a := w.makeRecords(w.facA, w.provA, "ALPHA", "ZZ0000001", 1)
	b := w.makeRecords(w.facB, w.provB, "BRAVO", "ZZ0000002", 2)
	itemsA := addRemittance(t, w, a.claim.ID, "TRACEA1", "unbalanced", "unmatched_claim", "eft_unreconciled")
	itemsB := addRemittance(t, w, b.claim.ID, "TRACEB1", "unbalanced")
	billerA := w.token(w.facA.ID, "wq-biller-a", "biller")
	billerB := w.token(w.facB.ID, "wq-biller-b", "biller")
	if _, err := w.store.Pool.Exec(context.Background(), "INSERT INTO role_permissions (role, permission) VALUES ('test_wq_viewer', 'claim:read')"); err != nil {
		t.Fatal(err)
	}
	viewer := w.token(w.facA.ID, "wq-viewer-a", "test_wq_viewer")
	// Biller at B who only views at A: sees A's items, may not resolve them.
	mixed := w.token(w.facB.ID, "wq-mixed", "biller")
	var mixedSess Session
	w.mustCall(200, mixed, "GET", "/v1/dashboard/session", nil, &mixedSess)
	if err := w.store.Grant(context.Background(), store.System, mixedSess.UserID, w.facA.ID, "test_wq_viewer"); err != nil {
		t.Fatal(err)
	}

	// Paging: two items a page, newest first, then the last one.
	var p1, p2 List[store.WorkItem]
	w.mustCall(200, billerA, "GET", "/v1/dashboard/remittances/work-queue?limit=2", nil, &p1)
	if len(p1.Items) != 2 || p1.NextCursor == "" || p1.Items[0].ID != itemsA[2] || p1.Items[1].ID != itemsA[1] {
		t.Fatalf("first page = %+v, want items %s and %s with a cursor", p1, itemsA[2], itemsA[1])
	}
	w.mustCall(200, billerA, "GET", "/v1/dashboard/remittances/work-queue?limit=2&cursor="+p1.NextCursor, nil, &p2)
	if len(p2.Items) != 1 || p2.Items[0].ID != itemsA[0] || p2.NextCursor != "" || p2.Items[0].TraceNumber != "TRACEA1" {
		t.Errorf("second page = %+v, want item %s alone, no cursor", p2, itemsA[0])
	}
	w.mustCall(422, billerA, "GET", "/v1/dashboard/remittances/work-queue?cursor=nonsense", nil, nil)
	var all List[store.WorkItem]
	w.mustCall(200, w.rootAdmin, "GET", "/v1/dashboard/remittances/work-queue", nil, &all)
	if len(all.Items) != 4 {
		t.Errorf("root admin's queue has %d items, want 4", len(all.Items))
	}

	// The summary, polled with its ETag.
	var sum RemittanceSummary
	w.mustCall(200, billerA, "GET", "/v1/dashboard/remittances/summary", nil, &sum)
	if sum.Remittances != 1 || sum.OpenWorkItems != 3 || sum.Version == "" {
		t.Errorf("summary = %+v, want 1 remittance and 3 open items", sum)
	}
	etag := `"` + sum.Version + `"`
	if got := w.call(billerA, "GET", "/v1/dashboard/remittances/summary", nil, nil, "If-None-Match", etag); got != 304 {
		t.Errorf("summary with a current ETag = %d, want 304", got)
	}

	resolve := "/v1/dashboard/remittances/work-queue/" + itemsA[1] + "/resolve"
	// Validation names the field.
	var prob Problem
	w.mustCall(422, billerA, "POST", resolve, map[string]any{"resolution": "ignored", "note": "x"}, &prob)
	if len(prob.Errors) != 1 || prob.Errors[0].Pointer != "/resolution" {
		t.Errorf("bad resolution problem = %+v, want /resolution named", prob)
	}
	w.mustCall(422, billerA, "POST", resolve, map[string]any{"resolution": "written_off", "note": strings.Repeat("n", 2001)}, &prob)
	if len(prob.Errors) != 1 || prob.Errors[0].Pointer != "/note" {
		t.Errorf("long note problem = %+v, want /note named", prob)
	}
	w.mustCall(422, billerA, "POST", resolve, map[string]any{"resolution": "written_off", "extra": true}, nil)
	// Permission and scope.
	w.mustCall(403, viewer, "POST", resolve, map[string]any{"resolution": "written_off"}, nil)
	w.mustCall(403, mixed, "POST", resolve, map[string]any{"resolution": "written_off"}, &prob)
	if !strings.Contains(prob.Detail, "claim:write") {
		t.Errorf("mixed role's problem = %+v", prob)
	}
	w.mustCall(404, billerB, "POST", resolve, map[string]any{"resolution": "written_off"}, nil)
	w.mustCall(404, billerA, "POST", "/v1/dashboard/remittances/work-queue/"+itemsB[0]+"/resolve", map[string]any{"resolution": "not_ours"}, nil)
	w.mustCall(404, billerA, "POST", "/v1/dashboard/remittances/work-queue/"+uuid.NewString()+"/resolve", map[string]any{"resolution": "not_ours"}, nil)
	w.mustCall(404, billerA, "POST", "/v1/dashboard/remittances/work-queue/abc/resolve", map[string]any{"resolution": "not_ours"}, nil)
	if n := auditCount(t, w, "remit_work_item", itemsA[1], ""); n != 0 {
		t.Errorf("refused resolutions wrote %d audit rows", n)
	}

	// Resolve, then again: the first resolution stands.
	var sess Session
	w.mustCall(200, billerA, "GET", "/v1/dashboard/session", nil, &sess)
	var first, again store.ResolvedWorkItem
	w.mustCall(200, billerA, "POST", resolve, map[string]any{"resolution": "refund_requested", "note": "overpaid, refund asked"}, &first)
	if first.Status != "resolved" || first.Resolution != "refund_requested" || first.Note != "overpaid, refund asked" ||
		first.ResolvedBy != sess.UserID || time.Since(first.ResolvedAt) > time.Minute {
		t.Errorf("resolution = %+v, want refund_requested by %s now", first, sess.UserID)
	}
	w.mustCall(200, billerA, "POST", resolve, map[string]any{"resolution": "written_off"}, &again)
	if again.Resolution != "refund_requested" || !again.ResolvedAt.Equal(first.ResolvedAt) || again.ResolvedBy != sess.UserID {
		t.Errorf("repeated resolution = %+v, want the first one %+v", again, first)
	}
	if n := auditCount(t, w, "remit_work_item", itemsA[1], "resolution"); n != 1 {
		t.Errorf("audit rows for the resolution = %d, want 1", n)
	}
	// It left the queue; the summary changed.
	w.mustCall(200, billerA, "GET", "/v1/dashboard/remittances/work-queue", nil, &all)
	if len(all.Items) != 2 {
		t.Errorf("queue after resolving = %+v, want 2 items", all.Items)
	}
	for _, it := range all.Items {
		if it.ID == itemsA[1] {
			t.Errorf("resolved item %s is still in the queue", it.ID)
		}
	}
	var rem Remittances
	w.mustCall(200, billerA, "GET", "/v1/dashboard/remittances", nil, &rem)
	if len(rem.WorkQueue) != 2 {
		t.Errorf("remittances' work queue = %d items, want 2", len(rem.WorkQueue))
	}
	if got := w.call(billerA, "GET", "/v1/dashboard/remittances/summary", nil, &sum, "If-None-Match", etag); got != 200 || sum.OpenWorkItems != 2 {
		t.Errorf("summary after a resolution = %d %+v, want 200 with 2 open items", got, sum)
	}
}

// TestDashboardStatusInquirySegments: a recorded 276/277 inquiry is a
// timeline step whose segments (the 276 sent, then the 277 received) come
// from the archive masked; revealing them needs patient:read and is
// audited.
func TestDashboardStatusInquirySegments(t *testing.T) {
	files := map[string][]byte{}
	arch := ArchiveFunc(func(ctx context.Context, key string) ([]byte, error) {
		b, ok := files[key]
		if !ok {
			return nil, archive.ErrNotFound
		}
		return b, nil
	})
	w := newDashboardWorld(t, &fakeClaimWorkflows{}, arch)
	a := w.makeRecords(w.facA, w.provA, "ALPHA", "ZZ0000001", 1)
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join(testenv.RepoRoot(t), "edi", "testdata", "sets", name))
		if err != nil {
			t.Fatal(err)
		}
		return []byte(strings.ReplaceAll(string(b), "DOE*JANE", "TESTPATIENT*ALPHA"))
	}
	x276, x277 := read("276-valid.x12"), read("277-valid.x12")
	files[archive.Hash(x276)], files[archive.Hash(x277)] = x276, x277
	ctx := context.Background()
	if err := w.store.RecordStatusInquiry(ctx, store.StatusInquiry{ClaimID: a.claim.ID, Attempt: 1, Trace: "STAT0001", Partner: "local",
		RequestKey: archive.Hash(x276), ResponseKey: archive.Hash(x277), STC: "F1:65", SentAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	// Its claim event, as the inquiry activity records it; a retried
	// activity records the same inquiry again: still one step.
	for range 2 {
		if err := w.store.RecordClaimEvent(ctx, store.ClaimEvent{ClaimID: a.claim.ID, Kind: store.EventInquiry276, Dedup: "STAT0001", Attempt: 1,
			FileKey: archive.Hash(x276), ResponseKey: archive.Hash(x277), Codes: []string{"F1:65"}, Summary: "276 inquiry, trace STAT0001: 277 STC F1:65",
			At: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	billerA := w.token(w.facA.ID, "inq-biller-a", "biller")
	if _, err := w.store.Pool.Exec(ctx, "INSERT INTO role_permissions (role, permission) VALUES ('test_inq_viewer', 'claim:read')"); err != nil {
		t.Fatal(err)
	}
	viewer := w.token(w.facA.ID, "inq-viewer-a", "test_inq_viewer")
	billerB := w.token(w.facB.ID, "inq-biller-b", "biller")

	var tl Timeline
	w.mustCall(200, billerA, "GET", "/v1/claims/"+a.claim.ID+"/timeline", nil, &tl)
	var steps []Step
	for _, s := range tl.Steps {
		if s.Kind == "276/277" {
			steps = append(steps, s)
		}
	}
	if len(steps) != 1 || !steps[0].Raw || steps[0].N != 0 || len(steps[0].Codes) != 1 || steps[0].Codes[0].Code != "F1:65" ||
		steps[0].Codes[0].Description == "" || !strings.Contains(steps[0].Summary, "STAT0001") {
		t.Fatalf("276/277 steps = %+v, want the recorded inquiry with its STC explained and segments", steps)
	}

	path := "/v1/claims/" + a.claim.ID + "/edi?kind=" + "276%2F277" + "&n=0"
	var masked RawEDI
	w.mustCall(200, viewer, "GET", path, nil, &masked)
	joined := strings.Join(masked.Segments, "\n")
	if !masked.Masked || !strings.HasPrefix(joined, "ST*276*") || !strings.Contains(joined, "ST*277*") ||
		!strings.Contains(joined, "STC*F1:65*") || strings.Contains(joined, "TESTPATIENT") || !strings.Contains(joined, "XXXX") {
		t.Errorf("masked 276/277 = %q; want the 276 then the 277 with the patient masked and STC codes kept", joined)
	}
	if n := auditCount(t, w, "claim_edi", a.claim.ID, "276/277"); n != 0 {
		t.Errorf("a masked read wrote %d audit rows", n)
	}
	w.mustCall(403, viewer, "GET", path+"&reveal=true", nil, nil)
	w.mustCall(404, billerB, "GET", path+"&reveal=true", nil, nil)
	w.mustCall(404, billerA, "GET", "/v1/claims/"+a.claim.ID+"/edi?kind=276%2F277&n=1", nil, nil)
	var revealed RawEDI
	w.mustCall(200, billerA, "GET", path+"&reveal=true", nil, &revealed)
	if joined := strings.Join(revealed.Segments, "\n"); revealed.Masked || !strings.Contains(joined, "NM1*IL*1*TESTPATIENT*ALPHA") {
		t.Errorf("revealed 276/277 = %q, want the patient's name", joined)
	}
	if n := auditCount(t, w, "claim_edi", a.claim.ID, "276/277"); n != 1 {
		t.Errorf("revealing wrote %d audit rows, want 1", n)
	}
}
