// Package temporalmetrics exposes the Temporal Go SDK's metrics to
// Prometheus. A Collector is both a prometheus.Collector and the source of a
// client.MetricsHandler (client.Options.MetricsHandler): the SDK's counters,
// gauges and timers become Prometheus counters, gauges and histograms (in
// seconds) under the SDK's own names (temporal_request,
// temporal_workflow_task_schedule_to_start_latency, ...), its tags their
// labels.
//
// The SDK tags the same metric differently from call to call (a request
// counter with or without an operation, a task latency per workflow type), so
// a series is kept per name and tag set, and the Collector is unchecked: one
// metric family may hold series with different label names, which the
// Prometheus registry and exposition format allow. A name keeps the kind of
// its first use; a later use as another kind records nothing.
package temporalmetrics

import (
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.temporal.io/sdk/client"
)

// DefaultBuckets are the timer histograms' upper bounds in seconds: Temporal
// latencies run from a millisecond (a local request) to minutes (a task that
// waited for a free worker).
var DefaultBuckets = []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 300}

type kind int

const (
	counterKind kind = iota + 1
	gaugeKind
	timerKind
)

// Collector holds every series the SDK has recorded into.
type Collector struct {
	buckets []float64

	mu     sync.RWMutex
	kinds  map[string]kind              // metric name → kind of its first use
	series map[string]prometheus.Metric // name + tag set → series
}

// New returns an empty Collector; timers use buckets (DefaultBuckets when
// none are given).
func New(buckets ...float64) *Collector {
	if len(buckets) == 0 {
		buckets = DefaultBuckets
	}
	return &Collector{buckets: buckets, kinds: map[string]kind{}, series: map[string]prometheus.Metric{}}
}

// Handler is the client.MetricsHandler to give the Temporal client.
func (c *Collector) Handler() client.MetricsHandler { return handler{c: c} }

// Describe sends nothing: the Collector is unchecked, since the SDK decides
// its metric names and tag sets at run time.
func (c *Collector) Describe(chan<- *prometheus.Desc) {}

// Collect sends every series recorded so far.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	for _, s := range c.series {
		ch <- s
	}
}

// get returns the series of name and labels (key is their canonical form),
// creating it on first use; nil when name is already a metric of another kind.
func (c *Collector) get(k kind, name, key string, labels prometheus.Labels) prometheus.Metric {
	name = metricName(name)
	id := name + "\xff" + key
	c.mu.RLock()
	s, ok := c.series[id]
	prev := c.kinds[name]
	c.mu.RUnlock()
	if ok && prev == k {
		return s
	}
	if prev != 0 && prev != k {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if prev := c.kinds[name]; prev != 0 && prev != k {
		return nil
	}
	if s, ok := c.series[id]; ok {
		return s
	}
	const help = "Temporal Go SDK metric (see the Temporal SDK metrics reference)."
	switch k {
	case counterKind:
		s = prometheus.NewCounter(prometheus.CounterOpts{Name: name, Help: help, ConstLabels: labels})
	case gaugeKind:
		s = prometheus.NewGauge(prometheus.GaugeOpts{Name: name, Help: help, ConstLabels: labels})
	case timerKind:
		s = prometheus.NewHistogram(prometheus.HistogramOpts{Name: name, Help: help, ConstLabels: labels, Buckets: c.buckets})
	}
	c.kinds[name] = k
	c.series[id] = s
	return s
}

// handler is a Collector with a tag set.
type handler struct {
	c      *Collector
	tags   map[string]string // sanitized label names
	key    string            // tags in canonical form
	labels prometheus.Labels
}

func (h handler) WithTags(tags map[string]string) client.MetricsHandler {
	merged := make(map[string]string, len(h.tags)+len(tags))
	for k, v := range h.tags {
		merged[k] = v
	}
	for k, v := range tags {
		merged[labelName(k)] = strings.ToValidUTF8(v, "\uFFFD")
	}
	keys := make([]string, 0, len(merged))
	for k := range merged {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(merged[k])
		b.WriteByte('\xff')
	}
	return handler{c: h.c, tags: merged, key: b.String(), labels: prometheus.Labels(merged)}
}

func (h handler) Counter(name string) client.MetricsCounter {
	c, _ := h.c.get(counterKind, name, h.key, h.labels).(prometheus.Counter)
	return counter{c}
}

func (h handler) Gauge(name string) client.MetricsGauge {
	g, _ := h.c.get(gaugeKind, name, h.key, h.labels).(prometheus.Gauge)
	return gauge{g}
}

func (h handler) Timer(name string) client.MetricsTimer {
	o, _ := h.c.get(timerKind, name, h.key, h.labels).(prometheus.Histogram)
	return timer{o}
}

type counter struct{ c prometheus.Counter }

func (c counter) Inc(d int64) {
	if c.c != nil && d > 0 { // a Prometheus counter never decreases
		c.c.Add(float64(d))
	}
}

type gauge struct{ g prometheus.Gauge }

func (g gauge) Update(v float64) {
	if g.g != nil {
		g.g.Set(v)
	}
}

type timer struct{ h prometheus.Histogram }

func (t timer) Record(d time.Duration) {
	if t.h != nil {
		t.h.Observe(d.Seconds())
	}
}

// metricName makes name a valid Prometheus metric name
// ([a-zA-Z_:][a-zA-Z0-9_:]*) by replacing other characters with _.
func metricName(name string) string { return sanitize(name, true) }

// labelName makes name a valid label name ([a-zA-Z_][a-zA-Z0-9_]*, not
// starting with the reserved __).
func labelName(name string) string {
	n := sanitize(name, false)
	if strings.HasPrefix(n, "__") {
		n = "tag" + n
	}
	return n
}

func sanitize(name string, colon bool) string {
	if name == "" {
		return "_"
	}
	ok := func(i int, r rune) bool {
		return r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || colon && r == ':' || i > 0 && r >= '0' && r <= '9'
	}
	valid := true
	for i, r := range name {
		if !ok(i, r) {
			valid = false
			break
		}
	}
	if valid {
		return name
	}
	var b strings.Builder
	for i, r := range name {
		switch {
		case ok(i, r):
			b.WriteRune(r)
		case i == 0 && r >= '0' && r <= '9':
			b.WriteByte('_')
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	return b.String()
}
