package main

import (
	"encoding/xml"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// A refNode is one item of the reference rendering of a guide: a loop or a
// segment, with its elements. Wrapper loops (pyx12's HEADER, DETAIL,
// FOOTER) are flattened into their parent, as X12 tables have no such loop.
type refNode struct {
	Loop     bool
	ID       string // loop ID or segment ID
	Usage    string // R, S or N
	Max      int    // maximum use or repeat, 0 = unbounded
	Pos      string // X12 position in the table
	Elems    []refElem
	Children []*refNode
	Syntax   []string
}

// refElem is an element or a composite with its components.
type refElem struct {
	Seq    int
	Ref    string // data element reference number (C-prefixed for composites)
	Usage  string
	Codes  []string // nil when the reference lists none (or an external set)
	Ext    string   // the external code set named instead of a list
	Repeat int
	Comps  []refElem
}

// refAttr is a data element's dictionary attributes.
type refAttr struct {
	Type     string
	Min, Max int
}

type xmlMaps struct {
	Versions []struct {
		ICVN string `xml:"icvn,attr"`
		Maps []struct {
			VRIIC string `xml:"vriic,attr"`
			FIC   string `xml:"fic,attr"`
			File  string `xml:",chardata"`
		} `xml:"map"`
	} `xml:"version"`
}

type xmlItem struct {
	XMLName  xml.Name
	XID      string    `xml:"xid,attr"`
	Type     string    `xml:"type,attr"`
	Usage    string    `xml:"usage"`
	Repeat   string    `xml:"repeat"`
	MaxUse   string    `xml:"max_use"`
	Pos      string    `xml:"pos"`
	Seq      string    `xml:"seq"`
	DataEle  string    `xml:"data_ele"`
	Syntax   []string  `xml:"syntax"`
	Valid    *xmlCodes `xml:"valid_codes"`
	Children []xmlItem `xml:",any"`
}

type xmlCodes struct {
	External string   `xml:"external,attr"`
	Codes    []string `xml:"code"`
}

type xmlDataEle struct {
	Elems []struct {
		Num  string `xml:"ele_num,attr"`
		Type string `xml:"data_type,attr"`
		Min  int    `xml:"min_len,attr"`
		Max  int    `xml:"max_len,attr"`
	} `xml:"data_ele"`
}

// refSource is a directory of pyx12 maps.
type refSource struct {
	dir   string
	files map[string]string // "vriic/fic" -> file
	attrs map[string]refAttr
}

// openPyx12 reads maps.xml and dataele.xml from dir (the map directory,
// or a pyx12 checkout holding pyx12/map).
func openPyx12(dir string) (*refSource, error) {
	for _, d := range []string{dir, filepath.Join(dir, "map"), filepath.Join(dir, "pyx12", "map")} {
		if _, err := os.Stat(filepath.Join(d, "maps.xml")); err == nil {
			dir = d
			break
		}
	}
	src := &refSource{dir: dir, files: map[string]string{}, attrs: map[string]refAttr{}}
	var m xmlMaps
	if err := readXML(filepath.Join(dir, "maps.xml"), &m); err != nil {
		return nil, err
	}
	for _, v := range m.Versions {
		if v.ICVN != "00501" {
			continue
		}
		for _, mp := range v.Maps {
			src.files[mp.VRIIC+"/"+mp.FIC] = strings.TrimSpace(mp.File)
		}
	}
	var de xmlDataEle
	if err := readXML(filepath.Join(dir, "dataele.xml"), &de); err != nil {
		return nil, err
	}
	for _, e := range de.Elems {
		src.attrs[e.Num] = refAttr{Type: e.Type, Min: e.Min, Max: e.Max}
	}
	return src, nil
}

func readXML(name string, v any) error {
	b, err := os.ReadFile(name)
	if err != nil {
		return err
	}
	if err := xml.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

// transaction loads one map and returns the items of its ST_LOOP (ST to
// SE), wrapper loops flattened.
func (src *refSource) transaction(file string) ([]*refNode, error) {
	var root xmlItem
	if err := readXML(filepath.Join(src.dir, file), &root); err != nil {
		return nil, err
	}
	st := findLoop(&root, "ST_LOOP")
	if st == nil {
		return nil, fmt.Errorf("%s: no ST_LOOP", file)
	}
	return convertChildren(st), nil
}

func findLoop(it *xmlItem, id string) *xmlItem {
	for i := range it.Children {
		c := &it.Children[i]
		if c.XMLName.Local == "loop" {
			if c.XID == id {
				return c
			}
			if f := findLoop(c, id); f != nil {
				return f
			}
		}
	}
	return nil
}

func convertChildren(it *xmlItem) []*refNode {
	var out []*refNode
	for i := range it.Children {
		c := &it.Children[i]
		switch c.XMLName.Local {
		case "loop":
			if c.Type == "wrapper" {
				if strings.TrimSpace(c.Usage) == "N" {
					continue
				}
				out = append(out, convertChildren(c)...)
				continue
			}
			out = append(out, &refNode{Loop: true, ID: c.XID, Usage: strings.TrimSpace(c.Usage),
				Max: repeatOf(c.Repeat), Pos: strings.TrimSpace(c.Pos), Children: convertChildren(c)})
		case "segment":
			n := &refNode{ID: c.XID, Usage: strings.TrimSpace(c.Usage), Max: repeatOf(c.MaxUse),
				Pos: strings.TrimSpace(c.Pos), Syntax: c.Syntax}
			for j := range c.Children {
				e := &c.Children[j]
				if e.XMLName.Local == "element" || e.XMLName.Local == "composite" {
					n.Elems = append(n.Elems, convertElem(e))
				}
			}
			out = append(out, n)
		}
	}
	return out
}

func convertElem(e *xmlItem) refElem {
	r := refElem{Ref: strings.TrimSpace(e.DataEle), Usage: strings.TrimSpace(e.Usage), Repeat: repeatOf(e.Repeat)}
	r.Seq, _ = strconv.Atoi(strings.TrimSpace(e.Seq))
	if r.Seq == 0 {
		// xid ends in the position: CLM05, CLM05-01
		x := e.XID
		if i := strings.LastIndexByte(x, '-'); i >= 0 {
			x = x[i+1:]
		} else if len(x) >= 2 {
			x = x[len(x)-2:]
		}
		r.Seq, _ = strconv.Atoi(x)
	}
	if e.Valid != nil {
		if e.Valid.External != "" {
			r.Ext = e.Valid.External
		} else if len(e.Valid.Codes) > 0 {
			for _, c := range e.Valid.Codes {
				r.Codes = append(r.Codes, strings.TrimSpace(c))
			}
		}
	}
	if e.XMLName.Local == "composite" {
		for j := range e.Children {
			if c := &e.Children[j]; c.XMLName.Local == "element" {
				r.Comps = append(r.Comps, convertElem(c))
			}
		}
	}
	return r
}

// repeatOf reads "1", "12" or ">1" (unbounded, 0).
func repeatOf(s string) int {
	s = strings.TrimSpace(s)
	if s == "" {
		return 1
	}
	if strings.HasPrefix(s, ">") {
		return 0
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 1
	}
	return n
}
