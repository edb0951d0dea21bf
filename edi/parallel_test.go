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
