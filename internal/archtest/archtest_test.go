// Package archtest checks claimflow's import graph (issue 15): only the
// adapters and the commands use the Postgres store, no adapter imports
// another, and the API imports neither the activities nor Temporal's
// workflow history types.
package archtest

import (
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

const module = "github.com/claimflow/claimflow"

// adapters translate between the domain and one outside system. Each owns
// its directory's subpackages (clearinghouse/sim, notify/notifytest, ...).
var adapters = []string{
	"store", "archive", "clearinghouse", "notify", "payments", "keyring",
	"identity", "webhooks", "api", "payloadcodec",
}

type pkg struct {
	ImportPath string
	Name       string
	Imports    []string
}

// listPackages runs go list over the module: the non-test imports of every
// package (test files may build real adapters through internal/testenv).
func listPackages(t *testing.T) []pkg {
	t.Helper()
	cmd := exec.Command("go", "list", "-json=ImportPath,Name,Imports", module+"/...")
	out, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("go list: %v\n%s", err, ee.Stderr)
		}
		t.Fatalf("go list: %v", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	var pkgs []pkg
	for {
		var p pkg
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("decode go list output: %v", err)
		}
		pkgs = append(pkgs, p)
	}
	if len(pkgs) < 10 {
		t.Fatalf("go list found only %d packages", len(pkgs))
	}
	return pkgs
}

// rel is the path inside the module ("" for packages outside it).
func rel(path string) string {
	if path == module {
		return "."
	}
	if r, ok := strings.CutPrefix(path, module+"/"); ok {
		return r
	}
	return ""
}

// adapterOf names the adapter a module package belongs to, or "".
func adapterOf(r string) string {
	for _, a := range adapters {
		if r == a || strings.HasPrefix(r, a+"/") {
			return a
		}
	}
	return ""
}

// isCommand: cmd/... and other package main programs (api/internal/loadgen)
// wire the adapters together. internal/chaos is the fault driver's own
// code (cmd/claimflow-chaos), kept in a package so its checks are tested:
// like a command, it sets tenants up through the store.
func isCommand(p pkg) bool {
	r := rel(p.ImportPath)
	return strings.HasPrefix(r, "cmd/") || p.Name == "main" || r == "internal/chaos"
}

// isTestSupport: helper packages that exist for tests only (internal/testenv
// builds a real store; archive/archivetest opens a real keyring).
func isTestSupport(r string) bool {
	return r == "internal/testenv" || strings.HasSuffix(r, "test") && strings.Contains(r, "/")
}

// violations applies the three rules to a package list; it is a function of
// its input so that TestRulesCatch can feed it a graph that breaks each one.
func violations(pkgs []pkg) []string {
	var out []string
	for _, p := range pkgs {
		from := rel(p.ImportPath)
		if from == "" || isCommand(p) || isTestSupport(from) {
			continue
		}
		fromAdapter := adapterOf(from)
		for _, imp := range p.Imports {
			to := rel(imp)
			if from == "api" || strings.HasPrefix(from, "api/") {
				if to == "activities" || imp == "go.temporal.io/api/history/v1" || strings.HasPrefix(imp, "go.temporal.io/api/history/") {
					out = append(out, from+" imports "+imp+" (the API must depend on neither the activities nor workflow history)")
				}
			}
			if to == "" {
				continue
			}
			toAdapter := adapterOf(to)
			if toAdapter == "store" && fromAdapter == "" {
				out = append(out, from+" imports store (only adapters and commands may)")
			}
			if toAdapter != "" && fromAdapter != "" && toAdapter != fromAdapter {
				out = append(out, from+" imports "+to+" (an adapter must not import another adapter)")
			}
		}
	}
	sort.Strings(out)
	return out
}

// TestAPIReadsNoHistory: the API gets Temporal's history types through the
// SDK client without importing them, so the import rule alone would miss a
// handler that decodes workflow history; look for the call and the types.
func TestAPIReadsNoHistory(t *testing.T) {
	files, err := filepath.Glob("../../api/*.go")
	if err != nil || len(files) == 0 {
		t.Fatalf("no api sources found (%v)", err)
	}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, bad := range []string{"GetWorkflowHistory(", "go.temporal.io/api/history/", "HistoryEvent"} {
			if strings.Contains(string(b), bad) {
				t.Errorf("%s uses %s: the API reads claim file events from Postgres, not workflow history", filepath.Base(f), bad)
			}
		}
	}
}

func TestImportGraph(t *testing.T) {
	for _, v := range violations(listPackages(t)) {
		t.Error(v)
	}
}

// TestRulesCatch feeds violations a graph that breaks each rule once, so a
// rule that stops matching fails here rather than passing silently.
func TestRulesCatch(t *testing.T) {
	m := func(r string) string { return module + "/" + r }
	pkgs := []pkg{
		{ImportPath: m("workflows"), Name: "workflows", Imports: []string{m("store"), m("rcm")}},
		{ImportPath: m("clearinghouse"), Name: "clearinghouse", Imports: []string{m("archive"), m("rcm")}},
		{ImportPath: m("api"), Name: "api", Imports: []string{m("activities"), "go.temporal.io/api/history/v1"}},
		// allowed: a command wires store; an adapter's own subpackage; a
		// test helper builds a store; store uses rcm.
		{ImportPath: m("cmd/claimflow"), Name: "main", Imports: []string{m("store"), m("api")}},
		{ImportPath: m("clearinghouse/sim"), Name: "sim", Imports: []string{m("clearinghouse")}},
		{ImportPath: m("internal/testenv"), Name: "testenv", Imports: []string{m("store")}},
		{ImportPath: m("store"), Name: "store", Imports: []string{m("rcm")}},
	}
	got := violations(pkgs)
	want := []string{
		"api imports " + m("activities"),
		"api imports go.temporal.io/api/history/v1",
		"clearinghouse imports archive",
		"workflows imports store",
	}
	if len(got) != len(want) {
		t.Fatalf("violations = %q, want %d matching %q", got, len(want), want)
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("violation %d = %q, want prefix %q", i, got[i], want[i])
		}
	}
}
