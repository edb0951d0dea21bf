//go:build !amd64

package edi

// haveSSE is false: Reader.Next scans a word at a time.
const haveSSE = false

func scanSSE(p *byte, n, pos int, seps *int32, room int, vec *[6][2]uint64) (next, term, nseps int, classes uint64) {
	panic("edi: scanSSE without SSE")
}

func scanBatch(p *byte, n int, seps *int32, room int, q *qent, qroom int, vec *[6][2]uint64) (nseg int) {
	panic("edi: scanBatch without SSE")
}
