package rcm

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"time"
)

// Direction says whether an EDI file was sent to or received from a
// partner.
type Direction string

// The two directions of an EDI file.
const (
	Inbound  Direction = "inbound"
	Outbound Direction = "outbound"
)

// EDIMeta describes an archived EDI file. None of it is PHI.
type EDIMeta struct {
	Direction Direction
	Partner   string    // clearinghouse or payer ID from our configuration
	Received  time.Time // when we received or sent it (UTC)
	// Filled from the file's X12 envelope by the archive when empty.
	Sets  []string // ST01 of the transaction sets, e.g. 837, 999
	ISA13 []string
	GS06  []string
	ST02  []string
}

// EDIFile is one archived EDI file: its key and size and what it is.
type EDIFile struct {
	Hash string // hex SHA-256 of the plaintext; the archive key
	Size int64  // plaintext size in bytes
	EDIMeta
}

// ErrEDIFileNotFound is the archive's answer for a key it does not hold.
var ErrEDIFileNotFound = errors.New("archive: no such file")

// EDIHash returns the archive key of an EDI file's content.
func EDIHash(body []byte) string {
	h := sha256.Sum256(body)
	return hex.EncodeToString(h[:])
}
