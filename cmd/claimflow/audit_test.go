package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/claimflow/claimflow/internal/testenv"
)

// TestOperatorCommands: users create-admin bootstraps a usable admin, audit
// verify passes on an intact chain and fails (exit 1) on an altered one,
// keys rotate re-wraps every data key.
func TestOperatorCommands(t *testing.T) {
	ctx := context.Background()
	dsn := testenv.DatabaseURL(t)
	dir := t.TempDir()
	getenv := env(map[string]string{"DATABASE_URL": dsn, "CLAIMFLOW_DATA_DIR": dir, "CLAIMFLOW_KEY_FILE": filepath.Join(dir, "kek.json"),
		"CLAIMFLOW_ADMIN_PASSWORD": "a long enough test password"})
	runOK := func(args ...string) string {
		t.Helper()
		var out, errb bytes.Buffer
		if code := run(ctx, args, getenv, &out, &errb); code != 0 {
			t.Fatalf("claimflow %s: exit %d: %s%s", strings.Join(args, " "), code, out.String(), errb.String())
		}
		return out.String()
	}
	runOK("migrate", "up")
	out := runOK("users", "create-admin", "-org", "TEST HEALTH SYSTEM", "-token")
	if !strings.Contains(out, "TOTP secret") || !strings.Contains(out, "API token     cf_sys_") || strings.Contains(out, "a long enough test password") {
		t.Fatalf("create-admin printed:\n%s", out)
	}
	if out := runOK("audit", "verify"); !strings.Contains(out, `"ok": true`) {
		t.Fatalf("verify:\n%s", out)
	}
	out = runOK("keys", "rotate", "-batch", "1")
	if !strings.Contains(out, "users              1 data key(s) re-wrapped") {
		t.Fatalf("rotate:\n%s", out)
	}
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	verifyFails := func(what string) {
		t.Helper()
		var outb, errb bytes.Buffer
		if code := run(ctx, []string{"audit", "verify"}, getenv, &outb, &errb); code != 1 || !strings.Contains(outb.String(), `"ok": false`) {
			t.Fatalf("verify after %s: exit %d\n%s%s", what, code, outb.String(), errb.String())
		}
	}
	exec := func(sql string) {
		t.Helper()
		if _, err := conn.Exec(ctx, sql); err != nil {
			t.Fatal(err)
		}
	}
	// Forge a row the chain does not cover, right after the last row of
	// chain 0 (whichever chains create-admin and rotate took), so the key
	// (chain, seq) cannot collide with a real row (issue 22).
	exec(`INSERT INTO audit_log (chain, seq, at, action, resource, resource_id, prev_hash, hash)
		SELECT 0, coalesce(max(seq), 0) + 1, now(), 'read', 'patient', 'forged', '\x00', '\x00'
		FROM audit_log WHERE chain = 0`)
	verifyFails("a forged row")
	exec(`DELETE FROM audit_log WHERE resource_id = 'forged'`)
	runOK("audit", "verify")
	// Alter a real row: its hash no longer matches its content.
	exec(`UPDATE audit_log SET resource_id = 'altered' WHERE id = (SELECT min(id) FROM audit_log)`)
	verifyFails("an altered row")
}
