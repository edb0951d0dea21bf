// Command claimflow-chaos drives a running claimflow deployment for
// `make chaos` and the throughput figures (issue 20): it loads claims and
// bookings through the API servers, waits for the claims to finish, checks
// that nothing was lost or done twice, and measures the Temporal server's
// ceiling for trivial workflows. scripts/chaos.sh runs it; the faults are
// the script's. It reads the deployment from the variables the claimflow
// binary reads (DATABASE_URL, CLAIMFLOW_DATA_DIR or CLAIMFLOW_KEY_FILE,
// TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE).
//
//	claimflow-chaos load    -apis URL,URL -claims N -state FILE
//	claimflow-chaos book    -state FILE -for 30s -out FILE
//	claimflow-chaos final   -state FILE            (prints "FINAL TOTAL")
//	claimflow-chaos wait    -state FILE -timeout 20m
//	claimflow-chaos check   -state FILE [-bookings FILE] -archive FILE [-repaired RFC3339]
//	claimflow-chaos ceiling -workflows N -activities K -local L -inflight 50
//	claimflow-chaos costs   -from RFC3339 -to RFC3339 -per N
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
	"strings"
	"syscall"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/claimflow/claimflow/config"
	"github.com/claimflow/claimflow/internal/chaos"
	"github.com/claimflow/claimflow/keyring"
	"github.com/claimflow/claimflow/store"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	var ex exitCode
	switch {
	case err == nil:
	case errors.As(err, &ex):
		os.Exit(int(ex))
	default:
		fmt.Fprintf(os.Stderr, "claimflow-chaos: %v\n", err)
		os.Exit(1)
	}
}

// exitCode ends the command with that status, having said why already.
type exitCode int

func (e exitCode) Error() string { return fmt.Sprintf("exit %d", int(e)) }

const usage = "usage: claimflow-chaos load|book|final|wait|check|ceiling|costs [flags] (-h for each)"

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New(usage)
	}
	fs := flag.NewFlagSet("claimflow-chaos "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	statePath := fs.String("state", "", "the run's state file (written by load)")
	switch args[0] {
	case "load":
		apis := fs.String("apis", "", "API base URLs, comma-separated (round robin, retried across)")
		n := fs.Int("claims", 1000, "claims to create")
		conc := fs.Int("conc", 8, "claims created at once")
		name := fs.String("run", fmt.Sprint(time.Now().Unix()), "the run's name (in the organisation's name and idempotency keys)")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		if *apis == "" || *statePath == "" {
			return errors.New("load needs -apis and -state")
		}
		st, err := openStore(ctx, getenv)
		if err != nil {
			return err
		}
		defer st.Close()
		s := chaos.State{Run: *name, APIs: strings.Split(*apis, ","), Started: time.Now()}
		if s.OrgID, s.Token, err = chaos.NewTenant(ctx, st, s.Run); err != nil {
			return fmt.Errorf("tenant: %w", err)
		}
		c := &chaos.Client{APIs: s.APIs, Token: s.Token}
		t0 := time.Now()
		err = chaos.LoadClaims(ctx, c, &s, *n, *conc)
		fmt.Fprintf(stdout, "loaded %d claims through %d API servers in %.1fs (%d attempts retried)\n", len(s.Claims), len(s.APIs), time.Since(t0).Seconds(), s.Retried)
		if serr := s.Save(*statePath); serr != nil {
			return serr
		}
		return err
	case "book":
		d := fs.Duration("for", 30*time.Second, "how long to keep booking")
		conc := fs.Int("conc", 4, "bookings at once")
		out := fs.String("out", "", "where to write what was booked")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		s, err := chaos.LoadState(*statePath)
		if err != nil {
			return err
		}
		if *out == "" {
			return errors.New("book needs -out")
		}
		c := &chaos.Client{APIs: s.APIs, Token: s.Token}
		bctx, cancel := context.WithTimeout(ctx, *d)
		defer cancel()
		br := chaos.Book(bctx, c, s, *conc)
		acked := 0
		for _, b := range br.Bookings {
			if b.Acked {
				acked++
			}
		}
		fmt.Fprintf(stdout, "booked %d of %d appointments acknowledged in %v (%d attempts retried)\n", acked, len(br.Bookings), *d, br.Retried)
		return br.Save(*out)
	case "final", "wait", "check":
		timeout := fs.Duration("timeout", 20*time.Minute, "wait: how long to wait for every claim to be final")
		bookings := fs.String("bookings", "", "check: the book command's output (none: no bookings this run)")
		archived := fs.String("archive", "", "check: `claimflow archive list -limit 0` output")
		repaired := fs.String("repaired", "", "check: when the fault was repaired (RFC 3339), to time the recovery")
		jsonOut := fs.String("json", "", "check: also write the report as JSON here")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		s, err := chaos.LoadState(*statePath)
		if err != nil {
			return err
		}
		st, err := openStore(ctx, getenv)
		if err != nil {
			return err
		}
		defer st.Close()
		switch args[0] {
		case "final":
			f, total, err := chaos.Final(ctx, st.Pool, s.Claims)
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "%d %d\n", f, total)
			return nil
		case "wait":
			err := chaos.WaitFinal(ctx, st.Pool, s, *timeout, stdout)
			if err == nil {
				el := time.Since(s.Started)
				fmt.Fprintf(stdout, "all %d claims final %.1fs after the load began: %.2f claims/s\n", len(s.Claims), el.Seconds(), float64(len(s.Claims))/el.Seconds())
			}
			return err
		}
		br, err := chaos.LoadBookings(*bookings)
		if err != nil {
			return err
		}
		var arch io.Reader
		if *archived != "" {
			f, err := os.Open(*archived) //nolint:gosec // G703: an operator-given path, read by the operator's own command
			if err != nil {
				return err
			}
			defer f.Close()
			arch = f
		}
		var rep time.Time
		if *repaired != "" {
			if rep, err = time.Parse(time.RFC3339Nano, *repaired); err != nil {
				return fmt.Errorf("-repaired: %w", err)
			}
		}
		r, err := chaos.Check(ctx, st.Pool, s, br, arch, rep)
		if err != nil {
			return err
		}
		r.Print(stdout)
		if !r.LastFinal.IsZero() {
			fmt.Fprintf(stdout, "  finished:  last claim final %.1fs after the load began\n", r.LastFinal.Sub(s.Started).Seconds())
		}
		if !rep.IsZero() {
			if r.FirstAfter.IsZero() {
				fmt.Fprintf(stdout, "  recovery:  no claim moved after the repair\n")
			} else {
				fmt.Fprintf(stdout, "  recovery:  first claim moved %.1fs after the repair; last claim final %.1fs after it\n",
					r.FirstAfter.Sub(rep).Seconds(), r.LastFinal.Sub(rep).Seconds())
			}
		}
		if *jsonOut != "" {
			b, _ := json.MarshalIndent(r, "", "  ")
			if err := os.WriteFile(*jsonOut, b, 0o600); err != nil { //nolint:gosec // G703: an operator-given path
				return err
			}
		}
		if !r.OK {
			return exitCode(1)
		}
		return nil
	case "costs":
		from := fs.String("from", "", "start of the window (RFC 3339)")
		to := fs.String("to", "", "end of the window (RFC 3339; default now)")
		per := fs.Int("per", 1, "divide the sums by this (the claims of the window)")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		t0, err := time.Parse(time.RFC3339Nano, *from)
		if err != nil {
			return fmt.Errorf("-from: %w", err)
		}
		t1 := time.Now()
		if *to != "" {
			if t1, err = time.Parse(time.RFC3339Nano, *to); err != nil {
				return fmt.Errorf("-to: %w", err)
			}
		}
		c, ns, err := dialTemporal(getenv)
		if err != nil {
			return err
		}
		defer c.Close()
		costs, err := chaos.Costs(ctx, c, ns, t0, t1)
		if err != nil {
			return err
		}
		chaos.PrintCosts(stdout, costs, *per)
		return nil
	case "ceiling":
		n := fs.Int("workflows", 1000, "trivial workflows to run")
		k := fs.Int("activities", 3, "activities per workflow")
		local := fs.Int("local", 0, "local activities per workflow (after the activities)")
		inflight := fs.Int("inflight", 50, "workflows in flight")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		c, _, err := dialTemporal(getenv)
		if err != nil {
			return err
		}
		defer c.Close()
		wps, el, err := chaos.Ceiling(ctx, c, *n, chaos.TrivialInput{Activities: *k, LocalActivities: *local}, *inflight)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "ceiling: %d trivial workflows (%d activities and %d local activities each), %d in flight, in %.1fs: %.2f workflows/s\n", *n, *k, *local, *inflight, el.Seconds(), wps)
		return nil
	}
	return errors.New(usage)
}

func openStore(ctx context.Context, getenv func(string) string) (*store.Store, error) {
	cfg, err := config.Load(getenv)
	if err != nil {
		return nil, err
	}
	kr, err := keyring.FromConfig(ctx, keyring.Settings{KeyFile: cfg.KeyFile, KMSEndpoint: cfg.KMSEndpoint, KMSKeyID: cfg.KMSKeyID, KMSRegion: cfg.KMSRegion, KMSIndexKey: cfg.KMSIndexKey})
	if err != nil {
		return nil, err
	}
	st, err := store.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return nil, err
	}
	st.UseKeys(store.KeysFrom[*keyring.DataKey](kr))
	return st, nil
}

// dialTemporal connects to TEMPORAL_ADDRESS and TEMPORAL_NAMESPACE.
func dialTemporal(getenv func(string) string) (client.Client, string, error) {
	ns := getenv("TEMPORAL_NAMESPACE")
	if ns == "" {
		ns = "default"
	}
	addr := getenv("TEMPORAL_ADDRESS")
	if addr == "" {
		addr = "127.0.0.1:7233"
	}
	c, err := client.Dial(client.Options{HostPort: addr, Namespace: ns, Logger: quiet{}})
	return c, ns, err
}

// quiet drops the Temporal SDK's log lines (the ceiling prints its figure).
type quiet struct{}

func (quiet) Debug(string, ...any) {}
func (quiet) Info(string, ...any)  {}
func (quiet) Warn(string, ...any)  {}
func (quiet) Error(string, ...any) {}
