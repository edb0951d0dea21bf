package store

import (
	"encoding/hex"
	"errors"

	"github.com/jackc/pgx/v5/pgtype"
)

// uuidCodec is pgx's UUIDCodec that also sends a Go string (sqlc's type
// for uuid parameters) in the binary format. pgx prefers the binary
// format for uuid and uuid[] parameters and has no binary plan for a
// string: every uuid parameter failed it first, built an error naming
// the whole value (fmt, the largest single cost of encoding a page's
// parameters in the worklist's CPU profile) and was sent again as text.
// A string in the canonical form (8-4-4-4-12 hex digits, either case) is
// now encoded as the 16 bytes Postgres would parse from it; any other
// string still goes as text for Postgres to parse or refuse, as before.
type uuidCodec struct{ pgtype.UUIDCodec }

func (c uuidCodec) PlanEncode(m *pgtype.Map, oid uint32, format int16, value any) pgtype.EncodePlan {
	if _, ok := value.(string); ok && format == pgtype.BinaryFormatCode {
		return encodeUUIDString{}
	}
	return c.UUIDCodec.PlanEncode(m, oid, format, value)
}

type encodeUUIDString struct{}

var errUUIDNotCanonical = errors.New("store: not a canonical uuid (sent as text)")

func (encodeUUIDString) Encode(value any, buf []byte) ([]byte, error) {
	s := value.(string)
	if len(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return nil, errUUIDNotCanonical
	}
	var u [16]byte
	j := 0
	for _, part := range [5]string{s[0:8], s[9:13], s[14:18], s[19:23], s[24:36]} {
		n, err := hex.Decode(u[j:], []byte(part))
		if err != nil {
			return nil, errUUIDNotCanonical
		}
		j += n
	}
	return append(buf, u[:]...), nil
}

// registerUUIDCodec makes m encode strings as uuid and uuid[] in the
// binary format (uuidCodec).
func registerUUIDCodec(m *pgtype.Map) {
	t := &pgtype.Type{Name: "uuid", OID: pgtype.UUIDOID, Codec: uuidCodec{}}
	m.RegisterType(t)
	m.RegisterType(&pgtype.Type{Name: "_uuid", OID: pgtype.UUIDArrayOID, Codec: &pgtype.ArrayCodec{ElementType: t}})
}
