package payer_test

import (
	"bytes"
	"context"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/claimflow/claimflow/clearinghouse/sim/payer"
	"github.com/claimflow/claimflow/edi"
	"github.com/claimflow/claimflow/edi/claim837"
	"github.com/claimflow/claimflow/edi/x277ca"
	"github.com/claimflow/claimflow/edi/x835"
	"github.com/claimflow/claimflow/edi/x837d"
	"github.com/claimflow/claimflow/edi/x837i"
)

// write builds an 837I or 837D and checks that it validates.
func write(t *testing.T, build func(claim837.Envelope, ...*claim837.Transaction) (*edi.Interchange, error), ctl int, tx *claim837.Transaction) []byte {
	t.Helper()
	var buf bytes.Buffer
	ic, err := build(env837(ctl), tx)
	if err == nil {
		err = edi.Write(&buf, ic)
	}
	return valid(t, buf.Bytes(), err)
}

func env837(ctl int) claim837.Envelope {
	return claim837.Envelope{SenderID: "CLAIMFLOW", ReceiverID: "SIMCH", Usage: "T", Time: t0,
		Control: edi.Control{Interchange: ctl, Group: ctl, Set: 1}}
}

var testAddr = claim837.Address{Line1: "100 MAIN STREET", City: "ANYTOWN", State: "NY", Zip: "100010000"}

func sub837(last, first, id string, claims ...claim837.Claim) claim837.Subscriber {
	return claim837.Subscriber{Responsibility: "P", Relationship: "18", GroupNumber: "GRP0001", FilingCode: "CI",
		LastName: last, FirstName: first, MemberID: id, BirthDate: "19800101", Gender: "U",
		Address: &claim837.Address{Line1: "1 TEST LANE", City: "ANYTOWN", State: "NY", Zip: "100010000"},
		Payer:   claim837.Payer{Name: "TEST PAYER", ID: "TP0000001"}, Claims: claims}
}

func tx837(name, taxonomy string, subs ...claim837.Subscriber) *claim837.Transaction {
	return &claim837.Transaction{
		Header:    claim837.Header{Purpose: "00", Reference: "BATCH0002", Date: "20260110", Time: "0800", Type: "CH"},
		Submitter: claim837.Submitter{EntityType: "2", Name: "CLAIMFLOW TEST CLINIC", ID: "CF0000001", ContactName: "BILLING OFFICE", Phone: "5555550100"},
		Receiver:  claim837.Receiver{Name: "TEST CLEARINGHOUSE", ID: "SIMCH"},
		Billing: []claim837.BillingProvider{{Taxonomy: taxonomy, EntityType: "2", Name: name, NPI: "1234567893", Address: testAddr,
			TaxID: "990000001", Subscriber: subs}},
	}
}

var attending = &claim837.Provider{EntityType: "1", LastName: "DOCTOR", FirstName: "TEST", NPI: "1234567893"}

// institutional837 is an 837I: an outpatient claim priced by revenue code
// (one line NU-only), an inpatient claim paid per DRG, and an outpatient
// claim with a total-charge line (0001) that the front end rejects.
func institutional837() *claim837.Transaction {
	outpatient := claim837.Claim{PatientControlNumber: "PCNI0001", FacilityCode: "13", Frequency: "1", Assignment: "A",
		BenefitsAssigned: "Y", ReleaseOfInfo: "Y", Diagnoses: []string{"R0789", "I10"},
		Institutional: &claim837.InstClaim{StatementFrom: "20260105", StatementTo: "20260105", AdmissionType: "3", AdmissionSource: "1", PatientStatus: "01"},
		Attending:     attending,
		Lines: []claim837.ServiceLine{
			{RevenueCode: "0450", ProcedureQual: "HC", Procedure: "99283", Charge: 85000, Unit: "UN", Quantity: "1", ServiceDate: "20260105", LineControl: "LNI0001"},
			{RevenueCode: "0300", ProcedureQual: "HC", Procedure: "80053", Charge: 12050, Unit: "UN", Quantity: "1", ServiceDate: "20260105", LineControl: "LNI0002"},
			{RevenueCode: "0250", Charge: 4500, Unit: "UN", Quantity: "3", ServiceDate: "20260105", LineControl: "LNI0003"},
		}}
	inpatient := claim837.Claim{PatientControlNumber: "PCNI0002", FacilityCode: "11", Frequency: "1", Assignment: "A",
		BenefitsAssigned: "Y", ReleaseOfInfo: "Y", Diagnoses: []string{"J189"},
		Institutional: &claim837.InstClaim{StatementFrom: "20260101", StatementTo: "20260104", AdmissionDate: "20260101", AdmissionHour: "0830",
			DischargeHour: "1400", AdmissionType: "1", AdmissionSource: "7", PatientStatus: "01", AdmittingDiagnosis: "R509", DRG: "194"},
		Attending: attending,
		Lines: []claim837.ServiceLine{
			{RevenueCode: "0120", Charge: 800000, Unit: "DA", Quantity: "4", ServiceDate: "20260101", ServiceDateTo: "20260104"},
			{RevenueCode: "0250", Charge: 50000, Unit: "UN", Quantity: "10"},
		}}
	totalLine := claim837.Claim{PatientControlNumber: "PCNI0003", FacilityCode: "13", Frequency: "1", Assignment: "A",
		BenefitsAssigned: "Y", ReleaseOfInfo: "Y", Diagnoses: []string{"R0789"},
		Institutional: &claim837.InstClaim{StatementFrom: "20260106", StatementTo: "20260106", AdmissionType: "3", AdmissionSource: "1", PatientStatus: "01"},
		Attending:     attending,
		Lines: []claim837.ServiceLine{
			{RevenueCode: "0450", ProcedureQual: "HC", Procedure: "99283", Charge: 85000, Unit: "UN", Quantity: "1", ServiceDate: "20260106", LineControl: "LNI0031"},
			{RevenueCode: "0001", Charge: 85000, Unit: "UN", Quantity: "1", ServiceDate: "20260106", LineControl: "LNI0032"},
		}}
	return tx837("CLAIMFLOW TEST HOSPITAL", "282N00000X",
		sub837("DOE", "JANE", "ZZ0000001", outpatient),
		sub837("ROE", "RICHARD", "ZZ0000002", inpatient),
		sub837("MOE", "SAM", "ZZ0000006", totalLine))
}

// dental837 is an 837D: a restoration with a tooth and a cleaning for
// the subscriber, an exam for a dependent.
func dental837() *claim837.Transaction {
	rendering := &claim837.Provider{EntityType: "1", LastName: "DENTIST", FirstName: "TEST", NPI: "1234567893"}
	own := claim837.Claim{PatientControlNumber: "PCND0001", FacilityCode: "11", Frequency: "1", ProviderSignature: "Y", Assignment: "A",
		BenefitsAssigned: "Y", ReleaseOfInfo: "Y", Dental: &claim837.DentalClaim{}, Rendering: rendering,
		Lines: []claim837.ServiceLine{
			{ProcedureQual: "AD", Procedure: "D2392", Charge: 18500, PlaceOfSvc: "11", Quantity: "1", ServiceDate: "20260108", LineControl: "LND0001",
				Teeth: []claim837.Tooth{{Number: "30", Surfaces: []string{"M", "O"}}}},
			{ProcedureQual: "AD", Procedure: "D1110", Charge: 9500, Quantity: "1", ServiceDate: "20260108", LineControl: "LND0002"},
		}}
	dep := sub837("ROE", "RICHARD", "ZZ0000002")
	dep.Relationship = ""
	dep.Patients = []claim837.Patient{{Relationship: "19", LastName: "ROE", FirstName: "BABY", BirthDate: "20200101", Gender: "U",
		Address: claim837.Address{Line1: "2 TEST LANE", City: "ANYTOWN", State: "NY", Zip: "100010000"},
		Claims: []claim837.Claim{{PatientControlNumber: "PCND0002", FacilityCode: "11", Frequency: "1", ProviderSignature: "Y", Assignment: "A",
			BenefitsAssigned: "Y", ReleaseOfInfo: "Y", Dental: &claim837.DentalClaim{}, Rendering: rendering,
			Lines: []claim837.ServiceLine{{ProcedureQual: "AD", Procedure: "D0120", Charge: 6000, Quantity: "1", ServiceDate: "20260108", LineControl: "LND0003"}}}}}}
	return tx837("CLAIMFLOW TEST DENTAL", "1223G0001X", sub837("DOE", "JANE", "ZZ0000001", own), dep)
}

// svc is what a test expects of one 835 service line.
type svc struct {
	qual, code, rev string
	charge, paid    x835.Money
	adj             []adj
	lineControl     string
}

// checkLines compares a claim payment's lines with the expected ones.
func checkLines(t *testing.T, cp x835.ClaimPayment, want []svc) {
	t.Helper()
	if len(cp.Lines) != len(want) {
		t.Fatalf("%s: %d lines, want %d", cp.PatientControlNumber, len(cp.Lines), len(want))
	}
	for i, l := range cp.Lines {
		got := svc{l.ProcedureQual, l.Procedure, l.RevenueCode, l.Charge, l.Paid, l.Adjustments, l.LineControl}
		if !reflect.DeepEqual(got, want[i]) {
			t.Errorf("%s line %d:\n got %+v\nwant %+v", cp.PatientControlNumber, i+1, got, want[i])
		}
	}
}

// upload sends one 837, checks the 999 accepts it and returns the 277CA
// and the 835s due after the delay (validated and balanced).
func upload(t *testing.T, a *payer.Adjudicator, body []byte) (*x277ca.Acknowledgment, []*x835.Remittance) {
	t.Helper()
	k := kinds(a.OnUpload(context.Background(), "u1", "batch.x12", body))
	if !bytes.Contains(k["999"], []byte("IK5*A")) || k["277ca"] == nil {
		t.Fatalf("999 does not accept the set, or no 277CA:\n%s", k["999"])
	}
	ack := read277CA(t, k["277ca"])
	var rs []*x835.Remittance
	for _, f := range a.Flush(t0.Add(time.Minute)) {
		rs = append(rs, read835(t, f.File.Body)...)
	}
	return ack, rs
}

func claimsByPCN(rs []*x835.Remittance) map[string]x835.ClaimPayment {
	out := map[string]x835.ClaimPayment{}
	for _, r := range rs {
		for _, cp := range r.Claims {
			out[cp.PatientControlNumber] = cp
		}
	}
	return out
}

func TestLineRejection277CA(t *testing.T) {
	a := newAdjudicator(t, filepath.Join(t.TempDir(), "state.json"), &clock{t0})
	bad := line("00000", 5000, "20260105")
	bad.LineControl = "LN0002"
	units := line("87880", 9000, "20260105")
	units.Quantity, units.LineControl = "3", "LN0003"
	ok := line("99213", 9000, "20260105")
	ok.LineControl = "LN0001"
	tx := only(subscriber("MOE", "SAM", "ZZ0000006",
		claim("PCNL0001", ok, bad, units),
		claim("PCNL0002", line("99213", 9000, "20260105"))))
	ack, rs := upload(t, a, build837(t, 31, tx))

	rej := ack.Find("PCNL0001")
	if rej == nil || rej.Accepted() || rej.PayerClaimControl != "" {
		t.Fatalf("PCNL0001 277CA = %+v, want rejected without REF*1K", rej)
	}
	if st := rej.Status[0]; st.Category != "A7" || st.Code != "21" || st.Action != "U" || st.Charge != 23000 {
		t.Errorf("2200D STC = %+v, want A7:21 action U for 230.00", st)
	}
	want := []x277ca.LineAck{
		{ProcedureQual: "HC", Procedure: "00000", Charge: 5000, Units: "1", LineControl: "LN0002", ServiceFrom: "20260105",
			Status: []x277ca.Status{{Category: "A7", Code: "454", Date: "20260110", Action: "U", Message: "INVALID PROCEDURE CODE"}}},
		{ProcedureQual: "HC", Procedure: "87880", Charge: 9000, Units: "3", LineControl: "LN0003", ServiceFrom: "20260105",
			Status: []x277ca.Status{{Category: "A7", Code: "21", Date: "20260110", Action: "U", Message: "UNITS EXCEED 2"}}},
	}
	if !reflect.DeepEqual(rej.Lines, want) {
		t.Errorf("2220D lines\n got %+v\nwant %+v", rej.Lines, want)
	}
	if acc := ack.Find("PCNL0002"); acc == nil || !acc.Accepted() || len(acc.Lines) != 0 {
		t.Errorf("PCNL0002 277CA = %+v, want accepted with no 2220D", acc)
	}
	if tt := ack.Receivers[0].Totals; tt.AcceptedCount != "1" || tt.RejectedCount != "1" {
		t.Errorf("totals accepted %s rejected %s, want 1 and 1", tt.AcceptedCount, tt.RejectedCount)
	}
	paid := claimsByPCN(rs)
	if _, in835 := paid["PCNL0001"]; in835 || len(paid) != 1 {
		t.Errorf("835 claims %v, want only PCNL0002", paid)
	}
	rec, _ := a.Claim("u1", "TP0000001", "PCNL0001")
	if rec.State != payer.Rejected || len(rec.AckLines) != 2 {
		t.Errorf("record %s with %d line statuses, want rejected with 2", rec.State, len(rec.AckLines))
	}
}

func TestAdjudicatesInstitutional(t *testing.T) {
	a := newAdjudicator(t, "", &clock{t0})
	ack, rs := upload(t, a, write(t, x837i.Build, 41, institutional837()))

	if ca := ack.Find("PCNI0001"); ca == nil || !ca.Accepted() || ca.BillType != "131" || ca.ServiceFrom != "20260105" {
		t.Errorf("PCNI0001 277CA = %+v, want accepted, REF*BLT 131, DTP*472 20260105", ca)
	}
	if ca := ack.Find("PCNI0002"); ca == nil || !ca.Accepted() || ca.ServiceFrom != "20260101" || ca.ServiceTo != "20260104" {
		t.Errorf("PCNI0002 277CA = %+v, want accepted for the statement period", ca)
	}
	rej := ack.Find("PCNI0003")
	if rej == nil || rej.Accepted() || len(rej.Lines) != 1 {
		t.Fatalf("PCNI0003 277CA = %+v, want rejected at one line", rej)
	}
	if l := rej.Lines[0]; l.ProcedureQual != "NU" || l.Procedure != "0001" || l.LineControl != "LNI0032" ||
		l.Status[0].Category != "A7" || l.Status[0].Code != "455" {
		t.Errorf("2220D = %+v, want NU:0001 REF*FJ LNI0032 A7:455", l)
	}

	if len(rs) != 1 {
		t.Fatalf("835 sets = %d, want 1", len(rs))
	}
	// Outpatient, member ZZ0000001 (50.00 deductible left, 20% co-insurance):
	// 0450 allowed 600.00 of 850.00: CO-45 250, PR-1 50, PR-2 110, paid 440.
	// 0300 allowed 25.00 of 120.50: CO-45 95.50, PR-2 5, paid 20.
	// 0250 x3 allowed 30.00 of 45.00: CO-45 15, PR-2 6, paid 24.
	// Inpatient DRG 194 at 6,500.00 of 8,500.00, member ZZ0000002 (co-pay
	// 25.00): CO-45 2,000, PR-3 25, paid 6,475 per claim.
	if r := rs[0]; r.Payment.Amount != 48400+647500 {
		t.Errorf("BPR02 = %v, want 6959.00", r.Payment.Amount)
	}
	paid := claimsByPCN(rs)
	if _, in835 := paid["PCNI0003"]; in835 {
		t.Error("the rejected claim is in the 835")
	}
	op := paid["PCNI0001"]
	if op.Status != "1" || op.Paid != 48400 || op.PatientResponsibility != 17100 || op.FacilityType != "13" || op.Frequency != "1" ||
		op.StatementFrom != "20260105" || op.DRG != "" || len(op.Adjustments) != 0 {
		t.Errorf("PCNI0001 CLP = %s %v %v CLP08 %s CLP09 %s DTM*232 %s CLP11 %q CAS %v", op.Status, op.Paid, op.PatientResponsibility,
			op.FacilityType, op.Frequency, op.StatementFrom, op.DRG, op.Adjustments)
	}
	if op.Rendering == nil || op.Rendering.ID != "1234567893" {
		t.Errorf("PCNI0001 NM1*82 = %+v, want the attending provider", op.Rendering)
	}
	checkLines(t, op, []svc{
		{"HC", "99283", "0450", 85000, 44000, []adj{{Group: "CO", Reason: "45", Amount: 25000}, {Group: "PR", Reason: "1", Amount: 5000},
			{Group: "PR", Reason: "2", Amount: 11000}}, "LNI0001"},
		{"HC", "80053", "0300", 12050, 2000, []adj{{Group: "CO", Reason: "45", Amount: 9550}, {Group: "PR", Reason: "2", Amount: 500}}, "LNI0002"},
		{"NU", "0250", "", 4500, 2400, []adj{{Group: "CO", Reason: "45", Amount: 1500}, {Group: "PR", Reason: "2", Amount: 600}}, "LNI0003"},
	})
	ip := paid["PCNI0002"]
	wantAdj := []adj{{Group: "CO", Reason: "45", Amount: 200000}, {Group: "PR", Reason: "3", Amount: 2500}}
	if ip.Status != "1" || ip.Charge != 850000 || ip.Paid != 647500 || ip.PatientResponsibility != 2500 || ip.DRG != "194" ||
		ip.FacilityType != "11" || !reflect.DeepEqual(ip.Adjustments, wantAdj) || len(ip.Lines) != 0 ||
		ip.StatementFrom != "20260101" || ip.StatementTo != "20260104" {
		t.Errorf("PCNI0002 CLP = %s %v %v %v CLP11 %q CLP08 %s CAS %+v lines %d DTM %s-%s", ip.Status, ip.Charge, ip.Paid,
			ip.PatientResponsibility, ip.DRG, ip.FacilityType, ip.Adjustments, len(ip.Lines), ip.StatementFrom, ip.StatementTo)
	}
}

func TestAdjudicatesDental(t *testing.T) {
	a := newAdjudicator(t, "", &clock{t0})
	ack, rs := upload(t, a, write(t, x837d.Build, 51, dental837()))
	for _, pcn := range []string{"PCND0001", "PCND0002"} {
		if ca := ack.Find(pcn); ca == nil || !ca.Accepted() {
			t.Errorf("%s 277CA = %+v, want accepted", pcn, ca)
		}
	}
	if len(rs) != 1 {
		t.Fatalf("835 sets = %d, want 1", len(rs))
	}
	// D2392 allowed 150.00 of 185.00: CO-45 35, PR-1 50, PR-2 20, paid 80.
	// D1110 allowed 80.00 of 95.00: CO-45 15, PR-2 16, paid 64.
	// The dependent's D0120 allowed 45.00 of 60.00: CO-45 15, PR-3 25, paid 20.
	if r := rs[0]; r.Payment.Amount != 16400 {
		t.Errorf("BPR02 = %v, want 164.00", r.Payment.Amount)
	}
	paid := claimsByPCN(rs)
	own := paid["PCND0001"]
	if own.Paid != 14400 || own.PatientResponsibility != 8600 || own.FacilityType != "11" || own.Rendering == nil {
		t.Errorf("PCND0001 CLP04 %v CLP05 %v CLP08 %s NM1*82 %v", own.Paid, own.PatientResponsibility, own.FacilityType, own.Rendering)
	}
	checkLines(t, own, []svc{
		{"AD", "D2392", "", 18500, 8000, []adj{{Group: "CO", Reason: "45", Amount: 3500}, {Group: "PR", Reason: "1", Amount: 5000},
			{Group: "PR", Reason: "2", Amount: 2000}}, "LND0001"},
		{"AD", "D1110", "", 9500, 6400, []adj{{Group: "CO", Reason: "45", Amount: 1500}, {Group: "PR", Reason: "2", Amount: 1600}}, "LND0002"},
	})
	dep := paid["PCND0002"]
	if dep.Paid != 2000 || dep.PatientResponsibility != 2500 || dep.Insured == nil || dep.Patient.FirstName != "BABY" {
		t.Errorf("PCND0002 CLP04 %v CLP05 %v patient %+v insured %+v", dep.Paid, dep.PatientResponsibility, dep.Patient, dep.Insured)
	}
	checkLines(t, dep, []svc{
		{"AD", "D0120", "", 6000, 2000, []adj{{Group: "CO", Reason: "45", Amount: 1500}, {Group: "PR", Reason: "3", Amount: 2500}}, "LND0003"},
	})
}

// TestReplaceDRGClaim: the replacement of a claim paid per DRG reverses
// its claim-level adjustments and gives its out-of-pocket back.
func TestReplaceDRGClaim(t *testing.T) {
	a := newAdjudicator(t, "", &clock{t0})
	tx := institutional837()
	tx.Billing[0].Subscriber = tx.Billing[0].Subscriber[1:2] // the inpatient claim
	upload(t, a, write(t, x837i.Build, 61, tx))
	tx.Billing[0].Subscriber[0].Claims[0].Frequency = "7"
	tx.Billing[0].Subscriber[0].Claims[0].PayerClaimControl = "TPCLM0000000001"
	_, rs := upload(t, a, write(t, x837i.Build, 62, tx))
	if len(rs) != 1 || len(rs[0].Claims) != 2 {
		t.Fatalf("835 after the replacement: %d sets", len(rs))
	}
	rev, again := rs[0].Claims[0], rs[0].Claims[1]
	if rev.Status != "22" || rev.Paid != -647500 || rev.DRG != "194" || rev.Adjustments[0].Amount != -200000 {
		t.Errorf("reversal CLP02 %s CLP04 %v CLP11 %s CAS %+v", rev.Status, rev.Paid, rev.DRG, rev.Adjustments)
	}
	// The co-pay is per claim, so the replacement pays the same.
	if again.Status != "1" || again.Paid != 647500 || again.Frequency != "7" {
		t.Errorf("replacement CLP02 %s CLP04 %v CLP09 %s", again.Status, again.Paid, again.Frequency)
	}
}
