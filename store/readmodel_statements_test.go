package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/claimflow/claimflow/rcm"
	"github.com/claimflow/claimflow/store"
)

// sentClaims makes n claims of a patient, recorded ready (the history the
// claim workflow writes first).
func sentClaims(t *testing.T, f *fixture, a store.Actor, patient store.Patient, prov store.Provider, payer store.Payer, member string, n int) []store.Claim {
	t.Helper()
	ctx := context.Background()
	must[store.Coverage](t)(f.s.CreateCoverage(ctx, a, store.Coverage{PatientID: patient.ID, PayerID: payer.ID, MemberID: member,
		Relationship: "self", Priority: 1}))
	var out []store.Claim
	for i := range n {
		enc := must[store.Encounter](t)(f.s.CreateEncounter(ctx, a, store.Encounter{PatientID: patient.ID, ProviderID: prov.ID,
			DateOfService: fmt.Sprintf("2030-01-%02d", i+1), PlaceOfService: "11", Diagnoses: []string{"Z00.00"},
			Charges: []store.Charge{{Code: "99213", DiagnosisPointers: []int{1}, Units: 1, AmountCents: int64(10000 + 1000*i)}}}))
		c := must[store.Claim](t)(f.s.CreateClaim(ctx, a, enc.ID))
		markReady(t, f, c.ID)
		out = append(out, c)
	}
	return out
}

// TestReadModelStatementTriggers checks the claim's kept payer balance and
// A/R facts (00165, 00167) as 00170 keeps them, once per statement: after
// an 835's claim payments for the claims of two tenants are posted in
// slices through PostClaimPayments (payments with contractual and patient
// adjustments, several CO adjustments on one payment, denials, a claim paid
// and reversed in one slice, an unmatched payment, a slice retried), and
// after direct multi-row writes outside the posting: claim payments and
// adjustments inserted, changed (amounts, a status making a payment a
// denial, a group and reason, a payment moved to another claim, a column
// the facts do not read), removed, and status history inserted, changed
// and removed. Every claim's kept facts must equal claim_ar_facts and its
// balance claim_payer_owed after each.
func TestReadModelStatementTriggers(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	exec := func(sql string, args ...any) {
		t.Helper()
		if _, err := f.s.Pool.Exec(ctx, sql, args...); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	agree := func(what string) {
		t.Helper()
		t.Run(what, func(t *testing.T) {
			allClaimsAgree(t, f.s)
			allARFactsAgree(t, f.s)
		})
	}

	// A second tenant billing through the same clearinghouse account.
	root2 := must[store.Org](t)(f.s.CreateOrg(ctx, store.System, store.Org{Kind: "health_system", Name: "TEST HEALTH SYSTEM TWO"}))
	fac2 := must[store.Org](t)(f.s.CreateOrg(ctx, store.System, store.Org{Kind: "facility", Name: "TEST FACILITY TWO", ParentID: root2.ID}))
	admin2 := userWithRole(t, f.s, root2.ID, "admin-two", "admin")
	prov2 := must[store.Provider](t)(f.s.CreateProvider(ctx, admin2, store.Provider{OrgID: fac2.ID, NPI: "1234567893", LastName: "TESTDOC TWO",
		Taxonomy: "207Q00000X"}))
	payer2 := must[store.Payer](t)(f.s.CreatePayer(ctx, admin2, store.Payer{OrgID: root2.ID, PayerID: "ZZPAYER2", Name: "TEST PAYER TWO",
		Clearinghouse: "local"}))
	patient2 := must[store.Patient](t)(f.s.CreatePatient(ctx, admin2, store.Patient{OrgID: fac2.ID, FirstName: "TESTPATIENT", LastName: "DELTA",
		BirthDate: "1975-05-05", Sex: "U"}))
	one := sentClaims(t, f, f.admin, f.patientA, f.provA, f.payerA, "ZZ0000001", 6)
	two := sentClaims(t, f, admin2, patient2, prov2, payer2, "ZZ0000009", 6)
	if _, err := f.s.ReserveBatches(ctx, "local", "batch/local/stmt", 100); err != nil {
		t.Fatal(err)
	}
	// Sent and accepted, every claim in one statement.
	exec(`INSERT INTO claim_status_history (claim_id, seq, status, at)
	      SELECT c.id, s.seq, s.status, $1::timestamptz + s.seq * interval '1 minute'
	      FROM claims c, (VALUES (10, 'submitted'), (11, 'accepted')) AS s (seq, status)`, time.Date(2030, 2, 1, 0, 0, 0, 0, time.UTC))
	agree("history inserted")

	rid, _, err := f.s.PutRemittance(ctx, store.Remittance{Partner: "local", PayerID: "ZZPAYER1", TraceNumber: "EFTSTMT", FileKey: "k1",
		PaidCents: 0, Balanced: true})
	if err != nil {
		t.Fatal(err)
	}
	adj := func(line int, group, reason string, cents int64) rcm.PaymentAdjustment {
		return rcm.PaymentAdjustment{Line: line, Group: group, Reason: reason, AmountCents: cents}
	}
	var ps []store.ClaimPaymentPost
	pay := func(c store.Claim, status string, charge, paid, resp int64, adjs ...rcm.PaymentAdjustment) {
		ps = append(ps, store.ClaimPaymentPost{ClaimPaymentRecord: rcm.ClaimPaymentRecord{Seq: len(ps) + 1, PatientControl: c.PatientControlNumber,
			StatusCode: status, ChargeCents: charge, PaidCents: paid, PatientRespCents: resp, Adjustments: adjs}})
	}
	for i, cs := range [][]store.Claim{one, two} {
		pay(cs[0], "1", 10000, 7000, 1000, adj(0, "CO", "45", 2000), adj(0, "PR", "1", 1000))
		pay(cs[1], "4", 11000, 0, 0, adj(0, "CO", "16", 11000), adj(0, "OA", "23", 0))
		pay(cs[2], "2", 12000, 5000, 2000, adj(1, "CO", "45", 1500), adj(2, "CO", "45", 1000), adj(2, "CO", "253", 500), adj(1, "PR", "2", 2000))
		pay(cs[3], "1", 13000, 13000, 0)
		pay(cs[3], "22", -13000, -13000, 0) // paid and reversed in one slice
		pay(cs[4], "1", 14000, 9000, 0, adj(0, "CO", "45", 5000))
		if i == 0 {
			ps = append(ps, store.ClaimPaymentPost{ClaimPaymentRecord: rcm.ClaimPaymentRecord{Seq: len(ps) + 1, PatientControl: "NOSUCHCLAIM",
				StatusCode: "4", ChargeCents: 100, Adjustments: []rcm.PaymentAdjustment{adj(0, "CO", "16", 100)}}})
		}
	}
	// Slices of 4 (the tenants' claims mixed in one slice), then the first
	// two slices again as a retried activity would post them.
	for _, r := range [][2]int{{0, 4}, {4, 8}, {8, 12}, {12, len(ps)}, {0, 4}, {4, 8}} {
		if _, err := f.s.PostClaimPayments(ctx, rid, ps[r[0]:r[1]], store.PostingOptions{PaymentDate: "2030-02-10"}); err != nil {
			t.Fatal(err)
		}
	}
	agree("835 posted in slices")
	// Not vacuous: both tenants' claims carry paid, contractual and denial
	// facts from the posting.
	var tenants, contractual, denials int
	if err := f.s.Pool.QueryRow(ctx, `SELECT count(DISTINCT c.org_id) FILTER (WHERE c.ar_paid_cents > 0),
		count(*) FILTER (WHERE c.ar_contractual_cents > 0), count(*) FILTER (WHERE c.ar_denial_reasons = '{CO-16,OA-23}')
		FROM claims c`).Scan(&tenants, &contractual, &denials); err != nil {
		t.Fatal(err)
	}
	if tenants != 2 || contractual != 6 || denials != 2 {
		t.Errorf("after the posting: %d tenants' claims paid (want 2), %d with contractual (6), %d denials (2)", tenants, contractual, denials)
	}

	// Direct writes outside the posting, each one multi-row statement.
	rid2 := "00000000-0000-4000-8000-000000000170"
	exec(`INSERT INTO remittances (id, payer_id, trace_number, file_key, transaction_index, paid_cents, balanced)
	      VALUES ($1, 'ZZPAYER1', 'ZZTRACE170', 'test', 0, 0, true)`, rid2)
	exec(`INSERT INTO claim_payments (remittance_id, seq, claim_id, org_id, patient_control, status_code, charge_cents, paid_cents, patient_resp_cents, posted_at)
	      SELECT $1, row_number() OVER (ORDER BY c.id), c.id, c.org_id, c.patient_control_number, '1', c.total_cents, 1000, 500, '2030-02-20'
	      FROM claims c, generate_series(1, 2)`, rid2)
	agree("claim payments inserted, two a claim")
	exec(`INSERT INTO claim_adjustments (remittance_id, seq, line, n, group_code, reason, amount_cents, org_id)
	      SELECT cp.remittance_id, cp.seq, 0, k, CASE WHEN k = 1 THEN 'CO' ELSE 'PR' END, '45', 300 * k, cp.org_id
	      FROM claim_payments cp, generate_series(1, 2) AS k WHERE cp.remittance_id = $1`, rid2)
	agree("adjustments inserted")
	// A claim payment inserted, then its adjustments in a later statement of
	// the same transaction (the payments' trigger's note of the claims it
	// recomputed names its own statement, not this one), then both in one
	// statement as the posting writes them.
	tx, err := f.s.Pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, sql := range []string{
		`INSERT INTO claim_payments (remittance_id, seq, claim_id, org_id, patient_control, status_code, charge_cents, paid_cents, patient_resp_cents)
		 SELECT $1, 1000 + row_number() OVER (ORDER BY c.id), c.id, c.org_id, c.patient_control_number, '1', c.total_cents, 100, 0 FROM claims c`,
		`INSERT INTO claim_adjustments (remittance_id, seq, line, n, group_code, reason, amount_cents, org_id)
		 SELECT remittance_id, seq, 0, 1, 'CO', '45', 700, org_id FROM claim_payments WHERE remittance_id = $1 AND seq > 1000`,
		`WITH p AS (INSERT INTO claim_payments (remittance_id, seq, claim_id, org_id, patient_control, status_code, charge_cents, paid_cents, patient_resp_cents)
		            SELECT $1, 2000 + row_number() OVER (ORDER BY c.id), c.id, c.org_id, c.patient_control_number, '4', c.total_cents, 0, 0 FROM claims c
		            RETURNING remittance_id, seq, org_id)
		 INSERT INTO claim_adjustments (remittance_id, seq, line, n, group_code, reason, amount_cents, org_id)
		 SELECT remittance_id, seq, 0, 1, 'CO', '50', 900, org_id FROM p`,
		`INSERT INTO claim_adjustments (remittance_id, seq, line, n, group_code, reason, amount_cents, org_id)
		 SELECT remittance_id, seq, 0, 2, 'CO', '45', 300, org_id FROM claim_payments WHERE remittance_id = $1 AND seq > 1000`,
	} {
		if _, err := tx.Exec(ctx, sql, rid2); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	agree("payments, then adjustments, in one transaction")
	exec(`DELETE FROM claim_adjustments WHERE remittance_id = $1 AND seq > 1000`, rid2)
	exec(`DELETE FROM claim_payments WHERE remittance_id = $1 AND seq > 1000`, rid2)
	agree("those removed")
	exec(`UPDATE claim_payments SET paid_cents = paid_cents + 250, patient_resp_cents = 0 WHERE remittance_id = $1 AND seq % 3 = 0`, rid2)
	agree("claim payments' amounts changed")
	exec(`UPDATE claim_payments SET status_code = '4' WHERE remittance_id = $1 AND seq % 4 = 1`, rid2)
	agree("claim payments became denials")
	exec(`UPDATE claim_adjustments SET group_code = 'CO', reason = '97' WHERE remittance_id = $1 AND group_code = 'PR' AND seq % 2 = 0`, rid2)
	agree("adjustments' group and reason changed")
	exec(`UPDATE claim_adjustments SET amount_cents = amount_cents * 2 WHERE remittance_id = $1 AND group_code = 'CO'`, rid2)
	agree("adjustments' amounts changed")
	exec(`UPDATE claim_payments SET claim_id = $2, org_id = $3 WHERE remittance_id = $1 AND claim_id = $4`, rid2, one[5].ID, one[5].OrgID, one[0].ID)
	agree("claim payments moved to another claim")
	exec(`UPDATE claim_payments SET lines_recorded = true, payer_claim_number = 'X' WHERE remittance_id = $1`, rid2)
	agree("a column the facts do not read changed")
	exec(`DELETE FROM claim_adjustments WHERE remittance_id = $1 AND seq % 2 = 1`, rid2)
	agree("adjustments removed")
	exec(`DELETE FROM claim_adjustments WHERE remittance_id = $1 AND seq IN (SELECT seq FROM claim_payments WHERE remittance_id = $1 AND seq % 5 = 0)`, rid2)
	exec(`DELETE FROM claim_payments WHERE remittance_id = $1 AND seq % 5 = 0`, rid2)
	agree("claim payments removed")
	exec(`UPDATE claim_status_history SET at = at - interval '1 hour' WHERE status = 'accepted'`)
	agree("history's times changed")
	exec(`INSERT INTO claim_status_history (claim_id, seq, status, at) SELECT id, 5, 'rejected', '2030-01-31' FROM claims`)
	agree("late rejections inserted")
	exec(`UPDATE claim_status_history SET status = 'scrub_failed' WHERE seq = 5 AND claim_id IN (SELECT id FROM claims WHERE org_id = $1)`, fac2.ID)
	agree("history's statuses changed")
	exec(`DELETE FROM claim_status_history WHERE seq IN (5, 10)`)
	agree("history removed")
}
