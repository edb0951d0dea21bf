package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/claimflow/claimflow/internal/testenv"
	"github.com/claimflow/claimflow/keyring"
	"github.com/claimflow/claimflow/payloadcodec"
	"github.com/claimflow/claimflow/store"
	"github.com/claimflow/claimflow/workflows"
)

// TestMain lets the test binary act as a claimflow process: with
// CLAIMFLOW_TEST_EXEC set it runs those arguments instead of the tests, so
// an integration test can start (and kill) a real worker process.
func TestMain(m *testing.M) {
	if args := os.Getenv("CLAIMFLOW_TEST_EXEC"); args != "" {
		if n, err := strconv.Atoi(os.Getenv("CLAIMFLOW_TEST_KILL_AFTER_POSTS")); err == nil {
			// Die like kill -9 right after the slice holding the n-th claim
			// payment commits, slices of n.
			postingSliceHook = n
			afterPostHook = func(seq int) {
				if seq >= n {
					_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
				}
			}
		}
		main0(strings.Fields(args))
		return
	}
	os.Exit(m.Run())
}

func main0(args []string) {
	os.Args = append([]string{"claimflow"}, args...)
	main()
}

// env builds a getenv for one test's services.
func env(kv map[string]string) func(string) string {
	return func(k string) string { return kv[k] }
}

func startProcess(t *testing.T, name string, vars map[string]string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), "CLAIMFLOW_TEST_EXEC="+strings.Join(args, " "))
	for k, v := range vars {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	log := testenv.LogFile(t, name)
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_, _ = cmd.Process.Wait()
	})
	return cmd
}

func TestCommands(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"version"}, env(nil), &out, &errOut); code != 0 || !strings.HasPrefix(out.String(), "claimflow ") {
		t.Errorf("version: code %d, out %q", code, out.String())
	}
	out.Reset()
	if code := run(context.Background(), []string{"config"}, env(map[string]string{"STRIPE_SECRET_KEY": "sk_test_hidden"}), &out, &errOut); code != 0 || strings.Contains(out.String(), "sk_test_hidden") {
		t.Errorf("config: code %d, out %q", code, out.String())
	}
	if code := run(context.Background(), []string{"frobnicate"}, env(nil), &out, &errOut); code != 2 {
		t.Errorf("unknown command: code %d, want 2", code)
	}
	if code := run(context.Background(), []string{"migrate", "sideways"}, env(map[string]string{"DATABASE_URL": testenv.DatabaseURL(t)}), &out, &errOut); code != 2 {
		t.Errorf("bad migrate: code %d, want 2", code)
	}
}

func TestMigrateUpDownStatus(t *testing.T) {
	vars := env(map[string]string{"DATABASE_URL": testenv.EmptyDatabaseURL(t)})
	ctx := context.Background()
	var out, errOut bytes.Buffer
	for _, step := range []struct {
		args []string
		want string
	}{
		{[]string{"migrate", "status"}, "pending"},
		{[]string{"migrate", "up"}, "applied"},
		{[]string{"migrate", "status"}, "applied 20"},
		{[]string{"migrate", "up"}, "applied 0 migration"},
	} {
		out.Reset()
		if code := run(ctx, step.args, vars, &out, &errOut); code != 0 {
			t.Fatalf("%v: exit %d: %s", step.args, code, errOut.String())
		}
		if !strings.Contains(out.String(), step.want) {
			t.Fatalf("%v: output %q lacks %q", step.args, out.String(), step.want)
		}
	}
	// Roll everything back and apply it again: every Down must work.
	for {
		out.Reset()
		run(ctx, []string{"migrate", "status"}, vars, &out, &errOut)
		if !strings.Contains(out.String(), "applied 20") {
			break
		}
		if code := run(ctx, []string{"migrate", "down"}, vars, &out, &errOut); code != 0 {
			t.Fatalf("migrate down: exit %d: %s", code, errOut.String())
		}
	}
	if code := run(ctx, []string{"migrate", "up"}, vars, &out, &errOut); code != 0 {
		t.Fatalf("migrate up again: exit %d: %s", code, errOut.String())
	}
}

// TestDevServesReadyAndSmoke runs `claimflow dev` in process against a real
// Postgres and a real Temporal dev server, checks /healthz, /readyz and
// /metrics, and runs the smoke workflow through it.
func TestDevServesReadyAndSmoke(t *testing.T) {
	srv := testenv.DevServer(t)
	dsn := testenv.DatabaseURL(t)
	m, err := NewMain(env(map[string]string{
		"DATABASE_URL":        dsn,
		"TEMPORAL_ADDRESS":    srv.FrontendHostPort(),
		"CLAIMFLOW_HTTP_ADDR": "127.0.0.1:0",
		"CLAIMFLOW_DATA_DIR":  t.TempDir(),
	}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	m.Serve, m.Work = true, true
	ctx, cancel := context.WithCancel(context.Background())
	if err := m.Open(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Store.MigrateUp(ctx); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
		m.Close()
	}()
	base := "http://" + m.Addr()
	for _, path := range []string{"/healthz", "/readyz"} {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("%s = %d: %s", path, resp.StatusCode, body)
		}
	}
	rep, err := startSmoke(ctx, m.Temporal, m.Config.TaskQueue, workflows.SmokeInput{ID: "in-process", Message: "round trip"})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := rep.Result.Message, "round trip"; got != want {
		t.Errorf("smoke message = %q, want %q", got, want)
	}
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(b), `route="/readyz"`) {
		t.Errorf("metrics lack the readyz request")
	}
}

// TestReadyzReportsTemporalDown: with no Temporal server the API still
// starts and /readyz answers 503 naming the failing check.
func TestReadyzReportsTemporalDown(t *testing.T) {
	m, err := NewMain(env(map[string]string{
		"DATABASE_URL":        testenv.DatabaseURL(t),
		"TEMPORAL_ADDRESS":    "127.0.0.1:1", // nothing listens there
		"CLAIMFLOW_HTTP_ADDR": "127.0.0.1:0",
		"CLAIMFLOW_DATA_DIR":  t.TempDir(),
	}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	m.Serve = true
	ctx, cancel := context.WithCancel(context.Background())
	if err := m.Open(ctx); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	defer func() { cancel(); <-done; m.Close() }()
	resp, err := http.Get("http://" + m.Addr() + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	var body struct {
		Checks map[string]string `json:"checks"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || body.Checks["temporal"] != "unavailable" || body.Checks["postgres"] != "ok" {
		t.Errorf("readyz = %d %v, want 503 with temporal unavailable and postgres ok", resp.StatusCode, body.Checks)
	}
}

// TestWorkerKilledMidWorkflowResumes starts a real worker process, kills it
// with SIGKILL while the smoke workflow is between its write and its read,
// starts another worker process, and checks the workflow completes with the
// row written once.
func TestWorkerKilledMidWorkflowResumes(t *testing.T) {
	// Most of this test is waiting: the killed worker's sticky queue holds
	// the workflow task for workflows.StickyScheduleToStart (a minute)
	// before the server moves it to the task queue. It waits beside the
	// other parallel kill test instead of alone (make test's time).
	t.Parallel()
	srv := testenv.DevServer(t)
	s, dsn := testenv.Store(t)
	dataDir := t.TempDir()
	vars := map[string]string{
		"DATABASE_URL":        dsn,
		"TEMPORAL_ADDRESS":    srv.FrontendHostPort(),
		"CLAIMFLOW_LOG_LEVEL": "info",
		"CLAIMFLOW_DATA_DIR":  dataDir,
	}
	c := codecClient(t, srv.FrontendHostPort(), dataDir, s)
	first := startProcess(t, "worker-1", vars, "worker")

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	id := fmt.Sprintf("kill-%d", time.Now().UnixNano())
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: workflows.SmokeIDPrefix + id, TaskQueue: workflows.DefaultTaskQueue},
		workflows.SmokeWorkflowName, workflows.SmokeInput{ID: id, Message: "survives a kill", Hold: 3 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	// Wait until the first worker has written the row and is holding.
	testenv.WaitFor(t, 30*time.Second, "the first worker to write the row", func() bool {
		_, err := s.GetSmokeRun(ctx, id)
		return err == nil
	})
	time.Sleep(500 * time.Millisecond)
	if err := first.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_, _ = first.Process.Wait()
	startProcess(t, "worker-2", vars, "worker")

	var res workflows.SmokeResult
	if err := run.Get(ctx, &res); err != nil {
		t.Fatalf("workflow did not complete after the worker was killed: %v", err)
	}
	if res.Message != "survives a kill" {
		t.Errorf("message = %q", res.Message)
	}
	if res.WrittenBy == res.ReadBy {
		t.Errorf("written and read by the same worker %q; want the read on the second worker", res.ReadBy)
	}
	if !strings.HasSuffix(res.WrittenBy, fmt.Sprintf(":%d", first.Process.Pid)) {
		t.Errorf("written by %q, want the first worker (pid %d)", res.WrittenBy, first.Process.Pid)
	}
	var n int
	if err := s.Pool.QueryRow(ctx, "SELECT count(*) FROM smoke_runs WHERE id = $1", id).Scan(&n); err != nil || n != 1 {
		t.Errorf("rows = %d (%v), want 1", n, err)
	}
}

// codecClient is a Temporal client with the payload codec, keyed by the
// key file the claimflow processes under dataDir use.
func codecClient(t *testing.T, hostPort, dataDir string, s *store.Store) client.Client {
	t.Helper()
	k, err := keyring.OpenLocal(filepath.Join(dataDir, "keys", "kek.json"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := client.Dial(client.Options{HostPort: hostPort, DataConverter: payloadcodec.DataConverter(k, s)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

// TestNoPHIInTemporalDatabase runs workflows whose payloads carry
// PHI-shaped values through the real worker, then reads the Temporal
// server's SQLite file: no value may appear in plaintext. A control
// workflow started without the codec proves the search sees plaintext.
func TestNoPHIInTemporalDatabase(t *testing.T) {
	dbDir := t.TempDir()
	dbFile := filepath.Join(dbDir, "temporal.db")
	srv := testenv.DevServerWithDB(t, dbFile)
	dataDir := t.TempDir()
	m, err := NewMain(env(map[string]string{
		"DATABASE_URL":        testenv.DatabaseURL(t),
		"TEMPORAL_ADDRESS":    srv.FrontendHostPort(),
		"CLAIMFLOW_DATA_DIR":  dataDir,
		"CLAIMFLOW_HTTP_ADDR": "127.0.0.1:0",
	}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	m.Work = true
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := m.Open(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Store.MigrateUp(ctx); err != nil {
		t.Fatal(err)
	}
	runCtx, stopRun := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- m.Run(runCtx) }()

	phi := []string{"TESTPATIENT-QUOKKA", "ZZ7654321", "19800229"}
	if _, err := startSmoke(ctx, m.Temporal, m.Config.TaskQueue, workflows.SmokeInput{ID: "phi", Message: strings.Join(phi, " ")}); err != nil {
		t.Fatal(err)
	}
	const control = "CONTROL-PLAINTEXT-MARKER"
	// The control goes in without the codec; its result comes back sealed
	// (the worker encodes), so wait for completion rather than decode it.
	plain := srv.Client()
	crun, err := plain.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: workflows.SmokeIDPrefix + "control", TaskQueue: m.Config.TaskQueue},
		workflows.SmokeWorkflowName, workflows.SmokeInput{ID: "control", Message: control})
	if err != nil {
		t.Fatal(err)
	}
	testenv.WaitFor(t, 30*time.Second, "the control workflow to complete", func() bool {
		d, err := plain.DescribeWorkflowExecution(ctx, crun.GetID(), crun.GetRunID())
		return err == nil && d.WorkflowExecutionInfo.Status == enums.WORKFLOW_EXECUTION_STATUS_COMPLETED
	})
	stopRun()
	<-done
	m.Close()
	if err := srv.Stop(); err != nil {
		t.Logf("stop dev server: %v", err)
	}
	var all []byte
	files, _ := filepath.Glob(dbFile + "*") // the database and its WAL
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, b...)
	}
	if !bytes.Contains(all, []byte(control)) {
		t.Fatalf("the control value is not in the database files (%d bytes read): the search cannot see plaintext", len(all))
	}
	for _, v := range phi {
		if bytes.Contains(all, []byte(v)) {
			t.Errorf("%q is in plaintext in the Temporal database", v)
		}
	}
}

// TestCodecEndpointDecodesOnlyTheCallersTenants (issue 14, finding 2):
// with two organisation trees, the Temporal UI's codec endpoint decodes a
// payload only for a token holding workflow:decode in the payload's
// organisation; another tree's engineer gets it back still sealed with the
// reason, and each decode and refusal is audited under the payload's
// organisation. Payloads sealed before per-tenant keys decode only for the
// platform grant.
func TestCodecEndpointDecodesOnlyTheCallersTenants(t *testing.T) {
	m, err := NewMain(env(map[string]string{
		"DATABASE_URL":        testenv.DatabaseURL(t),
		"TEMPORAL_ADDRESS":    "127.0.0.1:1",
		"CLAIMFLOW_HTTP_ADDR": "127.0.0.1:0",
		"CLAIMFLOW_DATA_DIR":  t.TempDir(),
	}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	m.Serve = true
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := m.Open(ctx); err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if _, err := m.Store.MigrateUp(ctx); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	defer func() { cancel(); <-done }()

	newOrg := func(name, parent string) string {
		kind := "health_system"
		if parent != "" {
			kind = "practice"
		}
		o, err := m.Store.CreateOrg(ctx, store.System, store.Org{Kind: kind, Name: name, ParentID: parent})
		if err != nil {
			t.Fatal(err)
		}
		return o.ID
	}
	treeA, treeB := newOrg("TEST SYSTEM A", ""), newOrg("TEST SYSTEM B", "")
	practiceA := newOrg("TEST PRACTICE A", treeA)
	token := func(login, org, role string) (string, string) {
		u, _, err := m.Store.CreateUser(ctx, store.System, store.NewUser{OrgID: org, Kind: "system", Login: login, DisplayName: login})
		if err != nil {
			t.Fatal(err)
		}
		if role != "" {
			if err := m.Store.Grant(ctx, store.System, u.ID, org, role); err != nil {
				t.Fatal(err)
			}
		}
		tok, err := m.Store.CreateAPIToken(ctx, store.System, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		return tok, u.ID
	}
	engA, _ := token("eng-a", treeA, "engineer")
	adminB, _ := token("admin-b", treeB, "admin")
	engB, _ := token("eng-b", treeB, "engineer")
	desk, _ := token("desk", treeA, "front_desk")
	platform, platformID := token("platform", treeB, "")
	if err := m.Store.GrantPlatform(ctx, store.System, platformID, store.PermWorkflowDecodeSystem); err != nil {
		t.Fatal(err)
	}

	p, err := converter.GetDefaultDataConverter().ToPayload("TESTPATIENT-WOMBAT")
	if err != nil {
		t.Fatal(err)
	}
	codec := payloadcodec.New(m.Keyring, m.Store)
	sealedA, err := codec.EncodeFor(ctx, practiceA, []*commonpb.Payload{p})
	if err != nil {
		t.Fatal(err)
	}
	legacy := legacyPayload(t, m.Keyring, p)
	body, _ := protojson.Marshal(&commonpb.Payloads{Payloads: []*commonpb.Payload{sealedA[0], legacy[0]}})
	decode := func(tok string) (int, string, []*commonpb.Payload) {
		req, _ := http.NewRequest("POST", "http://"+m.Addr()+"/codec/decode", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Namespace", "default")
		if tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		var out commonpb.Payloads
		if resp.StatusCode == http.StatusOK {
			if err := protojson.Unmarshal(b, &out); err != nil || len(out.Payloads) != 2 {
				t.Fatalf("answer %s (%v)", b, err)
			}
		}
		return resp.StatusCode, string(b), out.Payloads
	}
	opened := func(p *commonpb.Payload) bool { return bytes.Contains(p.GetData(), []byte("TESTPATIENT-WOMBAT")) }
	if code, b, _ := decode(""); code != http.StatusUnauthorized || strings.Contains(b, "WOMBAT") {
		t.Errorf("no token: %d %s", code, b)
	}
	if code, b, _ := decode(desk); code != http.StatusForbidden || strings.Contains(b, "WOMBAT") || !strings.Contains(b, "workflow:decode") {
		t.Errorf("front desk token: %d %s", code, b)
	}
	// Tree A's engineer (granted at the root, the payload is a practice's)
	// reads it; the legacy payload stays sealed.
	if code, b, out := decode(engA); code != http.StatusOK || !opened(out[0]) || opened(out[1]) {
		t.Fatalf("tree A engineer: %d %s", code, b)
	}
	// Tree B's admin and engineer hold workflow:decode, but only in B.
	for name, tok := range map[string]string{"admin": adminB, "engineer": engB} {
		code, b, out := decode(tok)
		if code != http.StatusOK || opened(out[0]) || opened(out[1]) || strings.Contains(b, "WOMBAT") {
			t.Fatalf("tree B %s decoded tree A's payload: %d %s", name, code, b)
		}
		if !strings.Contains(string(out[0].Metadata[payloadcodec.MetadataRefused]), "organisation") {
			t.Errorf("tree B %s: refusal reason %q", name, out[0].Metadata[payloadcodec.MetadataRefused])
		}
	}
	// The platform engineer reads the legacy payload, not tree A's.
	if code, b, out := decode(platform); code != http.StatusOK || opened(out[0]) || !opened(out[1]) {
		t.Fatalf("platform engineer: %d %s", code, b)
	}

	// Audit: tree A's decode and tree B's refusals are rows of practice A,
	// where tree A's compliance officers see them.
	var n int
	q := "SELECT count(*) FROM audit_log WHERE resource = 'workflow_payloads' AND org_id = $1 AND action = $2"
	if err := m.Store.Pool.QueryRow(ctx, q, practiceA, "decode").Scan(&n); err != nil || n != 1 {
		t.Errorf("decode audit rows of practice A = %d (%v), want 1", n, err)
	}
	if err := m.Store.Pool.QueryRow(ctx, q, practiceA, "decode_refused").Scan(&n); err != nil || n != 3 {
		t.Errorf("refused audit rows of practice A = %d (%v), want 3 (admin B, engineer B, platform)", n, err)
	}
	if err := m.Store.Pool.QueryRow(ctx, "SELECT count(*) FROM audit_log WHERE resource = 'workflow_payloads' AND org_id IS NULL AND action = 'decode' AND actor_id = $1", platformID).Scan(&n); err != nil || n != 1 {
		t.Errorf("legacy decode audit rows = %d (%v), want 1", n, err)
	}
	if err := m.Store.Pool.QueryRow(ctx, "SELECT count(*) FROM audit_log WHERE resource = 'workflow_payloads' AND org_id = $1", treeB).Scan(&n); err != nil || n != 0 {
		t.Errorf("tree B has %d decode audit rows (%v): tree A's payloads were audited under the caller's tree", n, err)
	}
}

// legacyPayload seals p as the codec did before per-tenant keys (format
// v1: a keyring blob, key id = the KEK version), as running workflows'
// histories still hold them.
func legacyPayload(t *testing.T, k *keyring.Keyring, p *commonpb.Payload) []*commonpb.Payload {
	t.Helper()
	plain, err := proto.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	blob, err := k.SealBlob(t.Context(), plain, []byte("claimflow/temporal-payload/v1"))
	if err != nil {
		t.Fatal(err)
	}
	return []*commonpb.Payload{{
		Metadata: map[string][]byte{converter.MetadataEncoding: []byte(payloadcodec.EncodingEncrypted), payloadcodec.MetadataKeyID: []byte(k.CurrentKeyID())},
		Data:     blob,
	}}
}

// TestX12ValidateProcess runs `claimflow x12 validate` as its own process
// through main (the path a user's shell takes, with x12cli.TuneProcess), on a
// valid and a broken file, and reads the package inits the process ran: the
// store must not compute its sign-in's argon2id hash (21 MB) at start-up.
func TestX12ValidateProcess(t *testing.T) {
	root := testenv.RepoRoot(t)
	for _, c := range []struct {
		file string
		code int
		want string
	}{
		{"837p-valid.x12", 0, "837p-valid.x12: OK"},
		{"broken-se-count.x12", 1, "SE"},
	} {
		cmd := exec.Command(os.Args[0])
		cmd.Env = append(os.Environ(), "CLAIMFLOW_TEST_EXEC=x12 validate "+filepath.Join(root, "edi/testdata", c.file), "GODEBUG=inittrace=1")
		var out, errOut bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errOut
		err := cmd.Run()
		code := 0
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			code = exitErr.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		if code != c.code || !strings.Contains(out.String(), c.want) {
			t.Errorf("%s: exit %d (want %d), output %q", c.file, code, c.code, out.String())
		}
		storeInit := false
		for _, line := range strings.Split(errOut.String(), "\n") {
			// init github.com/claimflow/claimflow/store @7.0 ms, 1.7 ms clock, 1052696 bytes, 3900 allocs
			f := strings.Fields(line)
			if len(f) < 8 || f[0] != "init" || f[1] != "github.com/claimflow/claimflow/store" {
				continue
			}
			storeInit = true
			if n, err := strconv.Atoi(f[7]); err != nil || n > 4<<20 {
				t.Errorf("%s: the store's package init allocated %s bytes (want under 4 MiB): %s", c.file, f[7], line)
			}
		}
		if !storeInit {
			t.Errorf("%s: no init trace of the store package in %q", c.file, errOut.String())
		}
	}
}

func TestX12Command(t *testing.T) {
	root := testenv.RepoRoot(t)
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"x12", "validate", filepath.Join(root, "edi/testdata/837p-valid.x12")}, env(nil), &out, &errOut); code != 0 {
		t.Errorf("valid file: exit %d: %s %s", code, out.String(), errOut.String())
	}
	out.Reset()
	if code := run(context.Background(), []string{"x12", "validate", filepath.Join(root, "edi/testdata/broken-se-count.x12")}, env(nil), &out, &errOut); code != 1 {
		t.Errorf("broken file: exit %d, want 1: %s", code, out.String())
	}
	if !strings.Contains(out.String(), "SE") {
		t.Errorf("report does not name the SE error: %s", out.String())
	}
}
