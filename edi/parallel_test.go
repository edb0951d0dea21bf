package edi

import (
	"os"
	"testing"
)

type panicChecker struct{}

func (panicChecker) Start(SetInfo) SetChecker { return panicSet{} }

type panicSet struct{}

func (panicSet) Segment(s *Segment, _ Place, _ func(*Error)) {
	if s.Tag() == tagSE {
		panic("boom")
	}
}

func (panicSet) End(*Segment, int, func(*Error)) {}

// TestParallelPanicReachesCaller: a panic while a worker checks a set
// reaches the caller's goroutine, where it can be recovered, as with the
// sequential validator (on a worker it would end the process).
func TestParallelPanicReachesCaller(t *testing.T) {
	b, err := os.ReadFile("testdata/837p-multi.x12")
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []int{1, 3} {
		func() {
			defer func() {
				if p := recover(); p != "boom" {
					t.Errorf("%d workers: recovered %v, want boom", w, p)
				}
			}()
			_, _ = ValidateBytes(b, &Options{Workers: w, Checker: panicChecker{}})
		}()
	}
}

// TestBatchPoolSizes: the pool makes batches of 64, 128, ... segments up
// to batchSegs, however many it may hold. With 4 workers it holds 72, and
// the size was 32<<made: from the 58th batch the shift overflowed to a
// negative capacity, so `claimflow x12 validate` panicked on a 2 MB 837P
// wherever GOMAXPROCS was 4 or more.
func TestBatchPoolSizes(t *testing.T) {
	for _, workers := range []int{1, 2, 4, 64} {
		bp := &batchPool{free: make(chan *segBatch, 16*workers+8)}
		for i := 1; i <= cap(bp.free); i++ {
			b := bp.get()
			want := batchSegs
			if i < 5 {
				want = 32 << i
			}
			if cap(b.recs) != want {
				t.Fatalf("%d workers: batch %d holds %d segments, want %d", workers, i, cap(b.recs), want)
			}
		}
	}
}
