package activities_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/claimflow/claimflow/activities"
	"github.com/claimflow/claimflow/edi/snip"
	"github.com/claimflow/claimflow/edi/x277ca"
	"github.com/claimflow/claimflow/edi/x835"
	"github.com/claimflow/claimflow/rcm"
	"github.com/claimflow/claimflow/store"
)

// withReceivedTime adds a time (DTM03, not used in the 835 guide) to
// every claim-received date (DTM*050) of an 835: a deviation payers send
// that changes nothing, which the tolerant check reports as a warning
// (IK4 I10).
func withReceivedTime(t *testing.T, x []byte) []byte {
	t.Helper()
	out := bytes.ReplaceAll(x, []byte("~DTM*050*20300110~"), []byte("~DTM*050*20300110*1200~"))
	if bytes.Equal(out, x) {
		t.Fatal("no DTM*050 in the 835 to add a time to")
	}
	return out
}

func actorWithRole(t *testing.T, s *store.Store, org, login, role string) store.Actor {
	t.Helper()
	ctx := context.Background()
	u, _, err := s.CreateUser(ctx, store.System, store.NewUser{OrgID: org, Kind: "system", Login: login, DisplayName: login})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Grant(ctx, store.System, u.ID, org, role); err != nil {
		t.Fatal(err)
	}
	return store.Actor{UserID: u.ID, SourceIP: "192.0.2.1", RequestID: "req-" + login}
}

// TestRouterRecordsDeviations: an 835 and a 277CA with deviations that
// leave their meaning intact are routed (the 835 starts its posting) and
// their deviations recorded once however often the routing activity runs,
// linked to the claim they concern; staff of the claim's organisation see
// them on the claim and on the remittance, another tenant sees neither.
func TestRouterRecordsDeviations(t *testing.T) {
	w := newWorld(t, 1, true, "1 TEST ST, TESTVILLE, NY 99999")
	ctx := context.Background()
	c := w.claims[0]
	for i, st := range []string{"scrubbing", "ready"} {
		if err := w.s.RecordClaimProgress(ctx, store.ClaimProgress{ClaimID: c.ID, Attempt: 1, Seq: i + 1, Status: st, At: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	files := &recordingSender{}
	batch := &activities.BatchService{Records: w.s, Files: files, Receivers: map[string]activities.Receiver{"sim": {ID: "ZZCLEARING", Name: "TEST CLEARINGHOUSE"}}}
	if _, err := batch.SubmitBatch(ctx, activities.BatchRequest{ClearinghouseID: "sim", RunID: "r1"}); err != nil {
		t.Fatal(err)
	}

	rem := &x835.Remittance{
		Payment: x835.Payment{Handling: "I", Amount: 9000, CreditDebit: "C", Method: "ACH", Format: "CCP", SenderDFIQual: "01", SenderDFI: "999999992",
			SenderAcctQual: "DA", SenderAccount: "0001", OriginatorID: "1000000001", ReceiverDFIQual: "01", ReceiverDFI: "999999992",
			ReceiverAcctQual: "DA", ReceiverAccount: "0002", EffectiveDate: "20300115"},
		Trace:          x835.Trace{Type: "1", Number: "EFTDEV0001", OriginatorID: "1000000001"},
		ProductionDate: "20300115",
		Payer:          x835.Payer{Name: "TEST PAYER", Address: x835.Address{Line1: "1 PAYER WAY", City: "TESTVILLE", State: "NY", Zip: "12345"}, PayerID: "ZZPAYER1", TechnicalContact: "EDI", Phone: "5550100000"},
		Payee:          x835.Payee{Name: "TEST PRACTICE", IDQual: "XX", ID: "1245319599"},
		Claims: []x835.ClaimPayment{{PatientControlNumber: c.PatientControlNumber, Status: "1", Charge: 15000, Paid: 9000, FilingCode: "12",
			PayerControlNumber: "PCN-DEV", ReceivedDate: "20300110", Adjustments: []x835.Adjustment{{Group: "CO", Reason: "45", Amount: 6000}},
			Patient: x835.Person{EntityType: "1", LastName: "TESTPATIENT", FirstName: "ALPHA", IDQual: "MI", ID: "ZZ0000001"}}},
	}
	remIC, err := x835.Build(x835.Envelope{SenderID: "ZZPAYER1", ReceiverID: "ZZSUBMIT1", Usage: "T"}, rem)
	if err != nil {
		t.Fatal(err)
	}
	clean := writeX12(t, remIC)
	body := withReceivedTime(t, clean)
	// The check the router runs: clean without the deviation, one warning
	// with it, and nothing that rejects the set.
	for name, x := range map[string][]byte{"clean": clean, "deviating": body} {
		rep, err := snip.ValidateBytes(x, snip.Options{Inbound: true})
		if err != nil {
			t.Fatal(err)
		}
		errs, warns := snip.Split(rep)
		if want := map[string]int{"clean": 0, "deviating": 1}[name]; len(errs) != 0 || len(warns) != want {
			t.Fatalf("%s 835: errors %v, warnings %v; want none and %d", name, errs, warns, want)
		}
	}
	remKey, _ := files.SendFile(ctx, "", body)

	// A 277CA whose claim trace (2200D TRN) carries a TRN03, which the
	// 277CA guide does not use.
	ca := &x277ca.Acknowledgment{Reference: "1", Date: "20300108", Time: "1200", Trace: "T277DEV",
		Source:      x277ca.Party{EntityType: "2", Name: "TEST PAYER", IDQual: "PI", ID: "ZZPAYER1"},
		ReceiptDate: "20300108", ProcessDate: "20300108",
		Receivers: []x277ca.Receiver{{Party: x277ca.Party{EntityType: "2", Name: "TEST PRACTICE", IDQual: "46", ID: "ZZSUBMIT1"},
			Trace: "1", Status: []x277ca.Status{{Category: "A1", Code: "19", Date: "20300108", Action: "WQ", Charge: 15000}},
			Providers: []x277ca.Provider{{Party: x277ca.Party{EntityType: "2", Name: "TEST PRACTICE", IDQual: "XX", ID: "1245319599"},
				Trace: "1", Claims: []x277ca.ClaimAck{{Patient: x277ca.Party{EntityType: "1", Name: "TESTPATIENT", FirstName: "ALPHA", IDQual: "MI", ID: "ZZ0000001"},
					PatientControlNumber: c.PatientControlNumber, PayerClaimControl: "PCN-DEV", ServiceFrom: "20300107",
					Status: []x277ca.Status{{Category: "A2", Code: "20", Date: "20300108", Action: "WQ", Charge: 15000}}}}}}}}}
	caIC, err := x277ca.Build(x277ca.Envelope{SenderID: "ZZCLEARING", ReceiverID: "ZZSUBMIT1", Usage: "T"}, ca)
	if err != nil {
		t.Fatal(err)
	}
	caBody := writeX12(t, caIC)
	pcnTRN := []byte("~TRN*2*" + c.PatientControlNumber + "~")
	if !bytes.Contains(caBody, pcnTRN) {
		t.Fatalf("no claim TRN in the 277CA: %s", caBody)
	}
	caBody = bytes.Replace(caBody, pcnTRN, []byte("~TRN*2*"+c.PatientControlNumber+"*1000000001~"), 1)
	if rep, err := snip.ValidateBytes(caBody, snip.Options{Inbound: true}); err != nil || snip.Rejected(rep) {
		t.Fatalf("the 277CA is rejected: %v %v", err, rep.Errors)
	}
	caKey, _ := files.SendFile(ctx, "", caBody)

	tc := &recordingTemporal{}
	router := &activities.Router{Files: files, Records: w.s, Temporal: tc, TaskQueue: "claimflow", Deviations: w.s}
	for range 3 { // the activity retried: nothing recorded twice
		for _, k := range []string{remKey, caKey} {
			res, err := router.Route(ctx, activities.InboundFile{Partner: "sim", Hash: k})
			if err != nil {
				t.Fatal(err)
			}
			if res.Errors != 0 || res.Warnings != 1 {
				t.Fatalf("route %s: %d errors, %d warnings; want 0 and 1", k[:8], res.Errors, res.Warnings)
			}
		}
	}
	req, ok := tc.started["remit/sim/ZZPAYER1/EFTDEV0001"].(activities.RemittanceRequest)
	if !ok || len(tc.started) != 1 {
		t.Fatalf("posting workflows started = %v, want the 835's", tc.started)
	}
	poster := &activities.RemitService{Files: files, Records: w.s}
	res, err := poster.Post(ctx, req)
	if err != nil || res.NewlyPosted != 1 || res.PaidCents != 9000 {
		t.Fatalf("post = %+v, %v; want the payment posted", res, err)
	}
	var rows int
	if err := w.s.Pool.QueryRow(ctx, "SELECT count(*) FROM inbound_deviations").Scan(&rows); err != nil || rows != 2 {
		t.Fatalf("recorded deviations = %d (%v), want 2 (one per file, once)", rows, err)
	}

	biller := actorWithRole(t, w.s, w.org.ID, "dev-biller", "biller")
	got, err := w.s.ClaimDeviations(ctx, biller, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("claim deviations = %+v, want the 835's and the 277CA's", got)
	}
	want := map[string]string{"835": "DTM03 at position", "277": "TRN03 at position"}
	for _, d := range got {
		if d.Code != "IK4 I10" || d.Severity != rcm.DeviationWarning || d.SNIPLevel != 2 || d.ClaimID != c.ID ||
			!strings.HasPrefix(d.Where, want[d.TransactionSet]) || d.Description == "" {
			t.Errorf("claim deviation = %+v", d)
		}
		if d.TransactionSet == "835" && (d.ClaimSeq != 1 || d.Loop != "2100" || d.Element != 3) {
			t.Errorf("835 deviation not placed in the claim payment: %+v", d)
		}
		if strings.Contains(d.Description, "1200") || strings.Contains(d.Description, "1000000001") || strings.Contains(d.Where, "20300110") {
			t.Errorf("deviation shows a value from the file: %+v", d)
		}
	}
	var remID string
	if err := w.s.Pool.QueryRow(ctx, "SELECT id FROM remittances WHERE trace_number = 'EFTDEV0001'").Scan(&remID); err != nil {
		t.Fatal(err)
	}
	era, err := w.s.ERA(ctx, biller, remID, "", "era")
	if err != nil {
		t.Fatal(err)
	}
	if len(era.Deviations) != 1 || era.Deviations[0].SegmentID != "DTM" || era.Deviations[0].ClaimSeq != 1 {
		t.Errorf("ERA deviations = %+v, want the DTM03 one", era.Deviations)
	}

	// Another tenant sees neither the claim nor the remittance.
	other, err := w.s.CreateOrg(ctx, store.System, store.Org{Kind: "health_system", Name: "TEST OTHER TENANT"})
	if err != nil {
		t.Fatal(err)
	}
	otherAdmin := actorWithRole(t, w.s, other.ID, "dev-other", "admin")
	if got, err := w.s.ClaimDeviations(ctx, otherAdmin, c.ID); !errors.Is(err, store.ErrNotFound) || len(got) != 0 {
		t.Errorf("other tenant: claim deviations %+v, %v; want ErrNotFound", got, err)
	}
	if _, err := w.s.ERA(ctx, otherAdmin, remID, "", "era"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("other tenant: ERA %v, want ErrNotFound", err)
	}
	// Reading them is audited.
	var audited int
	if err := w.s.Pool.QueryRow(ctx, "SELECT count(*) FROM audit_log WHERE resource IN ('claim_deviations', 'era_deviations')").Scan(&audited); err != nil || audited != 2 {
		t.Errorf("audited deviation reads = %d (%v), want 2", audited, err)
	}
}
