// Package claimstatus is the typed model of the 276 Health Care Claim
// Status Request and 277 Response (005010X212): a 276 builder, a 277
// reader with the STC status category and status codes per claim and per
// service line, and the reverse directions for simulators and tests. Field
// comments cite the guide element.
package claimstatus

import (
	"errors"
	"strings"
	"time"

	"github.com/claimflow/claimflow/edi"
	"github.com/claimflow/claimflow/edi/internal/setkit"
)

// Guide is the implementation convention reference (ST03, GS08) of both
// the 276 and the 277.
const Guide = "005010X212"

// Money is an amount in cents.
type Money = setkit.Money

// Status is one STC segment.
type Status = setkit.Status

// Envelope describes the ISA and GS around built transactions.
type Envelope = setkit.Envelope

// Transaction is one 276 (request) or 277 (response) transaction set, with
// one payer (2000A) and one information receiver (2000B) per set.
type Transaction struct {
	ControlNumber string     // ST02 (set by the builder when empty)
	Reference     string     // BHT03 originator application transaction identifier
	Date          string     // BHT04 transaction set creation date, CCYYMMDD (builder default: envelope time)
	Time          string     // BHT05 transaction set creation time
	Payer         Party      // 2100A payer name (NM101 = PR)
	Receiver      Party      // 2100B information receiver name (NM101 = 41)
	Providers     []Provider // loop 2000C
}

// Party is an NM1 name with its identifier.
type Party struct {
	EntityType string // NM102 entity type qualifier: 1 person, 2 non-person
	Name       string // NM103 last or organization name
	FirstName  string // NM104 first name
	IDQual     string // NM108 identification code qualifier: PI, 46, XX, FI
	ID         string // NM109 identification code
}

// Provider is loop 2000C (service provider, NM101 = 1P) with its
// subscribers.
type Provider struct {
	Party
	Subscribers []Subscriber // loop 2000D
}

// Person is a subscriber or dependent name (2100D, 2100E) with DMG.
type Person struct {
	LastName   string // NM103
	FirstName  string // NM104
	MiddleName string // NM105
	MemberID   string // NM109 member identifier (NM108 = MI)
	BirthDate  string // DMG02 (276), CCYYMMDD
	Gender     string // DMG03 (276)
}

// Subscriber is loop 2000D: the subscriber and the claims where the
// subscriber is the patient, or the dependents.
type Subscriber struct {
	Person
	Claims     []Claim     // loop 2200D
	Dependents []Dependent // loop 2000E
}

// Dependent is loop 2000E.
type Dependent struct {
	Person
	Claims []Claim // loop 2200E
}

// Claim is loop 2200D/2200E.
type Claim struct {
	Trace                string   // TRN02 claim status tracking number (the inquirer's; echoed in the 277)
	Status               []Status // STC claim level status information (277)
	PayerClaimControl    string   // REF02 payer claim control number (REF01 = 1K)
	BillType             string   // REF02 institutional bill type identification (REF01 = BLT)
	PatientControlNumber string   // REF02 patient control number (REF01 = EJ): the 837's CLM01
	ClearinghouseTrace   string   // REF02 clearinghouse trace number (REF01 = D9)
	Charge               *Money   // AMT02 claim submitted charges (AMT01 = T3, 276)
	ServiceFrom          string   // DTP03 claim service period start (DTP01 = 472)
	ServiceTo            string   // end of the RD8 range
	Lines                []Line   // loop 2210 (276) or 2220 (277)
}

// Line is a service line: loop 2210D/E (276) or 2220D/E (277).
type Line struct {
	ProcedureQual string   // SVC01-1 product or service ID qualifier: HC, NU...
	Procedure     string   // SVC01-2 procedure code
	Modifiers     []string // SVC01-3..6
	Charge        Money    // SVC02 line item charge amount
	Paid          *Money   // SVC03 line item provider payment amount
	RevenueCode   string   // SVC04 revenue code
	Units         string   // SVC07 original units of service count
	Status        []Status // STC service line level status (277)
	LineControl   string   // REF02 line item control number (REF01 = FJ)
	ServiceFrom   string   // DTP03 service line date (DTP01 = 472)
	ServiceTo     string   // end of the RD8 range
}

// Inquiry276 builds a 276 asking about claims of one patient. When patient
// is nil the subscriber is the patient. BHT03 is the first claim's trace.
func Inquiry276(payer, receiver, provider Party, subscriber Person, patient *Person, claims ...Claim) *Transaction {
	sb := Subscriber{Person: subscriber}
	if patient == nil {
		sb.Claims = claims
	} else {
		sb.Dependents = []Dependent{{Person: *patient, Claims: claims}}
	}
	tx := &Transaction{Payer: payer, Receiver: receiver,
		Providers: []Provider{{Party: provider, Subscribers: []Subscriber{sb}}}}
	if len(claims) > 0 {
		tx.Reference = claims[0].Trace
	}
	return tx
}

// ClaimRef is a claim found in a transaction with where it sits.
type ClaimRef struct {
	Provider *Provider
	Patient  *Person // the subscriber or the dependent
	Claim    *Claim
}

// Claims lists every claim in the set, in order.
func (tx *Transaction) Claims() []ClaimRef {
	var out []ClaimRef
	for i := range tx.Providers {
		p := &tx.Providers[i]
		for j := range p.Subscribers {
			s := &p.Subscribers[j]
			for k := range s.Claims {
				out = append(out, ClaimRef{p, &s.Person, &s.Claims[k]})
			}
			for d := range s.Dependents {
				dp := &s.Dependents[d]
				for k := range dp.Claims {
					out = append(out, ClaimRef{p, &dp.Person, &dp.Claims[k]})
				}
			}
		}
	}
	return out
}

// Find returns a claim by its tracking number (TRN02) or patient control
// number (REF*EJ).
func (tx *Transaction) Find(ref string) *Claim {
	for _, c := range tx.Claims() {
		if c.Claim.Trace == ref || (c.Claim.PatientControlNumber != "" && c.Claim.PatientControlNumber == ref) {
			return c.Claim
		}
	}
	return nil
}

// BuildInquiry writes 276s into one interchange with one HR group.
func BuildInquiry(env Envelope, txs ...*Transaction) (*edi.Interchange, error) {
	return build(env, "276", "HR", txs)
}

// BuildResponse writes 277s into one interchange with one HN group.
func BuildResponse(env Envelope, txs ...*Transaction) (*edi.Interchange, error) {
	return build(env, "277", "HN", txs)
}

func build(env Envelope, st01, fg string, txs []*Transaction) (*edi.Interchange, error) {
	d := env.Delimiters()
	now := env.Time
	if now.IsZero() {
		now = time.Now().UTC()
	}
	var sets [][]edi.Seg
	for _, tx := range txs {
		if tx.Date == "" {
			c := *tx
			c.Date, c.Time = now.Format("20060102"), now.Format("1504")
			tx = &c
		}
		segs, err := tx.Segments(d, st01)
		if err != nil {
			return nil, err
		}
		sets = append(sets, segs)
	}
	return setkit.Build(env, fg, Guide, sets...)
}

// Segments renders the set as a 276 or 277 (st01) from ST to SE.
func (tx *Transaction) Segments(d edi.Delimiters, st01 string) ([]edi.Seg, error) {
	resp := st01 == "277"
	if !resp && st01 != "276" {
		return nil, errors.New("claimstatus: st01 must be 276 or 277")
	}
	if len(tx.Providers) == 0 {
		return nil, errors.New("claimstatus: a transaction needs a service provider")
	}
	or := setkit.Or
	w := setkit.NewWriter(d, st01, tx.ControlNumber, Guide)
	if resp {
		w.Seg("BHT", "0010", "08", tx.Reference, tx.Date, tx.Time, "DG")
	} else {
		w.Seg("BHT", "0010", "13", tx.Reference, tx.Date, tx.Time)
	}
	party := func(code string, p *Party, defQual string) {
		w.Seg("NM1", code, or(p.EntityType, "2"), p.Name, p.FirstName, "", "", "", or(p.IDQual, defQual), p.ID)
	}
	src := w.HL("", "20", true)
	party("PR", &tx.Payer, "PI")
	rcv := w.HL(src, "21", true)
	party("41", &tx.Receiver, "46")
	for i := range tx.Providers {
		p := &tx.Providers[i]
		phl := w.HL(rcv, "19", true)
		party("1P", &p.Party, "XX")
		for j := range p.Subscribers {
			s := &p.Subscribers[j]
			shl := w.HL(phl, "22", len(s.Dependents) > 0)
			person(w, "IL", &s.Person, !resp)
			for k := range s.Claims {
				if err := claim(w, &s.Claims[k], resp); err != nil {
					return nil, err
				}
			}
			for k := range s.Dependents {
				dp := &s.Dependents[k]
				if resp {
					w.HLNoChild(shl, "23")
				} else {
					w.HL(shl, "23", false)
				}
				person(w, "QC", &dp.Person, !resp)
				if len(dp.Claims) == 0 {
					return nil, errors.New("claimstatus: a dependent needs a claim")
				}
				for c := range dp.Claims {
					if err := claim(w, &dp.Claims[c], resp); err != nil {
						return nil, err
					}
				}
			}
		}
	}
	return w.End(), nil
}

func person(w *setkit.Writer, code string, p *Person, dmg bool) {
	if dmg && p.BirthDate != "" {
		w.Seg("DMG", "D8", p.BirthDate, p.Gender)
	}
	q := ""
	if p.MemberID != "" {
		q = "MI"
	}
	w.Seg("NM1", code, "1", p.LastName, p.FirstName, p.MiddleName, "", "", q, p.MemberID)
}

func dtp(w *setkit.Writer, from, to string) {
	if from == "" {
		return
	}
	if to != "" && to != from {
		w.Seg("DTP", "472", "RD8", from+"-"+to)
		return
	}
	w.Seg("DTP", "472", "D8", from)
}

func claim(w *setkit.Writer, c *Claim, resp bool) error {
	tt := "1"
	if resp {
		tt = "2"
	}
	w.Seg("TRN", tt, c.Trace)
	if resp {
		if len(c.Status) == 0 {
			return errors.New("claimstatus: a 277 claim needs a status (STC)")
		}
		for i := range c.Status {
			w.STC(&c.Status[i], false)
		}
	}
	if c.PayerClaimControl != "" {
		w.Seg("REF", "1K", c.PayerClaimControl)
	}
	if c.BillType != "" {
		w.Seg("REF", "BLT", c.BillType)
	}
	if c.PatientControlNumber != "" {
		w.Seg("REF", "EJ", c.PatientControlNumber)
	}
	if c.ClearinghouseTrace != "" {
		w.Seg("REF", "D9", c.ClearinghouseTrace)
	}
	if c.Charge != nil && !resp {
		w.Seg("AMT", "T3", c.Charge.String())
	}
	dtp(w, c.ServiceFrom, c.ServiceTo)
	for i := range c.Lines {
		l := &c.Lines[i]
		proc := append([]string{setkit.Or(l.ProcedureQual, "HC"), l.Procedure}, l.Modifiers...)
		paid := ""
		if l.Paid != nil {
			paid = l.Paid.String()
		}
		w.Seg("SVC", w.C(proc...), l.Charge.String(), paid, l.RevenueCode, "", "", l.Units)
		if resp {
			if len(l.Status) == 0 {
				return errors.New("claimstatus: a 277 service line needs a status (STC)")
			}
			for j := range l.Status {
				// STC04 and STC05 are Not Used at the service line: the
				// line's charge and payment are SVC02 and SVC03.
				st := l.Status[j]
				st.Charge, st.Paid = 0, 0
				w.STC(&st, false)
			}
		}
		if l.LineControl != "" {
			w.Seg("REF", "FJ", l.LineControl)
		}
		if !resp && l.ServiceFrom == "" {
			return errors.New("claimstatus: a 276 service line needs a service date")
		}
		dtp(w, l.ServiceFrom, l.ServiceTo)
	}
	return nil
}

// Read fills the typed model from a parsed 276 or 277 transaction set.
func Read(t *edi.Transaction, d edi.Delimiters) (*Transaction, error) {
	st01 := t.ST().El(1)
	if st01 != "276" && st01 != "277" {
		return nil, errors.New("claimstatus: not a 276 or 277 transaction set")
	}
	tx := &Transaction{ControlNumber: t.ST().El(2)}
	var (
		pv     *Provider
		sb     *Subscriber
		pers   *Person
		claims *[]Claim
		c      *Claim
		ln     *Line
		dmg    [2]string
	)
	party := func(s *edi.SegView) Party {
		return Party{EntityType: s.El(2), Name: s.El(3), FirstName: s.El(4), IDQual: s.El(8), ID: s.El(9)}
	}
	comp := d.Component
	edi.Walk(t, d, Guide, func(loop string, s *edi.SegView) {
		id := s.ID()
		switch {
		case loop == "":
			if id == "BHT" {
				tx.Reference, tx.Date, tx.Time = s.El(3), s.El(4), s.El(5)
			}
		case loop == "2100A" && id == "NM1":
			tx.Payer = party(s)
		case loop == "2100B" && id == "NM1":
			tx.Receiver = party(s)
		case loop == "2000C" && id == "HL":
			tx.Providers = append(tx.Providers, Provider{})
			pv, sb, pers, claims, c, ln = &tx.Providers[len(tx.Providers)-1], nil, nil, nil, nil, nil
		case loop == "2100C" && id == "NM1":
			if pv != nil {
				pv.Party = party(s)
			}
		case loop == "2000D" || loop == "2000E":
			switch id {
			case "HL":
				dmg = [2]string{}
				c, ln = nil, nil
				if loop == "2000D" {
					if pv == nil {
						pers, claims = nil, nil
						return
					}
					pv.Subscribers = append(pv.Subscribers, Subscriber{})
					sb = &pv.Subscribers[len(pv.Subscribers)-1]
					pers, claims = &sb.Person, &sb.Claims
				} else {
					if sb == nil {
						pers, claims = nil, nil
						return
					}
					sb.Dependents = append(sb.Dependents, Dependent{})
					dp := &sb.Dependents[len(sb.Dependents)-1]
					pers, claims = &dp.Person, &dp.Claims
				}
			case "DMG":
				dmg = [2]string{s.El(2), s.El(3)}
				if pers != nil {
					pers.BirthDate, pers.Gender = dmg[0], dmg[1]
				}
			}
		case (loop == "2100D" || loop == "2100E") && id == "NM1":
			if pers != nil {
				*pers = Person{LastName: s.El(3), FirstName: s.El(4), MiddleName: s.El(5), MemberID: s.El(9), BirthDate: dmg[0], Gender: dmg[1]}
			}
		case loop == "2200D" || loop == "2200E":
			if claims == nil {
				return
			}
			switch id {
			case "TRN":
				*claims = append(*claims, Claim{Trace: s.El(2)})
				c, ln = &(*claims)[len(*claims)-1], nil
			case "STC":
				if c != nil {
					c.Status = append(c.Status, setkit.ReadSTC(s, comp))
				}
			case "REF":
				if c == nil {
					return
				}
				switch s.El(1) {
				case "1K":
					c.PayerClaimControl = s.El(2)
				case "BLT":
					c.BillType = s.El(2)
				case "EJ":
					c.PatientControlNumber = s.El(2)
				case "D9":
					c.ClearinghouseTrace = s.El(2)
				}
			case "AMT":
				if c != nil && s.El(1) == "T3" {
					m := setkit.M(s.El(2))
					c.Charge = &m
				}
			case "DTP":
				if c != nil && s.El(1) == "472" {
					c.ServiceFrom, c.ServiceTo, _ = strings.Cut(s.El(3), "-")
				}
			}
		case strings.HasPrefix(loop, "221") || strings.HasPrefix(loop, "222"):
			if c == nil {
				return
			}
			switch id {
			case "SVC":
				l := Line{ProcedureQual: s.Comp(comp, 1, 1), Procedure: s.Comp(comp, 1, 2), Charge: setkit.M(s.El(2)),
					RevenueCode: s.El(4), Units: s.El(7)}
				for j := 3; j <= 6; j++ {
					if v := s.Comp(comp, 1, j); v != "" {
						l.Modifiers = append(l.Modifiers, v)
					}
				}
				if v, ok := setkit.ParseMoney(s.El(3)); ok {
					l.Paid = &v
				}
				c.Lines = append(c.Lines, l)
				ln = &c.Lines[len(c.Lines)-1]
			case "STC":
				if ln != nil {
					ln.Status = append(ln.Status, setkit.ReadSTC(s, comp))
				}
			case "REF":
				if ln != nil && s.El(1) == "FJ" {
					ln.LineControl = s.El(2)
				}
			case "DTP":
				if ln != nil && s.El(1) == "472" {
					ln.ServiceFrom, ln.ServiceTo, _ = strings.Cut(s.El(3), "-")
				}
			}
		}
	})
	return tx, nil
}

// ReadAll reads every 276 or 277 (005010X212) in parsed interchanges; a
// 277CA (005010X214) is skipped.
func ReadAll(ics []*edi.Interchange) ([]*Transaction, error) {
	var out []*Transaction
	for _, ic := range ics {
		for _, g := range ic.Groups {
			for _, t := range g.Sets {
				st := t.ST()
				if (st.El(1) != "276" && st.El(1) != "277") || (st.El(3) != "" && st.El(3) != Guide) {
					continue
				}
				tx, err := Read(t, ic.Delims)
				if err != nil {
					return nil, err
				}
				out = append(out, tx)
			}
		}
	}
	return out, nil
}
