package setkit

import (
	"strconv"
	"strings"
	"testing"
)

// parseMoneyStrconv is ParseMoney as it was written with strconv, kept as
// the reference the allocation-free version must agree with.
func parseMoneyStrconv(s string) (Money, bool) {
	if s == "" {
		return 0, false
	}
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" {
		whole = "0"
	}
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil || w < 0 || w > 1e15 {
		return 0, false
	}
	for _, c := range frac {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	frac += "00"
	f, _ := strconv.ParseInt(frac[:2], 10, 64)
	m := Money(w*100 + f)
	if neg {
		m = -m
	}
	return m, true
}

func TestParseMoneySameAsStrconv(t *testing.T) {
	for _, in := range []string{"", "-", ".", "-.", "0", "1", "1.", "1.5", "1.50", "1.999", "-1.25", "--1", "-+1",
		"+1", "+", "+.5", "-0", "--0", "-0.5", ".05", "12345.67", "1e3", "1,00", "1.2.3", "1.-2", "1000000000000000",
		"1000000000000001", "999999999999999.99", "99999999999999999999", "٣", "1.٣", " 1", "1 ", "00012.3",
		"999999999999999", "999999999999999.9", "0.05", "00.5", "5.", "12.3a", "12.a", "1.2-", "7.07", "0"} {
		got, gok := ParseMoney(in)
		want, wok := parseMoneyStrconv(in)
		if got != want || gok != wok {
			t.Errorf("ParseMoney(%q) = %d, %v; want %d, %v", in, got, gok, want, wok)
		}
	}
}

func FuzzParseMoney(f *testing.F) {
	for _, s := range []string{"1.5", "-+0", "12.345", "+.", "1e5"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got, gok := ParseMoney(in)
		want, wok := parseMoneyStrconv(in)
		if got != want || gok != wok {
			t.Errorf("ParseMoney(%q) = %d, %v; want %d, %v", in, got, gok, want, wok)
		}
	})
}
