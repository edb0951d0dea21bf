package archive_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/claimflow/claimflow/archive"
	"github.com/claimflow/claimflow/archive/archivetest"
)

// isa builds a synthetic interchange (no real people or payers).
func isa(ctl, set string) []byte {
	s := "ISA*00*          *00*          *ZZ*SUBMITTER01    *ZZ*RECEIVER01     *260101*1200*^*00501*" + ctl + "*0*T*:~" +
		"GS*HC*SUBMITTER01*RECEIVER01*20260101*1200*17*X*005010X222A1~" +
		"ST*" + set + "*0001*005010X222A1~BHT*0019*00*0123*20260101*1200*CH~SE*3*0001~" +
		"ST*" + set + "*0002*005010X222A1~BHT*0019*00*0124*20260101*1200*CH~SE*3*0002~" +
		"GE*2*17~IEA*1*" + ctl + "~"
	return []byte(s)
}

func TestPutGetList(t *testing.T) {
	ctx := context.Background()
	a := archivetest.Open(t, nil)
	body := isa("000000901", "837")
	day := time.Date(2026, 1, 2, 15, 4, 5, 0, time.UTC)

	e, stored, err := a.Put(ctx, body, archive.Meta{Direction: archive.Outbound, Partner: "acme-ch", Received: day})
	if err != nil || !stored {
		t.Fatalf("Put: stored=%v err=%v", stored, err)
	}
	if got, want := e.Hash, archive.Hash(body); got != want {
		t.Fatalf("hash: got %s, want %s", got, want)
	}
	// The same file again is a no-op, whatever metadata comes with it.
	e2, stored, err := a.Put(ctx, body, archive.Meta{Direction: archive.Inbound, Partner: "other", Received: day.Add(48 * time.Hour)})
	if err != nil || stored {
		t.Fatalf("second Put: stored=%v err=%v, want a no-op", stored, err)
	}
	if e2.Partner != "acme-ch" || e2.Direction != archive.Outbound {
		t.Fatalf("second Put returned %+v, want the first entry", e2.EDIMeta)
	}

	got, ge, err := a.Get(ctx, e.Hash)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, body) {
		t.Fatal("Get returned different bytes")
	}
	for _, c := range []struct{ name, got, want string }{
		{"sets", strings.Join(ge.Sets, ","), "837"},
		{"isa13", strings.Join(ge.ISA13, ","), "000000901"},
		{"gs06", strings.Join(ge.GS06, ","), "17"},
		{"st02", strings.Join(ge.ST02, ","), "0001,0002"},
		{"received", ge.Received.Format(time.RFC3339), "2026-01-02T15:04:05Z"},
		{"partner", ge.Partner, "acme-ch"},
	} {
		if c.got != c.want {
			t.Errorf("%s: got %q, want %q", c.name, c.got, c.want)
		}
	}

	other := isa("000000902", "999")
	if _, _, err := a.Put(ctx, other, archive.Meta{Direction: archive.Inbound, Partner: "acme-ch", Received: day.Add(24 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		f    archive.Filter
		want int
	}{
		{"all", archive.Filter{}, 2},
		{"partner", archive.Filter{Partner: "acme-ch"}, 2},
		{"direction", archive.Filter{Partner: "acme-ch", Direction: archive.Inbound}, 1},
		{"direction only", archive.Filter{Direction: archive.Outbound}, 1},
		{"from", archive.Filter{From: day.Add(24 * time.Hour)}, 1},
		{"to", archive.Filter{To: day}, 1},
		{"other partner", archive.Filter{Partner: "nobody"}, 0},
	} {
		l, err := a.List(ctx, c.f)
		if err != nil {
			t.Fatal(err)
		}
		if len(l) != c.want {
			t.Errorf("List %s: got %d entries, want %d", c.name, len(l), c.want)
		}
	}
}

func TestStoredEncrypted(t *testing.T) {
	ctx := context.Background()
	s := archivetest.StartS3(t)
	opts := archive.Options{Endpoint: s.Endpoint, Bucket: "enc", AccessKey: s.AccessKey, SecretKey: s.SecretKey, Sealer: archivetest.Sealer(t)}
	a, err := archive.Open(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	body := isa("000000903", "837")
	e, _, err := a.Put(ctx, body, archive.Meta{Direction: archive.Outbound, Partner: "p1"})
	if err != nil {
		t.Fatal(err)
	}
	// Another key cannot read it: the stored bytes are ciphertext.
	opts.Sealer = archivetest.Sealer(t)
	b, err := archive.Open(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := b.Get(ctx, e.Hash); err == nil {
		t.Fatal("Get with another key succeeded; the object is not sealed")
	}
	if _, _, err := a.Get(ctx, strings.Repeat("0", 64)); !errors.Is(err, archive.ErrNotFound) {
		t.Fatalf("Get missing: got %v, want ErrNotFound", err)
	}
	if _, _, err := a.Put(ctx, body, archive.Meta{Direction: archive.Outbound, Partner: "../x"}); !errors.Is(err, archive.ErrBadPartner) {
		t.Fatalf("bad partner: got %v", err)
	}
}

// With no static key pair the archive takes its credentials from the AWS
// default credential chain (here its environment provider; in Kubernetes
// web identity), as a deployment with workload identity needs (issue 20).
func TestDefaultCredentialChain(t *testing.T) {
	ctx := context.Background()
	s := archivetest.StartS3(t)
	t.Setenv("AWS_ACCESS_KEY_ID", s.AccessKey)
	t.Setenv("AWS_SECRET_ACCESS_KEY", s.SecretKey)
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_CONFIG_FILE", t.TempDir()+"/none")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", t.TempDir()+"/none")
	a, err := archive.Open(ctx, archive.Options{Endpoint: s.Endpoint, Bucket: "chain", Sealer: archivetest.Sealer(t)})
	if err != nil {
		t.Fatal(err)
	}
	body := isa("000000904", "837")
	e, _, err := a.Put(ctx, body, archive.Meta{Direction: archive.Outbound, Partner: "p1"})
	if err != nil {
		t.Fatal(err)
	}
	got, _, err := a.Get(ctx, e.Hash)
	if err != nil || !bytes.Equal(got, body) {
		t.Fatalf("Get through the default chain: %v", err)
	}

	// A wrong key in the environment is refused: the chain's key was used.
	t.Setenv("AWS_SECRET_ACCESS_KEY", "not-the-secret")
	if _, err := archive.Open(ctx, archive.Options{Endpoint: s.Endpoint, Bucket: "chain2", Sealer: archivetest.Sealer(t)}); err == nil {
		t.Fatal("Open with a wrong key in the environment succeeded")
	}
}
