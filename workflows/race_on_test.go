//go:build race

package workflows

// raceEnabled: this test binary was built with the race detector, which
// slows every task several times over (timing tests skip themselves).
const raceEnabled = true
