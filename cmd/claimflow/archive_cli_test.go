package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/claimflow/claimflow/archive"
	"github.com/claimflow/claimflow/archive/archivetest"
	"github.com/claimflow/claimflow/internal/testenv"
)

// TestArchiveGetIsAudited (issue 14, finding 8): claimflow archive get
// decrypts PHI, so it writes an audit row (the operator's identity, the
// file's hash) before printing, and prints nothing when it cannot.
func TestArchiveGetIsAudited(t *testing.T) {
	ctx := context.Background()
	s3 := archivetest.StartS3(t)
	dir := t.TempDir()
	getenv := env(map[string]string{
		"DATABASE_URL": testenv.DatabaseURL(t), "CLAIMFLOW_DATA_DIR": dir, "CLAIMFLOW_KEY_FILE": filepath.Join(dir, "kek.json"),
		"CLAIMFLOW_S3_ENDPOINT": s3.Endpoint, "CLAIMFLOW_S3_ACCESS_KEY": s3.AccessKey, "CLAIMFLOW_S3_SECRET_KEY": s3.SecretKey,
	})
	var out, errb bytes.Buffer
	if code := run(ctx, []string{"migrate", "up"}, getenv, &out, &errb); code != 0 {
		t.Fatalf("migrate: %d %s", code, errb.String())
	}
	m, err := NewMain(getenv, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.openStoreOnly(ctx); err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	a, err := openArchiveWith(ctx, m.Config, m.Keyring)
	if err != nil {
		t.Fatal(err)
	}
	body, err := os.ReadFile(filepath.Join(testenv.RepoRoot(t), "edi/testdata/837p-valid.x12"))
	if err != nil {
		t.Fatal(err)
	}
	e, _, err := a.Put(ctx, body, archive.Meta{Direction: archive.Outbound, Partner: "local", Received: time.Now().UTC()})
	if err != nil {
		t.Fatal(err)
	}
	audited := func() int {
		t.Helper()
		var n int
		if err := m.Store.Pool.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE resource = 'archive_file' AND action = 'read'
			AND resource_id = $1 AND request_id LIKE 'cli archive get by %' AND actor_id IS NULL`, e.Hash).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	out.Reset()
	if code := run(ctx, []string{"archive", "get", e.Hash}, getenv, &out, &errb); code != 0 || !bytes.Equal(out.Bytes(), body) {
		t.Fatalf("archive get: exit %d, printed %d bytes: %s", code, out.Len(), errb.String())
	}
	if n := audited(); n != 1 {
		t.Fatalf("archive get wrote %d audit rows, want 1", n)
	}
	// When the audit row cannot be written, the file is not printed.
	if _, err := m.Store.Pool.Exec(ctx, `ALTER TABLE audit_log ADD CONSTRAINT test_no_archive_reads CHECK (resource <> 'archive_file') NOT VALID`); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if code := run(ctx, []string{"archive", "get", e.Hash}, getenv, &out, &errb); code == 0 || out.Len() != 0 {
		t.Fatalf("archive get without an audit row: exit %d, printed %d bytes", code, out.Len())
	}
}

// TestOperatorCommandsCreateNoKeys (issue 16, item 8): `claimflow archive
// list` run outside the repository made a fresh key file in ./.data, after
// which `archive get` failed with "unknown key version". Operator commands
// now refuse, naming where they looked, and leave no key behind; migrate up
// (the setup step) still makes one.
func TestOperatorCommandsCreateNoKeys(t *testing.T) {
	ctx := context.Background()
	s3 := archivetest.StartS3(t)
	dsn := testenv.DatabaseURL(t)
	elsewhere := t.TempDir() // a directory claimflow never ran in
	getenv := env(map[string]string{"DATABASE_URL": dsn, "CLAIMFLOW_DATA_DIR": filepath.Join(elsewhere, ".data"),
		"CLAIMFLOW_S3_ENDPOINT": s3.Endpoint, "CLAIMFLOW_S3_BUCKET": "claimflow-test",
		"CLAIMFLOW_S3_ACCESS_KEY": s3.AccessKey, "CLAIMFLOW_S3_SECRET_KEY": s3.SecretKey})
	for _, args := range [][]string{{"archive", "list"}, {"archive", "get", "00"}, {"audit", "verify"}, {"keys", "rotate"},
		{"users", "create-admin", "-org", "TEST ORG"}} {
		var out, errb bytes.Buffer
		code := run(ctx, args, getenv, &out, &errb)
		if code == 0 || !bytes.Contains(errb.Bytes(), []byte("no key file at")) {
			t.Errorf("%v: exit %d, stderr %q; want a failure naming the missing key file", args, code, errb.String())
		}
		if _, err := os.Stat(filepath.Join(elsewhere, ".data")); !os.IsNotExist(err) {
			t.Fatalf("%v created %s (%v)", args, filepath.Join(elsewhere, ".data"), err)
		}
	}
	var out, errb bytes.Buffer
	if code := run(ctx, []string{"migrate", "up"}, getenv, &out, &errb); code != 0 {
		t.Fatalf("migrate up: %d %s", code, errb.String())
	}
	if _, err := os.Stat(filepath.Join(elsewhere, ".data", "keys", "kek.json")); err != nil {
		t.Fatalf("migrate up made no key file: %v", err)
	}
	out.Reset()
	errb.Reset()
	if code := run(ctx, []string{"archive", "list"}, getenv, &out, &errb); code != 0 {
		t.Fatalf("archive list with the key in place: %d %s", code, errb.String())
	}
}
