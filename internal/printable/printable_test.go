package printable

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestDocumentCarriesItsText(t *testing.T) {
	d := New("Explanation of benefits", time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	d.Heading("Explanation of benefits")
	d.Fields([2]string{"Check/EFT", "TRACE-1"}, [2]string{"Paid", "123.45"})
	rows := make([][]string, 120) // forces a second page
	for i := range rows {
		rows[i] = []string{fmt.Sprintf("line %d", i), fmt.Sprintf("%d.00", i)}
	}
	d.Table([]Column{{Heading: "Item", Width: 60}, {Heading: "Amount", Width: 30, Align: "R"}}, rows)
	d.Paragraph("Résumé of the adjustments.")
	b, err := d.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b, []byte("%PDF-")) {
		t.Fatalf("not a PDF: %q", b[:16])
	}
	for _, want := range []string{"(Explanation of benefits)", "(TRACE-1)", "(123.45)", "(line 119)", "page 2"} {
		if !bytes.Contains(b, []byte(want)) {
			t.Errorf("PDF lacks %q", want)
		}
	}
	if strings.Count(string(b), "/Type /Page\n") < 2 {
		t.Errorf("want at least two pages")
	}
}
