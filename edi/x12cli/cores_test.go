package x12cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/claimflow/claimflow/edi/internal/gen837p"
)

// TestValidateOnManyCores runs `x12 validate` in a child process, as the
// command line runs, with GOMAXPROCS 1, 4, 16 and 64 (it validates on
// GOMAXPROCS workers), on a generated 837P of 1 MB: every report must be
// the one-core report. Before the batch pool's sizes were bounded, a
// process with 4 or more cores panicked on such a file (makeslice: cap out
// of range) once its reader ran 58 batches ahead of the workers, as it does
// while a fresh process loads the SNIP rules; the tests and benchmarks had
// run on 2 cores only. Whether the reader gets that far ahead depends on
// the scheduler: against the old pool this test failed in most runs, not
// all (2 of 3 under -race, 4 of 4 without). edi's TestBatchPoolSizes fails
// every time.
func TestValidateOnManyCores(t *testing.T) {
	if args := os.Getenv("X12CLI_MAIN_CHILD"); args != "" {
		// What the mains do (cmd/claimflow, edi/internal/x12cmd).
		TuneProcess(strings.Fields(args))
		os.Exit(Main(strings.Fields(args), os.Stdin, os.Stdout, os.Stderr))
	}
	var x bytes.Buffer
	if _, err := gen837p.Generate(&x, gen837p.Options{Size: 1 << 20, ClaimsPerSet: 10}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "837p.x12")
	if err := os.WriteFile(path, x.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	var want string
	for _, n := range []int{1, 4, 16, 64} {
		code, got, errOut := runChild(t, "TestValidateOnManyCores",
			append(os.Environ(), "X12CLI_MAIN_CHILD=validate "+path, "GOMAXPROCS="+strconv.Itoa(n)))
		if n == 1 {
			if code != 0 || !strings.Contains(got, ": OK (") {
				t.Fatalf("GOMAXPROCS 1: exit %d\n%s%s", code, got, errOut)
			}
			want = got
			continue
		}
		if code != 0 || got != want {
			t.Errorf("GOMAXPROCS %d: exit %d\n%s%s\nwant\n%s", n, code, got, errOut, want)
		}
	}
}
