package edi

import (
	"strings"
	"testing"
	"time"
)

// ta1Interchange wraps one TA1 segment in an interchange from a payer.
func ta1Interchange(ta1 string) []byte {
	return []byte("ISA*00*          *00*          *ZZ*TESTPAYER      *ZZ*CLAIMFLOW      *260115*1300*^*00501*000000108*0*T*:~\n" +
		ta1 + "~\nIEA*0*000000108~\n")
}

// TestTA1Segment checks each element of a received TA1: every fault is
// invalid interchange content (TA1 024) naming the element and its IK4
// reason; with the inbound tolerance (the IK4 codes snip.InboundTolerated
// lists) a length, character or extra-element fault is a warning and the
// interchange is not rejected, while a missing element, a bad date or
// time and an unknown code still reject it.
func TestTA1Segment(t *testing.T) {
	inbound := []string{"IK4 I10", "IK4 3", "IK4 4", "IK4 5", "IK4 6"}
	tests := []struct {
		name, ta1 string
		elem      int
		reason    string
		tolerated bool
	}{
		{"TA101 eight digits", "TA1*00000101*260115*1200*A*000", 1, "data element too short", true},
		{"TA101 ten digits", "TA1*0000000101*260115*1200*A*000", 1, "data element too long", true},
		{"TA101 with a letter", "TA1*00000010A*260115*1200*A*000", 1, "invalid character in data element", true},
		{"TA101 missing", "TA1**260115*1200*A*000", 1, "required data element missing", false},
		{"TA102 30 February", "TA1*000000101*260230*1200*A*000", 2, "invalid date", false},
		{"TA102 29 February of a common year", "TA1*000000101*250229*1200*A*000", 2, "invalid date", false},
		{"TA102 CCYYMMDD", "TA1*000000101*20260115*1200*A*000", 2, "data element too long", true},
		{"TA103 hour 24", "TA1*000000101*260115*2400*A*000", 3, "invalid time", false},
		{"TA103 minute 60", "TA1*000000101*260115*1260*A*000", 3, "invalid time", false},
		{"TA103 HHMMSS", "TA1*000000101*260115*120000*A*000", 3, "data element too long", true},
		{"TA104 not A, E or R", "TA1*000000101*260115*1200*X*000", 4, "invalid code value", false},
		{"TA104 missing", "TA1*000000101*260115*1200**000", 4, "required data element missing", false},
		{"TA105 no such note code", "TA1*000000101*260115*1200*R*099", 5, "invalid code value", false},
		{"TA105 two digits", "TA1*000000101*260115*1200*R*22", 5, "data element too short", true},
		{"TA105 missing", "TA1*000000101*260115*1200*A", 5, "required data element missing", false},
		{"a sixth element", "TA1*000000101*260115*1200*A*000*N", 6, "too many data elements", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := ta1Interchange(tt.ta1)
			for _, in := range []bool{false, true} {
				opts := &Options{}
				if in {
					opts.Tolerate = inbound
				}
				rep, err := ValidateBytes(b, opts)
				if err != nil {
					t.Fatal(err)
				}
				if len(rep.Errors) != 1 {
					t.Fatalf("inbound %v: errors %v, want one", in, rep.Errors)
				}
				e := rep.Errors[0]
				if e.Kind != KindTA1 || e.Code != "024" || e.SegID != "TA1" || e.Elem != tt.elem || e.Index != 2 {
					t.Errorf("inbound %v: %s, want TA1 024 at TA1%02d", in, e.Error(), tt.elem)
				}
				if !strings.HasSuffix(e.Msg, tt.reason) {
					t.Errorf("inbound %v: message %q, want the reason %q", in, e.Msg, tt.reason)
				}
				warn := in && tt.tolerated
				ic := rep.Interchanges[0]
				if e.Warning != warn {
					t.Errorf("inbound %v: warning %v, want %v", in, e.Warning, warn)
				}
				wantCode, wantAck := "024", "R"
				if warn {
					wantCode, wantAck = "000", "E"
				}
				if ic.TA1Code() != wantCode || ic.TA1Ack() != wantAck {
					t.Errorf("inbound %v: TA1 code %s ack %s, want %s %s", in, ic.TA1Code(), ic.TA1Ack(), wantCode, wantAck)
				}
				// The acknowledgment claimflow sends back says the same.
				if got := TA1(ic, time.Date(2026, 1, 15, 13, 0, 0, 0, time.UTC)); got.El(4) != wantAck || got.El(5) != wantCode {
					t.Errorf("inbound %v: TA1 reply %v", in, got)
				}
			}
		})
	}
	t.Run("valid", func(t *testing.T) {
		for _, ta1 := range []string{
			"TA1*000000101*260115*1200*A*000",
			"TA1*000000101*240229*2359*E*000",
			"TA1*000000050*200229*0000*R*031",
			"TA1*123456789*261231*1200*R*024",
		} {
			rep, err := ValidateBytes(ta1Interchange(ta1), &Options{})
			if err != nil {
				t.Fatal(err)
			}
			if !rep.OK() {
				t.Errorf("%s: %v", ta1, rep.Errors)
			}
		}
	})
	// A TA1 inside a functional group is no interchange acknowledgment:
	// it stays an unexpected segment of the set, as before.
	t.Run("inside a set", func(t *testing.T) {
		b := variant(t, "837p-valid.x12", "BHT*", "TA1*000000101*260115*1200*A*000~BHT*")
		rep := validate(t, b)
		for _, e := range rep.Errors {
			if e.Kind == KindTA1 {
				t.Errorf("TA1 finding for a TA1 inside a set: %s", e.Error())
			}
		}
		if rep.OK() {
			t.Error("a TA1 inside a set was accepted")
		}
	})
}
