package activities_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/claimflow/claimflow/activities"
	"github.com/claimflow/claimflow/edi"
	"github.com/claimflow/claimflow/edi/eligibility"
	"github.com/claimflow/claimflow/rcm"
	"github.com/claimflow/claimflow/store"
)

// eligibilityRecords keeps the checks stored.
type eligibilityRecords struct{ checks []store.EligibilityCheck }

func (r *eligibilityRecords) GetEligibilityBundle(context.Context, store.Actor, string) (store.EligibilityBundle, error) {
	return store.EligibilityBundle{}, nil
}
func (r *eligibilityRecords) BillingProfileFor(context.Context, string) (store.BillingProfile, error) {
	return store.BillingProfile{}, nil
}
func (r *eligibilityRecords) PutEligibility(_ context.Context, c store.EligibilityCheck) error {
	r.checks = append(r.checks, c)
	return nil
}
func (r *eligibilityRecords) UpcomingAppointments(context.Context, time.Time, time.Time) ([]string, error) {
	return nil, nil
}
func (r *eligibilityRecords) EnrollmentFor(context.Context, string, string, string) (rcm.Enrollment, error) {
	return rcm.Enrollment{}, rcm.ErrNotFound
}

// TestEligibilityRejectionRecordedOnce reproduces issue 16 item 7: a 271
// rejecting the subscriber (AAA*N**75*C in 2100C) was stored as
// AAA03:75 twice, once from the transaction's rejections and again from
// the patient's summary.
func TestEligibilityRejectionRecordedOnce(t *testing.T) {
	tx := &eligibility.Transaction{Purpose: "11", Reference: "TRACE0001", Date: "20300101", Time: "0700",
		Source:   eligibility.Party{EntityCode: "PR", EntityType: "2", Name: "TEST PAYER", IDQual: "PI", ID: "TP0000001"},
		Receiver: eligibility.Party{EntityCode: "1P", EntityType: "2", Name: "TEST CLINIC", IDQual: "XX", ID: "1234567893"},
		Subscribers: []eligibility.Subscriber{{Member: eligibility.Member{
			Traces:     []eligibility.Trace{{Type: "2", Number: "TRACE0001", Originator: "9999999999"}},
			LastName:   "TESTSUBSCRIBER",
			FirstName:  "ZED",
			MemberID:   "ZZ0000001",
			Rejections: []eligibility.Rejection{{Valid: "N", Reason: "75", FollowUp: "C"}},
		}}}}
	ic, err := eligibility.BuildResponse(eligibility.Envelope{SenderID: "TESTPAYER", ReceiverID: "CLAIMFLOW", Usage: "T",
		Time: time.Date(2030, 1, 1, 7, 0, 0, 0, time.UTC), Control: edi.Control{Interchange: 1, Group: 1, Set: 1}}, tx)
	if err != nil {
		t.Fatal(err)
	}
	files := &recordingSender{}
	key, _ := files.SendFile(context.Background(), "", writeX12(t, ic))
	recs := &eligibilityRecords{}
	svc := &activities.EligibilityService{Records: recs, Files: files}
	res, err := svc.StoreResponse(context.Background(), activities.EligibilityRequest{TraceNumber: "TRACE0001"}, key)
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != "rejected" || !slices.Equal(res.RejectCodes, []string{"AAA03:75"}) {
		t.Errorf("result = %s %v, want rejected [AAA03:75]", res.Status, res.RejectCodes)
	}
	if len(recs.checks) != 1 || !slices.Equal(recs.checks[0].RejectCodes, []string{"AAA03:75"}) {
		t.Errorf("stored = %+v, want one check with [AAA03:75]", recs.checks)
	}
}
