package temporalmetrics

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

func TestHandlerRecordsIntoPrometheus(t *testing.T) {
	c := New()
	reg := prometheus.NewRegistry()
	reg.MustRegister(c)
	h := c.Handler()
	// The same counter with different tag sets, as the SDK records
	// temporal_request with and without an operation.
	h.Counter("temporal_request").Inc(1)
	ns := h.WithTags(map[string]string{"namespace": "default"})
	ns.WithTags(map[string]string{"operation": "StartWorkflowExecution"}).Counter("temporal_request").Inc(2)
	ns.WithTags(map[string]string{"operation": "StartWorkflowExecution"}).Counter("temporal_request").Inc(3)
	ns.Counter("temporal_request").Inc(-4) // ignored: counters never decrease
	ns.Gauge("temporal_num_pollers").Update(8)
	ns.Gauge("temporal_num_pollers").Update(5)
	ns.WithTags(map[string]string{"workflow.type": "Smoke", "namespace": "other"}).
		Timer("temporal_workflow_task_schedule_to_start_latency").Record(20 * time.Millisecond)
	// A name used as another kind records nothing, and does not break the scrape.
	ns.Gauge("temporal_request").Update(1)
	ns.Counter("bad-name.total").Inc(1)

	got := series(t, reg)
	for _, want := range []string{
		`temporal_request 1`,
		`temporal_request{namespace="default",operation="StartWorkflowExecution"} 5`,
		`temporal_request{namespace="default"} 0`, // the -4 was dropped
		`temporal_num_pollers{namespace="default"} 5`,
		`bad_name_total{namespace="default"} 1`,
	} {
		if !got[want] {
			t.Errorf("no series %s in %v", want, got)
		}
	}
	if n := len(got); n != 5 {
		t.Errorf("%d counter and gauge series, want 5: %v", n, got)
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, mf := range mfs {
		if mf.GetName() != "temporal_workflow_task_schedule_to_start_latency" {
			continue
		}
		found = true
		m := mf.GetMetric()[0]
		h := m.GetHistogram()
		if h.GetSampleCount() != 1 || h.GetSampleSum() != 0.02 {
			t.Errorf("histogram count %d sum %v, want 1 and 0.02 (seconds)", h.GetSampleCount(), h.GetSampleSum())
		}
		labels := map[string]string{}
		for _, l := range m.GetLabel() {
			labels[l.GetName()] = l.GetValue()
		}
		if got, want := labels, (map[string]string{"namespace": "other", "workflow_type": "Smoke"}); len(got) != 2 || got["namespace"] != want["namespace"] || got["workflow_type"] != want["workflow_type"] {
			t.Errorf("labels = %v, want %v (later tags win, names sanitized)", got, want)
		}
	}
	if !found {
		t.Error("no temporal_workflow_task_schedule_to_start_latency histogram gathered")
	}
}

func TestNames(t *testing.T) {
	for _, tc := range []struct{ in, metric, label string }{
		{"temporal_request_latency", "temporal_request_latency", "temporal_request_latency"},
		{"a.b-c", "a_b_c", "a_b_c"},
		{"9lives", "_9lives", "_9lives"},
		{"ns:sub", "ns:sub", "ns_sub"},
		{"__reserved", "__reserved", "tag__reserved"},
		{"", "_", "_"},
	} {
		if got := metricName(tc.in); got != tc.metric {
			t.Errorf("metricName(%q) = %q, want %q", tc.in, got, tc.metric)
		}
		if got := labelName(tc.in); got != tc.label {
			t.Errorf("labelName(%q) = %q, want %q", tc.in, got, tc.label)
		}
	}
}

func TestConcurrentUse(t *testing.T) {
	c := New()
	reg := prometheus.NewRegistry()
	reg.MustRegister(c)
	done := make(chan struct{})
	for i := 0; i < 8; i++ {
		go func() {
			defer func() { done <- struct{}{} }()
			h := c.Handler().WithTags(map[string]string{"worker": "w"})
			for j := 0; j < 200; j++ {
				h.Counter("temporal_poll").Inc(1)
				h.Timer("temporal_latency").Record(time.Millisecond)
				if j%50 == 0 {
					if _, err := reg.Gather(); err != nil {
						t.Error(err)
					}
				}
			}
		}()
	}
	for i := 0; i < 8; i++ {
		<-done
	}
	if got := series(t, reg); !got[`temporal_poll{worker="w"} 1600`] {
		t.Errorf("series = %v, want temporal_poll{worker=\"w\"} 1600", got)
	}
}

// series gathers reg and renders each counter and gauge as
// name{label="value",...} value.
func series(t *testing.T, reg *prometheus.Registry) map[string]bool {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			var v float64
			switch mf.GetType() {
			case dto.MetricType_COUNTER:
				v = m.GetCounter().GetValue()
			case dto.MetricType_GAUGE:
				v = m.GetGauge().GetValue()
			default:
				continue
			}
			var labels []string
			for _, l := range m.GetLabel() {
				labels = append(labels, fmt.Sprintf("%s=%q", l.GetName(), l.GetValue()))
			}
			name := mf.GetName()
			if len(labels) > 0 {
				name += "{" + strings.Join(labels, ",") + "}"
			}
			out[fmt.Sprintf("%s %v", name, v)] = true
		}
	}
	return out
}
