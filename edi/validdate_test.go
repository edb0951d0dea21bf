package edi

import "testing"

// validDateRef is validDate as it was before the word test and the late
// leap-year rule: the reference the fast one must agree with.
func validDateRef(b []byte) bool {
	if (len(b) != 6 && len(b) != 8) || !allDigits(b) {
		return false
	}
	leap := false
	if len(b) == 8 {
		y := int(b[0]-'0')*1000 + int(b[1]-'0')*100 + int(b[2]-'0')*10 + int(b[3]-'0')
		leap = y%4 == 0 && (y%100 != 0 || y%400 == 0)
		b = b[2:]
	} else {
		leap = (int(b[0]-'0')*10+int(b[1]-'0'))%4 == 0
	}
	mm := int(b[2]-'0')*10 + int(b[3]-'0')
	dd := int(b[4]-'0')*10 + int(b[5]-'0')
	if mm < 1 || mm > 12 || dd < 1 {
		return false
	}
	if mm == 2 && !leap && dd > 28 {
		return false
	}
	return dd <= monthDays[mm]
}

func TestValidDateMatchesReference(t *testing.T) {
	check := func(b []byte) {
		t.Helper()
		if got, want := validDate(b), validDateRef(b); got != want {
			t.Fatalf("validDate(%q) = %v, want %v", b, got, want)
		}
	}
	n := 0
	for _, y := range []string{"0000", "1900", "1996", "1999", "2000", "2004", "2023", "2024", "2100", "2400", "9999"} {
		for m := 0; m < 100; m++ {
			for d := 0; d < 100; d++ {
				mmdd := []byte{byte('0' + m/10), byte('0' + m%10), byte('0' + d/10), byte('0' + d%10)}
				long := append([]byte(y), mmdd...)
				short := append([]byte(y[2:]), mmdd...)
				check(long)
				check(short)
				if validDateRef(long) {
					n++
				}
			}
		}
	}
	if n < 11*360 {
		t.Fatalf("only %d valid dates seen", n)
	}
	// Every byte value in every place of a valid date, and other lengths.
	for _, base := range []string{"20240229", "240229", "20231231"} {
		for i := range base {
			for c := 0; c < 256; c++ {
				b := []byte(base)
				b[i] = byte(c)
				check(b)
			}
		}
	}
	for _, s := range []string{"", "2024", "2024022", "202402290", "2024-02-29"} {
		check([]byte(s))
	}
}
