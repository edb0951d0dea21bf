package snip

import (
	"bytes"
	"testing"

	"github.com/claimflow/claimflow/edi"
	"github.com/claimflow/claimflow/edi/internal/gen837p"
)

// BenchmarkValidate837P compares the SNIP levels on one synthetic 837P:
// level 3 is edi's syntax and balancing alone, 4 and 5 add this package.
func BenchmarkValidate837P(b *testing.B) {
	var buf bytes.Buffer
	if _, err := gen837p.Generate(&buf, gen837p.Options{Size: 4 << 20, ClaimsPerSet: 500}); err != nil {
		b.Fatal(err)
	}
	data := buf.Bytes()
	for _, lv := range []struct {
		name  string
		level int
	}{{"level3", Level3}, {"level4", Level4}, {"level5", Level5}} {
		b.Run(lv.name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				rep, err := Validate(bytes.NewReader(data), Options{Level: lv.level, Base: editDrop()})
				if err != nil || !rep.OK() {
					b.Fatalf("%v %v", err, rep.Errors)
				}
			}
		})
	}
}

func editDrop() edi.Options { return edi.Options{DropAccepted: true} }
