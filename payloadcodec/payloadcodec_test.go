package payloadcodec_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/claimflow/claimflow/keyring"
	"github.com/claimflow/claimflow/payloadcodec"
)

// A made-up patient: fixtures never hold real PHI.
const fakeName = "DOE JANE"

func newKeyring(t *testing.T) *keyring.Keyring {
	t.Helper()
	k, err := keyring.OpenLocal(filepath.Join(t.TempDir(), "keys", "kek.json"))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

type patientInput struct {
	PatientName string
	MemberID    string
}

// Made-up organisations (tenants).
const (
	orgA = "0193a000-0000-7000-8000-00000000000a"
	orgB = "0193b000-0000-7000-8000-00000000000b"
)

// memKeys is an in-memory key store: the store's payload_keys table and
// workflow_org function, for unit tests.
type memKeys struct {
	mu        sync.Mutex
	keys      map[string]memKey
	workflows map[string]string // workflow ID -> org
	lookups   int
}

type memKey struct {
	wrapped []byte
	org     string
}

func newMemKeys() *memKeys {
	return &memKeys{keys: map[string]memKey{}, workflows: map[string]string{"claim/a-1": orgA, "claim/b-1": orgB}}
}

func (m *memKeys) PayloadKey(_ context.Context, id string) ([]byte, string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.lookups++
	k, ok := m.keys[id]
	if !ok {
		return nil, "", errors.New("not found")
	}
	return k.wrapped, k.org, nil
}

func (m *memKeys) EnsurePayloadKey(_ context.Context, id, org string, wrapped []byte) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if k, ok := m.keys[id]; ok {
		return k.wrapped, nil
	}
	m.keys[id] = memKey{wrapped, org}
	return wrapped, nil
}

func (m *memKeys) WorkflowTenant(_ context.Context, wid string) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.workflows[wid], nil
}

// encodeFor seals values as the payloads of workflow wid.
func encodeFor(t *testing.T, c payloadcodec.Codec, wid string, values ...any) ([]*commonpb.Payload, []*commonpb.Payload) {
	t.Helper()
	plain, err := converter.GetDefaultDataConverter().ToPayloads(values...)
	if err != nil {
		t.Fatal(err)
	}
	enc, err := c.WithSerializationContext(converter.WorkflowSerializationContext{Namespace: "default", WorkflowID: wid}).Encode(plain.Payloads)
	if err != nil {
		t.Fatal(err)
	}
	return plain.Payloads, enc
}

func TestCodecRoundTrip(t *testing.T) {
	k := newKeyring(t)
	mk := newMemKeys()
	codec := payloadcodec.New(k, mk)
	plain, enc := encodeFor(t, codec, "claim/a-1", patientInput{PatientName: fakeName, MemberID: "ZZX900000001"}, []byte{1, 2, 3}, nil)
	if len(enc) != len(plain) {
		t.Fatalf("Encode gave %d payloads, want %d", len(enc), len(plain))
	}
	wantID := payloadcodec.KeyID(orgA, time.Now())
	for i, p := range enc {
		if got := string(p.Metadata[converter.MetadataEncoding]); got != payloadcodec.EncodingEncrypted {
			t.Errorf("payload %d encoding = %q, want %q", i, got, payloadcodec.EncodingEncrypted)
		}
		if got := string(p.Metadata[payloadcodec.MetadataKeyID]); got != wantID {
			t.Errorf("payload %d key ID = %q, want %q (org A's key)", i, got, wantID)
		}
		if got := string(p.Metadata[payloadcodec.MetadataTenant]); got != orgA {
			t.Errorf("payload %d tenant = %q, want %q", i, got, orgA)
		}
		if len(p.Metadata) != 3 {
			t.Errorf("payload %d has metadata %v beyond encoding, key ID and tenant", i, keys(p.Metadata))
		}
		b, _ := proto.Marshal(p)
		if bytes.Contains(b, []byte(fakeName)) || bytes.Contains(b, []byte("json/plain")) {
			t.Errorf("encoded payload %d shows its content or original metadata", i)
		}
	}
	dec, err := codec.Decode(enc)
	if err != nil {
		t.Fatal(err)
	}
	for i := range dec {
		if !proto.Equal(dec[i], plain[i]) {
			t.Errorf("payload %d did not survive the round trip", i)
		}
	}

	// Payloads that were never encrypted pass through Decode untouched.
	passed, err := codec.Decode(plain)
	if err != nil {
		t.Fatal(err)
	}
	for i := range passed {
		if passed[i] != plain[i] {
			t.Errorf("plain payload %d was changed by Decode", i)
		}
	}

	// A tampered payload fails, saying nothing of its content.
	bad := proto.Clone(enc[0]).(*commonpb.Payload)
	bad.Data[len(bad.Data)-1] ^= 1
	_, err = codec.Decode([]*commonpb.Payload{bad})
	if !errors.Is(err, keyring.ErrDecrypt) {
		t.Fatalf("Decode of a tampered payload: err = %v, want ErrDecrypt", err)
	}
	// So does one whose key is wrapped under another key file.
	_, err = payloadcodec.New(newKeyring(t), mk).Decode(enc)
	if !errors.Is(err, keyring.ErrDecrypt) {
		t.Fatalf("Decode under another key: err = %v, want ErrDecrypt", err)
	}
	// Relabelling org A's payload as org B's (its key id in the metadata)
	// does not open it with B's key: the key id is bound into the sealing.
	_, encB := encodeFor(t, codec, "claim/b-1", "anything")
	moved := proto.Clone(enc[0]).(*commonpb.Payload)
	moved.Metadata[payloadcodec.MetadataKeyID] = encB[0].Metadata[payloadcodec.MetadataKeyID]
	moved.Metadata[payloadcodec.MetadataTenant] = []byte(orgB)
	_, err = codec.Decode([]*commonpb.Payload{moved})
	if !errors.Is(err, keyring.ErrDecrypt) {
		t.Fatalf("Decode of A's payload relabelled as B's: err = %v, want ErrDecrypt", err)
	}
	// A blob sealed for another purpose does not open as a payload.
	other, err := k.SealBlob(t.Context(), []byte(fakeName), []byte("archive/file"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = codec.Decode([]*commonpb.Payload{{
		Metadata: map[string][]byte{converter.MetadataEncoding: []byte(payloadcodec.EncodingEncrypted)},
		Data:     other,
	}})
	if !errors.Is(err, keyring.ErrDecrypt) {
		t.Fatalf("Decode of a blob sealed for another purpose: err = %v, want ErrDecrypt", err)
	}
}

// TestKeyPerTenant: each tenant's payloads use its own key, workflows no
// organisation owns (and payloads without a workflow) the system key, and
// a key is made once per tenant and month, then cached.
func TestKeyPerTenant(t *testing.T) {
	k := newKeyring(t)
	mk := newMemKeys()
	codec := payloadcodec.New(k, mk)
	now := time.Now()
	for _, tc := range []struct {
		wid, wantID, wantTenant string
	}{
		{"claim/a-1", payloadcodec.KeyID(orgA, now), orgA},
		{"claim/b-1", payloadcodec.KeyID(orgB, now), orgB},
		{"batch/clearinghouse-1", payloadcodec.KeyID("", now), payloadcodec.SystemTenant},
		{"", payloadcodec.KeyID("", now), payloadcodec.SystemTenant},
	} {
		_, enc := encodeFor(t, codec, tc.wid, "x")
		if got := string(enc[0].Metadata[payloadcodec.MetadataKeyID]); got != tc.wantID {
			t.Errorf("workflow %q: key %q, want %q", tc.wid, got, tc.wantID)
		}
		if got := string(enc[0].Metadata[payloadcodec.MetadataTenant]); got != tc.wantTenant {
			t.Errorf("workflow %q: tenant %q, want %q", tc.wid, got, tc.wantTenant)
		}
	}
	if len(mk.keys) != 3 {
		t.Errorf("%d keys stored, want 3 (A, B, system)", len(mk.keys))
	}
	if mk.keys[payloadcodec.KeyID(orgA, now)].org != orgA || mk.keys[payloadcodec.KeyID("", now)].org != "" {
		t.Error("keys are not stored under their owners")
	}
	if bytes.Equal(mk.keys[payloadcodec.KeyID(orgA, now)].wrapped, mk.keys[payloadcodec.KeyID(orgB, now)].wrapped) {
		t.Error("A and B share a data key")
	}
	// An activity's payloads are its workflow's.
	act := codec.WithSerializationContext(converter.ActivitySerializationContext{WorkflowID: "claim/b-1", ActivityType: "Scrub"})
	plain, _ := converter.GetDefaultDataConverter().ToPayloads("x")
	enc, err := act.Encode(plain.Payloads)
	if err != nil {
		t.Fatal(err)
	}
	if got := string(enc[0].Metadata[payloadcodec.MetadataTenant]); got != orgB {
		t.Errorf("activity of claim/b-1: tenant %q, want %q", got, orgB)
	}
	// A second codec (another process) finds the stored keys instead of
	// making new ones.
	lookups := mk.lookups
	_, enc2 := encodeFor(t, payloadcodec.New(k, mk), "claim/a-1", "y")
	if got := string(enc2[0].Metadata[payloadcodec.MetadataKeyID]); got != payloadcodec.KeyID(orgA, now) || len(mk.keys) != 3 || mk.lookups == lookups {
		t.Errorf("second process: key %q, %d keys stored", got, len(mk.keys))
	}
}

// TestLegacyPayloadsDecode: payloads sealed before per-tenant keys (in the
// histories of running workflows) still open in the worker.
func TestLegacyPayloadsDecode(t *testing.T) {
	k := newKeyring(t)
	plain, err := converter.GetDefaultDataConverter().ToPayloads(patientInput{PatientName: fakeName})
	if err != nil {
		t.Fatal(err)
	}
	v1, err := payloadcodec.SealV1(t.Context(), k, plain.Payloads)
	if err != nil {
		t.Fatal(err)
	}
	if !payloadcodec.IsLegacy(v1[0]) || payloadcodec.KeyIDOf(v1[0]) != k.CurrentKeyID() {
		t.Fatalf("v1 payload names key %q", payloadcodec.KeyIDOf(v1[0]))
	}
	dec, err := payloadcodec.New(k, newMemKeys()).Decode(v1)
	if err != nil {
		t.Fatal(err)
	}
	if !proto.Equal(dec[0], plain.Payloads[0]) {
		t.Fatal("a v1 payload did not decode to its original")
	}
	// Through the data converter too, as a replaying worker reads it.
	var got patientInput
	if err := payloadcodec.DataConverter(k, newMemKeys()).FromPayload(v1[0], &got); err != nil || got.PatientName != fakeName {
		t.Fatalf("data converter read %+v (%v)", got, err)
	}
}

func keys(m map[string][]byte) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestDataConverter(t *testing.T) {
	dc := payloadcodec.DataConverter(newKeyring(t), newMemKeys())
	in := patientInput{PatientName: fakeName}
	p, err := dc.ToPayload(in)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(p.Data, []byte(fakeName)) {
		t.Fatal("data converter output contains the plaintext")
	}
	var out patientInput
	if err := dc.FromPayload(p, &out); err != nil {
		t.Fatal(err)
	}
	if out != in {
		t.Fatalf("round trip = %+v, want %+v", out, in)
	}
}

const uiOrigin = "http://127.0.0.1:8233"

// memCaller is a codec caller holding workflow:decode at some
// organisations (and maybe the system grant), over a memKeys store; it
// records its audits.
type memCaller struct {
	keys   *memKeys
	orgs   map[string]bool
	system bool
	audits *[]audit
}

type audit struct {
	org     string
	keyIDs  []string
	refused bool
}

func (c memCaller) DecodeKey(ctx context.Context, id string) ([]byte, string, error) {
	w, org, err := c.keys.PayloadKey(ctx, id)
	if err != nil {
		return nil, "", payloadcodec.ErrUnknownKey
	}
	if (org == "" && !c.system) || (org != "" && !c.orgs[org]) {
		return nil, org, payloadcodec.ErrRefused
	}
	return w, org, nil
}

func (c memCaller) MayDecodeLegacy(context.Context) (bool, error) { return c.system, nil }

func (c memCaller) Audit(_ context.Context, org, _ string, ids []string, refused bool) error {
	*c.audits = append(*c.audits, audit{org, ids, refused})
	return nil
}

// server is a codec server whose bearer tokens are "test-token" (org A
// and the system), "a-token" (org A), "b-token" (org B) and "none-token"
// (nothing: 403).
func server(t *testing.T, k *keyring.Keyring, mk *memKeys) (*httptest.Server, *[]audit) {
	t.Helper()
	audits := &[]audit{}
	callers := map[string]memCaller{
		"Bearer test-token": {mk, map[string]bool{orgA: true}, true, audits},
		"Bearer a-token":    {mk, map[string]bool{orgA: true}, false, audits},
		"Bearer b-token":    {mk, map[string]bool{orgB: true}, false, audits},
	}
	srv := httptest.NewServer(payloadcodec.Handler(payloadcodec.HandlerOptions[*keyring.DataKey]{Keyring: k, Keys: mk, Origins: []string{uiOrigin},
		Authenticate: func(r *http.Request) (payloadcodec.Caller, error) {
			if r.Header.Get("Authorization") == "Bearer none-token" {
				return nil, fmt.Errorf("%w: the workflow:decode permission is needed", payloadcodec.ErrForbidden)
			}
			c, ok := callers[r.Header.Get("Authorization")]
			if !ok {
				return nil, errors.New("no valid token")
			}
			return c, nil
		}}))
	t.Cleanup(srv.Close)
	return srv, audits
}

// codecRequest posts payloads to the codec server as the Temporal UI does.
func codecRequest(t *testing.T, url string, payloads []*commonpb.Payload, header http.Header) *http.Response {
	t.Helper()
	body, err := protojson.Marshal(&commonpb.Payloads{Payloads: payloads})
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Namespace", "default")
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func decodeResponse(t *testing.T, resp *http.Response) []*commonpb.Payload {
	t.Helper()
	var b bytes.Buffer
	if _, err := b.ReadFrom(resp.Body); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", resp.StatusCode, b.String())
	}
	var out commonpb.Payloads
	if err := protojson.Unmarshal(b.Bytes(), &out); err != nil {
		t.Fatal(err)
	}
	return out.Payloads
}

func TestHandler(t *testing.T) {
	k := newKeyring(t)
	mk := newMemKeys()
	srv, _ := server(t, k, mk)
	plainPayloads, enc := encodeFor(t, payloadcodec.New(k, mk), "claim/a-1", patientInput{PatientName: fakeName})
	plain := &commonpb.Payloads{Payloads: plainPayloads}
	auth := http.Header{"Authorization": {"Bearer test-token"}, "Origin": {uiOrigin}}

	t.Run("DecodeAuthorised", func(t *testing.T) {
		resp := codecRequest(t, srv.URL+"/decode", enc, auth)
		if got := resp.Header.Get("Access-Control-Allow-Origin"); got != uiOrigin {
			t.Errorf("Access-Control-Allow-Origin = %q, want %q", got, uiOrigin)
		}
		got := decodeResponse(t, resp)
		if len(got) != 1 || !proto.Equal(got[0], plain.Payloads[0]) {
			t.Fatalf("decoded %v, want the original payload", got)
		}
	})

	t.Run("EncodeThenDecode", func(t *testing.T) {
		got := decodeResponse(t, codecRequest(t, srv.URL+"/codec/encode", plain.Payloads, auth))
		if len(got) != 1 || string(got[0].Metadata[converter.MetadataEncoding]) != payloadcodec.EncodingEncrypted {
			t.Fatalf("encode answered %v", got)
		}
		back := decodeResponse(t, codecRequest(t, srv.URL+"/codec/decode", got, auth))
		if len(back) != 1 || !proto.Equal(back[0], plain.Payloads[0]) {
			t.Fatal("encode then decode through the server lost the payload")
		}
	})

	for _, tc := range []struct {
		name   string
		header http.Header
	}{
		{"NoToken", http.Header{"Origin": {uiOrigin}}},
		{"WrongToken", http.Header{"Authorization": {"Bearer guess"}}},
	} {
		t.Run("Refused/"+tc.name, func(t *testing.T) {
			resp := codecRequest(t, srv.URL+"/decode", enc, tc.header)
			var b bytes.Buffer
			_, _ = b.ReadFrom(resp.Body)
			if resp.StatusCode != http.StatusUnauthorized {
				t.Fatalf("status = %d, want 401", resp.StatusCode)
			}
			if got := resp.Header.Get("Content-Type"); got != "application/problem+json" {
				t.Errorf("Content-Type = %q, want application/problem+json", got)
			}
			var p struct {
				Status int    `json:"status"`
				Type   string `json:"type"`
			}
			if err := json.Unmarshal(b.Bytes(), &p); err != nil || p.Status != 401 || !strings.HasSuffix(p.Type, "/unauthorized") {
				t.Errorf("problem = %s (%v)", b.String(), err)
			}
			if strings.Contains(b.String(), fakeName) || strings.Contains(b.String(), base64.StdEncoding.EncodeToString([]byte(`"`+fakeName))) {
				t.Error("refusal shows the payload")
			}
		})
	}

	t.Run("NilAuthorizeRefusesAll", func(t *testing.T) {
		open := httptest.NewServer(payloadcodec.Handler(payloadcodec.HandlerOptions[*keyring.DataKey]{Keyring: k, Keys: mk}))
		t.Cleanup(open.Close)
		resp := codecRequest(t, open.URL+"/decode", enc, http.Header{"Authorization": {"Bearer test-token"}})
		if resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("status = %d, want 401", resp.StatusCode)
		}
	})

	preflight := func(t *testing.T, origin string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest(http.MethodOptions, srv.URL+"/decode", nil)
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", "POST")
		req.Header.Set("Access-Control-Request-Headers", "content-type,x-namespace,authorization")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	t.Run("Preflight", func(t *testing.T) {
		resp := preflight(t, uiOrigin)
		if resp.StatusCode != http.StatusNoContent {
			t.Fatalf("status = %d, want 204", resp.StatusCode)
		}
		h := resp.Header
		if got := h.Get("Access-Control-Allow-Origin"); got != uiOrigin {
			t.Errorf("Allow-Origin = %q, want %q", got, uiOrigin)
		}
		if got := h.Get("Access-Control-Allow-Credentials"); got != "true" {
			t.Errorf("Allow-Credentials = %q, want true", got)
		}
		if got := h.Get("Access-Control-Allow-Methods"); !strings.Contains(got, "POST") {
			t.Errorf("Allow-Methods = %q, want POST in it", got)
		}
		allowedHeaders := strings.ToLower(h.Get("Access-Control-Allow-Headers"))
		for _, want := range []string{"x-namespace", "authorization", "content-type"} {
			if !strings.Contains(allowedHeaders, want) {
				t.Errorf("Allow-Headers = %q, lacks %s", allowedHeaders, want)
			}
		}
	})
	t.Run("PreflightOtherOrigin", func(t *testing.T) {
		resp := preflight(t, "http://evil.example")
		if resp.StatusCode != http.StatusForbidden || resp.Header.Get("Access-Control-Allow-Origin") != "" {
			t.Fatalf("status = %d, Allow-Origin %q; want 403 and none", resp.StatusCode, resp.Header.Get("Access-Control-Allow-Origin"))
		}
	})
	t.Run("PostFromOtherOrigin", func(t *testing.T) {
		resp := codecRequest(t, srv.URL+"/decode", enc, http.Header{"Authorization": {"Bearer test-token"}, "Origin": {"http://evil.example"}})
		if resp.StatusCode != http.StatusForbidden {
			t.Fatalf("status = %d, want 403", resp.StatusCode)
		}
	})
	t.Run("Method", func(t *testing.T) {
		resp, err := http.Get(srv.URL + "/decode")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusMethodNotAllowed {
			t.Fatalf("GET status = %d, want 405", resp.StatusCode)
		}
	})
	t.Run("UnknownPath", func(t *testing.T) {
		resp := codecRequest(t, srv.URL+"/other", enc, auth)
		if resp.StatusCode != http.StatusNotFound {
			t.Fatalf("status = %d, want 404", resp.StatusCode)
		}
	})
}

// TestHandlerDecodesOnlyTheCallersTenants (issue 14, finding 2): a caller
// holding workflow:decode at org B gets org B's payloads decoded and org
// A's, the system's and legacy ones back still encoded, each with its
// reason; both the decode and the refusals are audited under the
// organisation each payload belongs to.
func TestHandlerDecodesOnlyTheCallersTenants(t *testing.T) {
	k := newKeyring(t)
	mk := newMemKeys()
	srv, audits := server(t, k, mk)
	codec := payloadcodec.New(k, mk)
	_, encA := encodeFor(t, codec, "claim/a-1", patientInput{PatientName: fakeName})
	plainB, encB := encodeFor(t, codec, "claim/b-1", patientInput{PatientName: "ROE RICHARD"})
	_, encSys := encodeFor(t, codec, "batch/clearinghouse-1", "batch input")
	plainLegacy, _ := converter.GetDefaultDataConverter().ToPayloads(patientInput{PatientName: fakeName})
	legacy, err := payloadcodec.SealV1(t.Context(), k, plainLegacy.Payloads)
	if err != nil {
		t.Fatal(err)
	}
	all := []*commonpb.Payload{encA[0], encB[0], encSys[0], legacy[0]}

	resp := codecRequest(t, srv.URL+"/decode", all, http.Header{"Authorization": {"Bearer b-token"}})
	if got := resp.Header.Get("X-Claimflow-Decode-Refused"); got != "3" {
		t.Errorf("X-Claimflow-Decode-Refused = %q, want 3", got)
	}
	got := decodeResponse(t, resp)
	if len(got) != 4 {
		t.Fatalf("%d payloads answered, want 4", len(got))
	}
	if !proto.Equal(got[1], plainB[0]) {
		t.Error("org B's payload was not decoded for org B's engineer")
	}
	for i, want := range map[int]string{0: "organisation", 2: "system key", 3: "before per-organisation keys"} {
		p := got[i]
		if !payloadcodec.Sealed(p) || !bytes.Equal(p.Data, all[i].Data) {
			t.Errorf("payload %d was not returned as it was sealed", i)
		}
		if r := string(p.Metadata[payloadcodec.MetadataRefused]); !strings.Contains(r, want) {
			t.Errorf("payload %d refusal reason %q, want it to mention %q", i, r, want)
		}
		b, _ := proto.Marshal(p)
		if bytes.Contains(b, []byte(fakeName)) {
			t.Errorf("payload %d shows org A's patient", i)
		}
	}
	wantAudits := []audit{
		{"", []string{payloadcodec.KeyID("", time.Now()), "v1"}, true},
		{orgA, []string{payloadcodec.KeyID(orgA, time.Now())}, true},
		{orgB, []string{payloadcodec.KeyID(orgB, time.Now())}, false},
	}
	if fmt.Sprint(*audits) != fmt.Sprint(wantAudits) {
		t.Errorf("audits = %v, want %v", *audits, wantAudits)
	}

	// Org A's engineer reads A's payload; the platform engineer (system
	// grant) also reads the system and legacy payloads.
	gotA := decodeResponse(t, codecRequest(t, srv.URL+"/decode", all, http.Header{"Authorization": {"Bearer a-token"}}))
	if !payloadcodec.Sealed(gotA[1]) || payloadcodec.Sealed(gotA[0]) {
		t.Error("org A's engineer: want A's payload decoded and B's sealed")
	}
	gotSys := decodeResponse(t, codecRequest(t, srv.URL+"/decode", all, http.Header{"Authorization": {"Bearer test-token"}}))
	if payloadcodec.Sealed(gotSys[2]) || !proto.Equal(gotSys[3], plainLegacy.Payloads[0]) || !payloadcodec.Sealed(gotSys[1]) {
		t.Error("system decoder: want system and legacy payloads decoded, B's sealed")
	}

	// A caller who may decode nothing is told so (403), not asked to log in.
	resp = codecRequest(t, srv.URL+"/decode", all, http.Header{"Authorization": {"Bearer none-token"}})
	var b bytes.Buffer
	_, _ = b.ReadFrom(resp.Body)
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(b.String(), "workflow:decode") || strings.Contains(b.String(), fakeName) {
		t.Errorf("no permission: %d %s", resp.StatusCode, b.String())
	}
}

// TestLegacyGoldenPayload: a payload sealed by the codec as it was before
// per-tenant keys (testdata/v1, written by that code with a test-only key
// file) still decodes, as the histories of running workflows need.
func TestLegacyGoldenPayload(t *testing.T) {
	kekFile := filepath.Join(t.TempDir(), "kek.json")
	b, err := os.ReadFile("testdata/v1/kek.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(kekFile, b, 0o600); err != nil {
		t.Fatal(err)
	}
	k, err := keyring.OpenLocal(kekFile)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile("testdata/v1/payload.json")
	if err != nil {
		t.Fatal(err)
	}
	var in commonpb.Payloads
	if err := protojson.Unmarshal(raw, &in); err != nil {
		t.Fatal(err)
	}
	if !payloadcodec.IsLegacy(in.Payloads[0]) {
		t.Fatal("the golden payload is not in the v1 format")
	}
	var got string
	if err := payloadcodec.DataConverter(k, newMemKeys()).FromPayload(in.Payloads[0], &got); err != nil || got != "TESTPATIENT-WOMBAT" {
		t.Fatalf("golden v1 payload decoded to %q (%v)", got, err)
	}
}

// failingAudit is a caller whose audit rows cannot be written.
type failingAudit struct{ memCaller }

func (failingAudit) Audit(context.Context, string, string, []string, bool) error {
	return errors.New("database down")
}

// TestHandlerErrors: a tampered payload the caller may read is a 400; a
// decode that cannot be audited decodes nothing (500).
func TestHandlerErrors(t *testing.T) {
	k := newKeyring(t)
	mk := newMemKeys()
	srv, _ := server(t, k, mk)
	_, enc := encodeFor(t, payloadcodec.New(k, mk), "claim/a-1", patientInput{PatientName: fakeName})
	bad := proto.Clone(enc[0]).(*commonpb.Payload)
	bad.Data[len(bad.Data)-1] ^= 1
	resp := codecRequest(t, srv.URL+"/decode", []*commonpb.Payload{bad}, http.Header{"Authorization": {"Bearer a-token"}})
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("tampered payload: status %d, want 400", resp.StatusCode)
	}

	audits := &[]audit{}
	noAudit := httptest.NewServer(payloadcodec.Handler(payloadcodec.HandlerOptions[*keyring.DataKey]{Keyring: k, Keys: mk,
		Authenticate: func(*http.Request) (payloadcodec.Caller, error) {
			return failingAudit{memCaller{mk, map[string]bool{orgA: true}, false, audits}}, nil
		}}))
	t.Cleanup(noAudit.Close)
	resp = codecRequest(t, noAudit.URL+"/decode", enc, nil)
	var b bytes.Buffer
	_, _ = b.ReadFrom(resp.Body)
	if resp.StatusCode != http.StatusInternalServerError || strings.Contains(b.String(), base64.StdEncoding.EncodeToString([]byte(`{"PatientName"`))) {
		t.Errorf("unaudited decode: status %d, body %s", resp.StatusCode, b.String())
	}
}
