package store_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgtype"

	"github.com/claimflow/claimflow/store"
)

// TestUUIDStringsEncodeBinary: with the store's codec a Go string is sent
// as a uuid (and a []string as a uuid[]) in the binary format, without
// the failed attempt pgx's own codec makes, and Postgres reads the same
// uuid from it as from the text: canonical strings in either case, and
// the forms only Postgres parses (braces, no hyphens) still sent as text;
// a string that is no uuid is still refused.
func TestUUIDStringsEncodeBinary(t *testing.T) {
	const u = "018b97a1-1c00-77be-8f96-a998822739c3"
	want := []byte{0x01, 0x8b, 0x97, 0xa1, 0x1c, 0x00, 0x77, 0xbe, 0x8f, 0x96, 0xa9, 0x98, 0x82, 0x27, 0x39, 0xc3}
	m := pgtype.NewMap()
	store.RegisterUUIDCodecForTest(m)
	got, err := m.Encode(pgtype.UUIDOID, pgtype.BinaryFormatCode, u, nil)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("binary uuid of %s: %x, %v; want %x", u, got, err, want)
	}
	if _, err := m.Encode(pgtype.UUIDArrayOID, pgtype.BinaryFormatCode, []string{u, strings.ToUpper(u)}, nil); err != nil {
		t.Fatalf("binary uuid[]: %v", err)
	}
	if _, err := m.Encode(pgtype.UUIDOID, pgtype.BinaryFormatCode, "{"+u+"}", nil); err == nil {
		t.Fatal("a non-canonical form was encoded in binary (Postgres parses it)")
	}

	s, _ := newStore(t)
	ctx := context.Background()
	for _, in := range []string{u, strings.ToUpper(u), "{" + u + "}", strings.ReplaceAll(u, "-", ""), "018b97a1-1c00-77be-8f96-a998822739cz", "nope"} {
		var viaParam, viaText string
		errParam := s.Pool.QueryRow(ctx, `SELECT $1::uuid::text`, in).Scan(&viaParam)
		errText := s.Pool.QueryRow(ctx, `SELECT $1::text::uuid::text`, in).Scan(&viaText)
		if (errParam == nil) != (errText == nil) || viaParam != viaText {
			t.Errorf("%q: as a uuid parameter %q (%v), parsed by Postgres %q (%v)", in, viaParam, errParam, viaText, errText)
		}
		var arr []string
		errArr := s.Pool.QueryRow(ctx, `SELECT array_agg(x::text) FROM unnest($1::uuid[]) x`, []string{in, u}).Scan(&arr)
		if (errArr == nil) != (errText == nil) || (errArr == nil && (len(arr) != 2 || arr[0] != viaText || arr[1] != u)) {
			t.Errorf("%q in a uuid[]: %v (%v)", in, arr, errArr)
		}
	}
}
