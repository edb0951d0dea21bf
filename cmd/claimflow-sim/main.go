// Command claimflow-sim runs the clearinghouse and payer simulator: an SSH/SFTP
// server with a jailed folder per user, the CORE real-time endpoint, fault
// injection and, with -rules, an adjudicating payer (277CA, 835, 271, 277).
// It is a separate command so the production binary (cmd/claimflow) does not
// link the simulator; `make run` and `make prod-rehearsal` build and start it.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/claimflow/claimflow/clearinghouse/sim"
	"github.com/claimflow/claimflow/clearinghouse/sim/payer"
	"github.com/claimflow/claimflow/config"
	"github.com/claimflow/claimflow/logging"
)

const usageLine = "usage: claimflow-sim [-data DIR] [-sftp A] [-http A] -user NAME=KEYS[:PASSWORD] [-rules F [-delay D]] [faults]"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run runs the simulator until ctx ends and returns the process exit code:
// 2 for a usage error, 1 for any other.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	err := serve(ctx, args, getenv, stdout, stderr)
	var ue usageError
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "claimflow-sim: %v\n%s\n", err, usageLine)
		return 2
	}
	fmt.Fprintf(stderr, "claimflow-sim: %v\n", err)
	return 1
}

type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// userFlags collects repeated -user NAME=AUTHORIZED_KEYS_FILE[:PASSWORD].
type userFlags []sim.User

func (u *userFlags) String() string { return fmt.Sprint(len(*u)) }

func (u *userFlags) Set(v string) error {
	name, rest, ok := strings.Cut(v, "=")
	if !ok || name == "" {
		return errors.New("want NAME=AUTHORIZED_KEYS_FILE[:PASSWORD]")
	}
	file, pass, _ := strings.Cut(rest, ":")
	b, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	usr := sim.User{Name: name, Password: pass}
	for len(strings.TrimSpace(string(b))) > 0 {
		k, _, _, next, err := ssh.ParseAuthorizedKey(b)
		if err != nil {
			return fmt.Errorf("%s: %w", file, err)
		}
		usr.AuthorizedKeys = append(usr.AuthorizedKeys, k)
		b = next
	}
	*u = append(*u, usr)
	return nil
}

func serve(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := config.Load(getenv)
	if err != nil {
		return err
	}
	fs := flag.NewFlagSet("claimflow-sim", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", filepath.Join(cfg.DataDir, "clearinghouse-sim"), "data directory (host key, users' folders)")
	sftpAddr := fs.String("sftp", "127.0.0.1:2222", "SFTP listen address")
	httpAddr := fs.String("http", "127.0.0.1:8090", "CORE real-time listen address (POST /core); empty: off")
	id := fs.String("id", "CLAIMFLOWSIM", "the simulator's interchange ID in its answers")
	var users userFlags
	fs.Var(&users, "user", "NAME=AUTHORIZED_KEYS_FILE[:PASSWORD] (repeatable); the password is for the real-time endpoint")
	var f sim.Faults
	fs.Float64Var(&f.Drop, "drop", 0, "probability of dropping the connection on a request")
	fs.Float64Var(&f.Slow, "slow", 0, "probability of a slow reply")
	fs.DurationVar(&f.SlowBy, "slow-by", 2*time.Second, "longest delay of a slow reply")
	fs.Float64Var(&f.Duplicate, "duplicate", 0, "probability of delivering an answer file twice")
	fs.Float64Var(&f.Malformed, "malformed", 0, "probability of a corrupted answer")
	fs.IntVar(&f.Reorder, "reorder", 0, "hold answers and release them shuffled in groups of this size")
	fs.Uint64Var(&f.Seed, "seed", 0, "fault sequence seed (0: random)")
	rules := fs.String("rules", "", "payer rules: a JSON file, or \"sample\" for clearinghouse/sim/payer/rules.sample.json; adjudicate with 277CA, 835, 271 and 277 answers, state kept in the data directory")
	delay := fs.String("delay", "", "time from a claim's 277CA to its 835, such as 2s (default: the rules file's delay)")
	tick := fs.Duration("tick", time.Second, "how often due 835s are delivered")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err.Error()}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q", fs.Arg(0))}
	}
	if len(users) == 0 {
		return usageError{"at least one -user is required"}
	}
	log := logging.New(stderr, cfg.LogLevel).With("component", "clearinghouse-sim")
	var resp sim.Responder = &sim.AckResponder{ID: *id}
	if *rules != "" {
		pc := payer.SampleConfig()
		if *rules != "sample" {
			if pc, err = payer.LoadConfig(*rules); err != nil {
				return err
			}
		}
		if *delay != "" {
			d, err := time.ParseDuration(*delay)
			if err != nil {
				return usageError{"-delay: " + err.Error()}
			}
			pc.Delay = payer.Duration(d)
		}
		resp, err = payer.New(pc, payer.Options{Ack: &sim.AckResponder{ID: *id}, StateFile: filepath.Join(*data, "payer-state.json"), Log: log})
		if err != nil {
			return err
		}
	}
	s, err := sim.New(sim.Config{DataDir: *data, Users: users, Faults: f, Responder: resp, Tick: *tick, Log: log})
	if err != nil {
		return err
	}
	defer s.Close()
	addr, err := s.ListenSFTP(*sftpAddr)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "sftp %s\nhost-key %s\n", addr, s.HostKeyLine())
	if *httpAddr != "" {
		ln, err := net.Listen("tcp", *httpAddr)
		if err != nil {
			return err
		}
		mux := http.NewServeMux()
		mux.Handle("POST /core", s.RealTimeHandler())
		hs := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
		go func() { _ = hs.Serve(ln) }()
		defer hs.Close()
		fmt.Fprintf(stdout, "core http://%s/core\n", ln.Addr())
	}
	log.Info("clearinghouse simulator running", "sftp", addr, "users", len(users))
	<-ctx.Done()
	return nil
}
