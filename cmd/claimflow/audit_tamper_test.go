package main

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/claimflow/claimflow/archive/archivetest"
	"github.com/claimflow/claimflow/internal/testenv"
	"github.com/claimflow/claimflow/store"
)

// auditBench is a migrated database with an audit log of many rows over
// the 32 chains, a real S3 archive (versitygw), and the claimflow CLI
// configured for both.
type auditBench struct {
	t      *testing.T
	getenv func(string) string
	conn   *pgx.Conn
	m      *Main
}

func newAuditBench(t *testing.T) *auditBench {
	t.Helper()
	ctx := context.Background()
	s3 := archivetest.StartS3(t)
	dsn := testenv.DatabaseURL(t)
	dir := t.TempDir()
	b := &auditBench{t: t, getenv: env(map[string]string{
		"DATABASE_URL": dsn, "CLAIMFLOW_DATA_DIR": dir, "CLAIMFLOW_KEY_FILE": filepath.Join(dir, "kek.json"),
		"CLAIMFLOW_ADMIN_PASSWORD": "a long enough test password",
		"CLAIMFLOW_S3_ENDPOINT":    s3.Endpoint, "CLAIMFLOW_S3_ACCESS_KEY": s3.AccessKey, "CLAIMFLOW_S3_SECRET_KEY": s3.SecretKey,
		"CLAIMFLOW_S3_BUCKET": "claimflow-audit-test",
	})}
	b.run(0, "migrate", "up")
	b.run(0, "users", "create-admin", "-org", "TEST HEALTH SYSTEM")
	m, err := NewMain(b.getenv, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.openStoreOnly(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	b.m = m
	b.appendRows(150)
	if b.conn, err = pgx.Connect(ctx, dsn); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.conn.Close(context.Background()) })
	return b
}

// appendRows writes n audit rows (each on whichever chain is free).
func (b *auditBench) appendRows(n int) {
	b.t.Helper()
	for i := 0; i < n; i++ {
		if err := b.m.Store.RecordAccess(context.Background(), store.System, store.AuditEntry{Action: "read", Resource: "test", ResourceID: "row"}); err != nil {
			b.t.Fatal(err)
		}
	}
}

// run runs the CLI and wants exit code want.
func (b *auditBench) run(want int, args ...string) (string, string) {
	b.t.Helper()
	var out, errb bytes.Buffer
	if code := run(context.Background(), args, b.getenv, &out, &errb); code != want {
		b.t.Fatalf("claimflow %s: exit %d, want %d\n%s%s", strings.Join(args, " "), code, want, out.String(), errb.String())
	}
	return out.String(), errb.String()
}

func (b *auditBench) exec(sql string, args ...any) {
	b.t.Helper()
	if _, err := b.conn.Exec(context.Background(), sql, args...); err != nil {
		b.t.Fatal(err)
	}
}

// longestChain is the chain with the most rows, and its last seq.
func (b *auditBench) longestChain() (int, int64) {
	b.t.Helper()
	var chain int
	var seq int64
	if err := b.conn.QueryRow(context.Background(), "SELECT chain, seq FROM audit_head ORDER BY seq DESC, chain LIMIT 1").Scan(&chain, &seq); err != nil {
		b.t.Fatal(err)
	}
	if seq < 3 {
		b.t.Fatalf("longest chain %d has only %d rows", chain, seq)
	}
	return chain, seq
}

// verifyFails runs audit verify, wants exit 1 and exactly the checks
// wantFailed reported failed, each with a message prefixed by its name.
func (b *auditBench) verifyFails(wantFailed ...string) store.AuditReport {
	b.t.Helper()
	out, errOut := b.run(1, "audit", "verify")
	var rep store.AuditReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		b.t.Fatalf("verify printed %s (%v)", out, err)
	}
	slices.Sort(rep.Failed)
	slices.Sort(wantFailed)
	if rep.OK || !slices.Equal(rep.Failed, wantFailed) {
		b.t.Fatalf("verify: ok %v, failed %v; want failed %v\n%s", rep.OK, rep.Failed, wantFailed, out)
	}
	for _, check := range wantFailed {
		found := false
		for _, p := range rep.Problems {
			found = found || strings.HasPrefix(p, check+": ")
		}
		if !found {
			b.t.Errorf("no problem reported under %q: %v", check, rep.Problems)
		}
		if !strings.Contains(errOut, check) {
			b.t.Errorf("the exit message does not name %q: %s", check, errOut)
		}
	}
	return rep
}

// TestAuditVerifyDetectsTailDeletionWithHeadRewind (issue 14, finding 3):
// deleting a chain's last row and rewinding its head to the row before
// used to pass (exit 0). The rewound head fails its MAC, and the log no
// longer reaches the checkpointed row. An authentic older head replayed
// after deleting the rows written since is caught by the checkpoint alone.
func TestAuditVerifyDetectsTailDeletionWithHeadRewind(t *testing.T) {
	b := newAuditBench(t)
	b.run(0, "audit", "checkpoint")
	if out, _ := b.run(0, "audit", "verify"); !strings.Contains(out, `"checkpoint"`) {
		t.Fatalf("intact log, verified without its checkpoint:\n%s", out)
	}
	chain, seq := b.longestChain()
	b.exec("DELETE FROM audit_log WHERE chain = $1 AND seq = $2", chain, seq)
	b.exec("UPDATE audit_head SET seq = $2, hash = (SELECT hash FROM audit_log WHERE chain = $1 AND seq = $2) WHERE chain = $1", chain, seq-1)
	b.verifyFails(store.CheckHeadMAC, store.CheckCheckpoint)
	// Clearing the MAC does not help.
	b.exec("UPDATE audit_head SET mac = NULL WHERE chain = $1", chain)
	b.verifyFails(store.CheckHeadMAC, store.CheckCheckpoint)
}

// TestAuditVerifyDetectsHeadReplay: the heads saved at one moment, replayed
// after rows written since (and checkpointed) are deleted, carry authentic
// MACs; the checkpoint catches the rollback.
func TestAuditVerifyDetectsHeadReplay(t *testing.T) {
	b := newAuditBench(t)
	b.exec("CREATE TABLE saved_heads AS SELECT * FROM audit_head")
	var before int64
	if err := b.conn.QueryRow(context.Background(), "SELECT max(id) FROM audit_log").Scan(&before); err != nil {
		t.Fatal(err)
	}
	b.appendRows(20)
	b.run(0, "audit", "checkpoint")
	b.run(0, "audit", "verify")
	b.exec("DELETE FROM audit_log WHERE id > $1", before)
	b.exec("UPDATE audit_head h SET seq = s.seq, hash = s.hash, mac = s.mac FROM saved_heads s WHERE s.chain = h.chain")
	b.verifyFails(store.CheckCheckpoint)
}

// TestAuditVerifyDetectsChainDeletion (issue 14, finding 3): deleting a
// whole chain with its head used to pass. The missing head is reported,
// and so is the chain the checkpoint holds; re-creating a genesis head in
// its place leaves the checkpoint to catch it.
func TestAuditVerifyDetectsChainDeletion(t *testing.T) {
	b := newAuditBench(t)
	b.run(0, "audit", "checkpoint")
	chain, _ := b.longestChain()
	b.exec("DELETE FROM audit_log WHERE chain = $1", chain)
	b.exec("DELETE FROM audit_head WHERE chain = $1", chain)
	b.verifyFails(store.CheckHeadMAC, store.CheckCheckpoint)
	b.exec(`INSERT INTO audit_head (chain, seq, hash) VALUES ($1, 0, '\x0000000000000000000000000000000000000000000000000000000000000000')`, chain)
	b.verifyFails(store.CheckCheckpoint)
}

// TestAuditVerifyDetectsTruncation (issue 14, finding 3): truncating the
// log and resetting every head to genesis used to pass, and it leaves a
// log that looks freshly installed: only the checkpoint shows it.
func TestAuditVerifyDetectsTruncation(t *testing.T) {
	b := newAuditBench(t)
	b.run(0, "audit", "checkpoint")
	b.exec("TRUNCATE audit_log")
	b.exec(`UPDATE audit_head SET seq = 0, hash = '\x0000000000000000000000000000000000000000000000000000000000000000', mac = NULL`)
	rep := b.verifyFails(store.CheckCheckpoint)
	if rep.Rows != 0 {
		t.Errorf("rows = %d after truncation", rep.Rows)
	}
	// A checkpoint not signed with this keyring's key (or altered) is
	// refused: the attacker cannot plant a fresh one to match.
	a, err := openArchiveWith(context.Background(), b.m.Config, b.m.Keyring)
	if err != nil {
		t.Fatal(err)
	}
	body, _, err := a.LatestCheckpoint(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var cp store.AuditCheckpoint
	if err := json.Unmarshal(body, &cp); err != nil {
		t.Fatal(err)
	}
	for i := range cp.Heads {
		cp.Heads[i].Seq, cp.Heads[i].Hash = 0, strings.Repeat("00", 32)
	}
	forged, _ := json.Marshal(cp)
	cp.At = cp.At.Add(1e9)
	if _, err := a.PutCheckpoint(context.Background(), cp.At, forged); err != nil {
		t.Fatal(err)
	}
	out, _ := b.run(1, "audit", "verify")
	if !strings.Contains(out, "not authentic") {
		t.Fatalf("a forged checkpoint was accepted:\n%s", out)
	}
}

// TestAuditVerifyRequiresCheckpoint: with an archive configured, verify
// fails when the archive holds no checkpoint (or cannot be read), so that
// removing checkpoints does not silence the check.
func TestAuditVerifyRequiresCheckpoint(t *testing.T) {
	b := newAuditBench(t)
	out, _ := b.run(1, "audit", "verify")
	if !strings.Contains(out, "no checkpoint") {
		t.Fatalf("verify without a checkpoint:\n%s", out)
	}
	b.run(0, "audit", "checkpoint")
	b.run(0, "audit", "verify")
}
