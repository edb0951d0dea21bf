//go:build !race

package workflows

// raceEnabled: this test binary was built without the race detector.
const raceEnabled = false
