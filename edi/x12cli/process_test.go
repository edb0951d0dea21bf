package x12cli

import (
	"bytes"
	"errors"
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
		// The child must start from Go's defaults unless the case sets one.
		env := append(withoutEnv(os.Environ(), "GOGC", "GOMEMLIMIT"), "X12CLI_TUNE_CHILD="+c.args)
		if c.env != "" {
			env = append(env, c.env)
		}
		code, out, errOut := runChild(t, "TestTuneProcess", env)
		if code != 0 {
			t.Fatalf("%q: exit %d: %s", c.args, code, errOut)
		}
		if got := strings.TrimSpace(out); got != c.want {
			t.Errorf("TuneProcess(%q) with %q: %s, want %s", c.args, c.env, got, c.want)
		}
	}
}

// runChild runs the test named test of this test binary in a child process
// with env as its environment, and returns its exit status, standard output
// and standard error. The test recognizes the child by a variable in env.
func runChild(t *testing.T, test string, env []string) (int, string, string) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^"+test+"$")
	cmd.Env = env
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	code := 0
	if err := cmd.Run(); err != nil {
		var exitErr *exec.ExitError
		if !errors.As(err, &exitErr) {
			t.Fatal(err)
		}
		code = exitErr.ExitCode()
	}
	return code, out.String(), errOut.String()
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
