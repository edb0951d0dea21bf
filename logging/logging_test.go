package logging

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"
)

func TestRequestIDOnEveryLine(t *testing.T) {
	var buf bytes.Buffer
	log := New(&buf, "info").With("component", "api")
	ctx := WithRequestID(context.Background(), "req-123")
	log.InfoContext(ctx, "one")
	log.WarnContext(ctx, "two", "n", 2)
	log.DebugContext(ctx, "hidden")
	lines := bytes.Split(bytes.TrimSpace(buf.Bytes()), []byte("\n"))
	if got, want := len(lines), 2; got != want {
		t.Fatalf("got %d lines, want %d:\n%s", got, want, buf.String())
	}
	for _, l := range lines {
		var m map[string]any
		if err := json.Unmarshal(l, &m); err != nil {
			t.Fatalf("line is not JSON: %s", l)
		}
		if got, want := m["request_id"], "req-123"; got != want {
			t.Errorf("request_id = %v, want %v in %s", got, want, l)
		}
		if got, want := m["component"], "api"; got != want {
			t.Errorf("component = %v, want %v", got, want)
		}
	}
}
