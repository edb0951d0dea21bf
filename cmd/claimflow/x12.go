package main

import (
	"context"
	"io"
	"os"

	"github.com/claimflow/claimflow/edi/x12cli"
)

func init() {
	register(command{name: "x12", args: "validate|json|from-json|fmt|ack [--mask] [--compact] [--level N] [--inbound] FILE...", help: "validate, convert to JSON and back, reformat or acknowledge X12 files (- for stdin)",
		run: func(_ context.Context, args []string, _ func(string) string, stdout, stderr io.Writer) error {
			if code := x12cli.Main(args, os.Stdin, stdout, stderr); code != 0 {
				return exitCode(code)
			}
			return nil
		}})
}
