package fhirimport_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/claimflow/claimflow/fhirimport"
	"github.com/claimflow/claimflow/internal/fhirtest"
	"github.com/claimflow/claimflow/rcm"
)

func smartSetup(t *testing.T, patients int) (*fhirtest.RecordedFHIRServer, fhirimport.FHIRServer, fhirimport.SynthCounts) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(t.TempDir(), "smart-key.pem")
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	counts, err := fhirimport.Synthesize(dir, fhirimport.SynthOptions{Patients: patients, Providers: 3, PayerIDs: []string{"PAYERA1"}, Prefix: "ehr"})
	if err != nil {
		t.Fatal(err)
	}
	f := fhirtest.New(t, dir, &key.PublicKey)
	return f, fhirimport.FHIRServer{BaseURL: f.Srv.URL + "/fhir", TokenURL: f.Srv.URL + "/token", ClientID: f.ClientID,
		KeyFile: keyFile, KeyID: "key-1", Scope: "system/*.read", MaxWait: time.Minute}, counts
}

func collect(t *testing.T, run func(fhirimport.Emit) error) map[string]int {
	t.Helper()
	got := map[string]int{}
	seen := map[string]bool{}
	if err := run(func(typ, id string, body []byte) error {
		if seen[typ+"/"+id] {
			t.Errorf("%s/%s emitted twice", typ, id)
		}
		seen[typ+"/"+id] = true
		got[typ]++
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return got
}

// TestSMARTSearchAndBulkExportAgainstRecordedFHIRServer: REST search
// follows every "next" page and Bulk Data $export polls with Retry-After
// before downloading the NDJSON; one SMART token (a signed client
// assertion) serves every request.
func TestSMARTSearchAndBulkExportAgainstRecordedFHIRServer(t *testing.T) {
	f, cfg, counts := smartSetup(t, 12)
	ctx := context.Background()
	c := fhirimport.NewClient(ctx, cfg, nil)
	got := collect(t, func(e fhirimport.Emit) error { return c.Search(ctx, fhirimport.Order, e) })
	for typ, n := range counts {
		if got[typ] != n {
			t.Errorf("search: %d %s; want %d", got[typ], typ, n)
		}
	}
	if f.Pages.Load() < 9+4 { // 12 patients span 2 pages of 7, and so on
		t.Errorf("search read %d pages; paging not followed", f.Pages.Load())
	}
	start := time.Now()
	got = collect(t, func(e fhirimport.Emit) error { return c.BulkExport(ctx, fhirimport.Order, e) })
	for typ, n := range counts {
		if got[typ] != n {
			t.Errorf("$export: %d %s; want %d", got[typ], typ, n)
		}
	}
	if f.Polls.Load() != 3 || time.Since(start) < 2*time.Second {
		t.Errorf("$export polled %d times in %v; want 3 polls, waiting Retry-After (1 s) twice", f.Polls.Load(), time.Since(start))
	}
	for _, g := range f.PollGaps {
		if g < 900*time.Millisecond {
			t.Errorf("polled again after %v, before Retry-After", g)
		}
	}
	if f.Tokens.Load() != 1 || f.Unauthed.Load() != 0 {
		t.Errorf("%d tokens issued, %d unauthenticated requests; want 1 token reused, none", f.Tokens.Load(), f.Unauthed.Load())
	}
	// A client whose key the server does not hold gets no token, and the
	// error says so without a record in it.
	other, _, _ := smartSetup(t, 1)
	cfg.TokenURL = other.Srv.URL + "/token"
	other.Refusing = true
	bad := fhirimport.NewClient(ctx, cfg, nil)
	if err := bad.Search(ctx, []string{"Patient"}, func(string, string, []byte) error { return nil }); err == nil {
		t.Fatal("a client with the wrong key got through")
	}
}

// TestImportFromRecordedFHIRServer runs the import's steps on a FHIR
// source (Bulk Data) into Postgres, as the worker would: every resource
// of the EHR arrives as a claimflow record.
func TestImportFromRecordedFHIRServer(t *testing.T) {
	s := keyedStore(t)
	ctx := context.Background()
	a := newTenant(t, s, "TEST FHIR SOURCE A", "PAYERA1")
	_, cfg, counts := smartSetup(t, 15)
	acts := &fhirimport.Activities{Store: s, FHIRServers: map[string]fhirimport.FHIRServer{"ehr": cfg}}
	run, err := s.CreateImportRun(ctx, a.admin, rcm.ImportRun{OrgID: a.org.ID, Source: rcm.ImportSourceFHIR, SourceName: "ehr"})
	if err != nil {
		t.Fatal(err)
	}
	in := fhirimport.Input{RunID: run.ID, OrgID: a.org.ID, UserID: a.admin.UserID, Source: rcm.ImportSourceFHIR, Server: "ehr", Bulk: true}
	if _, err := acts.ImportFetch(ctx, in); err != nil {
		t.Fatal(err)
	}
	p, err := acts.ImportValidate(ctx, in)
	if err != nil || p.Invalid != 0 {
		t.Fatalf("validate: %+v %v", p, err)
	}
	p, err = acts.ImportCommit(ctx, fhirimport.CommitInput{Input: in, Limit: 10000})
	total := 0
	for _, n := range counts {
		total += n
	}
	if err != nil || p.Total != total || p.Done != total || p.Failed != 0 {
		t.Fatalf("commit: %+v %v; want %d records done", p, err, total)
	}
	if n := count(t, s, `SELECT count(*)::int FROM encounters WHERE org_id = $1`, a.org.ID); n != counts["Encounter"] {
		t.Fatalf("%d encounters; want %d", n, counts["Encounter"])
	}
	// An unknown server name is a permanent failure naming it.
	in.Server = "nowhere"
	if _, err := acts.ImportFetch(ctx, in); err == nil || !strings.Contains(err.Error(), "nowhere") {
		t.Fatalf("unknown server: %v", err)
	}
}
