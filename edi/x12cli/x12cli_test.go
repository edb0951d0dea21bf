package x12cli_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/claimflow/claimflow/edi"
	"github.com/claimflow/claimflow/edi/x12cli"
)

func run(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := x12cli.Main(args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

func td(name string) string { return filepath.Join("..", "testdata", name) }

func TestValidate(t *testing.T) {
	code, out, _ := run(t, "", "validate", td("837p-valid.x12"), td("837p-crlf.x12"))
	if code != 0 || !strings.Contains(out, "837p-valid.x12: OK") || !strings.Contains(out, "837p-crlf.x12: OK") {
		t.Errorf("exit %d\n%s", code, out)
	}
	code, out, _ = run(t, "", "validate", td("broken-bad-code.x12"))
	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	want := "broken-bad-code.x12: segment 14 SBR01 (transaction set 0001 position 12, loop 2000B) at byte 493: invalid code value [IK4 7]"
	if !strings.Contains(out, want) {
		t.Errorf("output lacks %q:\n%s", want, out)
	}
}

func TestStdin(t *testing.T) {
	b, err := os.ReadFile(td("837p-valid.x12"))
	if err != nil {
		t.Fatal(err)
	}
	code, out, _ := run(t, string(b), "validate", "-")
	if code != 0 || !strings.Contains(out, "-: OK") {
		t.Errorf("exit %d\n%s", code, out)
	}
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{{}, {"nope", "x"}, {"validate"}, {"validate", "--bogus", "x"}} {
		if code, _, _ := run(t, "", args...); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
	if code, _, errs := run(t, "", "validate", td("does-not-exist.x12")); code != 2 || !strings.Contains(errs, "does-not-exist") {
		t.Errorf("missing file: exit %d %q", code, errs)
	}
}

func TestJSONMask(t *testing.T) {
	code, out, _ := run(t, "", "json", "--mask", td("837p-dependent.x12"))
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, phi := range []string{"JANE", "JOHN", "ZZ0000001", "TEST LANE", "19800101"} {
		if strings.Contains(out, phi) {
			t.Errorf("masked JSON contains %q", phi)
		}
	}
	code, out, _ = run(t, "", "json", td("837p-dependent.x12"))
	if code != 0 || !strings.Contains(out, `"loop": "2010CA"`) || !strings.Contains(out, "JOHN") {
		t.Errorf("unmasked JSON: exit %d", code)
	}
	back, err := edi.UnmarshalX12JSON([]byte(out))
	if err != nil {
		t.Fatal(err)
	}
	orig, _ := os.ReadFile(td("837p-dependent.x12"))
	if got := back[0].String(); got != string(orig) {
		t.Errorf("json output does not convert back exactly")
	}
}

func TestFmt(t *testing.T) {
	b, _ := os.ReadFile(td("837p-oneline.x12"))
	code, out, _ := run(t, string(b), "fmt", "-")
	if code != 0 || strings.Count(out, "\n") != 30 {
		t.Errorf("exit %d, %d lines", code, strings.Count(out, "\n"))
	}
	valid, _ := os.ReadFile(td("837p-valid.x12"))
	if out != string(valid) {
		t.Errorf("fmt of the one-line sample differs from the multi-line sample")
	}
	code, out, _ = run(t, string(b), "fmt", "--mask", "-")
	if code != 0 || strings.Contains(out, "JANE") || !strings.Contains(out, "NM1*IL*1*XXXX") {
		t.Errorf("masked fmt: exit %d\n%s", code, out)
	}
}

func TestAck(t *testing.T) {
	code, out, _ := run(t, "", "ack", td("broken-se-count.x12"))
	if code != 1 || !strings.Contains(out, "IK5*R*4~") || !strings.Contains(out, "AK9*R*1*1*0~") {
		t.Errorf("exit %d\n%s", code, out)
	}
	code, out, _ = run(t, "", "ack", td("broken-missing-iea.x12"))
	if code != 1 || !strings.Contains(out, "*R*023~") {
		t.Errorf("exit %d\n%s", code, out)
	}
	code, out, _ = run(t, "", "ack", td("837p-valid.x12"))
	if code != 0 || !strings.Contains(out, "AK9*A*1*1*1~") {
		t.Errorf("exit %d\n%s", code, out)
	}
}

func TestFmtNewlineTerminator(t *testing.T) {
	b, _ := os.ReadFile(td("837p-delims-newline.x12"))
	code, out, _ := run(t, string(b), "fmt", "-")
	if code != 0 || out != string(b) {
		t.Errorf("exit %d; fmt of a newline-terminated file changed it:\n%s", code, out)
	}
}

// TestJSONFromJSON: x12 json then x12 from-json gives back every byte,
// indented or compact, for a file without a final line break and one with
// CRLF line breaks.
func TestJSONFromJSON(t *testing.T) {
	valid, err := os.ReadFile(td("837p-valid.x12"))
	if err != nil {
		t.Fatal(err)
	}
	crlf, err := os.ReadFile(td("837p-crlf.x12"))
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range []string{strings.TrimRight(string(valid), "\n"), string(crlf)} {
		for _, flags := range [][]string{nil, {"--compact"}} {
			args := append(append([]string{"json"}, flags...), "-")
			code, j, errs := run(t, x, args...)
			if code != 0 {
				t.Fatalf("json %v: exit %d %s", flags, code, errs)
			}
			if compact := !strings.Contains(j, "\n  "); compact != (flags != nil) {
				t.Errorf("json %v: compact output %v", flags, compact)
			}
			code, back, errs := run(t, j, "from-json", "-")
			if code != 0 {
				t.Fatalf("from-json: exit %d %s", code, errs)
			}
			if back != x {
				t.Errorf("json %v then from-json differs:\n%q\nwant\n%q", flags, back, x)
			}
		}
	}
	if code, _, errs := run(t, `{"not": "an array"}`, "from-json", "-"); code != 2 || !strings.Contains(errs, "from-json") {
		t.Errorf("bad JSON: exit %d %q", code, errs)
	}
}
