package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/user"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/claimflow/claimflow/archive"
	"github.com/claimflow/claimflow/config"
	"github.com/claimflow/claimflow/keyring"
	"github.com/claimflow/claimflow/store"
)

func init() {
	register(command{name: "archive", args: "list [-partner P] [-direction inbound|outbound] [-from D] [-to D] | get HASH | backup FILE | restore FILE",
		help: "list archived EDI files, print one decrypted, or back up / restore the whole bucket (sealed, as stored)", run: cmdArchive})
}

// openArchive connects to the configured S3 archive with the configured
// keyring.
func openArchive(ctx context.Context, cfg config.Config) (*archive.Archive, error) {
	if err := keyFileExists(cfg); err != nil {
		return nil, err
	}
	kr, err := keyring.FromConfig(ctx, keyringSettings(cfg))
	if err != nil {
		return nil, err
	}
	return openArchiveWith(ctx, cfg, kr)
}

// openArchiveWith connects to the configured S3 archive with kr.
func openArchiveWith(ctx context.Context, cfg config.Config, kr *keyring.Keyring) (*archive.Archive, error) {
	return archive.Open(ctx, archive.Options{Endpoint: cfg.S3Endpoint, Region: cfg.S3Region, Bucket: cfg.S3Bucket,
		AccessKey: cfg.S3AccessKey, SecretKey: cfg.S3SecretKey, Sealer: kr})
}

// operatorActor is the audit identity of an operator command: no claimflow
// user, the operating-system account and host in the request ID.
func operatorActor(command string) store.Actor {
	who := "unknown"
	if u, err := user.Current(); err == nil {
		who = u.Username
	}
	host, _ := os.Hostname()
	return store.Actor{SourceIP: "cli", RequestID: "cli " + command + " by " + who + "@" + host}
}

func cmdArchive(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usageError{"want list or get"}
	}
	cfg, err := config.Load(getenv)
	if err != nil {
		return err
	}
	switch args[0] {
	case "list":
		fs := flag.NewFlagSet("archive list", flag.ContinueOnError)
		fs.SetOutput(stderr)
		partner := fs.String("partner", "", "only this partner")
		dir := fs.String("direction", "", "inbound or outbound")
		from := fs.String("from", "", "first day, YYYY-MM-DD (UTC)")
		to := fs.String("to", "", "last day, YYYY-MM-DD (UTC)")
		limit := fs.Int("limit", 100, "at most this many files (0: all)")
		if err := fs.Parse(args[1:]); err != nil {
			return usageError{err.Error()}
		}
		f := archive.Filter{Partner: *partner, Direction: archive.Direction(*dir), Limit: *limit}
		if *dir != "" && f.Direction != archive.Inbound && f.Direction != archive.Outbound {
			return usageError{"-direction must be inbound or outbound"}
		}
		for _, d := range []struct {
			s   string
			out *time.Time
		}{{*from, &f.From}, {*to, &f.To}} {
			if d.s == "" {
				continue
			}
			if *d.out, err = time.Parse("2006-01-02", d.s); err != nil {
				return usageError{fmt.Sprintf("%q is not a date such as 2026-01-31", d.s)}
			}
		}
		a, err := openArchive(ctx, cfg)
		if err != nil {
			return err
		}
		list, err := a.List(ctx, f)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "HASH\tRECEIVED\tPARTNER\tDIRECTION\tSETS\tISA13\tGS06\tSIZE")
		for _, e := range list {
			if st, err := a.Stat(ctx, e.Hash); err == nil {
				e = st
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d\n", e.Hash, e.Received.Format(time.RFC3339), e.Partner, e.Direction,
				strings.Join(e.Sets, ","), strings.Join(e.ISA13, ","), strings.Join(e.GS06, ","), e.Size)
		}
		return tw.Flush()
	case "get":
		if len(args) != 2 {
			return usageError{"want: archive get HASH"}
		}
		// Decrypting a file discloses PHI: it is audited (under each
		// organisation the file carries) before anything is printed.
		m, err := NewMain(getenv, stderr)
		if err != nil {
			return err
		}
		defer m.Close()
		if err := m.openStoreOnly(ctx); err != nil {
			return err
		}
		a, err := openArchiveWith(ctx, m.Config, m.Keyring)
		if err != nil {
			return err
		}
		hash := strings.ToLower(args[1])
		body, _, err := a.Get(ctx, hash)
		if err != nil {
			return err
		}
		if _, err := m.Store.RecordArchiveRead(ctx, operatorActor("archive get"), hash); err != nil {
			return fmt.Errorf("audit: %w (nothing was printed)", err)
		}
		_, err = stdout.Write(body)
		return err
	case "backup", "restore":
		if len(args) != 2 {
			return usageError{"want: archive " + args[0] + " FILE (- for standard output or input)"}
		}
		return archiveBackup(ctx, cfg, args[0], args[1], stdout, stderr)
	}
	return usageError{fmt.Sprintf("unknown archive command %q: want list, get, backup or restore", args[0])}
}

// archiveBackup writes the bucket's objects, sealed as stored, to a tar
// file, or puts a tar file's objects back (the backup drill, issue 20).
// Nothing is decrypted, so nothing is audited as a read of PHI; the key
// material is backed up apart (deploy/README.md, "Backup and restore").
func archiveBackup(ctx context.Context, cfg config.Config, op, path string, stdout, stderr io.Writer) error {
	a, err := openArchive(ctx, cfg)
	if err != nil {
		return err
	}
	start := time.Now()
	var st archive.BackupStats
	if op == "backup" {
		w := stdout
		if path != "-" {
			f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600) //nolint:gosec // G703: the operator names the backup file on the command line
			if err != nil {
				return err
			}
			defer f.Close()
			w = f
		}
		if st, err = a.Backup(ctx, w); err != nil {
			return err
		}
		if f, ok := w.(*os.File); ok && f != stdout {
			if err := f.Sync(); err != nil {
				return err
			}
		}
	} else {
		var r io.Reader = os.Stdin
		if path != "-" {
			f, err := os.Open(path) //nolint:gosec // G703: the operator names the backup file on the command line
			if err != nil {
				return err
			}
			defer f.Close()
			r = f
		}
		if st, err = a.Restore(ctx, r); err != nil {
			return err
		}
	}
	fmt.Fprintf(stderr, "archive %s: %d objects, %d bytes, bucket %s, in %s\n", op, st.Objects, st.Bytes, cfg.S3Bucket, time.Since(start).Round(time.Millisecond))
	return nil
}

// keyringSettings passes the configuration's key settings to the keyring.
func keyringSettings(c config.Config) keyring.Settings {
	return keyring.Settings{KeyFile: c.KeyFile, KMSEndpoint: c.KMSEndpoint, KMSKeyID: c.KMSKeyID, KMSRegion: c.KMSRegion, KMSIndexKey: c.KMSIndexKey}
}
