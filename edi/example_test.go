package edi_test

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/claimflow/claimflow/edi"
)

// A received 837 whose SE01 count is wrong gets a 999 rejecting the set.
func ExampleAcknowledge() {
	x := "ISA*00*          *00*          *ZZ*CLAIMFLOW      *ZZ*TESTPAYER      *260101*1200*^*00501*000000001*0*T*:~" +
		"GS*HC*CLAIMFLOW*TESTPAYER*20260101*1200*1*X*005010X222A1~" +
		"ST*837*0001*005010X222A1~BHT*0019*00*B1*20260101*1200*CH~SE*9*0001~GE*1*1~IEA*1*000000001~"
	rep, err := edi.Validate(strings.NewReader(x), nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	ack := edi.Acknowledge(rep.Interchanges[0], edi.AckOptions{
		Now: time.Date(2026, 1, 2, 3, 4, 0, 0, time.UTC), Newline: "\n"})
	_ = edi.Write(os.Stdout, ack)
	// Output:
	// ISA*00*          *00*          *ZZ*TESTPAYER      *ZZ*CLAIMFLOW      *260102*0304*^*00501*000000001*0*T*:~
	// GS*FA*TESTPAYER*CLAIMFLOW*20260102*0304*1*X*005010X231A1~
	// ST*999*0001*005010X231A1~
	// AK1*HC*1*005010X222A1~
	// AK2*837*0001*005010X222A1~
	// IK3*NM1*3*1000*3~
	// IK3*NM1*3*1000*3~
	// IK3*HL*3*2000*3~
	// IK5*R*4*5~
	// AK9*R*1*1*0~
	// SE*9*0001~
	// GE*1*1~
	// IEA*1*000000001~
}
