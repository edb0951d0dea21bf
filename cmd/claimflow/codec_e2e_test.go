package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/claimflow/claimflow/internal/testenv"
	"github.com/claimflow/claimflow/payloadcodec"
	"github.com/claimflow/claimflow/store"
	"github.com/claimflow/claimflow/workflows"
)

// TestEndToEndPayloadsSealedPerTenant (issue 14, finding 2): a claim paid
// through the simulator leaves a history in which every payload of the
// claim's workflow (its input, activities, the batch's and the
// remittance's signals to it) and of its patient statement is sealed with
// the claim organisation's key; the remittance workflow, which belongs to
// no organisation, uses the system key. The codec endpoint decodes the
// claim's input for the organisation's admin and not for another tree's
// engineer.
func TestEndToEndPayloadsSealedPerTenant(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end")
	}
	e := newE2E(t, true)
	ctx := context.Background()
	var prov, pay idOnly
	e.api("POST", "/v1/providers", map[string]any{"org_id": e.org, "npi": "1234567893", "first_name": "TESTDOC", "last_name": "ONE", "taxonomy": "207Q00000X"}, &prov)
	e.api("POST", "/v1/payers", map[string]any{"org_id": e.org, "payer_id": "ZZPAYER1", "name": "TEST PAYER", "clearinghouse": "sim"}, &pay)
	c := e.claimFor("ZZ0000007", prov.ID, pay.ID, "COINSURED", []string{"E11.9"}, line{"99213", 15000, 1})
	e.waitStatus(c.ID, workflows.StatusPaid)

	now := time.Now()
	orgKey, sysKey := payloadcodec.KeyID(e.org, now), payloadcodec.KeyID("", now)
	keysIn := func(wid string) map[string]int {
		t.Helper()
		keys := map[string]int{}
		it := e.m.Temporal.GetWorkflowHistory(ctx, wid, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
		for it.HasNext() {
			ev, err := it.Next()
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range sealedPayloads(ev) {
				keys[payloadcodec.KeyIDOf(p)]++
			}
		}
		return keys
	}
	claimKeys := keysIn(workflows.ClaimIDPrefix + c.ID)
	if len(claimKeys) != 1 || claimKeys[orgKey] < 5 {
		t.Errorf("claim workflow payload keys %v, want only %s", claimKeys, orgKey)
	}
	// The remittance and statement workflows, found by type.
	var list *workflowservice.ListWorkflowExecutionsResponse
	testenv.WaitFor(t, 30*time.Second, "the remittance and statement workflows to be listed", func() bool {
		var err error
		list, err = e.m.Temporal.ListWorkflow(ctx, listReq(`WorkflowType = "`+workflows.StatementWorkflowName+`" OR WorkflowType = "`+workflows.RemittanceWorkflowName+`"`))
		types := map[string]bool{}
		for _, x := range list.GetExecutions() {
			types[x.GetType().GetName()] = true
		}
		return err == nil && len(types) == 2
	})
	seen := map[string]bool{}
	for _, x := range list.Executions {
		wid := x.GetExecution().GetWorkflowId()
		want := sysKey
		if strings.HasPrefix(wid, workflows.StatementIDPrefix) {
			want = orgKey
		}
		seen[x.GetType().GetName()] = true
		if keys := keysIn(wid); len(keys) == 0 || keys[want] == 0 || len(keys) > 1 && !strings.HasPrefix(wid, workflows.RemitIDPrefix) {
			t.Errorf("%s: payload keys %v, want %s", wid, keys, want)
		}
	}
	if !seen[workflows.StatementWorkflowName] || !seen[workflows.RemittanceWorkflowName] {
		t.Errorf("workflows seen: %v", seen)
	}

	// The codec endpoint: the claim's input, for tree A's admin and tree
	// B's engineer.
	it := e.m.Temporal.GetWorkflowHistory(ctx, workflows.ClaimIDPrefix+c.ID, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	ev, err := it.Next()
	if err != nil {
		t.Fatal(err)
	}
	input := ev.GetWorkflowExecutionStartedEventAttributes().GetInput().GetPayloads()
	treeB, err := e.m.Store.CreateOrg(ctx, store.System, store.Org{Kind: "health_system", Name: "TEST OTHER"})
	if err != nil {
		t.Fatal(err)
	}
	u, _, err := e.m.Store.CreateUser(ctx, store.System, store.NewUser{OrgID: treeB.ID, Kind: "system", Login: "eng-b", DisplayName: "eng-b"})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.m.Store.Grant(ctx, store.System, u.ID, treeB.ID, "engineer"); err != nil {
		t.Fatal(err)
	}
	engB, err := e.m.Store.CreateAPIToken(ctx, store.System, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	decode := func(tok string) *commonpb.Payload {
		body, _ := protojson.Marshal(&commonpb.Payloads{Payloads: input})
		req, _ := http.NewRequest("POST", e.base+"/codec/decode", bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		var out commonpb.Payloads
		if resp.StatusCode != http.StatusOK || protojson.Unmarshal(raw, &out) != nil || len(out.Payloads) != 1 {
			t.Fatalf("decode: %d %s", resp.StatusCode, raw)
		}
		return out.Payloads[0]
	}
	if p := decode(e.token); payloadcodec.Sealed(p) || !bytes.Contains(p.GetData(), []byte(c.ID)) {
		t.Errorf("tree A's admin did not get the claim's input decoded: %v", p)
	}
	if p := decode(engB); !payloadcodec.Sealed(p) || p.GetMetadata()[payloadcodec.MetadataRefused] == nil {
		t.Errorf("tree B's engineer got tree A's claim input decoded: %v", p)
	}
}

// sealedPayloads finds every payload sealed by the codec inside a message.
func sealedPayloads(m proto.Message) []*commonpb.Payload {
	var out []*commonpb.Payload
	var walk func(protoreflect.Message)
	walk = func(r protoreflect.Message) {
		if p, ok := r.Interface().(*commonpb.Payload); ok {
			if payloadcodec.Sealed(p) {
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

func listReq(query string) *workflowservice.ListWorkflowExecutionsRequest {
	return &workflowservice.ListWorkflowExecutionsRequest{Namespace: "default", Query: query}
}
