// Package temporalmetrics exposes the Temporal Go SDK's metrics to
// Prometheus through the SDK's own contrib package
// (go.temporal.io/sdk/contrib/tally) and tally's Prometheus reporter: the
// SDK's counters, gauges and timers become Prometheus counters, gauges and
// histograms (in seconds) under the SDK's own names (temporal_request,
// temporal_workflow_task_schedule_to_start_latency, ...), registered in the
// registry the process's /metrics endpoints serve. Its tags are the labels;
// the SDK gives every metric its full tag set (namespace, client_name,
// task_queue, worker_type, workflow_type, activity_type; "none" where a tag
// does not apply), so each name has one label set as Prometheus requires.
//
// Names are sanitized to Prometheus' rules (other characters become _);
// claimflow does not add the OpenMetrics suffixes (_total, _seconds) of
// contrib/tally's naming scope, so dashboards keep the SDK's names.
package temporalmetrics

import (
	"io"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/uber-go/tally/v4"
	tallyprom "github.com/uber-go/tally/v4/prometheus"
	"go.temporal.io/sdk/client"
	sdktally "go.temporal.io/sdk/contrib/tally"
)

// DefaultBuckets are the timer histograms' upper bounds in seconds: Temporal
// latencies run from a millisecond (a local request) to minutes (a task that
// waited for a free worker).
var DefaultBuckets = []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 300}

// DefaultInterval is how often recorded values reach the registry.
const DefaultInterval = time.Second

// Options configure New; the zero value is usable.
type Options struct {
	Buckets  []float64     // timer histogram bounds in seconds; DefaultBuckets when empty
	Interval time.Duration // how often values are reported; DefaultInterval when zero
	// Log receives registration errors (a metric name reused with another
	// label set records nothing rather than panicking); discarded when nil.
	Log *slog.Logger
}

// Metrics is the SDK's metrics handler, reporting into a Prometheus
// registry.
type Metrics struct {
	handler client.MetricsHandler
	scope   io.Closer
}

// New registers the SDK's metrics in reg as they are first recorded.
func New(reg prometheus.Registerer, o Options) *Metrics {
	if len(o.Buckets) == 0 {
		o.Buckets = DefaultBuckets
	}
	if o.Interval <= 0 {
		o.Interval = DefaultInterval
	}
	log := o.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	reporter := tallyprom.NewReporter(tallyprom.Options{
		Registerer:              reg,
		DefaultTimerType:        tallyprom.HistogramTimerType,
		DefaultHistogramBuckets: o.Buckets,
		OnRegisterError: func(err error) {
			log.Warn("temporal sdk metric not registered", "err", err.Error())
		},
	})
	scope, closer := tally.NewRootScope(tally.ScopeOptions{
		CachedReporter:  reporter,
		Separator:       tallyprom.DefaultSeparator,
		SanitizeOptions: &sdktally.PrometheusSanitizeOptions,
		// tally's own tally_internal_* series say nothing about Temporal.
		OmitCardinalityMetrics: true,
	}, o.Interval)
	return &Metrics{handler: sdktally.NewMetricsHandler(scope), scope: closer}
}

// Handler is the client.MetricsHandler to give the Temporal client
// (client.Options.MetricsHandler).
func (m *Metrics) Handler() client.MetricsHandler { return m.handler }

// Close reports what was recorded since the last interval and stops
// reporting.
func (m *Metrics) Close() error { return m.scope.Close() }
