package eligibility_test

import (
	"bytes"
	"reflect"
	"testing"
	"time"

	"github.com/claimflow/claimflow/edi"
	"github.com/claimflow/claimflow/edi/eligibility"
)

var env = eligibility.Envelope{SenderID: "CLAIMFLOW", ReceiverID: "TESTPAYER", Usage: "T",
	Time: time.Date(2026, 1, 1, 7, 0, 0, 0, time.UTC), Control: edi.Control{Interchange: 31, Group: 31, Set: 1}}

var (
	cov  = eligibility.Coverage{PayerName: "TEST PAYER", PayerID: "TP0000001", MemberID: "ZZ0000001", GroupNumber: "GRP0001"}
	jane = eligibility.Person{LastName: "DOE", FirstName: "JANE", BirthDate: "19800101", Gender: "F"}
	prov = eligibility.Provider{Name: "CLAIMFLOW TEST CLINIC", NPI: "1234567893"}
)

func money(m eligibility.Money) *eligibility.Money { return &m }

func write(t *testing.T, build func() (*edi.Interchange, error)) []byte {
	t.Helper()
	ic, err := build()
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := edi.Write(&buf, ic); err != nil {
		t.Fatal(err)
	}
	rep, err := edi.ValidateBytes(buf.Bytes(), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range rep.Errors {
		t.Errorf("validate: %v", e)
	}
	return buf.Bytes()
}

func readOne(t *testing.T, x []byte) *eligibility.Transaction {
	t.Helper()
	ics, err := edi.ParseBytes(x)
	if err != nil {
		t.Fatal(err)
	}
	txs, err := eligibility.ReadAll(ics)
	if err != nil || len(txs) != 1 {
		t.Fatalf("ReadAll = %d, %v", len(txs), err)
	}
	return txs[0]
}

func TestInquiryRoundTrip(t *testing.T) {
	spouse := cov
	spouse.Relationship = "01"
	spouse.Subscriber = eligibility.Person{LastName: "DOE", FirstName: "JOHN", BirthDate: "19790101", Gender: "M"}
	for _, tc := range []struct {
		name string
		tx   *eligibility.Transaction
	}{
		{"subscriber", eligibility.Inquiry270("TRACE0001", "9000000001", cov, jane, prov, "20260102", "30", "98", "UC")},
		{"dependent", eligibility.Inquiry270("TRACE0002", "9000000001", spouse, jane, prov, "20260102")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.tx.Date, tc.tx.Time, tc.tx.RealTime = "20260101", "0700", true
			x := write(t, func() (*edi.Interchange, error) { return eligibility.BuildInquiry(env, tc.tx) })
			got := readOne(t, x)
			want := *tc.tx
			want.ControlNumber = "0001"
			if !reflect.DeepEqual(got, &want) {
				t.Errorf("Read(Build(x)) differs\n got %+v\nwant %+v", got, &want)
			}
		})
	}
}

// response is a de-identified 271: active coverage with deductible,
// out-of-pocket, co-pay, co-insurance and a visit limitation, plus a
// dependent rejected with AAA*N**72.
func response() *eligibility.Transaction {
	return &eligibility.Transaction{
		Purpose: "11", Reference: "TRACE0001", Date: "20260101", Time: "0701",
		Source:   eligibility.Party{EntityCode: "PR", EntityType: "2", Name: "TEST PAYER", IDQual: "PI", ID: "TP0000001"},
		Receiver: eligibility.Party{EntityCode: "1P", EntityType: "2", Name: "CLAIMFLOW TEST CLINIC", IDQual: "XX", ID: "1234567893"},
		Subscribers: []eligibility.Subscriber{{
			Member: eligibility.Member{
				Traces:   []eligibility.Trace{{Type: "2", Number: "TRACE0001", Originator: "9000000001"}, {Type: "1", Number: "PAYERTRC01", Originator: "9999999999"}},
				LastName: "DOE", FirstName: "JANE", MemberID: "ZZ0000001", GroupNumber: "GRP0001",
				Address:   &eligibility.Address{Line1: "1 TEST LANE", City: "ANYTOWN", State: "NY", Zip: "100010000"},
				BirthDate: "19800101", Gender: "F", DateQual: "346", Date: "20260101",
				Benefits: []eligibility.Benefit{
					{Code: "1", CoverageLevel: "FAM", ServiceTypes: []string{"30", "1", "33", "35", "47", "48", "50", "86", "88", "98", "AL", "MH", "UC"},
						InsuranceType: "C1", PlanDescription: "GOLD PPO", Dates: []eligibility.Date{{Qual: "291", From: "20260101", To: "20261231"}}},
					{Code: "C", CoverageLevel: "IND", ServiceTypes: []string{"30"}, TimePeriod: "23", Amount: money(150000), InNetwork: "Y"},
					{Code: "C", CoverageLevel: "IND", ServiceTypes: []string{"30"}, TimePeriod: "29", Amount: money(120000), InNetwork: "Y"},
					{Code: "C", CoverageLevel: "IND", ServiceTypes: []string{"30"}, TimePeriod: "23", Amount: money(300000), InNetwork: "N"},
					{Code: "C", CoverageLevel: "FAM", ServiceTypes: []string{"30"}, TimePeriod: "23", Amount: money(300000), InNetwork: "Y"},
					{Code: "G", CoverageLevel: "IND", ServiceTypes: []string{"30"}, TimePeriod: "23", Amount: money(500000), InNetwork: "Y"},
					{Code: "G", CoverageLevel: "IND", ServiceTypes: []string{"30"}, TimePeriod: "29", Amount: money(450050), InNetwork: "Y"},
					{Code: "B", CoverageLevel: "IND", ServiceTypes: []string{"98"}, TimePeriod: "27", Amount: money(2500), InNetwork: "Y",
						Messages: []string{"PRIMARY CARE VISIT"}},
					{Code: "A", CoverageLevel: "IND", ServiceTypes: []string{"30"}, TimePeriod: "27", Percent: ".2", InNetwork: "Y"},
					{Code: "F", ServiceTypes: []string{"AL"}, TimePeriod: "23", QuantityQual: "VS", Quantity: "20", InNetwork: "Y", AuthRequired: "Y",
						Entities: []eligibility.Party{{EntityCode: "X3", EntityType: "2", Name: "TEST UTILIZATION REVIEW", IDQual: "PI", ID: "UR0000001"}}},
					{Code: "F", ServiceTypes: []string{"UC"}, Rejections: []eligibility.Rejection{{Valid: "N", Reason: "42", FollowUp: "R"}}},
				},
			},
			Dependents: []eligibility.Member{{
				Traces:   []eligibility.Trace{{Type: "2", Number: "TRACE0002", Originator: "9000000001"}},
				LastName: "DOE", FirstName: "BABY", BirthDate: "20200101", Gender: "M", Relationship: "19",
				Rejections: []eligibility.Rejection{{Valid: "N", Reason: "72", FollowUp: "C"}},
			}},
		}},
	}
}

func TestResponseRoundTripAndSummary(t *testing.T) {
	want := response()
	x := write(t, func() (*edi.Interchange, error) { return eligibility.BuildResponse(env, want) })
	got := readOne(t, x)
	want.ControlNumber = "0001"
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Read(Build(x)) differs\n got %+v\nwant %+v", got, want)
	}
	s := got.Subscribers[0].Summary("30")
	if !s.Active || s.PlanDescription != "GOLD PPO" {
		t.Errorf("active = %v %q, want true GOLD PPO", s.Active, s.PlanDescription)
	}
	for _, c := range []struct {
		name string
		got  *eligibility.Money
		want eligibility.Money
	}{{"deductible", s.Deductible, 150000}, {"deductible remaining", s.DeductibleRemaining, 120000},
		{"out of pocket", s.OutOfPocket, 500000}, {"out of pocket remaining", s.OutOfPocketRemaining, 450050}} {
		if c.got == nil || *c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	if s.CoInsurance != ".2" || s.CoPay != nil {
		t.Errorf("service 30: co-insurance %q co-pay %v, want .2 and none", s.CoInsurance, s.CoPay)
	}
	if pc := got.Subscribers[0].Summary("98"); pc.CoPay == nil || *pc.CoPay != 2500 || !pc.Active {
		t.Errorf("service 98 co-pay = %v, active %v", pc.CoPay, pc.Active)
	}
	if al := got.Subscribers[0].Summary("AL"); len(al.Limitations) != 1 || al.Limitations[0].Quantity != "20" {
		t.Errorf("service AL limitations = %+v", al.Limitations)
	}
	if uc := got.Subscribers[0].Summary("UC"); len(uc.Rejections) != 1 || uc.Rejections[0].Reason != "42" {
		t.Errorf("benefit-level AAA = %+v", uc.Rejections)
	}
	dep := got.Patient()
	if dep.FirstName != "BABY" || len(dep.Rejections) != 1 || dep.Rejections[0].Reason != "72" {
		t.Errorf("dependent = %+v", dep)
	}
	if r := got.Rejections(); len(r) != 2 {
		t.Errorf("Rejections() = %+v, want 2", r)
	}
}

func TestSourceLevelRejection(t *testing.T) {
	want := &eligibility.Transaction{Purpose: "11", Reference: "TRACE0009", Date: "20260101", Time: "0701",
		Source:       eligibility.Party{EntityCode: "PR", EntityType: "2", Name: "TEST PAYER", IDQual: "PI", ID: "TP0000001"},
		SourceErrors: []eligibility.Rejection{{Valid: "N", Reason: "42", FollowUp: "R"}},
	}
	got := readOne(t, write(t, func() (*edi.Interchange, error) { return eligibility.BuildResponse(env, want) }))
	want.ControlNumber = "0001"
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
	if got.Patient() != nil || len(got.Rejections()) != 1 {
		t.Errorf("Patient() = %v, Rejections() = %v", got.Patient(), got.Rejections())
	}
}
