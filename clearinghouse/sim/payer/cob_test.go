package payer_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/claimflow/claimflow/clearinghouse/sim"
	"github.com/claimflow/claimflow/clearinghouse/sim/payer"
	"github.com/claimflow/claimflow/edi"
	"github.com/claimflow/claimflow/edi/x835"
	"github.com/claimflow/claimflow/edi/x837p"
)

const cobRules = `{
  "payer": {"name": "TEST PAYER", "id": "ZZPAYER1", "tin": "999999999"},
  "delay": "1m",
  "feeSchedule": {"99213": "90.00"},
  "payerFeeSchedules": {"ZZPAYER2": {"99213": "85.00"}, "ZZPAYER3": {"99213": "200.00"}, "ZZPAYER4": {"99213": "60.00"}},
  "members": {
    "ZZ0000041": {"lastName": "TESTPATIENT", "firstName": "ALPHA", "deductible": "0", "coinsurancePercent": 20},
    "ZZ0000042": {"lastName": "TESTPATIENT", "firstName": "ALPHA", "deductible": "0"},
    "ZZ0000043": {"lastName": "TESTPATIENT", "firstName": "BRAVO", "deductible": "0", "coinsurancePercent": 20,
                  "crossover": {"payerName": "SECOND TEST PAYER", "payerId": "ZZPAYER2", "memberId": "ZZ0000044", "delay": "2m"}},
    "ZZ0000044": {"lastName": "TESTPATIENT", "firstName": "BRAVO", "deductible": "0"}
  }
}`

func cobAdjudicator(t *testing.T) (*payer.Adjudicator, *clock) {
	t.Helper()
	cfg, err := payer.ParseConfig([]byte(cobRules))
	if err != nil {
		t.Fatal(err)
	}
	c := &clock{t: t0}
	a, err := payer.New(cfg, payer.Options{Ack: &sim.AckResponder{ID: "SIMCH"}, Now: c.now})
	if err != nil {
		t.Fatal(err)
	}
	return a, c
}

// cobTx is one 837P claim, 99213 at 150.00, for member to payerID.
func cobTx(member, payerID, responsibility string) *x837p.Transaction {
	tx := batch()
	sb := subscriber("TESTPATIENT", "ALPHA", member, claim("PCNCOB1", line("99213", 15000, "20260105")))
	sb.Responsibility, sb.Payer = responsibility, x837p.Payer{Name: "SOME PAYER", ID: payerID}
	tx.Billing[0].Subscriber = []x837p.Subscriber{sb}
	return tx
}

// withPrimary adds the primary's adjudication: paid 72.00, CO-45 60.00,
// PR-2 18.00 on the line.
func withPrimary(tx *x837p.Transaction) *x837p.Transaction {
	c := &tx.Billing[0].Subscriber[0].Claims[0]
	paid := x837p.Money(7200)
	c.OtherPayers = []x837p.OtherPayer{{Responsibility: "P", Relationship: "18", FilingCode: "CI", Paid: &paid,
		SubscriberLast: "TESTPATIENT", SubscriberFirst: "ALPHA", SubscriberID: "ZZ0000041", PayerName: "TEST PAYER", PayerID: "ZZPAYER1"}}
	c.Lines[0].Adjudications = []x837p.LineAdjudication{{PayerID: "ZZPAYER1", Paid: 7200, Procedure: "99213", Units: "1", Date: "20260108",
		Adjustments: []x837p.Adjustment{{Group: "CO", Reason: "45", Amount: 6000}, {Group: "PR", Reason: "2", Amount: 1800}}}}
	return tx
}

// remits reads the 835s due at now.
func remits(t *testing.T, a *payer.Adjudicator, now time.Time) []*x835.Remittance {
	t.Helper()
	var out []*x835.Remittance
	for _, f := range a.Flush(now) {
		ics, err := edi.ParseBytes(f.File.Body)
		if err != nil {
			t.Fatal(err)
		}
		for _, ic := range ics {
			for _, g := range ic.Groups {
				for _, tr := range g.Sets {
					r, err := x835.Read(tr, ic.Delims)
					if err != nil {
						t.Fatal(err)
					}
					out = append(out, r)
				}
			}
		}
	}
	return out
}

func adjs(as []x835.Adjustment) map[string]x835.Money {
	m := map[string]x835.Money{}
	for _, a := range as {
		m[a.Group+"-"+a.Reason] += a.Amount
	}
	return m
}

// TestSecondaryClaimPricing: a secondary pays its allowed amount less what
// the primary paid, at most what the primary left to the patient; OA-23
// carries what the primary settled, PR what the patient still owes.
func TestSecondaryClaimPricing(t *testing.T) {
	for _, tc := range []struct {
		payer         string
		paid, patient x835.Money
	}{
		{"ZZPAYER2", 1300, 500}, // allowed 85.00 - 72.00
		{"ZZPAYER3", 1800, 0},   // allowed 200.00: capped at the 18.00 left
		{"ZZPAYER4", 0, 1800},   // allowed 60.00 < 72.00 paid: nothing more
	} {
		t.Run(tc.payer, func(t *testing.T) {
			a, c := cobAdjudicator(t)
			a.OnUpload(context.Background(), "claimflow", "sec.837", build837(t, 1, withPrimary(cobTx("ZZ0000042", tc.payer, "S"))))
			rs := remits(t, a, c.t.Add(time.Minute))
			if len(rs) != 1 || len(rs[0].Claims) != 1 {
				t.Fatalf("835s = %+v", rs)
			}
			cp := rs[0].Claims[0]
			l := cp.Lines[0]
			want := map[string]x835.Money{"OA-23": 13200}
			if tc.patient > 0 {
				want["PR-2"] = tc.patient
			}
			if cp.Status != "2" || cp.Paid != tc.paid || cp.PatientResponsibility != tc.patient || l.Paid != tc.paid || !equalAdj(adjs(l.Adjustments), want) {
				t.Errorf("CLP02 %s paid %s patient %s, line paid %s adjustments %v; want 2, %s, %s, %v", cp.Status, cp.Paid, cp.PatientResponsibility, l.Paid, adjs(l.Adjustments), tc.paid, tc.patient, want)
			}
			if rs[0].Payer.PayerID != tc.payer {
				t.Errorf("835 payer %q, want %s", rs[0].Payer.PayerID, tc.payer)
			}
		})
	}
}

func equalAdj(a, b map[string]x835.Money) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range b {
		if a[k] != v {
			return false
		}
	}
	return true
}

// TestCrossover: the primary pays a crossover member's claim, says it
// forwarded it (CLP02 19, MOA MA18, NM1*TT), and the next payer's 835
// follows its delay later without another 837.
func TestCrossover(t *testing.T) {
	a, c := cobAdjudicator(t)
	a.OnUpload(context.Background(), "claimflow", "p.837", build837(t, 1, cobTx("ZZ0000043", "ZZPAYER1", "P")))
	rs := remits(t, a, c.t.Add(time.Minute))
	if len(rs) != 1 {
		t.Fatalf("835s at the primary's delay = %d, want 1", len(rs))
	}
	cp := rs[0].Claims[0]
	if cp.Status != "19" || !slices.Contains(cp.Remarks, "MA18") || cp.CrossoverCarrier == nil || cp.CrossoverCarrier.ID != "ZZPAYER2" ||
		cp.Paid != 7200 || cp.PatientResponsibility != 1800 {
		t.Errorf("primary CLP02 %s remarks %v crossover %+v paid %s patient %s", cp.Status, cp.Remarks, cp.CrossoverCarrier, cp.Paid, cp.PatientResponsibility)
	}
	if rs := remits(t, a, c.t.Add(2*time.Minute)); len(rs) != 0 {
		t.Errorf("the secondary's 835 came before its delay")
	}
	rs = remits(t, a, c.t.Add(3*time.Minute))
	if len(rs) != 1 || rs[0].Payer.PayerID != "ZZPAYER2" {
		t.Fatalf("secondary 835s = %+v", rs)
	}
	sc := rs[0].Claims[0]
	if sc.Status != "2" || sc.Paid != 1300 || sc.PatientResponsibility != 500 || sc.PatientControlNumber != "PCNCOB1" {
		t.Errorf("secondary CLP %s %s paid %s patient %s", sc.PatientControlNumber, sc.Status, sc.Paid, sc.PatientResponsibility)
	}
	if rec, ok := a.Claim("claimflow", "ZZPAYER2", "PCNCOB1"); !ok || rec.MemberID != "ZZ0000044" || rec.State != payer.Paid {
		t.Errorf("secondary record = %+v %v", rec, ok)
	}
}
