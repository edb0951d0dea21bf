package main

import (
	"context"
	"os"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/claimflow/claimflow/store"
)

// CPU per request: the queries' latency with many clients on few cores is
// mostly the CPU each request costs, so each query's figures come with the
// CPU time it took in this process (getrusage) and in the Postgres backends
// serving the database (their /proc/<pid>/stat), divided by the requests.

// queryProfile is where -query-cpuprofile writes a CPU profile of the
// dashboard queries against the large database.
var queryProfile string

// noEmpty (-empty=false) skips the same queries on the empty database.
var noEmpty bool

// startQueryProfile starts the query phase's profile; the returned func
// stops it.
func startQueryProfile() (func(), error) {
	if queryProfile == "" {
		return func() {}, nil
	}
	f, err := os.Create(queryProfile)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		_ = f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); _ = f.Close() }, nil
}

// processCPU is this process's user+system CPU time so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// clockTicks is USER_HZ, the unit of /proc/<pid>/stat's CPU times (100 on
// Linux everywhere this runs).
const clockTicks = 100

// backendCPU is the user+system CPU time of every Postgres backend now
// connected to the store's database, by process id (empty where /proc is
// not readable: the figure is then reported as unknown).
func backendCPU(ctx context.Context, s *store.Store) map[int]time.Duration {
	out := map[int]time.Duration{}
	rows, err := s.Pool.Query(ctx, `SELECT pid FROM pg_stat_activity WHERE datname = current_database()`)
	if err != nil {
		return out
	}
	var pids []int
	for rows.Next() {
		var pid int
		if rows.Scan(&pid) == nil {
			pids = append(pids, pid)
		}
	}
	rows.Close()
	for _, pid := range pids {
		b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		if err != nil {
			continue
		}
		// Fields after the command (which may hold spaces) start at ")".
		s := string(b)
		f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
		if len(f) < 13 {
			continue
		}
		u, err1 := strconv.ParseInt(f[11], 10, 64)
		k, err2 := strconv.ParseInt(f[12], 10, 64)
		if err1 != nil || err2 != nil {
			continue
		}
		out[pid] = time.Duration(u+k) * time.Second / clockTicks
	}
	return out
}

// cpuSpent is the CPU time between two backendCPU readings (a backend that
// appeared since counts from zero).
func cpuSpent(before, after map[int]time.Duration) (time.Duration, bool) {
	if len(after) == 0 {
		return 0, false
	}
	var d time.Duration
	for pid, t := range after {
		d += t - before[pid]
	}
	return d, true
}
