// Package logging builds claimflow's structured JSON logger (log/slog). A
// request ID put into a context with WithRequestID appears on every line
// logged with that context.
//
// PHI never goes into a log line: callers log record IDs, never names,
// birth dates or member IDs.
package logging

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"unicode"
)

type ctxKey struct{}

// WithRequestID returns ctx carrying the request ID.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, ctxKey{}, id)
}

// RequestID returns the request ID in ctx, or "".
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(ctxKey{}).(string)
	return id
}

// New returns a JSON logger at level ("debug", "info", "warn", "error").
func New(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	_ = l.UnmarshalText([]byte(level))
	return slog.New(requestIDHandler{slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l})})
}

// requestIDHandler adds request_id from the record's context.
type requestIDHandler struct{ slog.Handler }

func (h requestIDHandler) Handle(ctx context.Context, r slog.Record) error {
	if id := RequestID(ctx); id != "" {
		r.AddAttrs(slog.String("request_id", id))
	}
	return h.Handler.Handle(ctx, r)
}

func (h requestIDHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return requestIDHandler{h.Handler.WithAttrs(as)}
}

func (h requestIDHandler) WithGroup(name string) slog.Handler {
	return requestIDHandler{h.Handler.WithGroup(name)}
}

// Err is an error as a log attribute ("err") that carries no caller value:
// a Postgres error is logged by its SQLSTATE alone (its message quotes the
// offending input), and any quoted text in other messages (strconv, time
// and JSON errors quote their input) is replaced by "…". Control
// characters are dropped and the text is capped at 300 bytes.
func Err(err error) slog.Attr {
	if err == nil {
		return slog.String("err", "")
	}
	var pg interface{ SQLState() string }
	if errors.As(err, &pg) {
		return slog.String("err", "postgres error, SQLSTATE "+pg.SQLState())
	}
	return slog.String("err", Redact(err.Error()))
}

// Redact replaces quoted text ("…", '…', `…`) in an error message with "…",
// drops control characters and caps the result at 300 bytes.
func Redact(msg string) string {
	var b strings.Builder
	var quote rune
	for _, r := range msg {
		switch {
		case quote != 0:
			if r == quote {
				b.WriteString("…")
				b.WriteRune(r)
				quote = 0
			}
		case r == '"' || r == '\'' || r == '`':
			quote = r
			b.WriteRune(r)
		case unicode.IsControl(r):
		default:
			b.WriteRune(r)
		}
		if b.Len() >= 300 {
			break
		}
	}
	if quote != 0 {
		b.WriteString("…")
	}
	return b.String()
}
