package setkit

// Slab hands out short slices (a claim's adjustments, a benefit's service
// types) cut from shared blocks, so a typed reader allocates once per block
// rather than once or more per slice. The zero Slab is ready to use.
//
// Every slice it returns has its capacity equal to its length: an append by
// the caller copies it out instead of writing over its neighbour in the
// block.
type Slab[T any] struct {
	buf []T
}

// slabBlock is how many elements a block holds at least.
const slabBlock = 128

// Append returns s with v appended, as append(s, v) does. When s is nil or
// the last slice this slab returned, v goes into the slab's current block
// (a new block when that is full, s copied into it); otherwise it is an
// ordinary append.
func (a *Slab[T]) Append(s []T, v T) []T {
	n := len(s)
	if n > 0 && (n > len(a.buf) || &a.buf[len(a.buf)-n] != &s[0]) {
		return append(s, v)
	}
	if len(a.buf) == cap(a.buf) {
		size := slabBlock
		if 2*(n+1) > size {
			size = 2 * (n + 1)
		}
		nb := make([]T, n, size)
		copy(nb, s)
		a.buf = nb
	}
	a.buf = append(a.buf, v)
	end := len(a.buf)
	return a.buf[end-n-1 : end : end]
}

// Alloc returns a pointer to a new element set to v, cut from the slab's
// current block.
func (a *Slab[T]) Alloc(v T) *T {
	if len(a.buf) == cap(a.buf) {
		a.buf = make([]T, 0, slabBlock)
	}
	a.buf = append(a.buf, v)
	return &a.buf[len(a.buf)-1]
}

// Make returns a new slice of n zero elements (cap n) cut from the slab's
// current block, for a caller that knows how many it will fill. A slice
// longer than a quarter block is allocated on its own.
func (a *Slab[T]) Make(n int) []T {
	if n > slabBlock/4 {
		return make([]T, n)
	}
	if n > cap(a.buf)-len(a.buf) {
		a.buf = make([]T, 0, slabBlock)
	}
	end := len(a.buf) + n
	s := a.buf[len(a.buf):end:end]
	a.buf = a.buf[:end]
	return s
}

// Grow returns s with one zero element appended. Unlike append, which
// grows a slice of more than 256 elements by about a quarter at a time,
// it doubles the capacity when s is full: a reader appending thousands of
// large structs (an 835's claims, a 271's subscribers) then copies each
// one at most about twice in all instead of a dozen times, and the garbage
// collector has that much less to do while the model is built.
func Grow[T any](s []T) []T {
	n := len(s)
	if n == cap(s) {
		c := 2 * n
		if c < 4 {
			c = 4
		}
		ns := make([]T, n, c)
		copy(ns, s)
		s = ns
	}
	s = s[:n+1]
	var zero T
	s[n] = zero
	return s
}
