// Package x277ca is the typed model of the 277CA Health Care Claim
// Acknowledgment (005010X214): per claim accept or reject, matched to the
// submitted claim by its patient control number (2200D TRN02, the 837's
// CLM01) and carrying the payer's claim control number (REF*1K). It has a
// builder (for simulators and tests) and a reader. Field comments cite the
// guide element.
package x277ca

import (
	"errors"

	"github.com/claimflow/claimflow/edi"
	"github.com/claimflow/claimflow/edi/internal/setkit"
)

// Guide is the implementation convention reference (ST03, GS08).
const Guide = "005010X214"

// Money is an amount in cents.
type Money = setkit.Money

// Status is one STC segment.
type Status = setkit.Status

// Envelope describes the ISA and GS around built transactions.
type Envelope = setkit.Envelope

// Acknowledgment is one 277CA transaction set.
type Acknowledgment struct {
	ControlNumber string     // ST02 (set by the builder when empty)
	Reference     string     // BHT03 originator application transaction identifier
	Date          string     // BHT04 transaction set creation date, CCYYMMDD
	Time          string     // BHT05 transaction set creation time
	Source        Party      // 2100A information source (payer or clearinghouse)
	Trace         string     // 2200A TRN02 transmission receipt control identifier
	ReceiptDate   string     // 2200A DTP03 receipt date (DTP01 = 050)
	ProcessDate   string     // 2200A DTP03 process date (DTP01 = 009)
	Receivers     []Receiver // loop 2000B
}

// Party is an NM1 name with its identifier.
type Party struct {
	EntityType string // NM102 entity type qualifier: 1 person, 2 non-person
	Name       string // NM103 last or organization name
	FirstName  string // NM104 first name
	IDQual     string // NM108 identification code qualifier
	ID         string // NM109 identification code
}

// Totals are the accepted and rejected quantities and amounts of a level.
type Totals struct {
	AcceptedCount  string // QTY02 total accepted quantity (QTY01 = 90 or QA)
	RejectedCount  string // QTY02 total rejected quantity (QTY01 = AA or QC)
	AcceptedAmount *Money // AMT02 total accepted amount (AMT01 = YU)
	RejectedAmount *Money // AMT02 total rejected amount (AMT01 = YY)
}

// Receiver is loop 2000B (the submitter the acknowledgment is for).
type Receiver struct {
	Party     Party      // 2100B NM1 information receiver name (NM101 = 41)
	Trace     string     // 2200B TRN02 information receiver application trace identifier (the 837's BHT03)
	Status    []Status   // 2200B STC
	Totals    Totals     // 2200B QTY/AMT
	Providers []Provider // loop 2000C
}

// Provider is loop 2000C (billing provider of service).
type Provider struct {
	Party  Party      // 2100C NM1 billing provider name (NM101 = 85)
	Trace  string     // 2200C TRN02 provider of service information trace identifier
	Status []Status   // 2200C STC
	Totals Totals     // 2200C QTY/AMT
	Claims []ClaimAck // loops 2000D/2200D
}

// ClaimAck is loop 2200D with its patient (2000D/2100D).
type ClaimAck struct {
	Patient              Party     // 2100D NM1 patient name (NM101 = QC)
	PatientControlNumber string    // 2200D TRN02 claim transaction batch number: the 837's CLM01
	Status               []Status  // 2200D STC claim level status information
	PayerClaimControl    string    // REF02 payer claim control number (REF01 = 1K)
	ClearinghouseTrace   string    // REF02 clearinghouse trace number (REF01 = D9)
	BillType             string    // REF02 institutional bill type identification (REF01 = BLT)
	PatientAccount       string    // REF02 patient control number (REF01 = EJ), when sent beside TRN02
	ServiceFrom          string    // DTP03 claim level service date, CCYYMMDD
	ServiceTo            string    // end of the RD8 range
	Lines                []LineAck // loop 2220D
}

// LineAck is loop 2220D.
type LineAck struct {
	ProcedureQual string   // SVC01-1 product or service ID qualifier
	Procedure     string   // SVC01-2 procedure code
	Modifiers     []string // SVC01-3..6
	Charge        Money    // SVC02 line item charge amount
	RevenueCode   string   // SVC04 revenue code
	Units         string   // SVC07 original units of service count
	Status        []Status // STC service line level status
	LineControl   string   // REF02 line item control number (REF01 = FJ), the 837's REF*6R
	ServiceFrom   string   // DTP03 service line date
	ServiceTo     string   // end of the RD8 range
}

// Accepted reports whether the payer or clearinghouse took the claim in:
// no status rejects it (see Status.Rejected).
func (c *ClaimAck) Accepted() bool {
	if len(c.Status) == 0 {
		return false
	}
	for i := range c.Status {
		if c.Status[i].Rejected() {
			return false
		}
	}
	return true
}

// Claims returns every claim acknowledgment in the set, in order.
func (a *Acknowledgment) Claims() []*ClaimAck {
	var out []*ClaimAck
	for i := range a.Receivers {
		for j := range a.Receivers[i].Providers {
			p := &a.Receivers[i].Providers[j]
			for k := range p.Claims {
				out = append(out, &p.Claims[k])
			}
		}
	}
	return out
}

// Find returns the acknowledgment of a claim by patient control number
// (TRN02, or REF*EJ when TRN02 differs).
func (a *Acknowledgment) Find(pcn string) *ClaimAck {
	for _, c := range a.Claims() {
		if c.PatientControlNumber == pcn || c.PatientAccount == pcn {
			return c
		}
	}
	return nil
}

// Build writes acknowledgments into one interchange with one HN group.
func Build(env Envelope, as ...*Acknowledgment) (*edi.Interchange, error) {
	d := env.Delimiters()
	var sets [][]edi.Seg
	for _, a := range as {
		segs, err := a.Segments(d)
		if err != nil {
			return nil, err
		}
		sets = append(sets, segs)
	}
	return setkit.Build(env, "HN", Guide, sets...)
}

func nm1(w *setkit.Writer, code string, p *Party, defType, defQual string) {
	w.Seg("NM1", code, setkit.Or(p.EntityType, defType), p.Name, p.FirstName, "", "", "", setkit.Or(p.IDQual, defQual), p.ID)
}

func totals(w *setkit.Writer, t *Totals, acc, rej string) {
	if t.AcceptedCount != "" {
		w.Seg("QTY", acc, t.AcceptedCount)
	}
	if t.RejectedCount != "" {
		w.Seg("QTY", rej, t.RejectedCount)
	}
	if t.AcceptedAmount != nil {
		w.Seg("AMT", "YU", t.AcceptedAmount.String())
	}
	if t.RejectedAmount != nil {
		w.Seg("AMT", "YY", t.RejectedAmount.String())
	}
}

func dtp(w *setkit.Writer, q, from, to string) {
	if from == "" {
		return
	}
	if to != "" && to != from {
		w.Seg("DTP", q, "RD8", from+"-"+to)
		return
	}
	w.Seg("DTP", q, "D8", from)
}

// Segments renders the transaction set from ST to SE.
func (a *Acknowledgment) Segments(d edi.Delimiters) ([]edi.Seg, error) {
	if len(a.Receivers) == 0 {
		return nil, errors.New("x277ca: an acknowledgment needs an information receiver")
	}
	w := setkit.NewWriter(d, "277", a.ControlNumber, Guide)
	w.Seg("BHT", "0085", "08", a.Reference, a.Date, a.Time, "TH")
	src := w.HL("", "20", true)
	nm1(w, "PR", &a.Source, "2", "PI")
	w.Seg("TRN", "1", a.Trace)
	w.Seg("DTP", "050", "D8", a.ReceiptDate)
	w.Seg("DTP", "009", "D8", a.ProcessDate)
	for ri := range a.Receivers {
		r := &a.Receivers[ri]
		rhl := w.HL(src, "21", len(r.Providers) > 0)
		nm1(w, "41", &r.Party, "2", "46")
		w.Seg("TRN", "2", r.Trace)
		if len(r.Status) == 0 {
			return nil, errors.New("x277ca: information receiver needs a status (STC)")
		}
		for i := range r.Status {
			w.STC(&r.Status[i], true)
		}
		totals(w, &r.Totals, "90", "AA")
		for pi := range r.Providers {
			p := &r.Providers[pi]
			phl := w.HL(rhl, "19", len(p.Claims) > 0)
			nm1(w, "85", &p.Party, "2", "XX")
			if p.Trace != "" || len(p.Status) > 0 {
				w.Seg("TRN", "1", setkit.Or(p.Trace, "0"))
				for i := range p.Status {
					w.STC(&p.Status[i], false)
				}
				totals(w, &p.Totals, "QA", "QC")
			}
			for ci := range p.Claims {
				c := &p.Claims[ci]
				if len(c.Status) == 0 {
					return nil, errors.New("x277ca: claim acknowledgment needs a status (STC)")
				}
				w.HLNoChild(phl, "PT")
				pt := c.Patient
				w.Seg("NM1", "QC", "1", pt.Name, pt.FirstName, "", "", "", pt.IDQual, pt.ID)
				w.Seg("TRN", "2", c.PatientControlNumber)
				for i := range c.Status {
					w.STC(&c.Status[i], false)
				}
				if c.PayerClaimControl != "" {
					w.Seg("REF", "1K", c.PayerClaimControl)
				}
				if c.ClearinghouseTrace != "" {
					w.Seg("REF", "D9", c.ClearinghouseTrace)
				}
				if c.BillType != "" {
					w.Seg("REF", "BLT", c.BillType)
				}
				if c.PatientAccount != "" {
					w.Seg("REF", "EJ", c.PatientAccount)
				}
				dtp(w, "472", c.ServiceFrom, c.ServiceTo)
				for li := range c.Lines {
					l := &c.Lines[li]
					proc := append([]string{setkit.Or(l.ProcedureQual, "HC"), l.Procedure}, l.Modifiers...)
					// 2220D SVC03 (paid amount) is Not Used in the 277CA.
					w.Seg("SVC", w.C(proc...), l.Charge.String(), "", l.RevenueCode, "", "", l.Units)
					if len(l.Status) == 0 {
						return nil, errors.New("x277ca: service line acknowledgment needs a status (STC)")
					}
					for i := range l.Status {
						// STC04 and STC05 are Not Used at the service line.
						st := l.Status[i]
						st.Charge, st.Paid = 0, 0
						w.STC(&st, false)
					}
					if l.LineControl != "" {
						w.Seg("REF", "FJ", l.LineControl)
					}
					dtp(w, "472", l.ServiceFrom, l.ServiceTo)
				}
			}
		}
	}
	return w.End(), nil
}

// Read fills the typed model from a parsed 277CA transaction set.
func Read(t *edi.Transaction, d edi.Delimiters) (*Acknowledgment, error) {
	a, fn, err := newReader(t.ST(), d)
	if err != nil {
		return nil, err
	}
	edi.Walk(t, d, Guide, fn)
	return a, nil
}

// newReader starts the typed model of one transaction set and returns the
// function that reads each of its segments with its guide loop (see
// edi.Walk and edi.WalkSets).
func newReader(st edi.Seg, d edi.Delimiters) (*Acknowledgment, func(loop string, s *edi.SegView), error) {
	if st.El(1) != "277" {
		return nil, nil, errors.New("x277ca: not a 277 transaction set")
	}
	a := &Acknowledgment{ControlNumber: st.El(2)}
	var (
		rc      *Receiver
		pv      *Provider
		patient Party
		claim   *ClaimAck
		line    *LineAck
		// Statuses, lines and modifiers are cut from shared blocks:
		// allocations per block of claims rather than per segment.
		stc setkit.Slab[Status]
		lns setkit.Slab[LineAck]
		str setkit.Slab[string]
	)
	party := func(s *edi.SegView) Party {
		return Party{EntityType: s.El(2), Name: s.El(3), FirstName: s.El(4), IDQual: s.El(8), ID: s.El(9)}
	}
	readTotals := func(t *Totals, s *edi.SegView) {
		switch s.ID() + s.El(1) {
		case "QTY90", "QTYQA":
			t.AcceptedCount = s.El(2)
		case "QTYAA", "QTYQC":
			t.RejectedCount = s.El(2)
		case "AMTYU":
			m := setkit.M(s.El(2))
			t.AcceptedAmount = &m
		case "AMTYY":
			m := setkit.M(s.El(2))
			t.RejectedAmount = &m
		}
	}
	dates := func(s *edi.SegView) (string, string) {
		from, to, _ := cut(s.El(3))
		return from, to
	}
	fn := func(loop string, s *edi.SegView) {
		id := s.ID()
		switch loop {
		case "":
			if id == "BHT" {
				a.Reference, a.Date, a.Time = s.El(3), s.El(4), s.El(5)
			}
		case "2100A":
			if id == "NM1" {
				a.Source = party(s)
			}
		case "2200A":
			switch id {
			case "TRN":
				a.Trace = s.El(2)
			case "DTP":
				switch s.El(1) {
				case "050":
					a.ReceiptDate = s.El(3)
				case "009":
					a.ProcessDate = s.El(3)
				}
			}
		case "2000B":
			if id == "HL" {
				a.Receivers = setkit.Grow(a.Receivers)
				rc, pv, claim, line = &a.Receivers[len(a.Receivers)-1], nil, nil, nil
			}
		case "2100B":
			if rc != nil && id == "NM1" {
				rc.Party = party(s)
			}
		case "2200B":
			if rc == nil {
				return
			}
			switch id {
			case "TRN":
				rc.Trace = s.El(2)
			case "STC":
				rc.Status = append(rc.Status, setkit.ReadSTC(s, d.Component))
			case "QTY", "AMT":
				readTotals(&rc.Totals, s)
			}
		case "2000C":
			if rc != nil && id == "HL" {
				rc.Providers = setkit.Grow(rc.Providers)
				pv, claim, line = &rc.Providers[len(rc.Providers)-1], nil, nil
			}
		case "2100C":
			if pv != nil && id == "NM1" {
				pv.Party = party(s)
			}
		case "2200C":
			if pv == nil {
				return
			}
			switch id {
			case "TRN":
				pv.Trace = s.El(2)
			case "STC":
				pv.Status = append(pv.Status, setkit.ReadSTC(s, d.Component))
			case "QTY", "AMT":
				readTotals(&pv.Totals, s)
			}
		case "2000D":
			patient, claim, line = Party{}, nil, nil
		case "2100D":
			if id == "NM1" {
				patient = party(s)
				patient.EntityType = ""
			}
		case "2200D":
			if pv == nil {
				return
			}
			if id == "TRN" {
				pv.Claims = setkit.Grow(pv.Claims)
				claim, line = &pv.Claims[len(pv.Claims)-1], nil
				claim.Patient, claim.PatientControlNumber = patient, s.El(2)
				return
			}
			if claim == nil {
				return
			}
			switch id {
			case "STC":
				claim.Status = stc.Append(claim.Status, setkit.ReadSTC(s, d.Component))
			case "REF":
				switch s.El(1) {
				case "1K":
					claim.PayerClaimControl = s.El(2)
				case "D9":
					claim.ClearinghouseTrace = s.El(2)
				case "BLT":
					claim.BillType = s.El(2)
				case "EJ":
					claim.PatientAccount = s.El(2)
				}
			case "DTP":
				if s.El(1) == "472" {
					claim.ServiceFrom, claim.ServiceTo = dates(s)
				}
			}
		case "2220D":
			if claim == nil {
				return
			}
			switch id {
			case "SVC":
				var c1 [6]string // SVC01 split once
				s.Comps(d.Component, 1, c1[:])
				l := LineAck{ProcedureQual: c1[0], Procedure: c1[1],
					Charge: setkit.M(s.El(2)), RevenueCode: s.El(4), Units: s.El(7)}
				for _, v := range c1[2:] {
					if v != "" {
						l.Modifiers = str.Append(l.Modifiers, v)
					}
				}
				claim.Lines = lns.Append(claim.Lines, l)
				line = &claim.Lines[len(claim.Lines)-1]
			case "STC":
				if line != nil {
					line.Status = stc.Append(line.Status, setkit.ReadSTC(s, d.Component))
				}
			case "REF":
				if line != nil && s.El(1) == "FJ" {
					line.LineControl = s.El(2)
				}
			case "DTP":
				if line != nil && s.El(1) == "472" {
					line.ServiceFrom, line.ServiceTo = dates(s)
				}
			}
		}
	}
	return a, fn, nil
}

func cut(v string) (string, string, bool) {
	for i := 0; i < len(v); i++ {
		if v[i] == '-' {
			return v[:i], v[i+1:], true
		}
	}
	return v, "", false
}

// ReadAll reads every 277CA in parsed interchanges.
func ReadAll(ics []*edi.Interchange) ([]*Acknowledgment, error) {
	var out []*Acknowledgment
	for _, ic := range ics {
		for _, g := range ic.Groups {
			for _, t := range g.Sets {
				if t.ST().El(1) != "277" || (t.ST().El(3) != "" && t.ST().El(3) != Guide) {
					continue
				}
				a, err := Read(t, ic.Delims)
				if err != nil {
					return nil, err
				}
				out = append(out, a)
			}
		}
	}
	return out, nil
}

// ReadBytes reads every 277CA in the X12 bytes, as ParseBytes and ReadAll
// do together, in one pass that does not build the interchanges in memory.
func ReadBytes(x []byte) ([]*Acknowledgment, error) {
	var out []*Acknowledgment
	err := edi.WalkSets(x, func(st edi.Seg, _ string, d edi.Delimiters) (string, func(string, *edi.SegView)) {
		if st.El(3) != "" && st.El(3) != Guide {
			return "", nil
		}
		a, fn, err := newReader(st, d)
		if err != nil {
			return "", nil
		}
		out = append(out, a)
		return Guide, fn
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
