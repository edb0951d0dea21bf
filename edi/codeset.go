package edi

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
	if len(b) > 7 {
		return 0, false
	}
	k := uint64(len(b)) << 56
	for i, c := range b {
		k |= uint64(c) << (8 * i)
	}
	return k, true
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
