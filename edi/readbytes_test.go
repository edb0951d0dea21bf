package edi_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/claimflow/claimflow/edi"
	"github.com/claimflow/claimflow/edi/eligibility"
	"github.com/claimflow/claimflow/edi/x277ca"
	"github.com/claimflow/claimflow/edi/x835"
	"github.com/claimflow/claimflow/edi/x837d"
	"github.com/claimflow/claimflow/edi/x837i"
	"github.com/claimflow/claimflow/edi/x837p"
)

// readersBothWays lists, per typed reader, the one-pass ReadBytes and the
// parse-then-read path it must agree with.
var readersBothWays = []struct {
	name   string
	bytes  func([]byte) (any, error)
	parsed func([]*edi.Interchange) (any, error)
}{
	{"835", func(x []byte) (any, error) { return x835.ReadBytes(x) }, func(ics []*edi.Interchange) (any, error) { return x835.ReadAll(ics) }},
	{"270/271", func(x []byte) (any, error) { return eligibility.ReadBytes(x) }, func(ics []*edi.Interchange) (any, error) { return eligibility.ReadAll(ics) }},
	{"277CA", func(x []byte) (any, error) { return x277ca.ReadBytes(x) }, func(ics []*edi.Interchange) (any, error) { return x277ca.ReadAll(ics) }},
	{"837I", func(x []byte) (any, error) { return x837i.ReadBytes(x) }, func(ics []*edi.Interchange) (any, error) { return x837i.ReadAll(ics) }},
	{"837D", func(x []byte) (any, error) { return x837d.ReadBytes(x) }, func(ics []*edi.Interchange) (any, error) { return x837d.ReadAll(ics) }},
	{"837P", func(x []byte) (any, error) { return x837p.ReadBytes(x) }, func(ics []*edi.Interchange) (any, error) {
		var out []*x837p.Transaction
		for _, ic := range ics {
			for _, g := range ic.Groups {
				for _, t := range g.Sets {
					if tx, err := x837p.Read(t, ic.Delims); err == nil {
						out = append(out, tx)
					}
				}
			}
		}
		return out, nil
	}},
}

// TestReadBytesMatchesReadAll: for every sample, each typed reader's
// one-pass ReadBytes gives the model (or the error) that ParseBytes and
// ReadAll give.
func TestReadBytesMatchesReadAll(t *testing.T) {
	var paths []string
	for _, root := range []string{"testdata", filepath.Join("x277ca", "testdata")} {
		_ = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() && strings.HasSuffix(p, ".x12") && !strings.Contains(p, "fuzz") {
				paths = append(paths, p)
			}
			return nil
		})
	}
	read := 0
	for _, p := range paths {
		x, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		ics, perr := edi.ParseBytes(x)
		for _, r := range readersBothWays {
			got, err := r.bytes(x)
			if perr != nil {
				if err == nil || err.Error() != perr.Error() {
					t.Errorf("%s %s: ParseBytes fails with %v, ReadBytes with %v", p, r.name, perr, err)
				}
				continue
			}
			want, werr := r.parsed(ics)
			if (err == nil) != (werr == nil) {
				t.Errorf("%s %s: ReadBytes error %v, ReadAll error %v", p, r.name, err, werr)
				continue
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s %s: ReadBytes and ReadAll differ:\n%+v\n%+v", p, r.name, got, want)
			}
			if v := reflect.ValueOf(got); v.Len() > 0 {
				read++
			}
		}
	}
	if read < 15 {
		t.Errorf("only %d sample/reader pairs read anything", read)
	}
}

// FuzzReadBytes: for any input, every typed reader's one-pass ReadBytes
// gives what ParseBytes and ReadAll give (the same model, or an error
// where they fail), and never panics. Seeds are every sample.
func FuzzReadBytes(f *testing.F) {
	for _, root := range []string{"testdata", filepath.Join("x277ca", "testdata")} {
		_ = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() && strings.HasSuffix(p, ".x12") && !strings.Contains(p, "fuzz") {
				if x, err := os.ReadFile(p); err == nil {
					f.Add(x)
				}
			}
			return nil
		})
	}
	f.Fuzz(func(t *testing.T, x []byte) {
		ics, perr := edi.ParseBytes(x)
		for _, r := range readersBothWays {
			got, err := r.bytes(x)
			if perr != nil {
				if err == nil || err.Error() != perr.Error() {
					t.Fatalf("%s: ParseBytes fails with %v, ReadBytes with %v", r.name, perr, err)
				}
				continue
			}
			want, werr := r.parsed(ics)
			if (err == nil) != (werr == nil) {
				t.Fatalf("%s: ReadBytes error %v, ReadAll error %v", r.name, err, werr)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("%s: ReadBytes and ReadAll differ", r.name)
			}
		}
	})
}
