package payer_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/claimflow/claimflow/clearinghouse/sim"
	"github.com/claimflow/claimflow/clearinghouse/sim/payer"
	"github.com/claimflow/claimflow/edi"
	"github.com/claimflow/claimflow/edi/claim837"
	"github.com/claimflow/claimflow/edi/x835"
	"github.com/claimflow/claimflow/edi/x837d"
	"github.com/claimflow/claimflow/edi/x837i"
)

// FuzzOnUpload feeds arbitrary uploads to the adjudicator: it must not
// panic, every 277CA it answers with must validate, and every 835 it
// emits must validate and balance.
func FuzzOnUpload(f *testing.F) {
	seed, err := make837(1, batch())
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed)
	f.Add([]byte("ISA*00*"))
	for _, tx := range []struct {
		build func(claim837.Envelope, ...*claim837.Transaction) (*edi.Interchange, error)
		tx    *claim837.Transaction
	}{{x837i.Build, institutional837()}, {x837d.Build, dental837()}} {
		var buf bytes.Buffer
		ic, err := tx.build(env837(2), tx.tx)
		if err != nil || edi.Write(&buf, ic) != nil {
			f.Fatal(err)
		}
		f.Add(buf.Bytes())
	}
	cfg, err := payer.LoadConfig("rules.sample.json")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		a, err := payer.New(cfg, payer.Options{Ack: &sim.AckResponder{ID: "SIMCH"}, Now: func() time.Time { return t0 }})
		if err != nil {
			t.Fatal(err)
		}
		for _, out := range a.OnUpload(context.Background(), "u1", "f.x12", body) {
			if !strings.Contains(out.Name, ".277ca.") {
				continue
			}
			rep, err := edi.ValidateBytes(out.Body, nil)
			if err != nil || !rep.OK() {
				t.Fatalf("277CA does not validate: %v %v", err, rep.Errors)
			}
		}
		for _, f := range a.Flush(t0.Add(time.Hour)) {
			rep, err := x835.Validate(f.File.Body, nil)
			if err != nil || !rep.OK() {
				t.Fatalf("835 does not validate: %v %v", err, rep.Errors)
			}
		}
	})
}
