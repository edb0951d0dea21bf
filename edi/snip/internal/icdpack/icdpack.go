// Package icdpack converts an ICD-10-CM code list between the text
// claimflow ships (schemas/snip/icd10cm-<year>.txt.gz: one code a line, no
// dot, # comments) and the front-coded form edi/snip embeds and reads at
// start-up. Decompressing and splitting the gzipped text took about 53
// million instructions per process, more than the rest of a small file's
// validation; decoding the packed form takes a few million.
//
// The packed form is "ICD1", the number of codes (uint32, little-endian),
// then per code, in the order of the text: one byte, the number of leading
// bytes it shares with the code before it (high four bits) and the number
// of bytes that follow (low four bits), then those bytes. Sorted codes
// share most of their bytes with the one before: the 2026 list of 74,719
// codes packs into about 178 KB.
package icdpack

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
)

const magic = "ICD1"

// MaxLen is the longest code the form holds (ICD-10-CM codes without the
// dot are three to seven characters).
const MaxLen = 7

// Parse returns the codes of a list's text, in order: every line but blank
// ones and # comments. Each code is 1 to MaxLen upper-case letters or
// digits.
func Parse(text []byte) ([][]byte, error) {
	var out [][]byte
	for n := 1; len(text) > 0; n++ {
		line := text
		if i := bytes.IndexByte(text, '\n'); i >= 0 {
			line, text = text[:i], text[i+1:]
		} else {
			text = nil
		}
		line = bytes.TrimSuffix(line, []byte{'\r'})
		if len(line) == 0 || line[0] == '#' {
			continue
		}
		if len(line) > MaxLen {
			return nil, fmt.Errorf("line %d: a code of more than %d bytes", n, MaxLen)
		}
		for _, c := range line {
			if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z') {
				return nil, fmt.Errorf("line %d: a code with a byte other than A-Z and 0-9", n)
			}
		}
		out = append(out, line)
	}
	return out, nil
}

// Encode packs codes (each 1 to MaxLen bytes, as Parse returns them).
func Encode(codes [][]byte) []byte {
	out := append([]byte(magic), 0, 0, 0, 0)
	binary.LittleEndian.PutUint32(out[len(magic):], uint32(len(codes)))
	var prev []byte
	for _, c := range codes {
		k := 0
		for k < len(c) && k < len(prev) && c[k] == prev[k] {
			k++
		}
		out = append(out, byte(k<<4|(len(c)-k)))
		out = append(out, c[k:]...)
		prev = c
	}
	return out
}

var errForm = errors.New("icdpack: not a packed code list")

// Count returns the number of codes b holds.
func Count(b []byte) (int, error) {
	if len(b) < len(magic)+4 || string(b[:len(magic)]) != magic {
		return 0, errForm
	}
	return int(binary.LittleEndian.Uint32(b[len(magic):])), nil
}

// Decode calls fn with each code of b, in order. The slice is valid only
// during the call.
func Decode(b []byte, fn func(code []byte)) error {
	var buf [8]byte
	return Each(b, func(k uint64) {
		binary.LittleEndian.PutUint64(buf[:], k)
		fn(buf[:k>>56])
	})
}

// Pack packs a code of 1 to MaxLen bytes into an integer: its bytes from
// the lowest, its length in the top byte. No packed code is 0.
func Pack(code []byte) uint64 {
	k := uint64(len(code)) << 56
	for i, c := range code {
		k |= uint64(c) << (8 * i)
	}
	return k
}

// Each calls fn with each code of b, in order, packed as Pack packs it,
// without building the code's bytes: a start-up reads 75,000 codes this
// way in a few million instructions.
func Each(b []byte, fn func(packed uint64)) error {
	n, err := Count(b)
	if err != nil {
		return err
	}
	b = b[len(magic)+4:]
	var prev uint64 // the previous code, packed
	for ; n > 0; n-- {
		if len(b) == 0 {
			return errForm
		}
		k, rest := uint(b[0]>>4), uint(b[0]&15)
		if k > uint(prev>>56) || k+rest > MaxLen || k+rest == 0 || uint(len(b)) < 1+rest {
			return errForm
		}
		// Keep the shared bytes of the previous code, add the new ones.
		v := prev&(1<<(8*k)-1) | uint64(k+rest)<<56
		for j := uint(0); j < rest; j++ {
			v |= uint64(b[1+j]) << (8 * (k + j))
		}
		b, prev = b[1+rest:], v
		fn(v)
	}
	if len(b) != 0 {
		return errForm
	}
	return nil
}
