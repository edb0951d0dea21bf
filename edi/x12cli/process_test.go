package x12cli

import (
	"fmt"
	"os"
	"os/exec"
	"runtime/debug"
	"strings"
	"testing"
)

// TestTuneProcess runs TuneProcess in a child process (it changes the whole
// process's collector) and reads back the GC percent and memory limit it left.
func TestTuneProcess(t *testing.T) {
	if args := os.Getenv("X12CLI_TUNE_CHILD"); args != "" {
		TuneProcess(strings.Fields(args))
		pct := debug.SetGCPercent(-1)
		limit := debug.SetMemoryLimit(-1)
		fmt.Printf("gc=%d limit=%d\n", pct, limit)
		os.Exit(0)
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	const untouched = "gc=100 limit=9223372036854775807"
	for _, c := range []struct {
		args, env, want string
	}{
		{"validate --level 5 f.x12", "", fmt.Sprintf("gc=-1 limit=%d", validateMemoryLimit)},
		{"json f.x12", "", untouched},
		{"fmt f.x12", "", untouched},
		{"validate f.x12", "GOGC=100", untouched},
		{"validate f.x12", "GOMEMLIMIT=1GiB", "gc=100 limit=1073741824"},
	} {
		cmd := exec.Command(exe, "-test.run=^TestTuneProcess$")
		cmd.Env = append(os.Environ(), "X12CLI_TUNE_CHILD="+c.args)
		// The child must start from Go's defaults unless the case sets one.
		cmd.Env = withoutEnv(cmd.Env, "GOGC", "GOMEMLIMIT")
		if c.env != "" {
			cmd.Env = append(cmd.Env, c.env)
		}
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("%q: %v", c.args, err)
		}
		if got := strings.TrimSpace(string(out)); got != c.want {
			t.Errorf("TuneProcess(%q) with %q: %s, want %s", c.args, c.env, got, c.want)
		}
	}
}

func withoutEnv(env []string, names ...string) []string {
	out := env[:0:0]
	for _, kv := range env {
		keep := true
		for _, n := range names {
			if strings.HasPrefix(kv, n+"=") {
				keep = false
			}
		}
		if keep {
			out = append(out, kv)
		}
	}
	return out
}
