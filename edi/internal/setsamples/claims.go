package setsamples

import (
	"github.com/claimflow/claimflow/edi"
	"github.com/claimflow/claimflow/edi/claim837"
	"github.com/claimflow/claimflow/edi/x837d"
	"github.com/claimflow/claimflow/edi/x837i"
)

func header() (claim837.Header, claim837.Submitter, claim837.Receiver) {
	return claim837.Header{Purpose: "00", Reference: "BATCH0001", Date: "20260110", Time: "1200", Type: "CH"},
		claim837.Submitter{EntityType: "2", Name: "CLAIMFLOW TEST CLINIC", ID: "CF0000001", ContactName: "BILLING OFFICE", Phone: "5555550100"},
		claim837.Receiver{Name: "TEST PAYER", ID: "TP0000001"}
}

func m(v claim837.Money) *claim837.Money { return &v }

// Institutional is an 837I: an outpatient claim (bill type 131) for the
// subscriber with revenue-coded lines, and an inpatient secondary claim
// (bill type 111) for a dependent with the primary payer's adjudication.
func Institutional() *claim837.Transaction {
	h, s, r := header()
	addr := claim837.Address{Line1: "100 MAIN STREET", City: "ANYTOWN", State: "NY", Zip: "100010000"}
	return &claim837.Transaction{Header: h, Submitter: s, Receiver: r,
		Billing: []claim837.BillingProvider{{
			Taxonomy: "282N00000X", EntityType: "2", Name: "CLAIMFLOW TEST HOSPITAL", NPI: "1234567893", Address: addr, TaxID: "990000001",
			PayTo: &claim837.Address{Line1: "PO BOX 1", City: "ANYTOWN", State: "NY", Zip: "100010000"},
			Subscriber: []claim837.Subscriber{
				{Responsibility: "P", Relationship: "18", GroupNumber: "GRP0001", FilingCode: "CI",
					LastName: "DOE", FirstName: "JANE", MemberID: "ZZ0000001", BirthDate: "19800101", Gender: "F",
					Address: &claim837.Address{Line1: "1 TEST LANE", City: "ANYTOWN", State: "NY", Zip: "100010000"},
					Payer:   claim837.Payer{Name: "TEST PAYER", ID: "TP0000001"},
					Claims: []claim837.Claim{{
						PatientControlNumber: "PCNI0001", FacilityCode: "13", Frequency: "1", Assignment: "A", BenefitsAssigned: "Y", ReleaseOfInfo: "Y",
						MedicalRecordNumber: "MRN0001", Diagnoses: []string{"R0789", "I10"},
						Institutional: &claim837.InstClaim{StatementFrom: "20260105", StatementTo: "20260105", AdmissionType: "3", AdmissionSource: "1", PatientStatus: "01",
							ReasonForVisit: []string{"R0789"}, Conditions: []string{"09"}},
						Attending: &claim837.Provider{EntityType: "1", LastName: "DOCTOR", FirstName: "TEST", NPI: "1234567893", Taxonomy: "207R00000X"},
						Lines: []claim837.ServiceLine{
							{RevenueCode: "0450", ProcedureQual: "HC", Procedure: "99283", Modifiers: []string{"25"}, Charge: 85000, Unit: "UN", Quantity: "1", ServiceDate: "20260105", LineControl: "LNI0001"},
							{RevenueCode: "0300", ProcedureQual: "HC", Procedure: "80053", Charge: 12050, Unit: "UN", Quantity: "1", ServiceDate: "20260105"},
						},
					}}},
				{Responsibility: "S", GroupNumber: "GRP0002", FilingCode: "CI",
					LastName: "ROE", FirstName: "RICHARD", MemberID: "ZZ0000002",
					Payer: claim837.Payer{Name: "SECOND TEST PAYER", ID: "TP0000002"},
					Patients: []claim837.Patient{{Relationship: "19", LastName: "ROE", FirstName: "BABY", BirthDate: "20200101", Gender: "M",
						Address: claim837.Address{Line1: "2 TEST LANE", City: "ANYTOWN", State: "NY", Zip: "100010000"},
						Claims: []claim837.Claim{{
							PatientControlNumber: "PCNI0002", FacilityCode: "11", Frequency: "1", Assignment: "A", BenefitsAssigned: "Y", ReleaseOfInfo: "Y",
							Diagnoses: []string{"J189", "E860"},
							Institutional: &claim837.InstClaim{StatementFrom: "20260101", StatementTo: "20260104", AdmissionDate: "20260101", AdmissionHour: "0830",
								DischargeHour: "1400", AdmissionType: "1", AdmissionSource: "7", PatientStatus: "01", AdmittingDiagnosis: "R509", DRG: "194",
								PrincipalProcedure: &claim837.Procedure{Code: "5A1955Z", Date: "20260101"},
								Occurrences:        []claim837.Occurrence{{Code: "11", Date: "20251231"}},
								Values:             []claim837.Value{{Code: "80", Amount: 300}}},
							Attending: &claim837.Provider{EntityType: "1", LastName: "DOCTOR", FirstName: "TEST", NPI: "1234567893"},
							Facility:  &claim837.Facility{Name: "CLAIMFLOW TEST HOSPITAL", NPI: "1234567893", Address: addr},
							OtherPayers: []claim837.OtherPayer{{Responsibility: "P", Relationship: "01", GroupNumber: "GRP0001", FilingCode: "CI",
								Adjustments: []claim837.Adjustment{{Group: "CO", Reason: "45", Amount: 200000}, {Group: "PR", Reason: "1", Amount: 50000}},
								Paid:        m(350000), RemainingLiability: m(50000), BenefitsAssigned: "Y", ReleaseOfInfo: "Y",
								SubscriberLast: "ROE", SubscriberFirst: "JANE", SubscriberID: "ZZ0000003",
								PayerName: "TEST PAYER", PayerID: "TP0000001", AdjudicationDate: "20260201", PayerClaimControl: "PAYERCLM0009"}},
							Lines: []claim837.ServiceLine{
								{RevenueCode: "0120", Charge: 400000, Unit: "DA", Quantity: "4", ServiceDate: "20260101", ServiceDateTo: "20260104",
									Adjudications: []claim837.LineAdjudication{{PayerID: "TP0000001", Paid: 280000, RevenueCode: "0120", Units: "4",
										Adjustments: []claim837.Adjustment{{Group: "CO", Reason: "45", Amount: 120000}}, Date: "20260201"}}},
								{RevenueCode: "0250", Charge: 200000, Unit: "UN", Quantity: "10", NonCovered: 5000,
									Adjudications: []claim837.LineAdjudication{{PayerID: "TP0000001", Paid: 70000, RevenueCode: "0250", Units: "10",
										Adjustments: []claim837.Adjustment{{Group: "CO", Reason: "45", Amount: 80000}, {Group: "PR", Reason: "1", Amount: 50000}}, Date: "20260201",
										RemainingLiability: m(50000)}}},
							},
						}}}}},
			}}}}
}

// Dental is an 837D: a restorative claim with teeth and surfaces, and a
// dependent's orthodontic claim with missing teeth and a predetermination.
func Dental() *claim837.Transaction {
	h, s, r := header()
	addr := claim837.Address{Line1: "100 MAIN STREET", City: "ANYTOWN", State: "NY", Zip: "100010000"}
	return &claim837.Transaction{Header: h, Submitter: s, Receiver: r,
		Billing: []claim837.BillingProvider{{
			Taxonomy: "1223G0001X", EntityType: "2", Name: "CLAIMFLOW TEST DENTAL", NPI: "1234567893", Address: addr, TaxID: "990000001",
			Subscriber: []claim837.Subscriber{
				{Responsibility: "P", Relationship: "18", GroupNumber: "GRP0001", FilingCode: "CI",
					LastName: "DOE", FirstName: "JANE", MemberID: "ZZ0000001", BirthDate: "19800101", Gender: "F",
					Address: &claim837.Address{Line1: "1 TEST LANE", City: "ANYTOWN", State: "NY", Zip: "100010000"},
					Payer:   claim837.Payer{Name: "TEST DENTAL PAYER", ID: "TP0000003"},
					Claims: []claim837.Claim{{
						PatientControlNumber: "PCND0001", FacilityCode: "11", Frequency: "1", ProviderSignature: "Y", Assignment: "A", BenefitsAssigned: "Y", ReleaseOfInfo: "Y",
						Dental:    &claim837.DentalClaim{},
						Rendering: &claim837.Provider{EntityType: "1", LastName: "DENTIST", FirstName: "TEST", NPI: "1234567893", Taxonomy: "1223G0001X"},
						Lines: []claim837.ServiceLine{
							{ProcedureQual: "AD", Procedure: "D2392", Charge: 18500, PlaceOfSvc: "11", Quantity: "1", ServiceDate: "20260108", LineControl: "LND0001",
								Teeth: []claim837.Tooth{{Number: "30", Surfaces: []string{"M", "O"}}}},
							{ProcedureQual: "AD", Procedure: "D1110", Charge: 9500, Quantity: "1", ServiceDate: "20260108", OralCavity: []string{"00"}},
						},
					}}},
				{Responsibility: "P", GroupNumber: "GRP0002", FilingCode: "CI",
					LastName: "ROE", FirstName: "RICHARD", MemberID: "ZZ0000002",
					Payer: claim837.Payer{Name: "TEST DENTAL PAYER", ID: "TP0000003"},
					Patients: []claim837.Patient{{Relationship: "19", LastName: "ROE", FirstName: "BABY", BirthDate: "20120101", Gender: "M",
						Address: claim837.Address{Line1: "2 TEST LANE", City: "ANYTOWN", State: "NY", Zip: "100010000"},
						Claims: []claim837.Claim{{
							PatientControlNumber: "PCND0002", FacilityCode: "11", Frequency: "1", ProviderSignature: "Y", Assignment: "A", BenefitsAssigned: "Y", ReleaseOfInfo: "Y",
							Diagnoses: []string{"M2600"},
							Dental: &claim837.DentalClaim{Predetermination: "PRED0001", AppliancePlacement: "20260108", OrthoMonthsTotal: "24", OrthoMonthsLeft: "24",
								ToothStatus: []claim837.ToothStatus{{Tooth: "1", Status: "M"}, {Tooth: "16", Status: "E"}}},
							Lines: []claim837.ServiceLine{
								{ProcedureQual: "AD", Procedure: "D8080", Charge: 550000, Quantity: "1", ServiceDate: "20260108", DiagPointers: []int{1}},
								{ProcedureQual: "AD", Procedure: "D7140", Charge: 15000, Quantity: "1", ServiceDate: "20260108", Prosthesis: "",
									Teeth: []claim837.Tooth{{Number: "16"}}},
							},
						}}}}},
			}}}}
}

// Claims837 returns the 837I and 837D samples.
func Claims837() []Sample {
	return []Sample{
		{"837i-valid", func() (*edi.Interchange, error) {
			return x837i.Build(Env("CLAIMFLOW", "TESTPAYER", 108), Institutional())
		}},
		{"837d-valid", func() (*edi.Interchange, error) {
			return x837d.Build(Env("CLAIMFLOW", "TESTPAYER", 109), Dental())
		}},
	}
}
