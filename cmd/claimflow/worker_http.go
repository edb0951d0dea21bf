package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"syscall"
	"time"

	"github.com/claimflow/claimflow/api"
	"github.com/claimflow/claimflow/config"
)

// openWorkerHTTP listens on CLAIMFLOW_WORKER_HTTP_ADDR for `claimflow
// worker`, which otherwise serves nothing: /healthz (the process runs, its
// version), /readyz (Postgres and Temporal answer and the worker polls) and
// /metrics (m.Registry: Go, process and Temporal SDK metrics). It is the
// API's health and metrics handler without the API: api.New without records
// mounts no /v1. In dev the API serves the same endpoints, so this is not
// opened there.
//
// Several workers on one machine (scripts, tests) would fight over the
// default address; one that finds the default taken runs without these
// endpoints and says so. An address set on purpose must be free.
func (m *Main) openWorkerHTTP() error {
	addr := m.Config.WorkerHTTPAddr
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		if errors.Is(err, syscall.EADDRINUSE) && addr == config.Default("CLAIMFLOW_WORKER_HTTP_ADDR") {
			m.Log.Warn("worker http: the default address is taken (another worker on this machine?); serving no /healthz, /readyz or /metrics; set CLAIMFLOW_WORKER_HTTP_ADDR to serve them",
				"addr", addr)
			return nil
		}
		return fmt.Errorf("worker http: listen %s: %w", addr, err)
	}
	checks := append(m.readinessChecks(), api.Check{Name: "worker", Fn: func(context.Context) error {
		if !m.workerRunning.Load() {
			return errors.New("the worker is not polling")
		}
		return nil
	}})
	m.workerListener = ln
	m.workerHTTP = &http.Server{
		Handler: api.New(api.Options{
			Logger:   m.Log.With("component", "worker-http"),
			Version:  version,
			Registry: m.Registry,
			Checks:   checks,
		}),
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(m.Log.Handler(), slog.LevelWarn),
	}
	return nil
}

// WorkerAddr is the address the worker's own listener serves (useful with
// port 0); empty when it has none.
func (m *Main) WorkerAddr() string {
	if m.workerListener == nil {
		return ""
	}
	return m.workerListener.Addr().String()
}
