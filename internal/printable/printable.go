// Package printable renders claimflow's printed documents (an EOB, an
// appeal letter) as PDF through codeberg.org/go-pdf/fpdf. It knows pages,
// headings, label/value blocks, paragraphs and tables; what a document says
// is its caller's business.
//
// Streams are written uncompressed: the documents are a page or two, and
// plain content streams let a test, or an auditor with a text editor, read
// what was printed.
package printable

import (
	"bytes"
	"fmt"
	"time"

	"codeberg.org/go-pdf/fpdf"
)

// Doc is one document being written. Its methods add to the current page
// and break pages where the text runs over.
type Doc struct {
	pdf *fpdf.Fpdf
	tr  func(string) string
}

// Column is one table column: its heading, width in millimetres and
// alignment ("L", "C" or "R").
type Column struct {
	Heading string
	Width   float64
	Align   string
}

// New starts a US Letter document with the title in its metadata and a
// footer carrying the title and page number on every page. created is the
// creation date written into the metadata (pass a fixed time for stable
// output).
func New(title string, created time.Time) *Doc {
	p := fpdf.New("P", "mm", "Letter", "")
	p.SetCompression(false)
	p.SetTitle(title, true)
	p.SetCreator("claimflow", true)
	p.SetCreationDate(created)
	p.SetModificationDate(created)
	p.SetMargins(18, 18, 18)
	p.SetAutoPageBreak(true, 18)
	d := &Doc{pdf: p, tr: p.UnicodeTranslatorFromDescriptor("")}
	p.SetFooterFunc(func() {
		p.SetY(-14)
		p.SetFont("Helvetica", "", 8)
		p.SetTextColor(110, 110, 110)
		p.CellFormat(0, 5, d.tr(fmt.Sprintf("%s · page %d", title, p.PageNo())), "", 0, "C", false, 0, "")
		p.SetTextColor(0, 0, 0)
	})
	p.AddPage()
	return d
}

// Heading writes a bold heading line.
func (d *Doc) Heading(text string) {
	d.pdf.SetFont("Helvetica", "B", 14)
	d.pdf.MultiCell(0, 7, d.tr(text), "", "L", false)
	d.pdf.Ln(2)
}

// Subheading writes a smaller bold line.
func (d *Doc) Subheading(text string) {
	d.pdf.Ln(2)
	d.pdf.SetFont("Helvetica", "B", 11)
	d.pdf.MultiCell(0, 6, d.tr(text), "", "L", false)
	d.pdf.Ln(1)
}

// Paragraph writes wrapped body text followed by a small gap.
func (d *Doc) Paragraph(text string) {
	d.pdf.SetFont("Helvetica", "", 10)
	d.pdf.MultiCell(0, 5, d.tr(text), "", "L", false)
	d.pdf.Ln(2)
}

// Fields writes label/value pairs, one per line, labels in bold.
func (d *Doc) Fields(pairs ...[2]string) {
	for _, kv := range pairs {
		d.pdf.SetFont("Helvetica", "B", 10)
		d.pdf.CellFormat(48, 5, d.tr(kv[0]), "", 0, "L", false, 0, "")
		d.pdf.SetFont("Helvetica", "", 10)
		d.pdf.MultiCell(0, 5, d.tr(kv[1]), "", "L", false)
	}
	d.pdf.Ln(2)
}

// Table writes a heading row and the rows; a row shorter than the columns
// leaves the rest blank. The heading row repeats after a page break.
func (d *Doc) Table(cols []Column, rows [][]string) {
	head := func() {
		d.pdf.SetFont("Helvetica", "B", 8)
		d.pdf.SetFillColor(232, 236, 241)
		for _, c := range cols {
			d.pdf.CellFormat(c.Width, 6, d.tr(c.Heading), "1", 0, align(c.Align), true, 0, "")
		}
		d.pdf.Ln(-1)
	}
	head()
	_, pageH := d.pdf.GetPageSize()
	_, _, _, bottom := d.pdf.GetMargins()
	for _, row := range rows {
		if d.pdf.GetY()+5 > pageH-bottom {
			d.pdf.AddPage()
			head()
		}
		d.pdf.SetFont("Helvetica", "", 8)
		for i, c := range cols {
			v := ""
			if i < len(row) {
				v = row[i]
			}
			d.pdf.CellFormat(c.Width, 5, d.tr(v), "1", 0, align(c.Align), false, 0, "")
		}
		d.pdf.Ln(-1)
	}
	d.pdf.Ln(3)
}

// Bytes finishes the document and returns the PDF.
func (d *Doc) Bytes() ([]byte, error) {
	var b bytes.Buffer
	if err := d.pdf.Output(&b); err != nil {
		return nil, fmt.Errorf("printable: %w", err)
	}
	return b.Bytes(), nil
}

func align(a string) string {
	if a == "" {
		return "L"
	}
	return a
}
