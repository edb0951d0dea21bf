package edi

// haveSSE tells Reader.Next to scan with scanSSE first (SSE2 is part of
// every amd64 processor).
const haveSSE = true

// scanSSE is the tokenizer's inner loop 16 bytes at a time, in assembly:
// Go's compiler keeps the word loop's masks in memory (about 80
// instructions a word with the scan flags), where SSE2 compares 16 bytes
// against each delimiter in one instruction. It scans p[pos:n] while 16
// bytes are left and room holds 16 more separators: it writes the positions
// of the element separators below the first terminator to seps (nseps of
// them), and returns the position of that terminator (term, or -1 when it
// stopped before one, at next) and the classes of the bytes below it
// (component separators in bits 0-15, repetition separators in 16-31, bytes
// outside the character sets in 32-47; see sseClasses). vec is
// Reader.vec.
//
//go:noescape
func scanSSE(p *byte, n, pos int, seps *int32, room int, vec *[6][2]uint64) (next, term, nseps int, classes uint64)

// scanBatch tokenizes many segments in one call: from p[0], the start of
// a segment, while 16 bytes are left in p[:n], room holds 16 more
// separators and q has room, it finds each segment's terminator, element
// separators and scan flags, 16 bytes at a time, and queues the segment
// (see qent; the separators are relative to the segment's start and end
// with its length, as Segment.seps). It stops after a segment followed by
// a CR, an LF or "ISA" (Reader.Next reads those itself), and returns the
// number of segments queued; the bytes after the last one are read again.
//
//go:noescape
func scanBatch(p *byte, n int, seps *int32, room int, q *qent, qroom int, vec *[6][2]uint64) (nseg int)
