package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/claimflow/claimflow/archive"
	"github.com/claimflow/claimflow/archive/archivetest"
	"github.com/claimflow/claimflow/internal/testenv"
)

// TestArchiveBackupRestoreCLI plays the operator's half of the backup drill
// (issue 20) through the CLI: `claimflow archive backup FILE` of one
// bucket, `archive restore FILE` into an empty one, and `archive get` from
// the restored bucket gives the file back; a backup never overwrites an
// existing file.
func TestArchiveBackupRestoreCLI(t *testing.T) {
	ctx := context.Background()
	s3 := archivetest.StartS3(t)
	dir := t.TempDir()
	vars := map[string]string{
		"DATABASE_URL": testenv.DatabaseURL(t), "CLAIMFLOW_DATA_DIR": dir, "CLAIMFLOW_KEY_FILE": filepath.Join(dir, "kek.json"),
		"CLAIMFLOW_S3_ENDPOINT": s3.Endpoint, "CLAIMFLOW_S3_ACCESS_KEY": s3.AccessKey, "CLAIMFLOW_S3_SECRET_KEY": s3.SecretKey,
		"CLAIMFLOW_S3_BUCKET": "drill-source",
	}
	var out, errb bytes.Buffer
	if code := run(ctx, []string{"migrate", "up"}, env(vars), &out, &errb); code != 0 {
		t.Fatalf("migrate: %d %s", code, errb.String())
	}
	m, err := NewMain(env(vars), &bytes.Buffer{})
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

	file := filepath.Join(t.TempDir(), "archive.tar")
	if code := run(ctx, []string{"archive", "backup", file}, env(vars), &out, &errb); code != 0 {
		t.Fatalf("archive backup: exit %d: %s", code, errb.String())
	}
	if !strings.Contains(errb.String(), "archive backup: 2 objects") { // the file and its index marker
		t.Errorf("archive backup reported %q, want 2 objects", errb.String())
	}
	errb.Reset()
	if code := run(ctx, []string{"archive", "backup", file}, env(vars), &out, &errb); code == 0 {
		t.Error("a second backup to the same file succeeded; it must not overwrite a backup")
	}

	vars["CLAIMFLOW_S3_BUCKET"] = "drill-restored"
	errb.Reset()
	if code := run(ctx, []string{"archive", "restore", file}, env(vars), &out, &errb); code != 0 {
		t.Fatalf("archive restore: exit %d: %s", code, errb.String())
	}
	out.Reset()
	if code := run(ctx, []string{"archive", "get", e.Hash}, env(vars), &out, &errb); code != 0 || !bytes.Equal(out.Bytes(), body) {
		t.Fatalf("archive get from the restored bucket: exit %d, %d bytes: %s", code, out.Len(), errb.String())
	}
}
