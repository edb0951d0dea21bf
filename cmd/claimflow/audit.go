package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
)

func init() {
	register(command{name: "audit", args: "verify", help: "walk the audit log's hash chain and report altered or deleted rows (exit 1 when broken)", run: cmdAudit})
}

func cmdAudit(ctx context.Context, args []string, getenv func(string) string, stdout, logOut io.Writer) error {
	if len(args) != 1 || args[0] != "verify" {
		return usageError{"want: audit verify"}
	}
	m, err := NewMain(getenv, logOut)
	if err != nil {
		return err
	}
	defer m.Close()
	if err := m.openStoreOnly(ctx); err != nil {
		return err
	}
	rep, err := m.Store.VerifyAudit(ctx)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(rep); err != nil {
		return err
	}
	if !rep.OK {
		fmt.Fprintf(logOut, "audit chain is broken: %d problem(s)\n", len(rep.Problems))
		return exitCode(1)
	}
	return nil
}
