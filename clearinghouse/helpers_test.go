package clearinghouse_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/claimflow/claimflow/archive"
	"github.com/claimflow/claimflow/archive/archivetest"
	"github.com/claimflow/claimflow/clearinghouse"
	"github.com/claimflow/claimflow/clearinghouse/sim"
	"github.com/claimflow/claimflow/internal/testenv"
	"github.com/claimflow/claimflow/store"
)

// clientKey makes an SSH client key pair: PEM private key and public key.
func clientKey(t testing.TB) ([]byte, ssh.PublicKey) {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	blk, err := ssh.MarshalPrivateKey(priv, "")
	if err != nil {
		t.Fatal(err)
	}
	sp, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(blk), sp
}

// router counts routed files by hash.
type router struct {
	mu     sync.Mutex
	calls  int
	byHash map[string]int
	sets   map[string]int
}

func newRouter() *router { return &router{byHash: map[string]int{}, sets: map[string]int{}} }

func (r *router) Route(_ context.Context, f clearinghouse.ArchivedFile) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls++
	r.byHash[f.Hash]++
	if r.byHash[f.Hash] == 1 {
		r.sets[strings.Join(f.Sets, ",")]++
	}
	return nil
}

func (r *router) distinct() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.byHash)
}

// env is one test's real components: Postgres ledger, versitygw archive
// and an SFTP server (the simulator, or sshd).
type env struct {
	ledger  *store.Store
	archive *archive.Archive
	router  *router
	partner clearinghouse.Partner
}

func newEnv(t *testing.T) *env {
	t.Helper()
	st, _ := testenv.Store(t)
	return &env{ledger: st, archive: archivetest.Open(t, nil), router: newRouter()}
}

// withSim starts the simulator with one user and points the partner at it.
func (e *env) withSim(t *testing.T, faults sim.Faults, resp sim.Responder) *sim.Server {
	t.Helper()
	if resp == nil {
		resp = &sim.AckResponder{ID: "SIMCH"}
	}
	priv, pub := clientKey(t)
	s, err := sim.New(sim.Config{DataDir: t.TempDir(), Faults: faults,
		Users:     []sim.User{{Name: "claimflow", AuthorizedKeys: []ssh.PublicKey{pub}, Password: "pw"}},
		Responder: resp})
	if err != nil {
		t.Fatal(err)
	}
	addr, err := s.ListenSFTP("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	e.partner = clearinghouse.Partner{ID: "simch", Addr: addr, User: "claimflow", PrivateKey: priv,
		HostKey: s.HostKeyLine(), OutboundDir: "/upload", InboundDir: "/download",
		Timeout: clearinghouse.Duration(5 * time.Second)}
	return s
}

// connector builds a fresh connector, as a newly started process would.
func (e *env) connector(t *testing.T, crash func(step string) error) *clearinghouse.Connector {
	t.Helper()
	c, err := clearinghouse.New(e.partner, clearinghouse.Options{Ledger: e.ledger, Archive: e.archive, Router: e.router})
	if err != nil {
		t.Fatal(err)
	}
	clearinghouse.SetCrashHook(c, crash)
	t.Cleanup(func() { c.Close() })
	return c
}

var sample = func() string {
	b, err := os.ReadFile("testdata/837p-synthetic.x12")
	if err != nil {
		panic(err)
	}
	return string(b)
}()

// batch builds a synthetic 837P interchange carrying n claims (one per
// transaction set), numbered from first, with interchange control number
// ctl. The content is the project's synthetic sample; no real people.
func batch(ctl, first, n int) []byte {
	lines := strings.Split(strings.TrimSpace(sample), "\n")
	var body []string
	for _, l := range lines {
		switch {
		case strings.HasPrefix(l, "ISA"), strings.HasPrefix(l, "GS"), strings.HasPrefix(l, "GE"), strings.HasPrefix(l, "IEA"),
			strings.HasPrefix(l, "ST"), strings.HasPrefix(l, "SE"):
		default:
			body = append(body, l)
		}
	}
	var b strings.Builder
	isa := lines[0]
	fmt.Fprintf(&b, "%s%09d%s\n", isa[:90], ctl, isa[99:])
	fmt.Fprintf(&b, "GS*HC*CLAIMFLOW*TESTPAYER*20260101*1200*%d*X*005010X222A1~\n", ctl)
	for i := 0; i < n; i++ {
		st := fmt.Sprintf("%04d", i+1)
		fmt.Fprintf(&b, "ST*837*%s*005010X222A1~\n", st)
		for _, l := range body {
			l = strings.ReplaceAll(l, "PCN0001", fmt.Sprintf("PCN%06d", first+i))
			l = strings.ReplaceAll(l, "BATCH0001", fmt.Sprintf("B%08d", ctl))
			b.WriteString(l + "\n")
		}
		fmt.Fprintf(&b, "SE*%d*%s~\n", len(body)+2, st)
	}
	fmt.Fprintf(&b, "GE*%d*%d~\nIEA*1*%09d~\n", n, ctl, ctl)
	return []byte(b.String())
}

// silent answers nothing: the test places inbound files itself.
type silent struct{}

func (silent) OnUpload(context.Context, string, string, []byte) []sim.OutboundFile { return nil }
func (silent) RealTime(context.Context, string, []byte) (sim.RealTimeReply, error) {
	return sim.RealTimeReply{}, errors.New("silent")
}
