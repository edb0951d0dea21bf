//go:build race

package edi

// raceEnabled: this test binary was built with the race detector, whose
// shadow memory and instrumentation make heap measurements meaningless and
// multi-megabyte streams ten times slower.
const raceEnabled = true
