package rcm

import "testing"

func TestDollars(t *testing.T) {
	for in, want := range map[int64]string{0: "0.00", 5: "0.05", 12345: "123.45", -1250: "-12.50", -5: "-0.05"} {
		if got := Dollars(in); got != want {
			t.Errorf("Dollars(%d) = %q, want %q", in, got, want)
		}
	}
}
