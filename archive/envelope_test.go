package archive

import (
	"strings"
	"testing"
)

func TestReadEnvelope(t *testing.T) {
	isa := "ISA*00*          *00*          *ZZ*SUBMITTER01    *ZZ*RECEIVER01     *260101*1200*^*00501*000000042*0*T*:"
	for _, c := range []struct {
		name, body string
		want       string
	}{
		{"standard", isa + "~GS*HC*A*B*20260101*1200*7*X*005010X222A1~ST*837*0001~SE*2*0001~ST*837*0002~SE*2*0002~GE*2*7~IEA*1*000000042~",
			"837|000000042|7|0001,0002"},
		{"other delimiters, newlines", strings.NewReplacer("*", "|", "~", "!").Replace(isa) + "!\nGS|FA|A|B|20260101|1200|9|X|005010X231A1!\nST|999|0001!\nSE|2|0001!\nGE|1|9!\nIEA|1|000000042!",
			"999|000000042|9|0001"},
		{"not X12", "hello, world", "|||"},
		{"short", "ISA*00", "|||"},
		{"values that are not identifiers are dropped", isa + "~GS*HC*A*B*20260101*1200*DOE JANE*X~ST*837*0001~", "837|000000042||0001"},
	} {
		e := readEnvelope([]byte(c.body))
		got := strings.Join([]string{strings.Join(e.Sets, ","), strings.Join(e.ISA13, ","), strings.Join(e.GS06, ","), strings.Join(e.ST02, ",")}, "|")
		if got != c.want {
			t.Errorf("%s: got %q, want %q", c.name, got, c.want)
		}
	}
}

// FuzzReadEnvelope: any input yields metadata made only of short
// alphanumeric identifiers.
func FuzzReadEnvelope(f *testing.F) {
	f.Add([]byte("ISA*00*          *00*          *ZZ*SUBMITTER01    *ZZ*RECEIVER01     *260101*1200*^*00501*000000042*0*T*:~GS*HC*A*B*1*2*7*X~ST*837*0001~"))
	f.Add([]byte("hello"))
	f.Fuzz(func(t *testing.T, b []byte) {
		e := readEnvelope(b)
		for _, list := range [][]string{e.Sets, e.ISA13, e.GS06, e.ST02} {
			if len(list) > maxIDs {
				t.Fatalf("%d identifiers, more than %d", len(list), maxIDs)
			}
			for _, s := range list {
				if safe([]byte(s)) != s {
					t.Fatalf("unsafe identifier %q", s)
				}
			}
		}
	})
}
