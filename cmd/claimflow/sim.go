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
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/claimflow/claimflow/clearinghouse/sim"
	"github.com/claimflow/claimflow/clearinghouse/sim/payer"
	"github.com/claimflow/claimflow/config"
	"github.com/claimflow/claimflow/logging"
)

func init() {
	register(command{name: "clearinghouse-sim", args: "[-sftp A] [-http A] -user NAME=KEYS[:PASSWORD] [-rules F [-delay D]] [faults]",
		help: "run the clearinghouse simulator (SFTP + CORE real-time; 999/TA1, and with -rules 277CA, 835, 271, 277)", run: cmdSim})
}

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

func cmdSim(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := config.Load(getenv)
	if err != nil {
		return err
	}
	fs := flag.NewFlagSet("clearinghouse-sim", flag.ContinueOnError)
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
		return usageError{err.Error()}
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
