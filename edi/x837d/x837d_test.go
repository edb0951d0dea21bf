package x837d_test

import (
	"reflect"
	"testing"

	"github.com/claimflow/claimflow/edi"
	"github.com/claimflow/claimflow/edi/internal/setsamples"
	"github.com/claimflow/claimflow/edi/x837d"
)

func TestBuildValidateRead(t *testing.T) {
	want := setsamples.Dental()
	ic, err := x837d.Build(setsamples.Env("CLAIMFLOW", "TESTPAYER", 5), want)
	if err != nil {
		t.Fatal(err)
	}
	x := setsamples.Bytes(ic)
	rep, err := edi.ValidateBytes(x, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range rep.Errors {
		t.Errorf("validate: %v", e)
	}
	ics, err := edi.ParseBytes(x)
	if err != nil {
		t.Fatal(err)
	}
	got, err := x837d.ReadAll(ics)
	if err != nil || len(got) != 1 {
		t.Fatalf("ReadAll = %d, %v", len(got), err)
	}
	want.ControlNumber = "0001"
	for i := range want.Billing[0].Subscriber {
		sb := &want.Billing[0].Subscriber[i]
		for j := range sb.Claims {
			sb.Claims[j].TotalCharge = sb.Claims[j].Total()
		}
		for k := range sb.Patients {
			for j := range sb.Patients[k].Claims {
				sb.Patients[k].Claims[j].TotalCharge = sb.Patients[k].Claims[j].Total()
			}
		}
	}
	if !reflect.DeepEqual(got[0], want) {
		t.Errorf("Read(Build(x)) differs\n got %+v\nwant %+v", got[0], want)
	}
	c := got[0].Billing[0].Subscriber[0].Claims[0]
	if l := c.Lines[0]; len(l.Teeth) != 1 || l.Teeth[0].Number != "30" || len(l.Teeth[0].Surfaces) != 2 {
		t.Errorf("tooth = %+v", l.Teeth)
	}
}

func TestBalanceCLM02(t *testing.T) {
	tx := setsamples.Dental()
	tx.Billing[0].Subscriber[0].Claims[0].TotalCharge = 1
	ic, err := x837d.Build(setsamples.Env("CLAIMFLOW", "TESTPAYER", 5), tx)
	if err != nil {
		t.Fatal(err)
	}
	rep, _ := edi.ValidateBytes(setsamples.Bytes(ic), nil)
	if len(rep.Errors) != 1 || rep.Errors[0].SegID != "CLM" || rep.Errors[0].Code != "I12" {
		t.Errorf("errors = %v, want CLM02 I12 (SV302 sum)", rep.Errors)
	}
}
