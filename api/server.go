// Package api is claimflow's HTTP API (chi): health, readiness and metrics
// endpoints, the /v1 records API, and the middleware every route shares
// (request IDs, structured access logs, panic recovery, Prometheus metrics,
// problem+json errors).
package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/netip"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/claimflow/claimflow/logging"
)

// Check is one readiness dependency (Postgres, Temporal, ...).
type Check struct {
	Name string
	Fn   func(ctx context.Context) error
}

// Options holds the server's dependencies.
type Options struct {
	Logger *slog.Logger
	Checks []Check
	// Version is reported by /healthz.
	Version string
	// Registry collects metrics; a fresh one is made when nil.
	Registry *prometheus.Registry
	// Records serves the /v1 records API (authentication, authorisation,
	// audit and encryption live behind it); /v1 is not mounted when nil.
	Records Records
	// TrustedProxies are the proxies whose X-Forwarded-For names the
	// client (see clientIP); none by default.
	TrustedProxies []netip.Prefix
	// Clearinghouses are the configured clearinghouse IDs: a payer must be
	// routed to one of them. Nil skips the check (no configuration given).
	Clearinghouses []string
}

// Server is the HTTP API.
type Server struct {
	log      *slog.Logger
	checks   []Check
	version  string
	registry *prometheus.Registry
	records  Records
	trusted  []netip.Prefix
	// clearinghouses: see Options; runs: see Dashboard.Runs.
	clearinghouses []string
	runs           Runs
	requests       *prometheus.CounterVec
	latency        *prometheus.HistogramVec
	router         chi.Router
	// claims steers claim workflows (set by MountDashboard); staff status
	// changes answer 503 without it.
	claims ClaimWorkflows
}

// New builds the server and its routes.
func New(o Options) *Server {
	s := &Server{log: o.Logger, checks: o.Checks, version: o.Version, registry: o.Registry, records: o.Records, trusted: o.TrustedProxies,
		clearinghouses: o.Clearinghouses}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.registry == nil {
		s.registry = prometheus.NewRegistry()
		s.registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	}
	s.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "claimflow_http_requests_total", Help: "HTTP requests by method, route and status.",
	}, []string{"method", "route", "status"})
	s.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "claimflow_http_request_duration_seconds", Help: "HTTP request latency by route.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
	}, []string{"method", "route"})
	s.registry.MustRegister(s.requests, s.latency)
	if rec := o.Records; rec != nil {
		s.registry.MustRegister(
			prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "claimflow_booking_transactions_total",
				Help: "Booking transactions (a batch of concurrent bookings is one)."}, func() float64 { return float64(rec.BookingStats().Transactions) }),
			prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "claimflow_booking_attempts_total",
				Help: "Bookings those transactions carried, refused ones included."}, func() float64 { return float64(rec.BookingStats().Bookings) }),
			prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "claimflow_booking_batch_fallbacks_total",
				Help: "Batch transactions that failed as a whole (a raced slot), their bookings retried one by one."}, func() float64 { return float64(rec.BookingStats().Fallbacks) }),
		)
	}

	r := chi.NewRouter()
	r.Use(s.requestID, securityHeaders, s.accessLog, s.recoverer)
	r.Get("/healthz", s.healthz)
	r.Get("/readyz", s.readyz)
	r.Handle("/metrics", promhttp.HandlerFor(s.registry, promhttp.HandlerOpts{}))
	if s.records != nil {
		s.mountV1(r)
	}
	r.NotFound(func(w http.ResponseWriter, r *http.Request) {
		s.writeError(w, r, &Error{Status: http.StatusNotFound, Code: "not-found", Title: "Not found", Detail: "no route for " + r.Method + " " + r.URL.Path})
	})
	r.MethodNotAllowed(func(w http.ResponseWriter, r *http.Request) {
		s.writeError(w, r, &Error{Status: http.StatusMethodNotAllowed, Code: "method-not-allowed", Title: "Method not allowed", Detail: r.Method + " is not allowed on " + r.URL.Path})
	})
	s.router = r
	return s
}

// Router exposes the router so other packages' handlers (the dashboard, the
// codec endpoint, webhooks) can be mounted by cmd wiring.
func (s *Server) Router() chi.Router { return s.router }

// ServeHTTP makes Server an http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.router.ServeHTTP(w, r) }

// Registry returns the metrics registry, for other components' collectors.
func (s *Server) Registry() *prometheus.Registry { return s.registry }

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok", "version": s.version})
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
	defer cancel()
	status, code := "ready", http.StatusOK
	res := map[string]string{}
	for _, c := range s.checks {
		if err := c.Fn(ctx); err != nil {
			res[c.Name] = "unavailable"
			status, code = "not ready", http.StatusServiceUnavailable
			s.log.WarnContext(r.Context(), "readiness check failed", "check", c.Name, logging.Err(err))
			continue
		}
		res[c.Name] = "ok"
	}
	writeJSON(w, code, map[string]any{"status": status, "checks": res})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// requestID takes a well-formed X-Request-ID from the caller or makes one,
// echoes it, and puts it in the context so every log line carries it.
func (s *Server) requestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-ID")
		if !validRequestID(id) {
			var b [12]byte
			_, _ = rand.Read(b[:])
			id = hex.EncodeToString(b[:])
		}
		w.Header().Set("X-Request-ID", id)
		next.ServeHTTP(w, r.WithContext(logging.WithRequestID(r.Context(), id)))
	})
}

func validRequestID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// securityHeaders: no response is stored by a browser or proxy (API
// answers carry PHI) or sniffed as another content type, and none may be
// framed. Handlers may override them (the dashboard's hashed assets are
// cacheable, its page sets its own policy).
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Cache-Control", "no-store")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
		h.Set("Referrer-Policy", "no-referrer")
		next.ServeHTTP(w, r)
	})
}

type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += n
	return n, err
}

func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// accessLog logs one line per request (method, route pattern, status,
// duration; never the query string, which may carry identifiers) and
// records metrics.
func (s *Server) accessLog(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		if sw.status == 0 {
			sw.status = http.StatusOK
		}
		route := routePattern(r)
		d := time.Since(start)
		s.requests.WithLabelValues(r.Method, route, strconv.Itoa(sw.status)).Inc()
		s.latency.WithLabelValues(r.Method, route).Observe(d.Seconds())
		level := slog.LevelInfo
		if route == "/healthz" || route == "/readyz" || route == "/metrics" {
			level = slog.LevelDebug
		}
		s.log.Log(r.Context(), level, "http request", "method", r.Method, "route", route,
			"status", sw.status, "bytes", sw.bytes, "duration_ms", float64(d.Microseconds())/1000)
	})
}

func (s *Server) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.ErrorContext(r.Context(), "panic in handler", "route", routePattern(r))
				s.writeError(w, r, errPanic)
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// routePattern is the request's route ("/v1/patients/{id}"), never its
// path, which carries caller values.
func routePattern(r *http.Request) string {
	if rc := chi.RouteContext(r.Context()); rc != nil && rc.RoutePattern() != "" {
		return rc.RoutePattern()
	}
	return "unmatched"
}

type panicError struct{}

func (panicError) Error() string { return "handler panicked" }

var errPanic error = panicError{}
