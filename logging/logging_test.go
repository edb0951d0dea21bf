package logging

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
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

type sqlStateError struct{ msg, code string }

func (e sqlStateError) Error() string    { return e.msg }
func (e sqlStateError) SQLState() string { return e.code }

// TestErrCarriesNoCallerValue: an error logged with Err keeps its shape but
// not the values it quotes (issue 14, finding 5: the 500 path logged them).
func TestErrCarriesNoCallerValue(t *testing.T) {
	for _, c := range []struct {
		err  error
		want string
	}{
		{sqlStateError{`ERROR: invalid input syntax for type uuid: "SECRET-VALUE" (SQLSTATE 22P02)`, "22P02"}, "postgres error, SQLSTATE 22P02"},
		{fmt.Errorf("store: %w", sqlStateError{`value "SECRET-VALUE" too long`, "22001"}), "postgres error, SQLSTATE 22001"},
		{errors.New(`strconv.ParseInt: parsing "SECRET-VALUE": invalid syntax`), `strconv.ParseInt: parsing "…": invalid syntax`},
		{errors.New(`parsing time "SECRET-VALUE" as "2006-01-02": cannot parse 'SECRET-VALUE'`), `parsing time "…" as "…": cannot parse '…'`},
		{errors.New("unterminated \"SECRET-VALUE"), "unterminated \"…"},
		{errors.New("a NUL\x00 and an escape\x1b dropped"), "a NUL and an escape dropped"},
	} {
		var buf bytes.Buffer
		New(&buf, "info").Error("internal error", Err(c.err))
		var m map[string]any
		if err := json.Unmarshal(buf.Bytes(), &m); err != nil {
			t.Fatal(err)
		}
		if m["err"] != c.want {
			t.Errorf("Err(%q) logs %q, want %q", c.err, m["err"], c.want)
		}
		if strings.Contains(buf.String(), "SECRET-VALUE") {
			t.Errorf("the log line carries the value: %s", buf.String())
		}
	}
}
