package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/claimflow/claimflow/keyring"
)

func init() {
	register(command{name: "keys", args: "rotate [-rewrap-only] [-batch N]",
		help: "make a new key-encryption key version current, then re-wrap every row's data key in batches (online)", run: cmdKeys})
}

func cmdKeys(ctx context.Context, args []string, getenv func(string) string, stdout, logOut io.Writer) error {
	if len(args) == 0 || args[0] != "rotate" {
		return usageError{"want: keys rotate [-rewrap-only] [-batch N]"}
	}
	fs := flag.NewFlagSet("keys rotate", flag.ContinueOnError)
	fs.SetOutput(logOut)
	rewrapOnly := fs.Bool("rewrap-only", false, "do not add a KEK version; only re-wrap rows still under an older one (resume an interrupted rotation)")
	batch := fs.Int("batch", 500, "rows per transaction")
	if err := fs.Parse(args[1:]); err != nil {
		return usageError{err.Error()}
	}
	m, err := NewMain(getenv, logOut)
	if err != nil {
		return err
	}
	defer m.Close()
	if err := m.openStoreOnly(ctx); err != nil {
		return err
	}
	if !*rewrapOnly {
		var id string
		switch kek := m.Keyring.KEK().(type) {
		case *keyring.LocalKEK:
			id, err = kek.Rotate()
		case *keyring.KMSKEK:
			id, err = kek.Rotate(ctx)
		default:
			err = fmt.Errorf("this key-encryption key cannot rotate itself; rotate it at its source, then run keys rotate -rewrap-only")
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "key-encryption key version %s is current\n", id)
	}
	rep, err := m.Store.RotateKeys(ctx, *batch)
	for _, t := range []string{"users", "patients", "coverages", "idempotency_keys", "payload_keys"} {
		fmt.Fprintf(stdout, "%-18s %d data key(s) re-wrapped\n", t, rep[t])
	}
	return err
}
