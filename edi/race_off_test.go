//go:build !race

package edi

// raceEnabled: this test binary was built without the race detector.
const raceEnabled = false
