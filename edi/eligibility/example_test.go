package eligibility_test

import (
	"fmt"
	"strings"
	"time"

	"github.com/claimflow/claimflow/edi/eligibility"
)

// Building a 270 for a patient who is the subscriber.
func ExampleInquiry270() {
	tx := eligibility.Inquiry270("TRACE0001", "9000000001",
		eligibility.Coverage{PayerName: "TEST PAYER", PayerID: "TP0000001", MemberID: "ZZ0000001"},
		eligibility.Person{LastName: "DOE", FirstName: "JANE", BirthDate: "19800101", Gender: "F"},
		eligibility.Provider{Name: "CLAIMFLOW TEST CLINIC", NPI: "1234567893"}, "20260102", "30")
	ic, err := eligibility.BuildInquiry(eligibility.Envelope{SenderID: "CLAIMFLOW", ReceiverID: "TESTPAYER",
		Time: time.Date(2026, 1, 1, 7, 0, 0, 0, time.UTC)}, tx)
	if err != nil {
		panic(err)
	}
	for _, s := range ic.Groups[0].Sets[0].Segments {
		fmt.Println(strings.Join(s, "*"))
	}
	// Output:
	// ST*270*0001*005010X279A1
	// BHT*0022*13*TRACE0001*20260101*0700
	// HL*1**20*1
	// NM1*PR*2*TEST PAYER*****PI*TP0000001
	// HL*2*1*21*1
	// NM1*1P*2*CLAIMFLOW TEST CLINIC*****XX*1234567893
	// HL*3*2*22*0
	// TRN*1*TRACE0001*9000000001
	// NM1*IL*1*DOE*JANE****MI*ZZ0000001
	// DMG*D8*19800101*F
	// DTP*291*D8*20260102
	// EQ*30
	// SE*13*0001
}
