package payer_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/claimflow/claimflow/clearinghouse"
	"github.com/claimflow/claimflow/clearinghouse/sim/payer"
	"github.com/claimflow/claimflow/edi/x835"
	"github.com/claimflow/claimflow/edi/x837p"
)

func only(sb x837p.Subscriber) *x837p.Transaction {
	tx := batch()
	tx.Billing[0].Subscriber = []x837p.Subscriber{sb}
	return tx
}

// TestReplacementAndVoid: a corrected claim (CLM05-3 7) reverses the paid
// original (CLP02 22) and is adjudicated again with the deductible given
// back; a void (8) reverses only; a void of nothing is rejected; an 835
// whose reversals exceed its payments carries the debt in a negative FB
// PLB and pays nothing. Every 835 balances.
func TestReplacementAndVoid(t *testing.T) {
	c := &clock{t0}
	a := newAdjudicator(t, "", c)
	jane := func(cl x837p.Claim) x837p.Subscriber { return subscriber("DOE", "JANE", "ZZ0000001", cl) }
	a.OnUpload(context.Background(), "u1", "b1.x12", build837(t, 1, only(jane(claim("PCN0001", line("99213", 15000, "20260105"), line("87880", 3000, "20260105"))))))
	c.t = c.t.Add(time.Minute)
	first := read835(t, a.Flush(c.t)[0].File.Body)[0]
	orig := first.Claims[0]
	if orig.Paid != 4800 {
		t.Fatalf("original paid %v, want 48.00", orig.Paid)
	}

	// The corrected claim drops the 87880 line.
	fix := claim("PCN0001", line("99213", 15000, "20260105"))
	fix.Frequency, fix.PayerClaimControl = "7", orig.PayerControlNumber
	out := kinds(a.OnUpload(context.Background(), "u1", "b2.x12", build837(t, 2, only(jane(fix)))))
	if ca := read277CA(t, out["277ca"]).Find("PCN0001"); ca == nil || !ca.Accepted() {
		t.Fatalf("replacement not accepted: %+v", ca)
	}
	c.t = c.t.Add(time.Minute)
	r := read835(t, a.Flush(c.t)[0].File.Body)[0]
	if len(r.Claims) != 2 {
		t.Fatalf("835 claims = %d, want the reversal and the replacement", len(r.Claims))
	}
	rev, rep := r.Claims[0], r.Claims[1]
	if rev.Status != "22" || rev.Charge != -18000 || rev.Paid != -4800 || rev.PayerControlNumber != orig.PayerControlNumber ||
		rev.Lines[0].Adjustments[0] != (x835.Adjustment{Group: "CO", Reason: "45", Amount: -6000}) {
		t.Errorf("reversal CLP %s %v %v %s, line 1 CAS %+v", rev.Status, rev.Charge, rev.Paid, rev.PayerControlNumber, rev.Lines[0].Adjustments)
	}
	// The deductible used by the original (50.00) is given back.
	wantAdj := []x835.Adjustment{{Group: "CO", Reason: "45", Amount: 6000}, {Group: "PR", Reason: "1", Amount: 5000}, {Group: "PR", Reason: "2", Amount: 800}}
	if rep.Status != "1" || rep.Paid != 3200 || !reflect.DeepEqual(rep.Lines[0].Adjustments, wantAdj) {
		t.Errorf("replacement CLP %s %v CAS %+v, want 1 32.00 %+v", rep.Status, rep.Paid, rep.Lines[0].Adjustments, wantAdj)
	}
	// -48.00 + 32.00: nothing paid, 16.00 carried forward.
	if r.Payment.Amount != 0 || r.Payment.Handling != "H" || len(r.Adjustments) != 1 || r.Adjustments[0].Reason != "FB" || r.Adjustments[0].Amount != -1600 {
		t.Errorf("BPR %s %v PLB %+v, want H 0 and FB -16.00", r.Payment.Handling, r.Payment.Amount, r.Adjustments)
	}

	// Void the replacement: a reversal alone.
	void := claim("PCN0001", line("99213", 15000, "20260105"))
	void.Frequency, void.PayerClaimControl = "8", rep.PayerControlNumber
	a.OnUpload(context.Background(), "u1", "b3.x12", build837(t, 3, only(jane(void))))
	c.t = c.t.Add(time.Minute)
	r = read835(t, a.Flush(c.t)[0].File.Body)[0]
	if len(r.Claims) != 1 || r.Claims[0].Status != "22" || r.Claims[0].Paid != -3200 || r.Claims[0].PayerControlNumber != rep.PayerControlNumber {
		t.Errorf("void 835 claims %+v, want one reversal of 32.00", r.Claims)
	}
	if rec, _ := a.Claim("u1", "TP0000001", "PCN0001"); rec.State != payer.Voided {
		t.Errorf("state after void = %s", rec.State)
	}
	// Nothing left to void.
	out = kinds(a.OnUpload(context.Background(), "u1", "b4.x12", build837(t, 4, only(jane(void)))))
	if ca := read277CA(t, out["277ca"]).Find("PCN0001"); ca == nil || ca.Accepted() || ca.Status[0].Code != "21" {
		t.Errorf("void of a voided claim: %+v, want rejected A7:21", ca)
	}
	if f := a.Flush(c.t.Add(time.Hour)); len(f) != 0 {
		t.Errorf("%d more 835s", len(f))
	}
}

// TestReplacementBeforeRemit: a replacement that arrives before the
// original's 835 supersedes it: only the replacement is paid.
func TestReplacementBeforeRemit(t *testing.T) {
	c := &clock{t0}
	a := newAdjudicator(t, "", c)
	sb := subscriber("DOE", "JANE", "ZZ0000001", claim("PCN0001", line("99213", 15000, "20260105")))
	a.OnUpload(context.Background(), "u1", "b1.x12", build837(t, 1, only(sb)))
	fix := claim("PCN0001", line("99213", 12000, "20260105"))
	fix.Frequency, fix.PayerClaimControl = "7", "TPCLM0000000001"
	a.OnUpload(context.Background(), "u1", "b2.x12", build837(t, 2, only(subscriber("DOE", "JANE", "ZZ0000001", fix))))
	files := a.Flush(c.t.Add(time.Hour))
	if len(files) != 1 {
		t.Fatalf("%d 835s", len(files))
	}
	r := read835(t, files[0].File.Body)[0]
	// 120.00 allowed 90.00: CO-45 30, PR-1 50 (the deductible, given back by the replaced original), PR-2 8, paid 32.
	if len(r.Claims) != 1 || r.Claims[0].Charge != 12000 || r.Claims[0].Paid != 3200 {
		t.Errorf("835 claims %+v, want only the replacement paid 32.00", r.Claims)
	}
	if recs := a.Claims(); recs[0].State != payer.Replaced {
		t.Errorf("original state %s, want replaced", recs[0].State)
	}
}

// TestOutOfPocketMaximum: once the member's out-of-pocket maximum is
// reached the payer pays the whole allowed amount; the 271 shows nothing
// left.
func TestOutOfPocketMaximum(t *testing.T) {
	c := &clock{t0}
	a := newAdjudicator(t, "", c)
	kim := func(pcn string) x837p.Subscriber {
		return subscriber("LOE", "KIM", "ZZ0000007", claim(pcn, line("99213", 15000, "20260105")))
	}
	a.OnUpload(context.Background(), "u1", "b1.x12", build837(t, 1, only(kim("OOP0001"))))
	a.OnUpload(context.Background(), "u1", "b2.x12", build837(t, 2, only(kim("OOP0002"))))
	r := read835(t, a.Flush(c.t.Add(time.Hour))[0].File.Body)[0]
	// Allowed 90.00; 20% would be 18.00 but only 10.00 is left to reach the maximum.
	want := map[string][]x835.Adjustment{
		"OOP0001": {{Group: "CO", Reason: "45", Amount: 6000}, {Group: "PR", Reason: "2", Amount: 1000}},
		"OOP0002": {{Group: "CO", Reason: "45", Amount: 6000}},
	}
	paid := map[string]x835.Money{"OOP0001": 8000, "OOP0002": 9000}
	for _, cp := range r.Claims {
		if cp.Paid != paid[cp.PatientControlNumber] || !reflect.DeepEqual(cp.Lines[0].Adjustments, want[cp.PatientControlNumber]) {
			t.Errorf("%s: paid %v CAS %+v, want %v %+v", cp.PatientControlNumber, cp.Paid, cp.Lines[0].Adjustments,
				paid[cp.PatientControlNumber], want[cp.PatientControlNumber])
		}
	}
	rep, err := a.RealTime(context.Background(), clearinghouse.PayloadType270, inquiry(t, "ZZ0000007", ""))
	if err != nil {
		t.Fatal(err)
	}
	if s := read271(t, rep.Payload).Patient().Summary("30"); s.OutOfPocketRemaining == nil || *s.OutOfPocketRemaining != 0 {
		t.Errorf("271 out-of-pocket remaining %v, want 0", s.OutOfPocketRemaining)
	}
}
