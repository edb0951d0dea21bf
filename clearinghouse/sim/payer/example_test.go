package payer_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/claimflow/claimflow/clearinghouse/sim"
	"github.com/claimflow/claimflow/clearinghouse/sim/payer"
	"github.com/claimflow/claimflow/edi"
	"github.com/claimflow/claimflow/edi/x277ca"
	"github.com/claimflow/claimflow/edi/x835"
	"github.com/claimflow/claimflow/edi/x837p"
)

// An upload of two claims: one accepted and paid by the fee schedule with
// the member's co-insurance, one rejected on the 277CA for an unknown
// member. The 835 comes once the delay has passed.
func Example() {
	cfg, err := payer.ParseConfig([]byte(`{
	  "payer": {"name": "TEST PAYER", "id": "TP0000001", "claimControlPrefix": "ICN", "tracePrefix": "EFT"},
	  "delay": "10m",
	  "feeSchedule": {"99213": "90.00"},
	  "members": {"ZZ0000001": {"deductible": "0", "coinsurancePercent": 20}}
	}`))
	if err != nil {
		panic(err)
	}
	now := time.Date(2026, 1, 10, 9, 0, 0, 0, time.UTC)
	a, err := payer.New(cfg, payer.Options{Ack: &sim.AckResponder{ID: "SIMCH"}, Now: func() time.Time { return now }})
	if err != nil {
		panic(err)
	}
	tx := batch()
	tx.Billing[0].Subscriber = []x837p.Subscriber{
		subscriber("DOE", "JANE", "ZZ0000001", claim("PCN0001", line("99213", 15000, "20260105"))),
		subscriber("DOE", "JOHN", "ZZ0000099", claim("PCN0002", line("99213", 15000, "20260105"))),
	}
	ic, _ := x837p.Build(x837p.Envelope{SenderID: "CLAIMFLOW", ReceiverID: "SIMCH", Time: now}, tx)
	var buf bytes.Buffer
	_ = edi.Write(&buf, ic)

	for _, f := range a.OnUpload(context.Background(), "clinic", "batch.x12", buf.Bytes()) {
		ics, _ := edi.ParseBytes(f.Body)
		acks, _ := x277ca.ReadAll(ics)
		for _, ack := range acks {
			for _, c := range ack.Claims() {
				st := c.Status[0]
				fmt.Println(strings.TrimSpace(fmt.Sprintf("277CA %s %s:%s:%s %s", c.PatientControlNumber, st.Category, st.Code, st.Entity, c.PayerClaimControl)))
			}
		}
	}
	fmt.Println("835s before the delay:", len(a.Flush(now.Add(time.Minute))))
	for _, f := range a.Flush(now.Add(10 * time.Minute)) {
		ics, _ := edi.ParseBytes(f.File.Body)
		rs, _ := x835.ReadAll(ics)
		r := rs[0]
		fmt.Println(f.File.Name, "BPR02", r.Payment.Amount)
		for _, c := range r.Claims {
			fmt.Println("CLP", c.PatientControlNumber, c.Status, c.Charge, c.Paid, c.PatientResponsibility, c.PayerControlNumber)
			for _, x := range c.Lines[0].Adjustments {
				fmt.Println("  CAS", x.Group, x.Reason, x.Amount)
			}
		}
	}
	// Output:
	// 277CA PCN0001 A2:20: ICN0000000001
	// 277CA PCN0002 A3:33:IL
	// 835s before the delay: 0
	// EFT000000001.835 BPR02 72
	// CLP PCN0001 1 150 72 18 ICN0000000001
	//   CAS CO 45 60
	//   CAS PR 2 18
}
