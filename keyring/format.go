package keyring

import (
	"encoding/binary"
	"fmt"
)

// Wire formats. Every format starts with a version byte so that a later
// format can be told apart and read beside this one.
//
// Wrapped data key, as written by LocalKEK and KMSKEK:
//
//	[0]     wrapFormat (1)
//	[1]     KEK kind ('L' local, 'M' KMS)
//	[2]     n = length of the KEK version ID
//	[3:3+n] KEK version ID (LocalKEK: "v2-1a2b3c4d"; KMS: the key ARN)
//	[3+n:]  the KEK's ciphertext of the data key
//
// Sealed field (DataKey.Seal):
//
//	[0]     sealFormat (1)
//	[1:13]  random 96-bit nonce
//	[13:]   AES-256-GCM ciphertext with its 16-byte tag
//
// Blob (Keyring.SealBlob):
//
//	[0]     blobFormat (1)
//	[1:3]   n = length of the wrapped data key, big endian
//	[3:3+n] wrapped data key
//	[3+n:]  sealed field, as above
const (
	wrapFormat byte = 1
	sealFormat byte = 1
	blobFormat byte = 1

	kindLocal byte = 'L'
	kindKMS   byte = 'M'

	nonceSize = 12
	tagSize   = 16
)

// frameWrapped returns the header of a wrapped key for the KEK version id,
// with room for body bytes to be appended.
func frameWrapped(kind byte, id string, room int) []byte {
	if len(id) == 0 || len(id) > 255 {
		// IDs are produced by this package: a bad one is a programming error.
		panic("keyring: KEK version ID must be 1 to 255 bytes")
	}
	b := make([]byte, 0, 3+len(id)+room)
	b = append(b, wrapFormat, kind, byte(len(id)))
	return append(b, id...)
}

// parseWrapped splits a wrapped key into its KEK kind, version ID, header
// (authenticated as additional data by LocalKEK) and body.
func parseWrapped(w []byte) (kind byte, id string, header, body []byte, err error) {
	if len(w) < 4 || w[0] != wrapFormat {
		return 0, "", nil, nil, fmt.Errorf("%w: not a wrapped data key", ErrDecrypt)
	}
	n := int(w[2])
	if n == 0 || len(w) < 3+n+1 {
		return 0, "", nil, nil, fmt.Errorf("%w: truncated wrapped data key", ErrDecrypt)
	}
	return w[1], string(w[3 : 3+n]), w[:3+n], w[3+n:], nil
}

// WrappedKeyID returns the ID of the KEK version that wrapped a data key
// (what KEK.CurrentID returned when it was wrapped). It reads the header
// only and proves nothing about the key's integrity.
func WrappedKeyID(wrapped []byte) (string, error) {
	_, id, _, _, err := parseWrapped(wrapped)
	return id, err
}

// splitBlob returns the wrapped data key and the sealed field of a blob.
func splitBlob(blob []byte) (wrapped, sealed []byte, err error) {
	if len(blob) < 3 || blob[0] != blobFormat {
		return nil, nil, fmt.Errorf("%w: not a sealed blob", ErrDecrypt)
	}
	n := int(binary.BigEndian.Uint16(blob[1:3]))
	if len(blob) < 3+n+1+nonceSize+tagSize {
		return nil, nil, fmt.Errorf("%w: truncated blob", ErrDecrypt)
	}
	return blob[3 : 3+n], blob[3+n:], nil
}

// BlobKeyID returns the ID of the KEK version under which a blob's data key
// is wrapped (for metadata and rotation reports). It reads headers only.
func BlobKeyID(blob []byte) (string, error) {
	wrapped, _, err := splitBlob(blob)
	if err != nil {
		return "", err
	}
	return WrappedKeyID(wrapped)
}
