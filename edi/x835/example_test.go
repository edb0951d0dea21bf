package x835_test

import (
	"fmt"

	"github.com/claimflow/claimflow/edi"
	"github.com/claimflow/claimflow/edi/x835"
)

// Reading an 835 into claim payments and checking that it balances.
func ExampleRead() {
	x := "ISA*00*          *00*          *ZZ*TESTPAYER      *ZZ*CLAIMFLOW      *260115*1200*^*00501*000000001*0*T*:~" +
		"GS*HP*TESTPAYER*CLAIMFLOW*20260115*1200*1*X*005010X221A1~ST*835*0001*005010X221A1~" +
		"BPR*I*70*C*CHK************20260115~TRN*1*CHK0001*1999999999~N1*PR*TEST PAYER~N3*1 PAYER WAY~N4*ANYTOWN*NY*10001~" +
		"PER*BL*EDI DESK*TE*5555550199~N1*PE*CLAIMFLOW TEST CLINIC*XX*1234567893~LX*1~" +
		"CLP*PCN0001*1*100*70*20*12*PAYERCLM0001~NM1*QC*1*DOE*JANE****MI*ZZ0000001~" +
		"SVC*HC:99213*100*70**1~CAS*PR*2*20~CAS*CO*45*10~SE*15*0001~GE*1*1~IEA*1*000000001~"
	ics, err := edi.ParseBytes([]byte(x))
	if err != nil {
		panic(err)
	}
	r, err := x835.Read(ics[0].Groups[0].Sets[0], ics[0].Delims)
	if err != nil {
		panic(err)
	}
	c := r.Claims[0]
	fmt.Println(r.Trace.Number, c.PatientControlNumber, c.PayerControlNumber, c.Paid)
	for _, a := range append(c.Adjustments, c.Lines[0].Adjustments...) {
		fmt.Println(a.Group, a.Reason, a.Amount)
	}
	fmt.Println("balanced:", len(r.Balance()) == 0)
	rep, _ := x835.Validate([]byte(x), nil)
	fmt.Println("valid:", rep.OK())
	// Output:
	// CHK0001 PCN0001 PAYERCLM0001 70
	// PR 2 20
	// CO 45 10
	// balanced: true
	// valid: true
}
