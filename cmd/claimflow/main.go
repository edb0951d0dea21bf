// Command claimflow is the revenue-cycle engine: one binary for the HTTP API,
// the Temporal worker, migrations, the local all-in-one mode and the
// operator tools.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/claimflow/claimflow/edi/x12cli"
	"github.com/claimflow/claimflow/workflows"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// command is one subcommand. Each lives in its own file and registers
// itself in init, so adding a command touches no shared switch.
type command struct {
	name, args, help string
	run              func(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error
}

var commands = map[string]command{}

func register(c command) {
	if _, dup := commands[c.name]; dup {
		panic("claimflow: command registered twice: " + c.name)
	}
	commands[c.name] = c
}

func init() {
	register(command{name: "serve", help: "run the HTTP API", run: func(ctx context.Context, _ []string, getenv func(string) string, _, stderr io.Writer) error {
		return cmdRun(ctx, getenv, stderr, true, false, false)
	}})
	register(command{name: "worker", help: "run the Temporal worker", run: func(ctx context.Context, _ []string, getenv func(string) string, _, stderr io.Writer) error {
		return cmdRun(ctx, getenv, stderr, false, true, false)
	}})
	register(command{name: "dev", help: "migrate, then run the API and the worker in one process", run: func(ctx context.Context, _ []string, getenv func(string) string, _, stderr io.Writer) error {
		return cmdRun(ctx, getenv, stderr, true, true, true)
	}})
	register(command{name: "migrate", args: "up|down|status", help: "apply, roll back one, or list database migrations", run: cmdMigrate})
	register(command{name: "smoke", args: "[-message M] [-hold D]", help: "start the smoke workflow on the running worker and print the round trip", run: cmdSmoke})
	register(command{name: "config", help: "print the effective configuration (secrets masked)", run: func(_ context.Context, _ []string, getenv func(string) string, stdout, _ io.Writer) error {
		return cmdConfig(getenv, stdout)
	}})
	register(command{name: "version", help: "print the version", run: func(_ context.Context, _ []string, _ func(string) string, stdout, _ io.Writer) error {
		fmt.Fprintln(stdout, "claimflow", version)
		return nil
	}})
}

func usage(w io.Writer) {
	fmt.Fprint(w, "claimflow: revenue-cycle engine (X12 5010 + Temporal)\n\nusage: claimflow <command> [args]\n\ncommands:\n")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		c := commands[n]
		fmt.Fprintf(w, "  %-28s %s\n", strings.TrimSpace(n+" "+c.args), c.help)
	}
	fmt.Fprint(w, "\nConfiguration comes from environment variables; see README.md or 'claimflow config'.\n")
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	if len(os.Args) > 2 && os.Args[1] == "x12" {
		x12cli.TuneProcess(os.Args[2:]) // the process's collector; run (and the tests that call it) leave it alone
	}
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run executes one command and returns the process exit code.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stdout)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "claimflow: unknown command %q\n\n", args[0])
		usage(stderr)
		return 2
	}
	if err := c.run(ctx, args[1:], getenv, stdout, stderr); err != nil {
		var ue usageError
		var ec exitCode
		switch {
		case errors.As(err, &ec):
			return int(ec) // the command printed its own report
		case errors.As(err, &ue):
			fmt.Fprintf(stderr, "claimflow %s: %v\n", c.name, err)
			return 2
		}
		fmt.Fprintf(stderr, "claimflow %s: %v\n", c.name, err)
		return 1
	}
	return 0
}

// exitCode lets a command choose its exit status (e.g. x12 validate: 1 when
// the file has errors) after printing its own output.
type exitCode int

func (e exitCode) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func cmdConfig(getenv func(string) string, stdout io.Writer) error {
	m, err := NewMain(getenv, io.Discard)
	if err != nil {
		return err
	}
	m.Config.Print(stdout)
	return nil
}

func cmdRun(ctx context.Context, getenv func(string) string, logOut io.Writer, serve, work, migrate bool) error {
	m, err := NewMain(getenv, logOut)
	if err != nil {
		return err
	}
	m.Serve, m.Work = serve, work
	defer m.Close()
	if err := m.Open(ctx); err != nil {
		return err
	}
	if migrate {
		n, err := m.Store.MigrateUp(ctx)
		if err != nil {
			return err
		}
		m.Log.Info("migrations applied", "count", n)
	}
	return m.Run(ctx)
}

func cmdMigrate(ctx context.Context, args []string, getenv func(string) string, stdout, logOut io.Writer) error {
	if len(args) != 1 {
		return usageError{"want one of up, down, status"}
	}
	m, err := NewMain(getenv, logOut)
	if err != nil {
		return err
	}
	defer m.Close()
	s, err := openStore(ctx, m)
	if err != nil {
		return err
	}
	switch args[0] {
	case "up":
		n, err := s.MigrateUp(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "applied %d migration(s)\n", n)
	case "down":
		if err := s.MigrateDown(ctx); err != nil {
			return err
		}
		fmt.Fprintln(stdout, "rolled back one migration")
	case "status":
		return s.MigrateStatus(ctx, stdout)
	default:
		return usageError{fmt.Sprintf("unknown migrate command %q: want up, down or status", args[0])}
	}
	return nil
}

func cmdSmoke(ctx context.Context, args []string, getenv func(string) string, stdout, logOut io.Writer) error {
	fs := flag.NewFlagSet("smoke", flag.ContinueOnError)
	fs.SetOutput(logOut)
	msg := fs.String("message", "hello from claimflow smoke", "message to write and read back")
	hold := fs.Duration("hold", 0, "keep the workflow busy this long between write and read")
	timeout := fs.Duration("timeout", time.Minute, "give up after this long")
	if err := fs.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	m, err := NewMain(getenv, logOut)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	// The codec seals the smoke workflow's payloads with the system key,
	// which lives in Postgres.
	defer m.Close()
	// A bad Temporal setting is named before anything else is opened.
	if _, err := temporalClientOptions(m.Config); err != nil {
		return err
	}
	if err := m.openStoreOnly(ctx); err != nil {
		return err
	}
	opts, err := m.temporalOptions()
	if err != nil {
		return fmt.Errorf("temporal: %w", err)
	}
	c, err := client.DialContext(ctx, opts)
	if err != nil {
		return fmt.Errorf("temporal: dial %s: %w", m.Config.TemporalAddress, err)
	}
	defer c.Close()
	res, err := startSmoke(ctx, c, m.Config.TaskQueue, workflows.SmokeInput{Message: *msg, Hold: *hold})
	if err != nil {
		return err
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(res)
}

// SmokeReport is what `claimflow smoke` prints.
type SmokeReport struct {
	WorkflowID  string
	RunID       string
	Result      workflows.SmokeResult
	RoundTripMS float64
}

func startSmoke(ctx context.Context, c client.Client, queue string, in workflows.SmokeInput) (SmokeReport, error) {
	if in.ID == "" {
		in.ID = fmt.Sprintf("%d", time.Now().UnixNano())
	}
	start := time.Now()
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:        workflows.SmokeIDPrefix + in.ID,
		TaskQueue: queue,
	}, workflows.SmokeWorkflowName, in)
	if err != nil {
		return SmokeReport{}, fmt.Errorf("start smoke workflow: %w", err)
	}
	var res workflows.SmokeResult
	if err := run.Get(ctx, &res); err != nil {
		return SmokeReport{}, fmt.Errorf("smoke workflow %s: %w", run.GetID(), err)
	}
	return SmokeReport{WorkflowID: run.GetID(), RunID: run.GetRunID(), Result: res,
		RoundTripMS: float64(time.Since(start).Microseconds()) / 1000}, nil
}

func openStore(ctx context.Context, m *Main) (interface {
	MigrateUp(context.Context) (int, error)
	MigrateDown(context.Context) error
	MigrateStatus(context.Context, io.Writer) error
}, error) {
	m.mayCreateKeys = true // migrate up is the setup step that makes the key
	if err := m.openStoreOnly(ctx); err != nil {
		return nil, err
	}
	return m.Store, nil
}
