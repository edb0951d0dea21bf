package x278

import (
	"errors"
	"strings"

	"github.com/claimflow/claimflow/edi"
)

// ReadAll reads every 278 set of the interchanges.
func ReadAll(ics []*edi.Interchange) ([]*Transaction, error) {
	var out []*Transaction
	for _, ic := range ics {
		for _, g := range ic.Groups {
			for _, t := range g.Sets {
				if t.ST().El(1) != "278" {
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

// Read fills the typed model from a parsed 278 set. Loops are identified
// by the guide table (edi.Walk); segments the model does not cover are
// skipped.
func Read(t *edi.Transaction, d edi.Delimiters) (*Transaction, error) {
	st := t.ST()
	if st.El(1) != "278" {
		return nil, errors.New("x278: not a 278 transaction set")
	}
	tx := &Transaction{ControlNumber: st.El(2)}
	var sv *Service
	rej := func(s *edi.SegView) Rejection { return Rejection{Valid: s.El(1), Reason: s.El(3), FollowUp: s.El(4)} }
	dates := func(s *edi.SegView) Dates {
		v := s.El(3)
		if from, to, ok := strings.Cut(v, "-"); ok {
			return Dates{From: from, To: to}
		}
		return Dates{From: v}
	}
	edi.Walk(t, d, Guide, func(loop string, s *edi.SegView) {
		if s.ID() == "BHT" {
			tx.Purpose, tx.Reference, tx.Date, tx.Time = s.El(2), s.El(3), s.El(4), s.El(5)
			return
		}
		switch loop {
		case "2000A", "2010A":
			switch s.ID() {
			case "NM1":
				tx.UMO = readParty(s)
			case "AAA":
				tx.UMOErrors = append(tx.UMOErrors, rej(s))
			}
		case "2010B":
			switch s.ID() {
			case "NM1":
				tx.Requester = readParty(s)
			case "PRV":
				tx.Requester.Taxonomy = s.El(3)
			}
		case "2010C", "2010D":
			m := &tx.Subscriber
			if loop == "2010D" {
				if tx.Dependent == nil {
					tx.Dependent = &Member{}
				}
				m = tx.Dependent
			}
			switch s.ID() {
			case "NM1":
				m.LastName, m.FirstName = s.El(3), s.El(4)
				if loop == "2010C" {
					m.MemberID = s.El(9)
				}
			case "DMG":
				m.BirthDate, m.Gender = s.El(2), s.El(3)
			case "INS":
				m.Relationship = s.El(2)
			case "AAA":
				m.Rejections = append(m.Rejections, rej(s))
			}
		case "2000E":
			ev := &tx.Event
			switch s.ID() {
			case "TRN":
				ev.Trace, ev.Originator = s.El(2), s.El(3)
			case "AAA":
				ev.Rejections = append(ev.Rejections, rej(s))
			case "UM":
				ev.Category, ev.CertType, ev.ServiceType = s.El(1), s.El(2), s.El(3)
				ev.Facility = s.Comp(d.Component, 4, 1)
			case "HCR":
				ev.Decision = &Decision{Action: s.El(1), Number: s.El(2), Reason: s.El(3)}
			case "REF":
				switch s.El(1) {
				case "BB":
					ev.AuthNumber = s.El(2)
				case "NT":
					ev.AdminRef = s.El(2)
				}
			case "DTP":
				switch dt := dates(s); s.El(1) {
				case "AAH":
					ev.EventDates = dt
				case "007":
					ev.Effective = dt.From
				case "036":
					ev.Expiration = dt.From
				case "102":
					ev.Issued = dt.From
				}
			case "HI":
				for i := 1; i <= s.Len(); i++ {
					if c := s.Comp(d.Component, i, 2); c != "" {
						ev.Diagnoses = append(ev.Diagnoses, c)
					}
				}
			case "HSD":
				ev.Units = &Quantity{Qual: s.El(1), Value: s.El(2)}
			case "MSG":
				ev.Messages = append(ev.Messages, s.El(1))
			}
		case "2000F":
			if s.ID() == "HL" {
				tx.Event.Services = append(tx.Event.Services, Service{})
				sv = &tx.Event.Services[len(tx.Event.Services)-1]
				return
			}
			if sv == nil {
				return
			}
			switch s.ID() {
			case "TRN":
				sv.Trace, sv.Originator = s.El(2), s.El(3)
			case "AAA":
				sv.Rejections = append(sv.Rejections, rej(s))
			case "HCR":
				sv.Decision = &Decision{Action: s.El(1), Number: s.El(2), Reason: s.El(3)}
			case "REF":
				if s.El(1) == "BB" {
					sv.AuthNumber = s.El(2)
				}
			case "DTP":
				switch dt := dates(s); s.El(1) {
				case "472":
					sv.Dates = dt
				case "007":
					sv.Effective = dt.From
				case "036":
					sv.Expiration = dt.From
				case "102":
					sv.Issued = dt.From
				}
			case "SV1":
				parts := strings.Split(s.El(1), string(d.Component))
				if len(parts) > 1 {
					sv.Procedure = parts[1]
					sv.Modifiers = parts[2:]
					if len(sv.Modifiers) == 0 {
						sv.Modifiers = nil
					}
				}
				sv.Charge, sv.Unit, sv.Quantity = s.El(2), s.El(3), s.El(4)
			case "HSD":
				sv.Units = &Quantity{Qual: s.El(1), Value: s.El(2)}
			case "MSG":
				sv.Messages = append(sv.Messages, s.El(1))
			}
		}
	})
	return tx, nil
}

func readParty(s *edi.SegView) Party {
	return Party{EntityCode: s.El(1), EntityType: s.El(2), Name: s.El(3), FirstName: s.El(4), IDQual: s.El(8), ID: s.El(9)}
}

// Outcome sums up a response for one service line (or the event when the
// set has no lines): the action, the authorization number and the
// certified period and units.
type Outcome struct {
	Action string // HCR01
	Number string // HCR02, else REF*BB
	Reason string // HCR03
	From   string // certified from, CCYYMMDD
	To     string // certified through, CCYYMMDD
	Units  string // HSD02 (or SV104) certified quantity
	// Rejected holds AAA reject reasons at any level: the request could not
	// be reviewed.
	Rejected []string
}

// Result reads a response's outcome: the event's decision, refined by the
// first service line's.
func (tx *Transaction) Result() Outcome {
	ev := &tx.Event
	var o Outcome
	for _, rs := range [][]Rejection{tx.UMOErrors, tx.Subscriber.Rejections, ev.Rejections} {
		for _, r := range rs {
			o.Rejected = append(o.Rejected, r.Reason)
		}
	}
	if ev.Decision != nil {
		o.Action, o.Number, o.Reason = ev.Decision.Action, ev.Decision.Number, ev.Decision.Reason
	}
	if o.Number == "" {
		o.Number = ev.AuthNumber
	}
	p := Period(ev.Effective, ev.Expiration, ev.EventDates)
	o.From, o.To = p.From, p.To
	if ev.Units != nil {
		o.Units = ev.Units.Value
	}
	if len(ev.Services) > 0 {
		sv := &ev.Services[0]
		for _, r := range sv.Rejections {
			o.Rejected = append(o.Rejected, r.Reason)
		}
		if sv.Decision != nil {
			o.Action, o.Reason = sv.Decision.Action, sv.Decision.Reason
			if sv.Decision.Number != "" {
				o.Number = sv.Decision.Number
			}
		}
		if sv.AuthNumber != "" && o.Number == "" {
			o.Number = sv.AuthNumber
		}
		if p := Period(sv.Effective, sv.Expiration, sv.Dates); p.From != "" {
			o.From, o.To = p.From, p.To
		}
		switch {
		case sv.Units != nil:
			o.Units = sv.Units.Value
		case sv.Quantity != "":
			o.Units = sv.Quantity
		}
	}
	if o.To == "" {
		o.To = o.From
	}
	return o
}
