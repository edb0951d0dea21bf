package icdpack

import (
	"bytes"
	"testing"
)

func TestRoundTrip(t *testing.T) {
	text := []byte("# a comment\nA000\nA001\r\nA0100\n\nS72001A\nS72001D\nZ\nQA00101\n")
	codes, err := Parse(text)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"A000", "A001", "A0100", "S72001A", "S72001D", "Z", "QA00101"}
	if len(codes) != len(want) {
		t.Fatalf("Parse = %q", codes)
	}
	b := Encode(codes)
	var got []string
	if err := Decode(b, func(c []byte) { got = append(got, string(c)) }); err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("Decode = %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("code %d = %q, want %q", i, got[i], want[i])
		}
	}
	if n, err := Count(b); n != len(want) || err != nil {
		t.Errorf("Count = %d, %v", n, err)
	}
}

func TestParseRejects(t *testing.T) {
	for _, text := range []string{"A0000000\n", "a000\n", "A00.0\n", "A00 \n"} {
		if _, err := Parse([]byte(text)); err == nil {
			t.Errorf("Parse(%q) accepted", text)
		}
	}
}

// TestDecodeRejects checks that a cut or corrupt packed list is an error,
// not a wrong list or a panic.
func TestDecodeRejects(t *testing.T) {
	good := Encode([][]byte{[]byte("A000"), []byte("A001"), []byte("B20")})
	bad := [][]byte{
		nil,
		[]byte("ICD2\x03\x00\x00\x00"),
		good[:len(good)-1],             // cut
		append(bytes.Clone(good), 'X'), // trailing bytes
	}
	// one code that shares two bytes with a code before it, which it has not
	bad = append(bad, []byte("ICD1\x01\x00\x00\x00\x2200"))
	long := bytes.Clone(good)
	long[8] = 0<<4 | 9 // longer than MaxLen
	bad = append(bad, long)
	for i, b := range bad {
		if err := Decode(b, func([]byte) {}); err == nil {
			t.Errorf("case %d: Decode accepted %q", i, b)
		}
	}
}
