package paylink_test

import (
	"context"
	"encoding/base64"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/claimflow/claimflow/keyring"
	"github.com/claimflow/claimflow/paylink"
)

func TestLinks(t *testing.T) {
	k, err := keyring.OpenLocal(filepath.Join(t.TempDir(), "kek.json"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	l := &paylink.Links{Sealer: k, TTL: time.Hour, Now: func() time.Time { return now }}
	const id = "0190aaaa-0000-7000-8000-000000000001-TRACE1"
	tok, err := l.Mint(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(tok, id) || strings.Contains(tok, "0190aaaa") {
		t.Fatalf("token carries the statement ID: %s", tok)
	}
	if got, err := l.Open(ctx, tok); err != nil || got != id {
		t.Fatalf("open: %q, %v", got, err)
	}
	other, _ := l.Mint(ctx, id)
	if other == tok {
		t.Error("two tokens for one statement are equal (guessable)")
	}
	// Altered in any byte: refused.
	b := []byte(tok)
	for _, i := range []int{0, len(b) / 2, len(b) - 1} {
		c := append([]byte(nil), b...)
		if c[i] == 'A' {
			c[i] = 'B'
		} else {
			c[i] = 'A'
		}
		if _, err := l.Open(ctx, string(c)); !errors.Is(err, paylink.ErrInvalid) {
			t.Errorf("altered at %d: %v", i, err)
		}
	}
	// A blob sealed for another purpose does not open as a link.
	blob, _ := k.SealBlob(ctx, []byte(`{"s":"x","e":9999999999}`), []byte("other"))
	if _, err := l.Open(ctx, base64.RawURLEncoding.EncodeToString(blob)); !errors.Is(err, paylink.ErrInvalid) {
		t.Errorf("foreign blob: %v", err)
	}
	for _, bad := range []string{"", id, "not base64!"} {
		if _, err := l.Open(ctx, bad); !errors.Is(err, paylink.ErrInvalid) {
			t.Errorf("%q: %v", bad, err)
		}
	}
	// A payment link does not open the appointment page, nor the reverse.
	appt := &paylink.Links{Sealer: k, Purpose: "appointment", TTL: time.Hour, Now: l.Now}
	if _, err := appt.Open(ctx, tok); !errors.Is(err, paylink.ErrInvalid) {
		t.Errorf("payment link opened as an appointment link: %v", err)
	}
	at, _ := appt.Mint(ctx, "appt-1")
	if got, err := appt.Open(ctx, at); err != nil || got != "appt-1" {
		t.Errorf("appointment link: %q %v", got, err)
	}
	if _, err := l.Open(ctx, at); !errors.Is(err, paylink.ErrInvalid) {
		t.Errorf("appointment link opened as a payment link: %v", err)
	}
	now = now.Add(time.Hour)
	if _, err := l.Open(ctx, tok); !errors.Is(err, paylink.ErrExpired) {
		t.Errorf("expired: %v", err)
	}
}
