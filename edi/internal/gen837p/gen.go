// Package gen837p writes large synthetic, de-identified 837P interchanges for
// benchmarks: one ISA/GS holding as many transaction sets as the size asks,
// each with many claims where the subscriber is the patient (the shape
// moov-io/x12 v0.1.0 also accepts). Names and IDs are obviously fake.
package gen837p

import (
	"bufio"
	"io"
	"strconv"
)

// Options shape the generated file.
type Options struct {
	Size          int64 // approximate total bytes
	ClaimsPerSet  int   // claims per ST/SE (default 500)
	LinesPerClaim int   // service lines per claim (default 3)
	Newlines      bool  // write a line break after each segment
}

// Generate writes the interchange to w and returns the bytes written.
func Generate(w io.Writer, o Options) (int64, error) {
	if o.ClaimsPerSet <= 0 {
		o.ClaimsPerSet = 500
	}
	if o.LinesPerClaim <= 0 {
		o.LinesPerClaim = 3
	}
	bw := bufio.NewWriterSize(w, 256<<10)
	var n int64
	nl := ""
	if o.Newlines {
		nl = "\n"
	}
	put := func(s string) {
		k, _ := bw.WriteString(s)
		n += int64(k)
		k, _ = bw.WriteString(nl)
		n += int64(k)
	}
	put("ISA*00*          *00*          *ZZ*CLAIMFLOW      *ZZ*TESTPAYER      *260101*1200*^*00501*000000001*0*T*:~")
	put("GS*HC*CLAIMFLOW*TESTPAYER*20260101*1200*1*X*005010X222A1~")
	sets := 0
	var buf []byte
	for n < o.Size || sets == 0 {
		sets++
		ctl := pad4(sets)
		segs := 0
		seg := func(s string) {
			segs++
			put(s)
		}
		seg("ST*837*" + ctl + "*005010X222A1~")
		seg("BHT*0019*00*BATCH" + ctl + "*20260101*1200*CH~")
		seg("NM1*41*2*CLAIMFLOW TEST CLINIC*****46*CF0000001~")
		seg("PER*IC*BILLING OFFICE*TE*5555550100~")
		seg("NM1*40*2*TEST PAYER*****46*TP0000001~")
		seg("HL*1**20*1~")
		seg("PRV*BI*PXC*207Q00000X~")
		seg("NM1*85*2*CLAIMFLOW TEST CLINIC*****XX*1234567893~")
		seg("N3*100 MAIN STREET~")
		seg("N4*ANYTOWN*NY*100010000~")
		seg("REF*EI*990000001~")
		for c := 1; c <= o.ClaimsPerSet; c++ {
			hl := strconv.Itoa(c + 1)
			id := strconv.Itoa(sets*100000 + c)
			seg("HL*" + hl + "*1*22*0~")
			seg("SBR*P*18*GRP0001******CI~")
			seg("NM1*IL*1*DOE*JANE****MI*ZZ" + id + "~")
			seg("N3*1 TEST LANE~")
			seg("N4*ANYTOWN*NY*100010000~")
			seg("DMG*D8*19800101*F~")
			seg("NM1*PR*2*TEST PAYER*****PI*TP0000001~")
			total := 0
			for l := 1; l <= o.LinesPerClaim; l++ {
				total += 100 + l*25
			}
			seg("CLM*PCN" + id + "*" + strconv.Itoa(total) + "***11:B:1*Y*A*Y*Y~")
			seg("DTP*431*D8*20251231~")
			seg("REF*G1*AUTH" + id + "~")
			seg("HI*ABK:J069*ABF:R509~")
			seg("NM1*82*1*DOCTOR*TEST****XX*1234567893~")
			seg("PRV*PE*PXC*207Q00000X~")
			for l := 1; l <= o.LinesPerClaim; l++ {
				seg("LX*" + strconv.Itoa(l) + "~")
				buf = buf[:0]
				buf = append(buf, "SV1*HC:9921"...)
				buf = strconv.AppendInt(buf, int64(l%10), 10)
				buf = append(buf, ":25*"...)
				buf = strconv.AppendInt(buf, int64(100+l*25), 10)
				buf = append(buf, "*UN*1***1:2~"...)
				seg(string(buf))
				seg("DTP*472*D8*20260101~")
			}
		}
		put("SE*" + strconv.Itoa(segs+1) + "*" + ctl + "~")
	}
	put("GE*" + strconv.Itoa(sets) + "*1~")
	put("IEA*1*000000001~")
	return n, bw.Flush()
}

func pad4(n int) string {
	s := strconv.Itoa(n)
	for len(s) < 4 {
		s = "0" + s
	}
	return s
}
