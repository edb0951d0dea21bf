//go:build unix

package edi_test

import (
	"syscall"
	"time"
)

// cpuTime returns the process's user plus system CPU time. Benchmarks
// report MB per CPU-second beside MB/s because the machines they run on
// are shared: wall time then also counts other processes' turns.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
