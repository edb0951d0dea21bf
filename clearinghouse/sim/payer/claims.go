package payer

import (
	"github.com/claimflow/claimflow/edi/claim837"
	"github.com/claimflow/claimflow/edi/x835"
	"github.com/claimflow/claimflow/edi/x837p"
)

// claimKind is the 837 variant a claim came in.
type claimKind uint8

const (
	professional  claimKind = iota // 837P
	institutional                  // 837I
	dental                         // 837D
)

var claimKinds = map[string]claimKind{"professional": professional, "institutional": institutional, "dental": dental}

func (k claimKind) String() string {
	switch k {
	case institutional:
		return "institutional"
	case dental:
		return "dental"
	}
	return "professional"
}

// batch is one 837 transaction set of any variant, reduced to what the
// payer reads: the rules see one model, whatever the guide.
type batch struct {
	reference                  string // BHT03
	submitterName, submitterID string // 1000A
	receiverName, receiverID   string // 1000B
	billing                    []*billing
}

// billing is loop 2000A with its claims in order.
type billing struct {
	entityType, name, firstName, npi, taxID string
	address                                 x835.Address
	claims                                  []*claimIn
}

// subscriber is loop 2000B.
type subscriber struct {
	memberID, lastName, firstName, birthDate, groupNumber, filingCode string
	payerName, payerID                                                string
	responsibility                                                    string // SBR01: P, S, T
}

// person is a patient or a provider.
type person struct {
	entityType, lastName, firstName, npi string
}

// claimIn is one claim with where it sits.
type claimIn struct {
	kind      claimKind
	bp        *billing
	sb        *subscriber
	pt        *person // nil when the subscriber is the patient
	pcn       string  // CLM01
	charge    Money   // CLM02
	facility  string  // CLM05-1: place of service, or the 837I facility type code
	frequency string  // CLM05-3
	billType  string  // 837I only: CLM05-1 + CLM05-3
	priorAuth string  // REF*G1
	drg       string  // 837I HI*DR
	from, to  string  // statement dates (837I) or the span of the line dates
	rendering *person // rendering provider (837I: else the attending)
	diagnoses []string
	lines     []lineIn
	cob       *cobIn // a secondary or tertiary claim: what the earlier payers did (cob.go)
}

// lineIn is one service line.
type lineIn struct {
	qual, procedure string // HC (837P, 837I when coded), AD (837D); empty for an 837I line with a revenue code only
	modifiers       []string
	revenueCode     string // 837I
	charge          Money
	quantity        string
	date, dateTo    string
	lineControl     string // REF*6R
	diagPointers    []int
}

// spanDates returns the earliest and latest line dates.
func spanDates(ls []lineIn) (from, to string) {
	for _, l := range ls {
		end := or(l.dateTo, l.date)
		if from == "" || (l.date != "" && l.date < from) {
			from = l.date
		}
		if end > to {
			to = end
		}
	}
	return from, to
}

func provider(entityType, last, first, npi string) *person {
	if npi == "" {
		return nil
	}
	return &person{entityType: entityType, lastName: last, firstName: first, npi: npi}
}

func (b *batch) add(entityType, name, firstName, npi, taxID string, a x835.Address) *billing {
	bi := &billing{entityType: entityType, name: name, firstName: firstName, npi: npi, taxID: taxID, address: a}
	b.billing = append(b.billing, bi)
	return bi
}

// fromProfessional reads an 837P into the payer's model.
func fromProfessional(tx *x837p.Transaction) *batch {
	b := &batch{tx.Header.Reference, tx.Submitter.Name, tx.Submitter.ID, tx.Receiver.Name, tx.Receiver.ID, nil}
	for _, bp := range tx.Billing {
		bi := b.add(bp.EntityType, bp.Name, bp.FirstName, bp.NPI, bp.TaxID, x835.Address(bp.Address))
		for _, s := range bp.Subscriber {
			sb := &subscriber{s.MemberID, s.LastName, s.FirstName, s.BirthDate, s.GroupNumber, s.FilingCode, s.Payer.Name, s.Payer.ID, s.Responsibility}
			add := func(pt *person, cs []x837p.Claim) {
				for i := range cs {
					bi.claims = append(bi.claims, claimFromProfessional(bi, sb, pt, &cs[i]))
				}
			}
			add(nil, s.Claims)
			for _, p := range s.Patients {
				add(&person{lastName: p.LastName, firstName: p.FirstName}, p.Claims)
			}
		}
	}
	return b
}

func claimFromProfessional(bi *billing, sb *subscriber, pt *person, c *x837p.Claim) *claimIn {
	in := &claimIn{kind: professional, bp: bi, sb: sb, pt: pt, pcn: c.PatientControlNumber, charge: c.Total(),
		facility: c.FacilityCode, frequency: c.Frequency, priorAuth: c.PriorAuthorization, diagnoses: c.Diagnoses}
	if r := c.Rendering; r != nil {
		in.rendering = provider(r.EntityType, r.LastName, r.FirstName, r.NPI)
	}
	for _, l := range c.Lines {
		in.lines = append(in.lines, lineIn{qual: "HC", procedure: l.Procedure, modifiers: l.Modifiers, charge: l.Charge,
			quantity: l.Quantity, date: l.ServiceDate, dateTo: l.ServiceDateTo, lineControl: l.LineControl, diagPointers: l.DiagPointers})
	}
	in.from, in.to = spanDates(in.lines)
	in.cob = cobFrom(sb.responsibility, c)
	return in
}

// fromClaim837 reads an 837I or 837D into the payer's model.
func fromClaim837(k claim837.Kind, tx *claim837.Transaction) *batch {
	kind := institutional
	if k == claim837.Dental {
		kind = dental
	}
	b := &batch{tx.Header.Reference, tx.Submitter.Name, tx.Submitter.ID, tx.Receiver.Name, tx.Receiver.ID, nil}
	for _, bp := range tx.Billing {
		bi := b.add(bp.EntityType, bp.Name, bp.FirstName, bp.NPI, bp.TaxID, x835.Address(bp.Address))
		for _, s := range bp.Subscriber {
			sb := &subscriber{s.MemberID, s.LastName, s.FirstName, s.BirthDate, s.GroupNumber, s.FilingCode, s.Payer.Name, s.Payer.ID, s.Responsibility}
			claims := func(pt *person, cs []claim837.Claim) {
				for i := range cs {
					bi.claims = append(bi.claims, claimFrom837(kind, bi, sb, pt, &cs[i]))
				}
			}
			claims(nil, s.Claims)
			for _, p := range s.Patients {
				claims(&person{lastName: p.LastName, firstName: p.FirstName}, p.Claims)
			}
		}
	}
	return b
}

func claimFrom837(kind claimKind, bi *billing, sb *subscriber, pt *person, c *claim837.Claim) *claimIn {
	in := &claimIn{kind: kind, bp: bi, sb: sb, pt: pt, pcn: c.PatientControlNumber, charge: c.Total(),
		facility: c.FacilityCode, frequency: c.Frequency, priorAuth: c.PriorAuthorization, diagnoses: c.Diagnoses}
	for _, p := range []*claim837.Provider{c.Rendering, c.Attending} {
		if p != nil && in.rendering == nil {
			in.rendering = provider(p.EntityType, p.LastName, p.FirstName, p.NPI)
		}
	}
	for _, l := range c.Lines {
		li := lineIn{qual: l.ProcedureQual, procedure: l.Procedure, modifiers: l.Modifiers, revenueCode: l.RevenueCode,
			charge: l.Charge, quantity: l.Quantity, date: l.ServiceDate, dateTo: l.ServiceDateTo, lineControl: l.LineControl,
			diagPointers: l.DiagPointers}
		switch {
		case kind == dental:
			li.qual = or(li.qual, "AD")
		case li.procedure != "":
			li.qual = or(li.qual, "HC")
		}
		in.lines = append(in.lines, li)
	}
	in.from, in.to = spanDates(in.lines)
	in.cob = cobFrom(sb.responsibility, c)
	if ic := c.Institutional; ic != nil {
		in.billType, in.drg = c.BillType(), ic.DRG
		if ic.StatementFrom != "" {
			in.from, in.to = ic.StatementFrom, or(ic.StatementTo, ic.StatementFrom)
		}
	}
	return in
}

// svc returns the line's SVC01 (qualifier, code, modifiers) and SVC04 as
// the 835 and the 277CA write them: an 837I line with a HCPCS code is
// HC:code with the revenue code in SVC04, one without is NU:revenue code;
// an 837D line is AD:CDT code.
func (l *lineIn) svc() (qual, code string, mods []string, rev string) {
	if l.procedure == "" && l.revenueCode != "" {
		return "NU", l.revenueCode, nil, ""
	}
	return or(l.qual, "HC"), l.procedure, l.modifiers, l.revenueCode
}
