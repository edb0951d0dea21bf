package activities_test

import (
	"context"
	"slices"
	"testing"

	"github.com/claimflow/claimflow/activities"
	"github.com/claimflow/claimflow/edi/x277ca"
	"github.com/claimflow/claimflow/store"
)

type oneFile []byte

func (f oneFile) Fetch(context.Context, string) ([]byte, error) { return f, nil }

// claimsByPCN resolves patient control numbers to claim IDs.
type claimsByPCN map[string]string

func (c claimsByPCN) BatchClaimControls(context.Context, string, string) ([]store.BatchedClaimControl, error) {
	return nil, nil
}

func (c claimsByPCN) ClaimIDByControlNumber(_ context.Context, _, pcn string) (string, error) {
	if id, ok := c[pcn]; ok {
		return id, nil
	}
	return "", store.ErrNotFound
}

func (c claimsByPCN) RecordClaimEvent(context.Context, store.ClaimEvent) error { return nil }

func (c claimsByPCN) EligibilityByTrace(context.Context, string, string) (string, string, error) {
	return "", "", store.ErrNotFound
}

// TestRoute277CALineLevel: a claim the 277CA rejects because of service
// lines (loop 2220D) gets the claim status and each line's status, with
// the line's code and control number, in its rejection codes.
func TestRoute277CALineLevel(t *testing.T) {
	st := func(cat, code, entity, action string) []x277ca.Status {
		return []x277ca.Status{{Category: cat, Code: code, Entity: entity, Date: "20300108", Action: action, Charge: 23000}}
	}
	ca := &x277ca.Acknowledgment{Reference: "1", Date: "20300108", Time: "1200", Trace: "T277", ReceiptDate: "20300108", ProcessDate: "20300108",
		Source: x277ca.Party{EntityType: "2", Name: "TEST PAYER", IDQual: "PI", ID: "ZZPAYER1"},
		Receivers: []x277ca.Receiver{{Party: x277ca.Party{EntityType: "2", Name: "TEST PRACTICE", IDQual: "46", ID: "ZZSUBMIT1"}, Trace: "B1",
			Status: st("A1", "19", "PR", "WQ"),
			Providers: []x277ca.Provider{{Party: x277ca.Party{EntityType: "2", Name: "TEST PRACTICE", IDQual: "XX", ID: "1245319599"},
				Claims: []x277ca.ClaimAck{
					{Patient: x277ca.Party{Name: "TESTPATIENT", FirstName: "ONE", IDQual: "MI", ID: "ZZ0000001"}, PatientControlNumber: "PCNLINE1",
						Status: st("A7", "21", "", "U"), ServiceFrom: "20300107",
						Lines: []x277ca.LineAck{
							{ProcedureQual: "HC", Procedure: "00000", Charge: 5000, Units: "1", LineControl: "LN0002", ServiceFrom: "20300107",
								Status: st("A7", "454", "", "U")},
							{ProcedureQual: "NU", Procedure: "0001", Charge: 18000, Units: "1", ServiceFrom: "20300107",
								Status: st("A7", "455", "", "U")},
						}},
					{Patient: x277ca.Party{Name: "TESTPATIENT", FirstName: "TWO", IDQual: "MI", ID: "ZZ0000002"}, PatientControlNumber: "PCNLINE2",
						Status: st("A2", "20", "", "WQ"), PayerClaimControl: "PAYER2", ServiceFrom: "20300107"},
				}}}}}}
	ic, err := x277ca.Build(x277ca.Envelope{SenderID: "ZZCLEARING", ReceiverID: "ZZSUBMIT1", Usage: "T"}, ca)
	if err != nil {
		t.Fatal(err)
	}
	tc := &recordingTemporal{}
	router := &activities.Router{Files: oneFile(writeX12(t, ic)), Records: claimsByPCN{"PCNLINE1": "c1", "PCNLINE2": "c2"}, Temporal: tc}
	res, err := router.Route(context.Background(), activities.InboundFile{Partner: "sim", Hash: "k277"})
	if err != nil || res.ClaimSignals != 2 {
		t.Fatalf("Route = %+v, %v", res, err)
	}
	got := map[string]activities.ClaimAckSignal{}
	for _, s := range tc.signals {
		got[s.WorkflowID] = s.Arg.(activities.ClaimAckSignal)
	}
	want := []string{"A7:21:", "2220D HC:00000 REF*FJ LN0002 STC A7:454:", "2220D NU:0001 STC A7:455:"}
	if s := got["claim/c1"]; s.Accepted || !slices.Equal(s.StatusCodes, want) {
		t.Errorf("rejected claim signal = %+v, want codes %q", s, want)
	}
	if s := got["claim/c2"]; !s.Accepted || !slices.Equal(s.StatusCodes, []string{"A2:20:"}) || s.PayerClaimNumber != "PAYER2" {
		t.Errorf("accepted claim signal = %+v", s)
	}
}
