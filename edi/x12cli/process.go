package x12cli

import (
	"os"
	"runtime/debug"
)

// validateMemoryLimit is the heap the collector may let a validating process
// grow to before it runs. Validation keeps bounded memory by design (read
// buffers and segment batches come from fixed pools: a few MiB live, whatever
// the file), so its live heap stays far below this.
const validateMemoryLimit = 24 << 20

// TuneProcess sets the garbage collector for a command-line process about to
// run Main(args). Call it from a main function only, never from a library or
// a test: it changes the whole process.
//
// For `validate` it turns the proportional collector off and lets the memory
// limit start collections instead. Go's default starts one at every doubling
// of a 4 MiB heap, sized for servers: a validating process whose live heap is
// a few MiB collected three times in 0.17 s, on a file it reads once. With
// the limit it collects when its heap reaches 24 MiB, so memory stays bounded
// (scripts/bench-edi.sh measures the peak RSS of a 1 GiB file against 64 MiB).
// The limit is not set when the user set GOGC or GOMEMLIMIT.
func TuneProcess(args []string) {
	if len(args) == 0 || args[0] != "validate" {
		return
	}
	if _, set := os.LookupEnv("GOGC"); set {
		return
	}
	if _, set := os.LookupEnv("GOMEMLIMIT"); set {
		return
	}
	debug.SetMemoryLimit(validateMemoryLimit)
	debug.SetGCPercent(-1)
}
