// Package x12cli implements the x12 command line: validate, json,
// from-json, fmt and ack over files or standard input ("-").
package x12cli

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"

	"github.com/claimflow/claimflow/edi"
	"github.com/claimflow/claimflow/edi/snip"
)

const usage = `usage: x12 COMMAND [--mask] [--compact] [--level N] [--inbound] FILE...

Commands:
  validate  check the SNIP levels up to --level N (default 5): 1-2 syntax and
            guide rules, 3 balancing, 4 the guides' situational rules, 5
            external code sets (states, ZIP, NPI, ICD-10-CM, HCPCS...);
            print every finding with its position and 999/TA1 code.
            --inbound reports the deviations a received file may carry
            (levels 4-5, InboundTolerated syntax) as warnings
  json      print the loop-structured JSON form of each file (a JSON array
            of interchanges), streamed: memory does not grow with the file
  from-json print the X12 of each JSON file made by json, byte for byte the
            original (line breaks included), streamed
  fmt       print the X12 with one segment per line
  ack       print the 999 (and TA1 when needed) acknowledging each interchange

FILE "-" reads standard input. --mask hides element values that may be PHI
(names, identifiers, addresses, dates, free text) in json and fmt output.
--compact writes json without indentation (about half the bytes).
Exit status: 0 no errors, 1 validation errors, 2 usage or read errors.
`

// Main runs the command line and returns the exit status.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	cmd := args[0]
	var files []string
	mask, compact := false, false
	flagsDone := false
	// One large file is the whole job here: validate its sets on every
	// core (edi.Options.Workers; the report is the same as on one).
	vopts := snip.Options{Base: edi.Options{Workers: runtime.GOMAXPROCS(0)}}
	for i := 1; i < len(args); i++ {
		a := args[i]
		switch {
		case !flagsDone && (a == "--inbound" || a == "-inbound"):
			vopts.Inbound = true
		case !flagsDone && (a == "--level" || a == "-level" || strings.HasPrefix(a, "--level=")):
			v, ok := strings.CutPrefix(a, "--level=")
			if !ok {
				if i+1 >= len(args) {
					fmt.Fprintf(stderr, "x12: --level needs a number 1-5\n%s", usage)
					return 2
				}
				i++
				v = args[i]
			}
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > 5 {
				fmt.Fprintf(stderr, "x12: --level %q is not a number 1-5\n%s", v, usage)
				return 2
			}
			vopts.Level = n
		case !flagsDone && a == "--":
			flagsDone = true
		case !flagsDone && (a == "--mask" || a == "-mask"):
			mask = true
		case !flagsDone && (a == "--compact" || a == "-compact"):
			compact = true
		case !flagsDone && (a == "-h" || a == "--help" || a == "-help"):
			fmt.Fprint(stdout, usage)
			return 0
		case !flagsDone && strings.HasPrefix(a, "-") && a != "-":
			fmt.Fprintf(stderr, "x12: unknown flag %s\n%s", a, usage)
			return 2
		default:
			files = append(files, a)
		}
	}
	var run func(name string, r io.Reader, w io.Writer) (int, error)
	switch cmd {
	case "validate":
		run = func(name string, r io.Reader, w io.Writer) (int, error) { return validate(name, r, w, vopts) }
	case "json":
		run = func(name string, r io.Reader, w io.Writer) (int, error) { return toJSON(r, w, mask, compact) }
	case "from-json":
		run = func(name string, r io.Reader, w io.Writer) (int, error) { return fromJSON(r, w) }
	case "fmt":
		run = func(name string, r io.Reader, w io.Writer) (int, error) { return format(r, w, mask) }
	case "ack":
		run = func(name string, r io.Reader, w io.Writer) (int, error) { return ack(r, w) }
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "x12: unknown command %q\n%s", cmd, usage)
		return 2
	}
	if len(files) == 0 {
		fmt.Fprintf(stderr, "x12 %s: no FILE given (use - for standard input)\n", cmd)
		return 2
	}
	bw := bufio.NewWriter(stdout)
	status := 0
	for _, name := range files {
		var r io.Reader
		if name == "-" {
			r = stdin
		} else {
			f, err := os.Open(name) //nolint:gosec // G703: a file the command line names, read by the user's own command
			if err != nil {
				_ = bw.Flush() // what came before goes out before the error; a failed write shows at the end
				fmt.Fprintf(stderr, "x12: %v\n", err)
				status = 2
				continue
			}
			r = f
			defer f.Close()
		}
		st, err := run(name, r, bw)
		if err != nil {
			_ = bw.Flush()
			fmt.Fprintf(stderr, "x12 %s %s: %v\n", cmd, name, err)
			st = 2
		}
		if st > status {
			status = st
		}
	}
	if err := bw.Flush(); err != nil {
		fmt.Fprintf(stderr, "x12 %s: %v\n", cmd, err)
		return 2
	}
	return status
}

// validate prints each interchange's errors, in stream order, and its
// summary as soon as the interchange closes, so a file of any size streams
// with bounded memory.
func validate(name string, r io.Reader, w io.Writer, vopts snip.Options) (int, error) {
	warnings := 0
	opts := &vopts.Base
	opts.DropAccepted = true
	opts.OnInterchange = func(ic *edi.InterchangeResult) {
		errs := append([]*edi.Error(nil), ic.Errors...)
		groups := make([]string, 0, len(ic.Groups))
		sets, accepted := 0, 0
		for _, g := range ic.Groups {
			errs = append(errs, g.Errors...)
			for _, s := range g.Sets {
				errs = append(errs, s.Errors...)
			}
			groups = append(groups, g.Ack())
			sets += g.Received
			accepted += g.Accepted()
		}
		sort.SliceStable(errs, func(i, j int) bool { return errs[i].Index < errs[j].Index })
		for _, e := range errs {
			if e.Warning {
				warnings++
				fmt.Fprintf(w, "%s: warning: %s\n", name, e.Error())
				continue
			}
			fmt.Fprintf(w, "%s: %s\n", name, e.Error())
		}
		fmt.Fprintf(w, "%s: interchange at segment %d: TA1 %s, groups AK9 [%s], %d transaction sets, %d rejected\n",
			name, ic.Index, ic.TA1Code(), strings.Join(groups, " "), sets, sets-accepted)
	}
	rep, err := snip.Validate(r, vopts)
	if err != nil {
		return 2, err
	}
	if rep.Dropped > 0 {
		fmt.Fprintf(w, "%s: %d more errors not shown\n", name, rep.Dropped)
	}
	if rep.OK() {
		fmt.Fprintf(w, "%s: OK (%d segments)\n", name, rep.Segments)
		return 0, nil
	}
	if !snip.Rejected(rep) {
		fmt.Fprintf(w, "%s: OK with %d warnings (%d segments)\n", name, warnings, rep.Segments)
		return 0, nil
	}
	fmt.Fprintf(w, "%s: %d errors\n", name, len(rep.Errors)+rep.Dropped-warnings)
	return 1, nil
}

func readAll(r io.Reader) ([]*edi.Interchange, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	return edi.ParseBytes(b)
}

// toJSON streams the JSON form: each segment is written once the next one
// is read.
func toJSON(r io.Reader, w io.Writer, mask, compact bool) (int, error) {
	if err := edi.EncodeJSON(w, r, &edi.JSONOptions{Mask: mask, Compact: compact}); err != nil {
		return 2, err
	}
	return 0, nil
}

// fromJSON streams the X12 of a JSON form back out.
func fromJSON(r io.Reader, w io.Writer) (int, error) {
	if err := edi.DecodeJSON(w, r); err != nil {
		return 2, err
	}
	return 0, nil
}

func format(r io.Reader, w io.Writer, mask bool) (int, error) {
	if mask {
		ics, err := readAll(r)
		if err != nil {
			return 2, err
		}
		for _, ic := range ics {
			edi.Mask(ic)
			ic.Newline = "\n"
		}
		return 0, edi.Write(w, ics...)
	}
	// Unmasked formatting streams: any size, constant memory.
	rd := edi.NewReader(r)
	for {
		s, err := rd.Next()
		if err == io.EOF {
			return 0, nil
		}
		if err != nil {
			return 2, err
		}
		if _, err := w.Write(s.Data); err != nil {
			return 2, err
		}
		end := []byte{s.Delims.Segment, '\n'}
		if s.Delims.Segment == '\n' {
			end = end[:1]
		}
		if _, err := w.Write(end); err != nil {
			return 2, err
		}
	}
}

func ack(r io.Reader, w io.Writer) (int, error) {
	rep, err := edi.Validate(r, nil)
	if err != nil {
		return 2, err
	}
	for _, ic := range rep.Interchanges {
		a := edi.Acknowledge(ic, edi.AckOptions{Newline: "\n"})
		if err := edi.Write(w, a); err != nil {
			return 2, err
		}
	}
	if rep.OK() {
		return 0, nil
	}
	return 1, nil
}
