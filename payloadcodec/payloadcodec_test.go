package payloadcodec_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

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

func TestCodecRoundTrip(t *testing.T) {
	k := newKeyring(t)
	codec := payloadcodec.New(k)
	plain, err := converter.GetDefaultDataConverter().ToPayloads(patientInput{PatientName: fakeName, MemberID: "ZZX900000001"}, []byte{1, 2, 3}, nil)
	if err != nil {
		t.Fatal(err)
	}
	enc, err := codec.Encode(plain.Payloads)
	if err != nil {
		t.Fatal(err)
	}
	if len(enc) != len(plain.Payloads) {
		t.Fatalf("Encode gave %d payloads, want %d", len(enc), len(plain.Payloads))
	}
	for i, p := range enc {
		if got := string(p.Metadata[converter.MetadataEncoding]); got != payloadcodec.EncodingEncrypted {
			t.Errorf("payload %d encoding = %q, want %q", i, got, payloadcodec.EncodingEncrypted)
		}
		if got, want := string(p.Metadata[payloadcodec.MetadataKeyID]), k.CurrentKeyID(); got != want {
			t.Errorf("payload %d key ID = %q, want %q", i, got, want)
		}
		if len(p.Metadata) != 2 {
			t.Errorf("payload %d has metadata %v beyond encoding and key ID", i, keys(p.Metadata))
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
		if !proto.Equal(dec[i], plain.Payloads[i]) {
			t.Errorf("payload %d did not survive the round trip", i)
		}
	}

	// Payloads that were never encrypted pass through Decode untouched.
	passed, err := codec.Decode(plain.Payloads)
	if err != nil {
		t.Fatal(err)
	}
	for i := range passed {
		if passed[i] != plain.Payloads[i] {
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
	// So does one sealed under another key file.
	_, err = payloadcodec.New(newKeyring(t)).Decode(enc)
	if !errors.Is(err, keyring.ErrDecrypt) {
		t.Fatalf("Decode under another key: err = %v, want ErrDecrypt", err)
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

func keys(m map[string][]byte) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestDataConverter(t *testing.T) {
	dc := payloadcodec.DataConverter(newKeyring(t))
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

// bearer authorises requests carrying the test token.
func bearer(r *http.Request) error {
	if r.Header.Get("Authorization") != "Bearer test-token" {
		return errors.New("no valid token")
	}
	return nil
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
	srv := httptest.NewServer(payloadcodec.Handler(k, bearer, []string{uiOrigin}))
	t.Cleanup(srv.Close)
	plain, err := converter.GetDefaultDataConverter().ToPayloads(patientInput{PatientName: fakeName})
	if err != nil {
		t.Fatal(err)
	}
	enc, err := payloadcodec.New(k).Encode(plain.Payloads)
	if err != nil {
		t.Fatal(err)
	}
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
		open := httptest.NewServer(payloadcodec.Handler(k, nil, nil))
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
