//go:build unix

package snip

import (
	"syscall"
	"time"
)

// cpuTime returns the process's user plus system CPU time: benchmarks
// report MB per CPU-second because the machines they run on are shared.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
