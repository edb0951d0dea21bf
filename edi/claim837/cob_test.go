package claim837_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	moovfile "github.com/moov-io/x12/pkg/file"
	"github.com/moov-io/x12/pkg/rules"
	moov837d "github.com/moov-io/x12/rule_5010_837d"
	moov837p "github.com/moov-io/x12/rule_5010_837p"

	"github.com/claimflow/claimflow/edi"
	"github.com/claimflow/claimflow/edi/claim837"
	"github.com/claimflow/claimflow/edi/internal/setsamples"
	"github.com/claimflow/claimflow/edi/snip"
)

// professional is a one-claim 837P for a subscriber who is the patient:
// 99213 150.00 and 97140 80.00.
func professional() *claim837.Transaction {
	return &claim837.Transaction{
		Header:    claim837.Header{Purpose: "00", Reference: "COB0001", Date: "20260115", Time: "1200", Type: "CH"},
		Submitter: claim837.Submitter{EntityType: "2", Name: "TEST CLINIC", ID: "ZZSUBMIT1", ContactName: "BILLING", Phone: "5550100000"},
		Receiver:  claim837.Receiver{Name: "TEST CLEARINGHOUSE", ID: "ZZRECV1"},
		Billing: []claim837.BillingProvider{{
			Taxonomy: "207Q00000X", EntityType: "2", Name: "TEST CLINIC", NPI: "1245319599", TaxID: "000000001",
			Address: claim837.Address{Line1: "1 TEST WAY", City: "TESTVILLE", State: "NY", Zip: "999990001"},
			Subscriber: []claim837.Subscriber{{
				Responsibility: "S", Relationship: "18", GroupNumber: "GRP0002", FilingCode: "CI",
				LastName: "TESTPATIENT", FirstName: "ALPHA", MemberID: "ZZ0000020",
				Address:   &claim837.Address{Line1: "1 TEST ST", City: "TESTVILLE", State: "NY", Zip: "99999"},
				BirthDate: "19800101", Gender: "F",
				Payer: claim837.Payer{Name: "SECOND TEST PAYER", ID: "ZZPAYER2"},
				Claims: []claim837.Claim{{
					PatientControlNumber: "PCNCOB0001", FacilityCode: "11", Frequency: "1", Diagnoses: []string{"E119"},
					Rendering: &claim837.Provider{EntityType: "1", LastName: "TESTDOC", FirstName: "ONE", NPI: "1234567893"},
					Lines: []claim837.ServiceLine{
						{Procedure: "99213", Charge: 15000, Unit: "UN", Quantity: "1", ServiceDate: "20260105", DiagPointers: []int{1}},
						{Procedure: "97140", Charge: 8000, Unit: "UN", Quantity: "1", ServiceDate: "20260105", DiagPointers: []int{1}},
					},
				}},
			}},
		}},
	}
}

// primary is the first payer's 835 for professional(): 99213 allowed
// 90.00 with 20% co-insurance (paid 72.00, CO-45 60.00, PR-2 18.00), 97140
// paid 40.00 (CO-45 30.00, PR-1 10.00).
func primary() claim837.PriorPayment {
	return claim837.PriorPayment{
		Responsibility: "P", Relationship: "18", GroupNumber: "GRP0001",
		SubscriberLast: "TESTPATIENT", SubscriberFirst: "ALPHA", SubscriberID: "ZZ0000010",
		PayerName: "FIRST TEST PAYER", PayerID: "ZZPAYER1", PayerClaimControl: "ZZCLM0000000001", Date: "20260112",
		Paid: 11200, PatientResp: money(2800),
		Lines: []claim837.PriorLine{
			{Line: 1, Paid: 7200, ProcedureQual: "HC", Procedure: "99213", Units: "1",
				Adjustments: []claim837.Adjustment{{Group: "CO", Reason: "45", Amount: 6000}, {Group: "PR", Reason: "2", Amount: 1800}}},
			{Line: 2, Paid: 4000, ProcedureQual: "HC", Procedure: "97140", Units: "1",
				Adjustments: []claim837.Adjustment{{Group: "CO", Reason: "45", Amount: 3000}, {Group: "PR", Reason: "1", Amount: 1000}}},
		},
	}
}

// secondary is the second payer's 835 for the same claim: OA-23 for what
// the primary settled, paid 20.00 of the 28.00 left, PR-2 8.00 remains.
func secondary() claim837.PriorPayment {
	return claim837.PriorPayment{
		Responsibility: "S", Relationship: "18", GroupNumber: "GRP0002",
		SubscriberLast: "TESTPATIENT", SubscriberFirst: "ALPHA", SubscriberID: "ZZ0000020",
		PayerName: "SECOND TEST PAYER", PayerID: "ZZPAYER2", Date: "20260120",
		Paid: 2000, PatientResp: money(800),
		Lines: []claim837.PriorLine{
			{Line: 1, Paid: 1800, ProcedureQual: "HC", Procedure: "99213", Units: "1",
				Adjustments: []claim837.Adjustment{{Group: "OA", Reason: "23", Amount: 13200}}},
			{Line: 2, Paid: 200, ProcedureQual: "HC", Procedure: "97140", Units: "1",
				Adjustments: []claim837.Adjustment{{Group: "OA", Reason: "23", Amount: 7000}, {Group: "PR", Reason: "1", Amount: 800}}},
		},
	}
}

func money(v claim837.Money) *claim837.Money { return &v }

func writeStrict(t *testing.T, k claim837.Kind, tx *claim837.Transaction) string {
	t.Helper()
	ic, err := claim837.Build(k, claim837.Envelope{SenderID: "ZZSUBMIT1", ReceiverID: "ZZRECV1", Usage: "T",
		Control: edi.Control{Interchange: 1, Group: 1, Set: 1}}, tx)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := edi.Write(&buf, ic); err != nil {
		t.Fatal(err)
	}
	rep, err := snip.ValidateBytes(buf.Bytes(), snip.Options{Level: snip.Strict})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range rep.Errors {
		t.Errorf("%s strict validation: %v", k, e)
	}
	return buf.String()
}

func moov(rule *rules.InterChangeRule, x string) error {
	raw := strings.ReplaceAll(x, "\n", "")
	ic := moovfile.NewInterchange(rule)
	n, err := ic.Parse(raw, ":")
	if err != nil {
		return fmt.Errorf("parse: %w", err)
	}
	if n != len(raw) {
		return fmt.Errorf("parsed %d of %d bytes", n, len(raw))
	}
	return ic.Validate(nil)
}

// moovShape is what moov-io/x12 v0.1.0 reads of a COB claim: its 837P
// and 837D rules take one CAS in a 2430 (the guides allow five) and no
// AMT*EAF in 2320 (situational in the guides). It drops from the 2430s
// every CAS after the first and the AMT*EAF segments, keeping the rest.
func moovShape(x string) string {
	var out []string
	cas := -1 // CAS segments so far in the current 2430; -1 outside one
	for _, seg := range strings.SplitAfter(x, "~") {
		body := strings.TrimSpace(seg)
		switch id, _, _ := strings.Cut(body, "*"); id {
		case "SVD":
			cas = 0
		case "CAS":
			if cas >= 0 {
				if cas++; cas > 1 {
					continue
				}
			}
		case "DTP":
		default:
			cas = -1
		}
		if strings.HasPrefix(body, "AMT*EAF*") {
			continue
		}
		out = append(out, seg)
	}
	return fixCount(strings.Join(out, ""))
}

// fixCount rewrites SE01 after segments were dropped.
func fixCount(x string) string {
	segs := strings.SplitAfter(x, "~")
	n := 0
	for i, seg := range segs {
		id := strings.TrimSpace(strings.SplitN(seg, "*", 2)[0])
		if id == "ST" {
			n = 0
		}
		n++
		if id == "SE" {
			f := strings.Split(strings.TrimSpace(seg), "*")
			f[1] = fmt.Sprint(n)
			segs[i] = strings.Replace(seg, strings.TrimSpace(seg), strings.Join(f, "*"), 1)
			if !strings.HasSuffix(segs[i], "~") && !strings.HasSuffix(strings.TrimSpace(segs[i]), "~") {
				segs[i] += "~"
			}
		}
	}
	return strings.Join(segs, "")
}

// moovCOB checks a COB claim with moov-io/x12: as built it must fail only
// for the known gaps (so this note goes when moov learns them), and pass
// once they are taken out.
func moovCOB(t *testing.T, k claim837.Kind, x string) {
	t.Helper()
	rule := &moov837p.InterchangeRule
	if err := moov(rule, moovShape(x)); err != nil {
		t.Errorf("moov-io/x12 %s (known gaps taken out): %v", k, err)
	}
	if moovShape(x) != x && moov(rule, x) == nil {
		t.Errorf("moov-io/x12 %s now accepts a second CAS in 2430 and AMT*EAF in 2320: drop moovShape", k)
	}
}

// moovGap checks that moov-io/x12 v0.1.0 still rejects a shape the guide
// allows and it cannot read (so the note goes when moov learns it).
func moovGap(t *testing.T, rule *rules.InterChangeRule, x, gap string) {
	t.Helper()
	if err := moov(rule, x); err == nil {
		t.Errorf("moov-io/x12 now accepts %s: check it instead of noting the gap", gap)
	}
}

// TestCOBSecondaryProfessional: the secondary 837P carries the primary's
// 2320/2330A/2330B and a 2430 per line, balances, passes the strictest
// level and moov-io/x12's 837P rule.
func TestCOBSecondaryProfessional(t *testing.T) {
	tx := professional()
	c := &tx.Billing[0].Subscriber[0].Claims[0]
	if err := claim837.AddPriorPayments(c, primary()); err != nil {
		t.Fatal(err)
	}
	x := writeStrict(t, claim837.Professional, tx)
	for _, seg := range []string{
		"SBR*S*18*GRP0002******CI~",
		"SBR*P*18*GRP0001******CI~",
		"AMT*D*112~", "AMT*EAF*28~", "OI***Y***Y~",
		"NM1*IL*1*TESTPATIENT*ALPHA****MI*ZZ0000010~",
		"NM1*PR*2*FIRST TEST PAYER*****PI*ZZPAYER1~",
		"REF*F8*ZZCLM0000000001~",
		"SVD*ZZPAYER1*72*HC:99213**1~", "CAS*CO*45*60~", "CAS*PR*2*18~", "DTP*573*D8*20260112~",
		"SVD*ZZPAYER1*40*HC:97140**1~",
	} {
		if !strings.Contains(x, seg) {
			t.Errorf("837P lacks %s", seg)
		}
	}
	// 2330B DTP*573 is only for a claim without 2430s: here it is in each 2430.
	if n := strings.Count(x, "DTP*573"); n != 2 {
		t.Errorf("DTP*573 written %d times, want 2 (one per 2430)", n)
	}
	moovCOB(t, claim837.Professional, x)
	// The 837P reader reads back what was written.
	ics, err := edi.ParseBytes([]byte(x))
	if err != nil {
		t.Fatal(err)
	}
	got, err := claim837.Read(claim837.Professional, ics[0].Groups[0].Sets[0], ics[0].Delims)
	if err != nil {
		t.Fatal(err)
	}
	gc := got.Billing[0].Subscriber[0].Claims[0]
	if len(gc.OtherPayers) != 1 || *gc.OtherPayers[0].Paid != 11200 || len(gc.Lines[1].Adjudications) != 1 || gc.Lines[1].Adjudications[0].Paid != 4000 {
		t.Errorf("read back: %+v", gc.OtherPayers)
	}
}

// TestCOBTertiaryProfessional: the tertiary 837P carries both prior
// payers, each balancing on its own.
func TestCOBTertiaryProfessional(t *testing.T) {
	tx := professional()
	tx.Billing[0].Subscriber[0].Responsibility = "T"
	c := &tx.Billing[0].Subscriber[0].Claims[0]
	if err := claim837.AddPriorPayments(c, primary(), secondary()); err != nil {
		t.Fatal(err)
	}
	x := writeStrict(t, claim837.Professional, tx)
	if strings.Count(x, "SVD*") != 4 || !strings.Contains(x, "SBR*S*18*GRP0002******CI~") || !strings.Contains(x, "CAS*OA*23*132~") {
		t.Errorf("tertiary 837P:\n%s", x)
	}
	moovGap(t, &moov837p.InterchangeRule, x, "a second 2430 on a service line (its 837P rule reads one; the guide allows 15)")
}

// TestCOBBalancing: amounts that do not balance are refused, each with
// the loop it concerns and no values beyond amounts.
func TestCOBBalancing(t *testing.T) {
	for name, tc := range map[string]struct {
		edit func(p *claim837.PriorPayment)
		want string
	}{
		"line CAS short": {func(p *claim837.PriorPayment) { p.Lines[0].Adjustments[1].Amount = 1700 }, "line 1 2430 does not balance"},
		"paid amount":    {func(p *claim837.PriorPayment) { p.Paid = 11000 }, "AMT*D"},
		"patient share":  {func(p *claim837.PriorPayment) { p.PatientResp = money(2000) }, "AMT*EAF"},
		"missing line":   {func(p *claim837.PriorPayment) { p.Lines[1].Line = 3 }, "adjudicated line 3"},
		"no member ID":   {func(p *claim837.PriorPayment) { p.SubscriberID = "" }, "member ID"},
	} {
		t.Run(name, func(t *testing.T) {
			tx := professional()
			p := primary()
			tc.edit(&p)
			err := claim837.AddPriorPayments(&tx.Billing[0].Subscriber[0].Claims[0], p)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to name %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "TESTPATIENT") || strings.Contains(err.Error(), "ZZ0000010") {
				t.Errorf("error carries PHI: %v", err)
			}
		})
	}
	// A claim adjudicated as a whole (no 2430): AMT*D + claim CAS = CLM02,
	// and the date goes to 2330B.
	tx := professional()
	c := &tx.Billing[0].Subscriber[0].Claims[0]
	p := primary()
	p.Lines = nil
	p.ClaimAdjustments = []claim837.Adjustment{{Group: "CO", Reason: "45", Amount: 9000}, {Group: "PR", Reason: "2", Amount: 2800}}
	if err := claim837.AddPriorPayments(c, p); err != nil {
		t.Fatal(err)
	}
	x := writeStrict(t, claim837.Professional, tx)
	if !strings.Contains(x, "NM1*PR*2*FIRST TEST PAYER*****PI*ZZPAYER1~DTP*573*D8*20260112~") {
		t.Errorf("claim-level adjudication: no 2330B DTP*573:\n%s", x)
	}
}

// TestCOBInstitutionalAndDental: the same prior payment on the 837I and
// 837D samples' first claims validates at the strictest level (and under
// moov-io/x12's 837D rule; moov has no 837I rule).
func TestCOBInstitutionalAndDental(t *testing.T) {
	for _, k := range []claim837.Kind{claim837.Institutional, claim837.Dental} {
		t.Run(k.String(), func(t *testing.T) {
			tx := setsamples.Institutional()
			if k == claim837.Dental {
				tx = setsamples.Dental()
			}
			tx.Billing[0].Subscriber = tx.Billing[0].Subscriber[:1]
			sb := &tx.Billing[0].Subscriber[0]
			sb.Responsibility = "S"
			c := &sb.Claims[0]
			c.OtherPayers = nil
			// The primary allowed 80% of each line, paid 80% of that, and
			// left 20% of the allowed amount to the patient.
			p := claim837.PriorPayment{Responsibility: "P", Relationship: "18", GroupNumber: "GRP0009",
				SubscriberLast: "TESTPATIENT", SubscriberFirst: "ALPHA", SubscriberID: "ZZ0000010",
				PayerName: "FIRST TEST PAYER", PayerID: "ZZPAYER1", Date: "20260112"}
			var resp claim837.Money
			for i := range c.Lines {
				l := &c.Lines[i]
				l.Adjudications = nil
				allowed := l.Charge * 8 / 10
				paid := allowed * 8 / 10
				pr := allowed - paid
				p.Paid += paid
				resp += pr
				p.Lines = append(p.Lines, claim837.PriorLine{Line: i + 1, Paid: paid, ProcedureQual: l.ProcedureQual, Procedure: l.Procedure,
					Modifiers: l.Modifiers, RevenueCode: l.RevenueCode, Units: l.Quantity,
					Adjustments: []claim837.Adjustment{{Group: "CO", Reason: "45", Amount: l.Charge - allowed}, {Group: "PR", Reason: "2", Amount: pr}}})
			}
			p.PatientResp = &resp
			if err := claim837.AddPriorPayments(c, p); err != nil {
				t.Fatal(err)
			}
			x := writeStrict(t, k, tx)
			if strings.Count(x, "SVD*ZZPAYER1*") != len(c.Lines) {
				t.Errorf("%s: want one SVD per line:\n%s", k, x)
			}
			if k == claim837.Dental {
				moovGap(t, &moov837d.InterchangeRule, x, "the 2320 loop (its 837D rule rejects even a minimal one)")
			}
		})
	}
}
