package edi

import (
	"bytes"
	"io"
	"math/rand/v2"
	"slices"
	"testing"
	"testing/iotest"
)

// TestBatchMatchesOneByOne checks the segments Reader.Next returns from
// scanBatch's queue against those it finds one at a time without it
// (oneByOne): position, offset, bytes, separators, scan flags, tag and
// the layout before each, for every segment. The inputs have what makes
// scanBatch stop or fall back: CR and LF between segments, an ISA with
// other delimiters in the middle, IDs starting with I (IK3, ISX, IS),
// empty segments, runs longer than the queue, segments with more
// separators than its room, and bytes of every class.
func TestBatchMatchesOneByOne(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	isa1 := "ISA*00*          *00*          *ZZ*A              *ZZ*B              *260101*1200*^*00501*000000001*0*T*:~"
	isa2 := "ISA|00|          |00|          |ZZ|A              |ZZ|B              |260101|1200|!|00501|000000001|0|T|^\x1c"
	for round := 0; round < 40; round++ {
		var in []byte
		segs := 0
		for part := 0; part < 3; part++ {
			d := DefaultDelimiters
			segs++
			if part == 1 {
				d = Delimiters{Element: '|', Repetition: '!', Component: '^', Segment: 0x1c}
				in = append(in, isa2...)
			} else {
				in = append(in, isa1...)
			}
			for n := 100 + rng.IntN(300); n > 0; n-- {
				id := []string{"ZZ", "NM1", "IK3", "ISX", "IS", "I", "", "SV1", "ISA"}[rng.IntN(9)]
				if id == "ISA" {
					id = "ISAB" // not an ISA: alphanumeric after it
				}
				segs++
				b := []byte(id)
				els := rng.IntN(12)
				if rng.IntN(50) == 0 {
					els = 1100 // more separators than the queue's room
				}
				for k := 0; k < els; k++ {
					b = append(b, d.Element)
					for m := rng.IntN(6); m > 0; m-- {
						switch rng.IntN(12) {
						case 0:
							b = append(b, []byte{d.Component, d.Repetition, 0x7F, 0x1F, 0x20, 0x00, 0x80, 0xFF, 0x7D}[rng.IntN(9)])
						case 1:
							b = append(b, 'I')
						default:
							b = append(b, 'A'+byte(rng.IntN(26)))
						}
					}
				}
				in = append(in, b...)
				in = append(in, d.Segment)
				if rng.IntN(40) == 0 {
					in = append(in, []string{"\r\n", "\n", "\r", "\n\n\n"}[rng.IntN(4)]...)
				}
			}
			if rng.IntN(2) == 0 {
				in = append(in, "IEA"...)
				in = append(in, d.Element, '1', d.Segment)
				segs++
			}
		}
		if rng.IntN(3) == 0 {
			in = append(in, "ZZ*UNTERMINATED"...)
			segs++
		}
		mk := []func() *Reader{
			func() *Reader { return NewBytesReader(in) },
			func() *Reader { return NewReader(iotest.HalfReader(bytes.NewReader(in))) },
			func() *Reader { return NewReader(bytes.NewReader(in)) },
		}
		for mi, m := range mk {
			got, want := m(), m()
			want.oneByOne = true
			for i := 0; ; i++ {
				g, gerr := got.Next()
				w, werr := want.Next()
				if (gerr == nil) != (werr == nil) || gerr != nil && gerr.Error() != werr.Error() {
					t.Fatalf("round %d segment %d: error %v, want %v", round, i, gerr, werr)
				}
				if gerr != nil {
					if gerr != io.EOF {
						t.Fatalf("round %d: %v", round, gerr)
					}
					if i != segs {
						t.Fatalf("round %d: %d segments, want %d", round, i, segs)
					}
					break
				}
				if w.Tag() != tagISA {
					// Both exact: scanFlags over the segment's bytes.
					f := w.flags
					w.flags = 0
					if sf := w.scanFlags(); sf != f {
						t.Fatalf("one by one: round %d segment %d %q: flags %b, scanFlags %b (reader %d)", round, i, w.Data, f, sf, mi)
					}
				}
				if g.Index != w.Index || g.Offset != w.Offset || !bytes.Equal(g.Data, w.Data) || !slices.Equal(g.seps, w.seps) ||
					g.flags != w.flags || g.Tag() != w.Tag() || g.Unterminated != w.Unterminated || g.crs != w.crs || g.Delims != w.Delims {
					t.Fatalf("round %d segment %d:\n got %d %d %q %v %b %x\nwant %d %d %q %v %b %x", round, i,
						g.Index, g.Offset, g.Data, g.seps, g.flags, g.Tag(), w.Index, w.Offset, w.Data, w.seps, w.flags, w.Tag())
				}
				if !bytes.Equal(got.gap, want.gap) || got.gapOver != want.gapOver || got.Newline != want.Newline {
					t.Fatalf("round %d segment %d %q: layout %q %v %q, want %q %v %q", round, i, g.Data,
						got.gap, got.gapOver, got.Newline, want.gap, want.gapOver, want.Newline)
				}
			}
		}
	}
}
