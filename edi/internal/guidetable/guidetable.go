// Package guidetable reads the guide tables of schemas/x12 as written, and
// resolves a table that amends another (an errata version) into a whole
// table: the amended table with the errata's own changes applied. The edi
// package compiles the result; the table checker compares it.
package guidetable

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
)

// Guide is one guide table file.
type Guide struct {
	Comment     string          `json:"comment,omitempty"`
	Guide       string          `json:"guide"`
	Transaction string          `json:"transaction"`
	Group       string          `json:"functionalGroup"`
	Name        string          `json:"name,omitempty"`
	Context     json.RawMessage `json:"context,omitempty"`
	Balance     json.RawMessage `json:"balance,omitempty"`
	Root        *Item           `json:"root,omitempty"`
	Defs        map[string]Item `json:"defs,omitempty"`
	// Amends names the guide this one is an errata version of; Changes
	// are its differences from it.
	Amends  string   `json:"amends,omitempty"`
	Changes []Change `json:"changes,omitempty"`
}

// Item is a segment or loop of a table (see schemas/x12/README.md).
type Item struct {
	Seg   string            `json:"seg,omitempty"`
	Loop  string            `json:"loop,omitempty"`
	Use   string            `json:"use,omitempty"`
	Name  string            `json:"name,omitempty"`
	Usage string            `json:"usage,omitempty"`
	Max   *int              `json:"max,omitempty"`
	Q     string            `json:"q,omitempty"`
	El    map[string]string `json:"el,omitempty"`
	NU    []int             `json:"nu,omitempty"`
	Items []Item            `json:"items,omitempty"`
	Why   map[string]string `json:"why,omitempty"`
}

// Change is one difference of an errata version: the nth (1-based,
// default 1) segment Seg among the items of every loop Loop, or the loop
// itself when Seg is empty, gets the fields set here. El entries are
// merged key by key; NU, when set, replaces the list.
type Change struct {
	Loop  string            `json:"loop"`
	Seg   string            `json:"seg,omitempty"`
	Nth   int               `json:"nth,omitempty"`
	Why   string            `json:"why"`
	Name  string            `json:"name,omitempty"`
	Usage string            `json:"usage,omitempty"`
	Max   *int              `json:"max,omitempty"`
	Q     string            `json:"q,omitempty"`
	El    map[string]string `json:"el,omitempty"`
	NU    []int             `json:"nu,omitempty"`
}

// File is a resolved guide table and the file it came from.
type File struct {
	Name  string
	Guide *Guide
}

// IsDict reports whether a file name is part of the segment dictionary.
func IsDict(name string) bool {
	return name == "segments.json" || strings.HasPrefix(name, "segments-") && strings.HasSuffix(name, ".json")
}

// Load reads every guide table in dir, resolving amendments, in file name
// order.
func Load(fsys fs.FS, dir string) ([]File, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, err
	}
	raw := map[string][]byte{}
	var files []File
	for _, e := range entries {
		if IsDict(e.Name()) || !strings.HasSuffix(e.Name(), ".json") {
			continue
		}
		b, err := fs.ReadFile(fsys, path.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		g := &Guide{}
		if err := json.Unmarshal(b, g); err != nil {
			return nil, fmt.Errorf("%s: %w", e.Name(), err)
		}
		if g.Amends == "" {
			raw[g.Guide+"/"+g.Transaction] = b
		}
		files = append(files, File{Name: e.Name(), Guide: g})
	}
	for i, f := range files {
		if f.Guide.Amends == "" {
			continue
		}
		g, err := resolve(f.Guide, raw[f.Guide.Amends+"/"+f.Guide.Transaction])
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f.Name, err)
		}
		files[i].Guide = g
	}
	sort.Slice(files, func(i, j int) bool { return files[i].Name < files[j].Name })
	return files, nil
}

// Header is what Index reads of a table: enough to find it by guide ID
// and transaction without decoding its items.
type Header struct {
	Name        string `json:"-"` // file name in the directory
	Guide       string `json:"guide"`
	Transaction string `json:"transaction"`
	Amends      string `json:"amends,omitempty"`
}

// Index reads the header of every guide table in dir, in file name order.
// LoadOne then reads one table as Load would.
func Index(fsys fs.FS, dir string) ([]Header, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, err
	}
	var out []Header
	for _, e := range entries {
		if IsDict(e.Name()) || !strings.HasSuffix(e.Name(), ".json") {
			continue
		}
		b, err := fs.ReadFile(fsys, path.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		h, err := readHeader(b)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", e.Name(), err)
		}
		h.Name = e.Name()
		out = append(out, h)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// headerKeys are the members a table writes before its items (see
// schemas/x12/README.md): readHeader stops at the first other member.
var headerKeys = map[string]bool{"comment": true, "guide": true, "transaction": true, "functionalGroup": true,
	"name": true, "amends": true}

// readHeader reads a table's header members and stops at its first
// other member, so that finding a table costs its header, not its items:
// decoding a whole table only for its header was a quarter of
// "claimflow x12 validate"'s start-up (14.5 M of 52 M instructions).
// TestIndexMatchesLoad checks that every table's header comes first.
func readHeader(b []byte) (Header, error) {
	var h Header
	dec := json.NewDecoder(bytes.NewReader(b))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return h, fmt.Errorf("a table is a JSON object (%v)", err)
	}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return h, err
		}
		key, _ := t.(string)
		if !headerKeys[key] {
			break
		}
		var v string
		if err := dec.Decode(&v); err != nil {
			return h, fmt.Errorf("%s: %w", key, err)
		}
		switch key {
		case "guide":
			h.Guide = v
		case "transaction":
			h.Transaction = v
		case "amends":
			h.Amends = v
		}
	}
	if h.Guide == "" || h.Transaction == "" {
		return h, fmt.Errorf(`"guide" and "transaction" must come before the table's items`)
	}
	return h, nil
}

// LoadOne reads the table of index[i] (from Index over the same
// directory), resolving its amendment as Load does.
func LoadOne(fsys fs.FS, dir string, index []Header, i int) (*Guide, error) {
	h := index[i]
	b, err := fs.ReadFile(fsys, path.Join(dir, h.Name))
	if err != nil {
		return nil, err
	}
	g := &Guide{}
	if err := json.Unmarshal(b, g); err != nil {
		return nil, fmt.Errorf("%s: %w", h.Name, err)
	}
	if g.Amends == "" {
		return g, nil
	}
	var base []byte
	for _, o := range index {
		if o.Amends == "" && o.Guide+"/"+o.Transaction == g.Amends+"/"+g.Transaction {
			// Load keeps the last file read of a guide and transaction.
			if base, err = fs.ReadFile(fsys, path.Join(dir, o.Name)); err != nil {
				return nil, err
			}
		}
	}
	r, err := resolve(g, base)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", h.Name, err)
	}
	return r, nil
}

// resolve applies an errata table to a fresh copy of the table it amends.
func resolve(errata *Guide, base []byte) (*Guide, error) {
	if base == nil {
		return nil, fmt.Errorf("amends %s, which is not a table of transaction %s", errata.Amends, errata.Transaction)
	}
	g := &Guide{}
	if err := json.Unmarshal(base, g); err != nil {
		return nil, err
	}
	g.Comment, g.Guide, g.Amends, g.Changes = errata.Comment, errata.Guide, errata.Amends, errata.Changes
	if errata.Name != "" {
		g.Name = errata.Name
	}
	// ST03 names the guide.
	if g.Root != nil && len(g.Root.Items) > 0 && g.Root.Items[0].Seg == "ST" {
		st := &g.Root.Items[0]
		if v, ok := st.El["3"]; ok {
			st.El["3"] = strings.Replace(v, errata.Amends, errata.Guide, 1)
		}
	}
	for _, c := range errata.Changes {
		if c.Why == "" {
			return nil, fmt.Errorf("change of %s %s: why is required", c.Loop, c.Seg)
		}
		n := 0
		visit := func(it *Item) { n += apply(it, c) }
		if g.Root != nil {
			walk(g.Root, visit)
		}
		for k, d := range g.Defs {
			walk(&d, visit)
			g.Defs[k] = d
		}
		if n == 0 {
			return nil, fmt.Errorf("change of %s %s matches nothing", c.Loop, c.Seg)
		}
	}
	return g, nil
}

func walk(it *Item, fn func(*Item)) {
	fn(it)
	for i := range it.Items {
		walk(&it.Items[i], fn)
	}
}

// apply applies c to loop it when it is c's loop; it returns the number
// of items changed.
func apply(it *Item, c Change) int {
	if it.Loop == "" || it.Loop != c.Loop {
		return 0
	}
	target := it
	if c.Seg != "" {
		target = nil
		nth := max(c.Nth, 1)
		for i := range it.Items {
			if it.Items[i].Seg == c.Seg {
				if nth--; nth == 0 {
					target = &it.Items[i]
					break
				}
			}
		}
		if target == nil {
			return 0
		}
	}
	// Each changed field records why, under the key a table's why uses.
	why := map[string]string{}
	for k, v := range target.Why {
		why[k] = v
	}
	target.Why = why
	if c.Usage != "" {
		why["usage"] = c.Why
	}
	if c.Max != nil {
		why["max"] = c.Why
	}
	for k := range c.El {
		why[k+".usage"], why[k+".codes"] = c.Why, c.Why
	}
	for _, p := range c.NU {
		why[strconv.Itoa(p)+".usage"] = c.Why
	}
	if c.Name != "" {
		target.Name = c.Name
	}
	if c.Usage != "" {
		target.Usage = c.Usage
	}
	if c.Max != nil {
		m := *c.Max
		target.Max = &m
	}
	if c.Q != "" {
		target.Q = c.Q
	}
	if c.NU != nil {
		target.NU = append([]int(nil), c.NU...)
	}
	if len(c.El) > 0 {
		el := map[string]string{}
		for k, v := range target.El {
			el[k] = v
		}
		for k, v := range c.El {
			el[k] = v
		}
		target.El = el
	}
	return 1
}
