package x837p

import (
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/claimflow/claimflow/edi"
	"github.com/claimflow/claimflow/edi/snip"
)

// Envelope describes the ISA and GS around built transactions.
type Envelope struct {
	SenderQual   string // ISA05 (default ZZ)
	SenderID     string // ISA06
	ReceiverQual string // ISA07 (default ZZ)
	ReceiverID   string // ISA08
	AppSender    string // GS02 (default ISA06)
	AppReceiver  string // GS03 (default ISA08)
	Usage        string // ISA15: P production, T test (default P)
	AckRequested bool   // ISA14
	Time         time.Time
	Delims       edi.Delimiters // default edi.DefaultDelimiters
	Newline      string         // written after each terminator
	Control      edi.Control    // next control numbers (zero values start at 1)
	// Level is the SNIP level the built interchange must pass (0 is
	// snip.Strict, 1-5). claimflow sends only Strict; a lower level builds
	// the faulty claims a trading partner's tests feed its rejection paths.
	Level int
}

// Build writes the transactions into one interchange with one HC group and
// computes counts and control numbers: ISA13 from env.Control.Interchange,
// GS06 from env.Control.Group and ST02 from env.Control.Set onwards (a
// transaction's own ControlNumber wins). It uses one interchange number, one
// group number and one set number per transaction without a ControlNumber.
func Build(env Envelope, txs ...*Transaction) (*edi.Interchange, error) {
	if len(txs) == 0 {
		return nil, errors.New("x837p: no transactions")
	}
	d := env.Delims
	if d == (edi.Delimiters{}) {
		d = edi.DefaultDelimiters
	}
	t := env.Time
	if t.IsZero() {
		t = time.Now().UTC()
	}
	or := func(v, def string) string {
		if v == "" {
			return def
		}
		return v
	}
	ack := "0"
	if env.AckRequested {
		ack = "1"
	}
	ic := &edi.Interchange{Delims: d, Newline: env.Newline}
	ic.ISA = edi.Seg{"ISA", "00", "", "00", "", or(env.SenderQual, "ZZ"), env.SenderID, or(env.ReceiverQual, "ZZ"), env.ReceiverID,
		t.Format("060102"), t.Format("1504"), "", "00501", "", ack, or(env.Usage, "P"), ""}
	g := &edi.Group{GS: edi.Seg{"GS", "HC", or(env.AppSender, env.SenderID), or(env.AppReceiver, env.ReceiverID),
		t.Format("20060102"), t.Format("1504"), "", "X", Guide}}
	for _, tx := range txs {
		segs, err := tx.Segments(d)
		if err != nil {
			return nil, err
		}
		g.Sets = append(g.Sets, &edi.Transaction{Segments: segs})
	}
	ic.Groups = []*edi.Group{g}
	ctl := env.Control
	if ctl.Interchange == 0 {
		ctl.Interchange = 1
	}
	if ctl.Group == 0 {
		ctl.Group = 1
	}
	if ctl.Set == 0 {
		ctl.Set = 1
	}
	// Keep caller-given ST02 values: Build assigns only when asked to.
	for i, tx := range txs {
		if tx.ControlNumber != "" {
			g.Sets[i].Segments[0][2] = tx.ControlNumber
		}
	}
	if err := edi.Build(ic, nil); err != nil {
		return nil, err
	}
	ic.ISA[13] = pad(ctl.Interchange, 9)
	ic.IEA[2] = ic.ISA[13]
	g.GS[6] = strconv.Itoa(ctl.Group)
	g.GE[2] = g.GS[6]
	for i, s := range g.Sets {
		if txs[i].ControlNumber == "" {
			s.Segments[0][2] = pad(ctl.Set, 4)
			ctl.Set++
		}
		s.Segments[len(s.Segments)-1][2] = s.Segments[0][2]
	}
	// Every 837P written must pass the strictest level (the guide, its
	// situational rules and the external code sets): check what was built.
	rep, err := snip.ValidateBytes([]byte(ic.String()), snip.Options{Level: env.Level})
	if err != nil {
		return nil, err
	}
	if !rep.OK() {
		return nil, &BuildError{Errors: rep.Errors}
	}
	return ic, nil
}

// BuildError lists what the guide rejects in a built 837P (a required
// field left empty, a bad code). Its text names positions and codes only.
type BuildError struct {
	Errors []*edi.Error
}

func (e *BuildError) Error() string {
	if len(e.Errors) == 0 {
		return "x837p: built transaction does not validate"
	}
	msg := "x837p: built transaction does not validate: " + e.Errors[0].Error()
	if n := len(e.Errors) - 1; n > 0 {
		msg += " (and " + strconv.Itoa(n) + " more)"
	}
	return msg
}

func pad(n, w int) string {
	s := strconv.Itoa(n)
	for len(s) < w {
		s = "0" + s
	}
	return s
}

// Segments renders the transaction set from ST to SE (SE01 counted).
func (t *Transaction) Segments(d edi.Delimiters) ([]edi.Seg, error) {
	if len(t.Billing) == 0 {
		return nil, errors.New("x837p: a transaction needs a billing provider")
	}
	w := &writer{comp: string(d.Component)}
	w.seg("ST", "837", or(t.ControlNumber, "0001"), Guide)
	h := t.Header
	w.seg("BHT", "0019", or(h.Purpose, "00"), h.Reference, h.Date, h.Time, or(h.Type, "CH"))
	s := t.Submitter
	w.seg("NM1", "41", or(s.EntityType, "2"), s.Name, s.FirstName, "", "", "", "46", s.ID)
	per := []string{"IC", s.ContactName}
	if s.Phone != "" {
		per = append(per, "TE", s.Phone)
	}
	if s.Email != "" {
		per = append(per, "EM", s.Email)
	}
	if len(per) == 2 {
		return nil, errors.New("x837p: submitter needs a phone or email (PER)")
	}
	w.seg("PER", per...)
	w.seg("NM1", "40", "2", t.Receiver.Name, "", "", "", "", "46", t.Receiver.ID)
	for _, bp := range t.Billing {
		bpHL := w.hl("", "20", len(bp.Subscriber) > 0)
		if bp.Taxonomy != "" {
			w.seg("PRV", "BI", "PXC", bp.Taxonomy)
		}
		w.seg("NM1", "85", or(bp.EntityType, "2"), bp.Name, bp.FirstName, "", "", "", "XX", bp.NPI)
		w.addr(&bp.Address)
		w.seg("REF", "EI", bp.TaxID)
		for _, sb := range bp.Subscriber {
			w.hl(bpHL, "22", len(sb.Patients) > 0)
			w.seg("SBR", sb.Responsibility, sb.Relationship, sb.GroupNumber, "", "", "", "", "", sb.FilingCode)
			w.seg("NM1", "IL", "1", sb.LastName, sb.FirstName, sb.MiddleName, "", "", "MI", sb.MemberID)
			if sb.Address != nil {
				w.addr(sb.Address)
			}
			if sb.BirthDate != "" {
				w.seg("DMG", "D8", sb.BirthDate, sb.Gender)
			}
			w.seg("NM1", "PR", "2", sb.Payer.Name, "", "", "", "", "PI", sb.Payer.ID)
			if sb.Payer.Address != nil {
				w.addr(sb.Payer.Address)
			}
			sbHL := w.lastHL
			for i := range sb.Claims {
				if err := w.claim(&sb.Claims[i]); err != nil {
					return nil, err
				}
			}
			for _, p := range sb.Patients {
				w.hl(sbHL, "23", false)
				w.seg("PAT", p.Relationship)
				w.seg("NM1", "QC", "1", p.LastName, p.FirstName)
				w.addr(&p.Address)
				w.seg("DMG", "D8", p.BirthDate, p.Gender)
				for i := range p.Claims {
					if err := w.claim(&p.Claims[i]); err != nil {
						return nil, err
					}
				}
			}
		}
	}
	w.seg("SE", strconv.Itoa(len(w.segs)+1), or(t.ControlNumber, "0001"))
	return w.segs, nil
}

func or(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

type writer struct {
	segs   []edi.Seg
	comp   string
	nextHL int
	lastHL string
}

// seg appends a segment, dropping trailing empty elements.
func (w *writer) seg(id string, el ...string) {
	for len(el) > 0 && el[len(el)-1] == "" {
		el = el[:len(el)-1]
	}
	s := make(edi.Seg, 0, len(el)+1)
	s = append(s, id)
	s = append(s, el...)
	w.segs = append(w.segs, s)
}

func (w *writer) hl(parent, level string, children bool) string {
	w.nextHL++
	id := strconv.Itoa(w.nextHL)
	child := "0"
	if children {
		child = "1"
	}
	w.seg("HL", id, parent, level, child)
	w.lastHL = id
	return id
}

func (w *writer) addr(a *Address) {
	w.seg("N3", a.Line1, a.Line2)
	w.seg("N4", a.City, a.State, a.Zip)
}

func (w *writer) claim(c *Claim) error {
	if len(c.Lines) == 0 {
		return errors.New("x837p: claim " + strconv.Quote(c.PatientControlNumber) + " has no service lines")
	}
	if len(c.Diagnoses) == 0 {
		return errors.New("x837p: claim " + strconv.Quote(c.PatientControlNumber) + " has no diagnosis")
	}
	if len(c.Diagnoses) > 12 {
		return errors.New("x837p: more than 12 diagnoses")
	}
	pos := strings.Join([]string{c.PlaceOfService, "B", or(c.Frequency, "1")}, w.comp)
	w.seg("CLM", c.PatientControlNumber, c.Total().String(), "", "", pos, or(c.ProviderSignature, "Y"),
		or(c.Assignment, "A"), or(c.BenefitsAssigned, "Y"), or(c.ReleaseOfInfo, "Y"))
	if c.OnsetDate != "" {
		w.seg("DTP", "431", "D8", c.OnsetDate)
	}
	if c.PriorAuthorization != "" {
		w.seg("REF", "G1", c.PriorAuthorization)
	}
	if c.PayerClaimControl != "" {
		w.seg("REF", "F8", c.PayerClaimControl)
	}
	if c.MedicalRecordNumber != "" {
		w.seg("REF", "EA", c.MedicalRecordNumber)
	}
	hi := make([]string, len(c.Diagnoses))
	for i, dx := range c.Diagnoses {
		q := "ABF"
		if i == 0 {
			q = "ABK"
		}
		hi[i] = q + w.comp + strings.ReplaceAll(dx, ".", "")
	}
	w.seg("HI", hi...)
	if r := c.Rendering; r != nil {
		w.seg("NM1", "82", or(r.EntityType, "1"), r.LastName, r.FirstName, "", "", "", "XX", r.NPI)
		if r.Taxonomy != "" {
			w.seg("PRV", "PE", "PXC", r.Taxonomy)
		}
	}
	if f := c.Facility; f != nil {
		if f.NPI != "" {
			w.seg("NM1", "77", "2", f.Name, "", "", "", "", "XX", f.NPI)
		} else {
			w.seg("NM1", "77", "2", f.Name)
		}
		w.addr(&f.Address)
	}
	for _, op := range c.OtherPayers {
		w.seg("SBR", op.Responsibility, op.Relationship, op.GroupNumber, "", "", "", "", "", op.FilingCode)
		w.cas(op.Adjustments)
		if op.Paid != nil {
			w.seg("AMT", "D", op.Paid.String())
		}
		w.seg("OI", "", "", or(op.BenefitsAssigned, "Y"), "", "", or(op.ReleaseOfInfo, "Y"))
		w.seg("NM1", "IL", "1", op.SubscriberLast, op.SubscriberFirst, "", "", "", "MI", op.SubscriberID)
		w.seg("NM1", "PR", "2", op.PayerName, "", "", "", "", "PI", op.PayerID)
		if op.AdjudicationDate != "" {
			w.seg("DTP", "573", "D8", op.AdjudicationDate)
		}
	}
	for i, l := range c.Lines {
		w.seg("LX", strconv.Itoa(i+1))
		proc := append([]string{"HC", l.Procedure}, l.Modifiers...)
		ptrs := make([]string, 0, len(l.DiagPointers))
		for _, p := range l.DiagPointers {
			ptrs = append(ptrs, strconv.Itoa(p))
		}
		if len(ptrs) == 0 {
			ptrs = []string{"1"}
		}
		w.seg("SV1", strings.Join(proc, w.comp), l.Charge.String(), or(l.Unit, "UN"), or(l.Quantity, "1"), l.PlaceOfSvc, "",
			strings.Join(ptrs, w.comp))
		if l.ServiceDateTo != "" && l.ServiceDateTo != l.ServiceDate {
			w.seg("DTP", "472", "RD8", l.ServiceDate+"-"+l.ServiceDateTo)
		} else {
			w.seg("DTP", "472", "D8", l.ServiceDate)
		}
		if l.LineControl != "" {
			w.seg("REF", "6R", l.LineControl)
		}
		for _, a := range l.Adjudications {
			proc := strings.Join(append([]string{"HC", a.Procedure}, a.Modifiers...), w.comp)
			w.seg("SVD", a.PayerID, a.Paid.String(), proc, "", or(a.Units, "1"))
			w.cas(a.Adjustments)
			w.seg("DTP", "573", "D8", a.Date)
		}
	}
	return nil
}

// cas writes adjustments as CAS segments: one per group code, at most six
// reasons each.
func (w *writer) cas(adj []Adjustment) {
	var order []string
	by := map[string][]Adjustment{}
	for _, a := range adj {
		if _, ok := by[a.Group]; !ok {
			order = append(order, a.Group)
		}
		by[a.Group] = append(by[a.Group], a)
	}
	for _, g := range order {
		list := by[g]
		for len(list) > 0 {
			n := min(len(list), 6)
			el := []string{g}
			for _, a := range list[:n] {
				el = append(el, a.Reason, a.Amount.String(), a.Quantity)
			}
			w.seg("CAS", el...)
			list = list[n:]
		}
	}
}
