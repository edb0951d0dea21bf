package edi

import "encoding/binary"

// codeSet is a code list for an ID element. Codes of up to seven bytes are
// packed into integers (bytes and length) so a lookup is a few integer
// compares, or one map probe for long lists.
type codeSet struct {
	list   []string
	packed []uint64
	// table is an open-addressing hash set of the packed codes when there
	// are more than 16 (a power-of-two size, linear probing, 0 = empty
	// slot; no packed code is 0 since every code has a length).
	table []uint64
	shift uint
	empty bool     // the list holds the empty code (the table cannot)
	long  []string // codes of eight bytes or more
}

func newCodeSet(codes []string) *codeSet {
	c := &codeSet{list: codes}
	for _, code := range codes {
		if k, ok := packCode([]byte(code)); ok {
			c.packed = append(c.packed, k)
		} else {
			c.long = append(c.long, code)
		}
	}
	if len(c.packed) > 16 {
		bits := uint(1)
		for 1<<bits < 2*len(c.packed) {
			bits++
		}
		c.table, c.shift = make([]uint64, 1<<bits), 64-bits
		mask := uint64(len(c.table) - 1)
		for _, k := range c.packed {
			if k == 0 {
				c.empty = true
				continue
			}
			for h := (k * 0x9E3779B97F4A7C15) >> c.shift; ; h = (h + 1) & mask {
				if c.table[h] == k {
					break
				}
				if c.table[h] == 0 {
					c.table[h] = k
					break
				}
			}
		}
	}
	return c
}

// packCode packs up to seven bytes and the length into an integer.
func packCode(b []byte) (uint64, bool) {
	// By length, with 2- and 4-byte loads: the byte loop cost ~10
	// instructions a byte, for the code list look-ups and the recognizer's
	// cache (two or three calls a segment).
	var k uint64
	switch len(b) {
	case 0:
	case 1:
		k = uint64(b[0])
	case 2:
		k = uint64(binary.LittleEndian.Uint16(b))
	case 3:
		k = uint64(binary.LittleEndian.Uint16(b)) | uint64(b[2])<<16
	case 4:
		k = uint64(binary.LittleEndian.Uint32(b))
	case 5:
		k = uint64(binary.LittleEndian.Uint32(b)) | uint64(b[4])<<32
	case 6:
		k = uint64(binary.LittleEndian.Uint32(b)) | uint64(binary.LittleEndian.Uint16(b[4:]))<<32
	case 7:
		k = uint64(binary.LittleEndian.Uint32(b)) | uint64(binary.LittleEndian.Uint16(b[4:]))<<32 | uint64(b[6])<<48
	default:
		return 0, false
	}
	return k | uint64(len(b))<<56, true
}

func (c *codeSet) has(b []byte) bool {
	k, ok := packCode(b)
	if !ok {
		for _, s := range c.long {
			if string(b) == s {
				return true
			}
		}
		return false
	}
	if c.table != nil {
		if k == 0 {
			return c.empty
		}
		mask := uint64(len(c.table) - 1)
		for h := (k * 0x9E3779B97F4A7C15) >> c.shift; ; h = (h + 1) & mask {
			switch c.table[h] {
			case k:
				return true
			case 0:
				return false
			}
		}
	}
	for _, p := range c.packed {
		if p == k {
			return true
		}
	}
	return false
}
