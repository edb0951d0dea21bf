package api

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// GET /v1/dashboard/receivables answers what the payer still owes (not
// charge minus paid), aged from the date of service, the patients' share,
// and the analytics graded so that a high denial rate is drawn bad; another
// facility's claims never count.
func TestReceivablesAPI(t *testing.T) {
	w := newDashboardWorld(t, &fakeClaimWorkflows{})
	ctx := context.Background()
	a := w.makeRecords(w.facA, w.provA, "ALPHA", "ZZ0000001", 1)   // denied CO-16, 70 days ago
	c := w.makeRecords(w.facA, w.provA, "CHARLIE", "ZZ0000003", 2) // partially paid, 10 days ago
	d := w.makeRecords(w.facA, w.provA, "DELTA", "ZZ0000004", 3)   // ready, 100 days ago
	b := w.makeRecords(w.facB, w.provB, "BRAVO", "ZZ0000002", 4)   // facility B: denied, not biller A's
	billerA := w.token(w.facA.ID, "biller-a", "biller")
	today := time.Now().UTC().Truncate(24 * time.Hour)
	exec := func(sql string, args ...any) {
		t.Helper()
		if _, err := w.store.Pool.Exec(ctx, sql, args...); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	n := 0
	post := func(r records, ageDays int, status, clp02 string, paid, pr int64, adj ...[3]any) {
		t.Helper()
		exec(`UPDATE encounters SET date_of_service = $2 WHERE id = $1`, r.encounter.ID, today.AddDate(0, 0, -ageDays))
		exec(`UPDATE claims SET status = $2 WHERE id = $1`, r.claim.ID, status)
		if clp02 == "" {
			return
		}
		exec(`INSERT INTO claim_status_history (claim_id, seq, status, at) VALUES ($1, 100, 'submitted', now() - interval '1 hour'), ($1, 101, 'accepted', now() - interval '30 minutes')`, r.claim.ID)
		n++
		rid := fmt.Sprintf("00000000-0000-4000-8000-%012d", n)
		exec(`INSERT INTO remittances (id, payer_id, trace_number, file_key, transaction_index, paid_cents, balanced) VALUES ($1, 'ZZPAYER1', $2, 'test', 0, $3, true)`,
			rid, fmt.Sprintf("ZZTRACE%d", n), paid)
		exec(`INSERT INTO claim_payments (remittance_id, seq, claim_id, org_id, patient_control, status_code, charge_cents, paid_cents, patient_resp_cents)
		      VALUES ($1, 1, $2, $3, $4, $5, 12500, $6, $7)`, rid, r.claim.ID, r.claim.OrgID, r.claim.PatientControlNumber, clp02, paid, pr)
		for i, x := range adj {
			exec(`INSERT INTO claim_adjustments (remittance_id, seq, line, n, group_code, reason, amount_cents, org_id) VALUES ($1, 1, 0, $2, $3, $4, $5, $6)`,
				rid, i+1, x[0], x[1], x[2], r.claim.OrgID)
		}
	}
	post(a, 70, "needs_correction", "4", 0, 0, [3]any{"CO", "16", 12500})
	post(c, 10, "partially_paid", "1", 5000, 2500, [3]any{"CO", "45", 2500}, [3]any{"PR", "2", 2500})
	post(d, 100, "ready", "", 0, 0)
	post(b, 10, "needs_correction", "4", 0, 0, [3]any{"CO", "16", 12500})

	type aging struct {
		Payer  string `json:"payer"`
		Claims int    `json:"claims"`
		D0     int64  `json:"days_0_30_cents"`
		D31    int64  `json:"days_31_60_cents"`
		D61    int64  `json:"days_61_90_cents"`
		D91    int64  `json:"days_91_120_cents"`
		D120   int64  `json:"days_over_120_cents"`
		Total  int64  `json:"total_cents"`
	}
	var got struct {
		AsOf      string  `json:"as_of"`
		Aging     []aging `json:"aging"`
		Patients  aging   `json:"patients"`
		Analytics struct {
			Denied         int               `json:"denied"`
			Adjudicated    int               `json:"adjudicated"`
			DenialRate     float64           `json:"denial_rate"`
			Grades         map[string]string `json:"grades"`
			DenialsByPayer []struct {
				Key   string `json:"key"`
				Grade string `json:"grade"`
			} `json:"denials_by_payer"`
			DenialsByReason []struct {
				Key    string `json:"key"`
				Denied int    `json:"denied"`
			} `json:"denials_by_reason"`
		} `json:"analytics"`
	}
	w.mustCall(200, billerA, "GET", "/v1/dashboard/receivables", nil, &got)
	// Payer: ALPHA 12500 (61–90; the denial's CO-16 is not a write-off),
	// CHARLIE 12500 − 5000 − 2500 − 2500 = 2500 (0–30), DELTA 12500
	// (91–120).
	// Patients: CHARLIE's 2500 (0–30).
	want := aging{Payer: "TEST PAYER", Claims: 3, D0: 2500, D61: 12500, D91: 12500, Total: 27500}
	if len(got.Aging) != 1 || got.Aging[0] != want {
		t.Errorf("aging %+v, want %+v", got.Aging, want)
	}
	if p := (aging{Payer: "Patients", Claims: 1, D0: 2500, Total: 2500}); got.Patients != p {
		t.Errorf("patients %+v, want %+v", got.Patients, p)
	}
	// Denial rate (dates of service in the last 90 days): ALPHA denied of
	// ALPHA, CHARLIE adjudicated = 1/2 = 50 %:
	// bad (> 10 %), never good.
	an := got.Analytics
	if an.Denied != 1 || an.Adjudicated != 2 || an.DenialRate != 0.5 || an.Grades["denial_rate"] != "bad" ||
		len(an.DenialsByPayer) != 1 || an.DenialsByPayer[0].Grade != "bad" ||
		len(an.DenialsByReason) != 1 || an.DenialsByReason[0].Key != "CO-16" || an.DenialsByReason[0].Denied != 1 {
		t.Errorf("analytics %+v", an)
	}
	if got.AsOf != today.Format(time.DateOnly) {
		t.Errorf("as of %q", got.AsOf)
	}
}
