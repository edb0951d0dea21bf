package clearinghouse

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestPartnerDefaultsAndNames(t *testing.T) {
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "id")
	if err := os.WriteFile(keyFile, []byte("not a key"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := `[{"id":"acme","addr":"127.0.0.1:22","user":"u","private_key_file":"` + keyFile + `",
	  "host_key":"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIQL+c3QBbHRi68k94IOqVWmcb/ZQsghq0VlhGyHOQOq",
	  "outbound_dir":"/in","inbound_dir":"/out","timeout":"7s","name_pattern":"{partner}_{date}_{isa13}_{hash}.837",
	  "realtime":{"url":"http://127.0.0.1:1/core","sender_id":"CF","receiver_id":"ACME","username":"cf","password_env":"ACME_CORE_PASSWORD"}}]`
	file := filepath.Join(dir, "partners.json")
	if err := os.WriteFile(file, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	ps, err := LoadPartners(file)
	if err != nil {
		t.Fatal(err)
	}
	p, err := ps[0].withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	if string(p.PrivateKey) != "not a key" || p.TempSuffix != ".part" || time.Duration(p.Timeout) != 7*time.Second {
		t.Fatalf("defaults: %+v", p)
	}
	if _, err := p.sshConfig(); err == nil {
		t.Fatal("a broken private key was accepted")
	}
	hash := strings.Repeat("ab", 32)
	if got, want := p.remoteName(hash, "000000001", time.Date(2026, 3, 4, 23, 0, 0, 0, time.UTC)), "acme_20260304_000000001_abababababababab.837"; got != want {
		t.Fatalf("name: got %q, want %q", got, want)
	}
	p.NamePattern = "../../{partner}"
	if got := p.remoteName(hash, "", time.Now()); got != "acme" {
		t.Fatalf("a pattern with directories gave %q, want the base name", got)
	}

	if _, err := p.NewRealTimeClient(nil, func(string) string { return "" }); err == nil {
		t.Fatal("a real-time client without its password was built")
	}
	rc, err := p.NewRealTimeClient(nil, func(k string) string { return map[string]string{"ACME_CORE_PASSWORD": "pw"}[k] })
	if err != nil || rc.Password != "pw" || rc.ReceiverID != "ACME" || rc.Partner != "acme" {
		t.Fatalf("real-time client: %+v, %v", rc, err)
	}

	for _, c := range []struct {
		name string
		edit func(*Partner)
	}{
		{"bad id", func(p *Partner) { p.ID = "a/b" }},
		{"no host key", func(p *Partner) { p.HostKey = " " }},
		{"no key", func(p *Partner) { p.PrivateKey, p.PrivateKeyFile = nil, "" }},
		{"no folders", func(p *Partner) { p.InboundDir = "" }},
		{"no address", func(p *Partner) { p.Addr = "" }},
	} {
		q := ps[0]
		c.edit(&q)
		if _, err := q.withDefaults(); err == nil {
			t.Errorf("%s: accepted", c.name)
		}
	}
}
