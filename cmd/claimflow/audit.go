package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/claimflow/claimflow/archive"
	"github.com/claimflow/claimflow/store"
)

func init() {
	register(command{name: "audit", args: "verify [-require-checkpoint] | checkpoint",
		help: "verify the audit log (hash chain, head MACs, the archive's last signed checkpoint; exit 1 naming the failed check), or export a signed checkpoint to the archive now",
		run:  cmdAudit})
}

func cmdAudit(ctx context.Context, args []string, getenv func(string) string, stdout, logOut io.Writer) error {
	if len(args) == 0 || (args[0] != "verify" && args[0] != "checkpoint") {
		return usageError{"want: audit verify [-require-checkpoint] | audit checkpoint"}
	}
	fs := flag.NewFlagSet("audit "+args[0], flag.ContinueOnError)
	fs.SetOutput(logOut)
	// With an archive configured (CLAIMFLOW_S3_ENDPOINT set), verify needs
	// its checkpoint; otherwise it checks it when the archive answers.
	require := fs.Bool("require-checkpoint", getenv("CLAIMFLOW_S3_ENDPOINT") != "", "fail when the archive's last checkpoint cannot be read")
	if err := fs.Parse(args[1:]); err != nil || fs.NArg() != 0 {
		return usageError{"want: audit verify [-require-checkpoint] | audit checkpoint"}
	}
	m, err := NewMain(getenv, logOut)
	if err != nil {
		return err
	}
	defer m.Close()
	if err := m.openStoreOnly(ctx); err != nil {
		return err
	}
	if args[0] == "checkpoint" {
		a, err := openArchiveWith(ctx, m.Config, m.Keyring)
		if err != nil {
			return err
		}
		key, err := auditCheckpoints{s: m.Store, a: a}.ExportAuditCheckpoint(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "checkpoint %s\n", key)
		return nil
	}
	cp, cpErr := latestCheckpoint(ctx, m)
	rep, err := m.Store.VerifyAuditAgainst(ctx, cp)
	if err != nil {
		return err
	}
	if cpErr != nil {
		msg := "checkpoint: " + cpErr.Error()
		if *require || errors.Is(cpErr, store.ErrCheckpointMAC) {
			rep.Problems = append(rep.Problems, msg)
			rep.Failed = append(rep.Failed, store.CheckCheckpoint)
			rep.OK = false
		} else {
			fmt.Fprintf(logOut, "warning: not checked against a checkpoint (%s); truncation and chain deletion go undetected without one\n", cpErr)
		}
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(rep); err != nil {
		return err
	}
	if !rep.OK {
		fmt.Fprintf(logOut, "audit log verification failed: %s (%d problem(s))\n", strings.Join(rep.Failed, ", "), len(rep.Problems))
		return exitCode(1)
	}
	return nil
}

// latestCheckpoint reads and authenticates the archive's last audit
// checkpoint.
func latestCheckpoint(ctx context.Context, m *Main) (*store.AuditCheckpoint, error) {
	a, err := openArchiveWith(ctx, m.Config, m.Keyring)
	if err != nil {
		return nil, fmt.Errorf("the archive cannot be read: %w", err)
	}
	body, key, err := a.LatestCheckpoint(ctx)
	if errors.Is(err, archive.ErrNotFound) {
		return nil, errors.New("the archive holds no checkpoint yet (claimflow audit checkpoint exports one)")
	}
	if err != nil {
		return nil, fmt.Errorf("the archive cannot be read: %w", err)
	}
	var cp store.AuditCheckpoint
	if err := json.Unmarshal(body, &cp); err != nil {
		return nil, fmt.Errorf("%s is not a checkpoint: %w", key, store.ErrCheckpointMAC)
	}
	if err := m.Store.VerifyCheckpoint(cp); err != nil {
		return nil, fmt.Errorf("%s: %w", key, err)
	}
	return &cp, nil
}

// auditCheckpoints exports signed checkpoints of the audit log to the
// archive (the AuditCheckpoint schedule's activity, and the CLI).
type auditCheckpoints struct {
	s *store.Store
	a *archive.Archive
}

func (c auditCheckpoints) ExportAuditCheckpoint(ctx context.Context) (string, error) {
	cp, err := c.s.NewAuditCheckpoint(ctx)
	if err != nil {
		return "", err
	}
	body, err := json.Marshal(cp)
	if err != nil {
		return "", err
	}
	return c.a.PutCheckpoint(ctx, cp.At, body)
}
