// Command x12cmd runs the x12 command line (edi/x12cli) on its own, for
// scripts/bench-edi.sh and local use before it is wired into cmd/.
package main

import (
	"os"

	"github.com/claimflow/claimflow/edi/x12cli"
)

func main() {
	x12cli.TuneProcess(os.Args[1:])
	os.Exit(x12cli.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
