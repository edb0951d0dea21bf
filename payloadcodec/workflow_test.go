package payloadcodec_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	tlog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/claimflow/claimflow/internal/testenv"
	"github.com/claimflow/claimflow/payloadcodec"
)

type greeting struct {
	Message string
}

// greet is an activity whose input and output both carry the name.
func greet(_ context.Context, in patientInput) (greeting, error) {
	return greeting{Message: "Reminder for " + in.PatientName}, nil
}

// phiWorkflow moves the name through every kind of payload: workflow
// input, activity input and result, a signal, a side effect and the
// workflow result.
func phiWorkflow(ctx workflow.Context, in patientInput) (greeting, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: 10 * time.Second})
	var g greeting
	if err := workflow.ExecuteActivity(ctx, greet, in).Get(ctx, &g); err != nil {
		return greeting{}, err
	}
	var confirmed string
	workflow.GetSignalChannel(ctx, "confirm").Receive(ctx, &confirmed)
	var echoed string
	if err := workflow.SideEffect(ctx, func(workflow.Context) any { return in.PatientName }).Get(&echoed); err != nil {
		return greeting{}, err
	}
	return greeting{Message: g.Message + "; confirmed by " + confirmed + "; " + echoed}, nil
}

// runPHIWorkflow runs phiWorkflow to completion through the dev server with
// dc on client and worker (nil: Temporal's default) and returns every
// history event and the result.
func runPHIWorkflow(t *testing.T, hostPort, taskQueue string, dc converter.DataConverter) ([]*historypb.HistoryEvent, greeting) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := client.DialContext(ctx, client.Options{
		HostPort:      hostPort,
		Namespace:     "default",
		DataConverter: dc,
		Logger:        tlog.NewStructuredLogger(slog.New(slog.NewTextHandler(io.Discard, nil))),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	w := worker.New(c, taskQueue, worker.Options{})
	w.RegisterWorkflow(phiWorkflow)
	w.RegisterActivity(greet)
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	defer w.Stop()

	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:        "phi-test/" + taskQueue,
		TaskQueue: taskQueue,
		Memo:      map[string]any{"patient": fakeName},
	}, phiWorkflow, patientInput{PatientName: fakeName, MemberID: "ZZX900000001"})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.SignalWorkflow(ctx, run.GetID(), run.GetRunID(), "confirm", fakeName); err != nil {
		t.Fatal(err)
	}
	var out greeting
	if err := run.Get(ctx, &out); err != nil {
		t.Fatal(err)
	}
	var events []*historypb.HistoryEvent
	it := c.GetWorkflowHistory(ctx, run.GetID(), run.GetRunID(), false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		ev, err := it.Next()
		if err != nil {
			t.Fatal(err)
		}
		events = append(events, ev)
	}
	// The memo is stored with the execution, beside the history.
	desc, err := c.DescribeWorkflowExecution(ctx, run.GetID(), run.GetRunID())
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range desc.GetWorkflowExecutionInfo().GetMemo().GetFields() {
		events = append(events, &historypb.HistoryEvent{Attributes: &historypb.HistoryEvent_MarkerRecordedEventAttributes{
			MarkerRecordedEventAttributes: &historypb.MarkerRecordedEventAttributes{MarkerName: "memo", Details: map[string]*commonpb.Payloads{"memo": {Payloads: []*commonpb.Payload{p}}}},
		}})
	}
	return events, out
}

// plaintextIn reports which events show the name in any form: raw bytes
// of the protobuf encoding, its JSON rendering, base64 of the encoding, or
// inside any base64 string of the JSON (how it renders payload data).
func plaintextIn(events []*historypb.HistoryEvent) []string {
	needles := [][]byte{[]byte(fakeName), []byte("JANE")}
	contains := func(hay []byte) bool {
		for _, n := range needles {
			if bytes.Contains(hay, n) {
				return true
			}
		}
		return false
	}
	var found []string
	for _, ev := range events {
		bin, _ := proto.Marshal(ev)
		js, _ := protojson.Marshal(ev)
		hit := contains(bin) || contains(js) || contains([]byte(base64.StdEncoding.EncodeToString(bin)))
		for _, part := range strings.Split(string(js), `"`) {
			if b, err := base64.StdEncoding.DecodeString(part); err == nil && contains(b) {
				hit = true
			}
		}
		if hit {
			found = append(found, fmt.Sprintf("event %d (%s)", ev.GetEventId(), ev.GetEventType()))
		}
	}
	return found
}

func TestWorkflowHistoryHasNoPlaintext(t *testing.T) {
	srv := testenv.DevServer(t)
	k := newKeyring(t)

	// Control: without the codec the name is in the history, so the search
	// below can find it.
	plainEvents, _ := runPHIWorkflow(t, srv.FrontendHostPort(), "phi-plain", nil)
	if len(plaintextIn(plainEvents)) == 0 {
		t.Fatal("control run: the name is not found in a history written without the codec; the search is broken")
	}

	mk := newMemKeys()
	mk.workflows["phi-test/phi-sealed"] = orgA // the workflow is org A's
	events, out := runPHIWorkflow(t, srv.FrontendHostPort(), "phi-sealed", payloadcodec.DataConverter(k, mk))
	if want := "Reminder for DOE JANE; confirmed by DOE JANE; DOE JANE"; out.Message != want {
		t.Fatalf("workflow result = %q, want %q", out.Message, want)
	}
	if len(events) < 10 {
		t.Fatalf("only %d history events", len(events))
	}
	if found := plaintextIn(events); len(found) > 0 {
		t.Fatalf("the name is in plaintext in the history: %s", strings.Join(found, ", "))
	}

	// Every payload in the history (input, activity input and result,
	// signal, side effect, result, memo) is sealed with org A's key: the
	// SDK names the workflow to the codec everywhere.
	var sealed int
	for _, ev := range events {
		for _, p := range payloadsIn(ev) {
			sealed++
			if got, want := payloadcodec.KeyIDOf(p), payloadcodec.KeyID(orgA, time.Now()); got != want {
				t.Errorf("event %d (%s): payload sealed with %q, want org A's key %q", ev.GetEventId(), ev.GetEventType(), got, want)
			}
		}
	}
	if sealed < 7 {
		t.Errorf("only %d payloads in the history", sealed)
	}

	// The Temporal UI's codec server gives org A's engineer the workflow
	// input back, and org B's engineer the payload still sealed.
	var started *historypb.WorkflowExecutionStartedEventAttributes
	for _, ev := range events {
		if a := ev.GetWorkflowExecutionStartedEventAttributes(); a != nil {
			started = a
		}
	}
	if started == nil {
		t.Fatal("no WorkflowExecutionStarted event")
	}
	input := started.GetInput().GetPayloads()
	if len(input) != 1 || string(input[0].Metadata[converter.MetadataEncoding]) != payloadcodec.EncodingEncrypted {
		t.Fatalf("workflow input in history is not sealed: %v", input)
	}
	hs, _ := server(t, k, mk)
	decoded := decodeResponse(t, codecRequest(t, hs.URL+"/decode", input, http.Header{"Authorization": {"Bearer a-token"}}))
	var got patientInput
	if err := converter.GetDefaultDataConverter().FromPayload(decoded[0], &got); err != nil {
		t.Fatal(err)
	}
	if got.PatientName != fakeName {
		t.Fatalf("codec server decoded the input as %+v", got)
	}
	other := decodeResponse(t, codecRequest(t, hs.URL+"/decode", input, http.Header{"Authorization": {"Bearer b-token"}}))
	if !payloadcodec.Sealed(other[0]) || other[0].Metadata[payloadcodec.MetadataRefused] == nil {
		t.Fatal("org B's engineer got org A's workflow input decoded")
	}
	if resp := codecRequest(t, hs.URL+"/decode", input, nil); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("codec server without a token: status %d, want 401", resp.StatusCode)
	}
}

// payloadsIn finds every sealed payload inside a message.
func payloadsIn(m proto.Message) []*commonpb.Payload {
	var out []*commonpb.Payload
	var walk func(protoreflect.Message)
	walk = func(r protoreflect.Message) {
		if p, ok := r.Interface().(*commonpb.Payload); ok {
			if len(p.GetMetadata()) > 0 {
				out = append(out, p)
			}
			return
		}
		r.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
			switch {
			case fd.IsList() && fd.Message() != nil:
				for i := 0; i < v.List().Len(); i++ {
					walk(v.List().Get(i).Message())
				}
			case fd.IsMap() && fd.MapValue().Message() != nil:
				v.Map().Range(func(_ protoreflect.MapKey, mv protoreflect.Value) bool {
					walk(mv.Message())
					return true
				})
			case !fd.IsList() && !fd.IsMap() && fd.Message() != nil:
				walk(v.Message())
			}
			return true
		})
	}
	walk(m.ProtoReflect())
	return out
}
