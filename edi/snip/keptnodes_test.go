package snip

import (
	"bytes"
	"strings"
	"testing"

	"github.com/claimflow/claimflow/edi/internal/gen837p"
)

func clearKeptNodes() {
	keptNodes.Lock()
	keptNodes.m = map[nodeKey][][]nodeRules{}
	keptNodes.Unlock()
}

// A set takes the node rules a finished set of the same table, kind and
// level worked out (keptNodes): the reports must be those of sets that
// work out their own, whatever ran before, one level after another.
func TestKeptNodesMatchFreshOnes(t *testing.T) {
	var buf bytes.Buffer
	if _, err := gen837p.Generate(&buf, gen837p.Options{Size: 40 << 10, ClaimsPerSet: 3}); err != nil {
		t.Fatal(err)
	}
	// Level 5 findings the situational rules of level 4 do not make: a
	// diagnosis outside ICD-10-CM and a state outside the code list, in
	// the second set only (the first set's nodes are then taken by it).
	sets := strings.SplitAfter(buf.String(), "~SE*")
	if len(sets) < 4 {
		t.Fatalf("%d sets generated, want 3 or more", len(sets)-1)
	}
	sets[1] = strings.Replace(strings.Replace(sets[1], "HI*ABK:J069", "HI*ABK:J0699", 1), "*NY*", "*QQ*", 1)
	data := []byte(strings.Join(sets, ""))
	report := func(level int) string {
		rep, err := Validate(bytes.NewReader(data), Options{Level: level, Base: editDrop()})
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		for _, e := range rep.Errors {
			b.WriteString(e.Error() + "\n")
		}
		return b.String()
	}
	fresh := map[int]string{}
	for _, lv := range []int{Level4, Level5} {
		clearKeptNodes()
		fresh[lv] = report(lv)
	}
	if fresh[Level4] == fresh[Level5] || !strings.Contains(fresh[Level5], "QQ") && !strings.Contains(fresh[Level5], "J0699") && strings.Count(fresh[Level5], "\n") <= strings.Count(fresh[Level4], "\n") {
		t.Fatalf("level 5 reports nothing more than level 4:\n%s", fresh[Level5])
	}
	clearKeptNodes()
	for i, lv := range []int{Level5, Level4, Level5, Level4, Level4, Level5} {
		if got := report(lv); got != fresh[lv] {
			t.Errorf("run %d, level %d, with nodes kept from the runs before:\n%s\nwant\n%s", i, lv, got, fresh[lv])
		}
	}
}
