package rcm

import "fmt"

// Dollars formats cents as dollars with two decimals, as staff read them
// and as the EDI files carry them: "1234.50", "-12.00". History notes, CSV
// exports and printed documents all use it.
func Dollars(cents int64) string {
	sign := ""
	if cents < 0 {
		sign, cents = "-", -cents
	}
	return fmt.Sprintf("%s%d.%02d", sign, cents/100, cents%100)
}
