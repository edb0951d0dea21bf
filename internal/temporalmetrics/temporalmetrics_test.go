package temporalmetrics

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// rootTags is the tag set the SDK gives every metric (internal/common/
// metrics.RootTags), here for the client.
func rootTags() map[string]string {
	return map[string]string{"namespace": "default", "client_name": "temporal_go", "worker_type": "none",
		"workflow_type": "none", "activity_type": "none", "task_queue": "none"}
}

func TestHandlerRecordsIntoPrometheus(t *testing.T) {
	reg := prometheus.NewRegistry()
	var logs bytes.Buffer
	m := New(reg, Options{Interval: time.Hour, Log: slog.New(slog.NewTextHandler(&logs, nil))})
	root := m.Handler().WithTags(rootTags())
	start := root.WithTags(map[string]string{"operation": "StartWorkflowExecution"})
	start.Counter("temporal_request").Inc(2)
	start.Counter("temporal_request").Inc(3)
	root.WithTags(map[string]string{"operation": "SignalWorkflowExecution"}).Counter("temporal_request").Inc(1)
	root.Gauge("temporal_num_pollers").Update(8)
	root.Gauge("temporal_num_pollers").Update(5)
	root.WithTags(map[string]string{"workflow_type": "Smoke", "namespace": "other"}).
		Timer("temporal_workflow_task_schedule_to_start_latency").Record(20 * time.Millisecond)
	root.Counter("bad-name.total").Inc(1)
	// The same name with another label set is refused by Prometheus: it
	// records nothing, is logged, and does not break the scrape.
	m.Handler().Counter("temporal_num_pollers_other").Inc(1)
	m.Handler().WithTags(map[string]string{"x": "y"}).Counter("temporal_num_pollers_other").Inc(1)
	if err := m.Close(); err != nil { // reports what was recorded
		t.Fatal(err)
	}

	got := series(t, reg)
	base := `activity_type="none",client_name="temporal_go",namespace="default",`
	for _, want := range []string{
		`temporal_request{` + base + `operation="StartWorkflowExecution",task_queue="none",worker_type="none",workflow_type="none"} 5`,
		`temporal_request{` + base + `operation="SignalWorkflowExecution",task_queue="none",worker_type="none",workflow_type="none"} 1`,
		`temporal_num_pollers{` + base + `task_queue="none",worker_type="none",workflow_type="none"} 5`,
		`bad_name_total{` + base + `task_queue="none",worker_type="none",workflow_type="none"} 1`,
		`temporal_num_pollers_other 1`,
	} {
		if !got[want] {
			t.Errorf("no series %s in %v", want, got)
		}
	}
	if n := len(got); n != 5 {
		t.Errorf("%d counter and gauge series, want 5: %v", n, got)
	}
	if !strings.Contains(logs.String(), "temporal sdk metric not registered") {
		t.Errorf("the refused label set was not logged: %q", logs.String())
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
		if mf.GetType() != dto.MetricType_HISTOGRAM {
			t.Fatalf("timer exposed as %v, want a histogram", mf.GetType())
		}
		m := mf.GetMetric()[0]
		h := m.GetHistogram()
		if h.GetSampleCount() != 1 || h.GetSampleSum() != 0.02 {
			t.Errorf("histogram count %d sum %v, want 1 and 0.02 (seconds)", h.GetSampleCount(), h.GetSampleSum())
		}
		if n := len(h.GetBucket()); n != len(DefaultBuckets) {
			t.Errorf("%d buckets, want DefaultBuckets' %d", n, len(DefaultBuckets))
		}
		labels := map[string]string{}
		for _, l := range m.GetLabel() {
			labels[l.GetName()] = l.GetValue()
		}
		if labels["namespace"] != "other" || labels["workflow_type"] != "Smoke" {
			t.Errorf("labels = %v, want namespace other and workflow_type Smoke (later tags win)", labels)
		}
	}
	if !found {
		t.Error("no temporal_workflow_task_schedule_to_start_latency histogram gathered")
	}
}

// TestSanitizedNames: names and tag keys outside Prometheus' alphabet are
// rewritten, not dropped.
func TestSanitizedNames(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := New(reg, Options{Interval: time.Hour})
	m.Handler().WithTags(map[string]string{"workflow.type": "Smoke"}).Counter("a.b-c").Inc(1)
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if got := series(t, reg); !got[`a_b_c{workflow_type="Smoke"} 1`] {
		t.Errorf("series = %v, want a_b_c{workflow_type=\"Smoke\"} 1", got)
	}
}

// TestReportsOnInterval: values reach the registry without Close, within
// the reporting interval.
func TestReportsOnInterval(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := New(reg, Options{Interval: 10 * time.Millisecond})
	defer m.Close()
	m.Handler().Counter("temporal_poll").Inc(1)
	deadline := time.Now().Add(5 * time.Second)
	for !series(t, reg)["temporal_poll 1"] {
		if time.Now().After(deadline) {
			t.Fatal("temporal_poll never reached the registry")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestConcurrentUse(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := New(reg, Options{Interval: 5 * time.Millisecond})
	done := make(chan struct{})
	for i := 0; i < 8; i++ {
		go func() {
			defer func() { done <- struct{}{} }()
			h := m.Handler().WithTags(map[string]string{"worker": "w"})
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
	if err := m.Close(); err != nil {
		t.Fatal(err)
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
