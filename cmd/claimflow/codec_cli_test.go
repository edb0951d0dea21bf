package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/claimflow/claimflow/internal/testenv"
	"github.com/claimflow/claimflow/store"
)

// TestGrantSystemCommand: only the operator command gives the
// workflow:decode-system platform grant, to an existing login.
func TestGrantSystemCommand(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	getenv := env(map[string]string{"DATABASE_URL": testenv.DatabaseURL(t), "CLAIMFLOW_DATA_DIR": dir,
		"CLAIMFLOW_KEY_FILE": filepath.Join(dir, "kek.json"), "CLAIMFLOW_ADMIN_PASSWORD": "a long enough test password"})
	cli := func(args ...string) (int, string) {
		var out, errb bytes.Buffer
		code := run(ctx, args, getenv, &out, &errb)
		return code, out.String() + errb.String()
	}
	for _, args := range [][]string{{"migrate", "up"}, {"users", "create-admin", "-login", "platform"}} {
		if code, out := cli(args...); code != 0 {
			t.Fatalf("%v: %d %s", args, code, out)
		}
	}
	if code, out := cli("users", "grant-system", "nobody"); code == 0 || !strings.Contains(out, "no user") {
		t.Fatalf("grant to an unknown login: %d %s", code, out)
	}
	code, out := cli("users", "grant-system", "platform")
	if code != 0 || !strings.Contains(out, store.PermWorkflowDecodeSystem) {
		t.Fatalf("grant-system: %d %s", code, out)
	}
	m, err := NewMain(getenv, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if err := m.openStoreOnly(ctx); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := m.Store.Pool.QueryRow(ctx, "SELECT count(*) FROM platform_grants g JOIN users u ON u.id = g.user_id WHERE u.login = 'platform' AND g.permission = $1", store.PermWorkflowDecodeSystem).Scan(&n); err != nil || n != 1 {
		t.Fatalf("platform grants = %d (%v)", n, err)
	}
	if err := m.Store.Pool.QueryRow(ctx, "SELECT count(*) FROM audit_log WHERE resource = 'platform_grant' AND action = 'grant'").Scan(&n); err != nil || n != 1 {
		t.Fatalf("grant audit rows = %d (%v)", n, err)
	}
}
