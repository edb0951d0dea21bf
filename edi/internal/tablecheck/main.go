// Command tablecheck compares claimflow's X12 guide tables (schemas/x12)
// with an independent machine-readable rendering of the same TR3s, pyx12's
// XML maps, and lists every disagreement in structure, usage, repeats, code
// lists, element attributes (reference number, type, min and max length),
// shared positions and segment syntax notes.
//
//	go run ./edi/internal/tablecheck -pyx12 DIR [-tables DIR] [-q] [-open] [-json] [-strict]
//
// -json lists each disagreement with the place of its item in the table
// file ("root/items/3/items/0") and the reference's value; -tables checks
// another copy of the tables (an older commit's, to count before a change).
// DIR is a pyx12 checkout or its map directory; it is read at run time
// and nothing of it is kept in this repository. A disagreement a table
// explains in its "why" field (see schemas/x12/README.md) is counted as
// recorded; the rest are open. The exit status is 1 when -strict is given
// and a disagreement is open.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sort"

	"github.com/claimflow/claimflow/schemas"
)

// fileByGuide lists maps the reference ships but does not register in its
// maps.xml.
var fileByGuide = map[string]string{
	"005010X212/HN": "277.5010.X212.xml",
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("tablecheck", flag.ContinueOnError)
	fl.SetOutput(stderr)
	refDir := fl.String("pyx12", "", "pyx12 checkout or its map directory (required)")
	tables := fl.String("tables", "", "directory of guide tables (default: the embedded schemas/x12)")
	quiet := fl.Bool("q", false, "print only the summary")
	open := fl.Bool("open", false, "list only open (unrecorded) disagreements")
	strict := fl.Bool("strict", false, "exit 1 when a disagreement is open")
	asJSON := fl.Bool("json", false, "list the disagreements as JSON lines (with the item's place in its table file)")
	if err := fl.Parse(args); err != nil {
		return 2
	}
	if *refDir == "" {
		fmt.Fprintln(stderr, "tablecheck: -pyx12 DIR is required")
		return 2
	}
	var fsys fs.FS = schemas.X12
	dir := "x12"
	if *tables != "" {
		fsys, dir = os.DirFS(*tables), "."
	}
	res, err := check(fsys, dir, *refDir)
	if err != nil {
		fmt.Fprintln(stderr, "tablecheck:", err)
		return 2
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		for _, f := range res.findings {
			if *open && f.Why != "" {
				continue
			}
			if err := enc.Encode(f); err != nil {
				fmt.Fprintln(stderr, "tablecheck:", err)
				return 2
			}
		}
		return 0
	}
	if !*quiet {
		for _, f := range res.findings {
			if *open && f.Why != "" {
				continue
			}
			fmt.Fprintln(stdout, f)
		}
		fmt.Fprintln(stdout)
	}
	res.summary(stdout)
	if *strict && res.open() > 0 {
		return 1
	}
	return 0
}

type result struct {
	findings []finding
	compared []string // "table: reference file"
	skipped  []string // tables without a reference map
}

func (r *result) open() int {
	n := 0
	for _, f := range r.findings {
		if f.Why == "" {
			n++
		}
	}
	return n
}

func check(fsys fs.FS, dir, refDir string) (*result, error) {
	d, gs, err := loadOurs(fsys, dir)
	if err != nil {
		return nil, err
	}
	src, err := openPyx12(refDir)
	if err != nil {
		return nil, err
	}
	c := &checker{dict: d, attrs: src.attrs, seenAttr: map[string]bool{}}
	res := &result{}
	for _, g := range gs {
		id := g.ID
		file := src.files[id+"/"+g.Group]
		if file == "" {
			file = fileByGuide[id+"/"+g.Group]
		}
		viaBase := false
		if file == "" && g.Amends != "" {
			// An errata version the reference has no map of is compared
			// with the map of the version it amends.
			file, viaBase = src.files[g.Amends+"/"+g.Group], true
		}
		if file == "" {
			res.skipped = append(res.skipped, g.File)
			continue
		}
		ref, err := src.transaction(file)
		if err != nil {
			return nil, err
		}
		res.compared = append(res.compared, g.File+": "+file)
		from := len(c.findings)
		c.compareGuide(g, ref)
		if viaBase {
			for i := range c.findings[from:] {
				f := &c.findings[from+i]
				if f.Item == "ST" && f.Key == "3.codes" && f.Why == "" {
					f.Why = "ST03 is the errata version's own ID; the map compared is the one of " + g.Amends
				}
			}
		}
	}
	res.findings = c.findings
	return res, nil
}

func (r *result) summary(w io.Writer) {
	for _, s := range r.compared {
		fmt.Fprintln(w, "compared", s)
	}
	for _, s := range r.skipped {
		fmt.Fprintln(w, "no reference map for", s)
	}
	type count struct{ open, recorded int }
	byCat := map[string]*count{}
	byGuide := map[string]*count{}
	for _, c := range categories {
		byCat[c] = &count{}
	}
	total := count{}
	for _, f := range r.findings {
		g := byGuide[f.Guide]
		if g == nil {
			g = &count{}
			byGuide[f.Guide] = g
		}
		if f.Why == "" {
			byCat[f.Cat].open++
			g.open++
			total.open++
		} else {
			byCat[f.Cat].recorded++
			g.recorded++
			total.recorded++
		}
	}
	fmt.Fprintf(w, "\n%-12s %6s %9s\n", "category", "open", "recorded")
	for _, c := range categories {
		fmt.Fprintf(w, "%-12s %6d %9d\n", c, byCat[c].open, byCat[c].recorded)
	}
	names := make([]string, 0, len(byGuide))
	for n := range byGuide {
		names = append(names, n)
	}
	sort.Strings(names)
	fmt.Fprintf(w, "\n%-18s %6s %9s\n", "table", "open", "recorded")
	for _, n := range names {
		fmt.Fprintf(w, "%-18s %6d %9d\n", n, byGuide[n].open, byGuide[n].recorded)
	}
	fmt.Fprintf(w, "\ntotal: %d disagreements, %d open, %d recorded\n", total.open+total.recorded, total.open, total.recorded)
}
