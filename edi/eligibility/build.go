package eligibility

import (
	"errors"
	"time"

	"github.com/claimflow/claimflow/edi"
	"github.com/claimflow/claimflow/edi/internal/setkit"
)

// Coverage is what the practice knows of a patient's insurance.
type Coverage struct {
	PayerName    string // the payer's name (2100A NM103)
	PayerID      string // the payer identifier (2100A NM109, NM108 = PI)
	MemberID     string // the subscriber's member ID (2100C NM109)
	GroupNumber  string // group number (2100C REF*6P)
	Relationship string // the patient's relationship to the subscriber: 18 self (or empty), 01 spouse, 19 child, 34 other adult...
	Subscriber   Person // the subscriber when the patient is a dependent
}

// Person names someone with a birth date.
type Person struct {
	LastName  string
	FirstName string
	BirthDate string // CCYYMMDD
	Gender    string // F, M, U
}

// Provider is the inquiring provider (2100B).
type Provider struct {
	Name       string // organization or last name
	FirstName  string // for a person
	NPI        string
	Taxonomy   string // provider taxonomy code, when the payer wants it
	Individual bool   // NM102 = 1
}

// Inquiry270 builds a 270 asking about one patient: as the subscriber when
// the relationship is self, or as a dependent of cov.Subscriber. trace is
// the inquirer's trace number (TRN02), originator the 10-character TRN03,
// date the date of service (DTP*291, CCYYMMDD), and serviceTypes the EQ01
// service type codes (30 health benefit plan coverage when none).
func Inquiry270(trace, originator string, cov Coverage, patient Person, prov Provider, date string, serviceTypes ...string) *Transaction {
	if len(serviceTypes) == 0 {
		serviceTypes = []string{"30"}
	}
	et := "2"
	if prov.Individual {
		et = "1"
	}
	tx := &Transaction{Purpose: "13", Reference: trace,
		Source:   Party{EntityCode: "PR", EntityType: "2", Name: cov.PayerName, IDQual: "PI", ID: cov.PayerID},
		Receiver: Party{EntityCode: "1P", EntityType: et, Name: prov.Name, FirstName: prov.FirstName, IDQual: "XX", ID: prov.NPI, Taxonomy: prov.Taxonomy},
	}
	tr := []Trace{{Type: "1", Number: trace, Originator: originator}}
	m := Member{LastName: patient.LastName, FirstName: patient.FirstName, BirthDate: patient.BirthDate, Gender: patient.Gender,
		MemberID: cov.MemberID, GroupNumber: cov.GroupNumber, Date: date, DateQual: dateQual(date), ServiceTypes: serviceTypes}
	if cov.Relationship == "" || cov.Relationship == "18" {
		m.Traces = tr
		tx.Subscribers = []Subscriber{{Member: m}}
		return tx
	}
	sub := Member{LastName: cov.Subscriber.LastName, FirstName: cov.Subscriber.FirstName, BirthDate: cov.Subscriber.BirthDate,
		Gender: cov.Subscriber.Gender, MemberID: cov.MemberID, GroupNumber: cov.GroupNumber}
	m.MemberID, m.GroupNumber = "", ""
	m.Traces, m.Relationship = tr, cov.Relationship
	tx.Subscribers = []Subscriber{{Member: sub, Dependents: []Member{m}}}
	return tx
}

func dateQual(d string) string {
	if d == "" {
		return ""
	}
	return "291"
}

// BuildInquiry writes 270s into one interchange with one HS group.
func BuildInquiry(env Envelope, txs ...*Transaction) (*edi.Interchange, error) {
	return build(env, "270", "HS", txs)
}

// BuildResponse writes 271s into one interchange with one HB group.
func BuildResponse(env Envelope, txs ...*Transaction) (*edi.Interchange, error) {
	return build(env, "271", "HB", txs)
}

func build(env Envelope, st01, fg string, txs []*Transaction) (*edi.Interchange, error) {
	d := env.Delimiters()
	var sets [][]edi.Seg
	now := env.Time
	if now.IsZero() {
		now = time.Now().UTC()
	}
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

// Segments renders the set as a 270 or 271 (st01) from ST to SE.
func (tx *Transaction) Segments(d edi.Delimiters, st01 string) ([]edi.Seg, error) {
	resp := st01 == "271"
	if !resp && st01 != "270" {
		return nil, errors.New("eligibility: st01 must be 270 or 271")
	}
	or := setkit.Or
	w := setkit.NewWriter(d, st01, tx.ControlNumber, Guide)
	rt := ""
	if tx.RealTime && !resp {
		rt = "RT"
	}
	purpose := or(tx.Purpose, "13")
	if resp {
		purpose = or(tx.Purpose, "11")
	}
	w.Seg("BHT", "0022", purpose, tx.Reference, tx.Date, tx.Time, rt)
	hasRcv := tx.Receiver.Name != "" || tx.Receiver.ID != ""
	src := w.HL("", "20", hasRcv)
	party(w, &tx.Source, "PR", "PI")
	if resp {
		aaa(w, tx.SourceErrors)
	}
	if !hasRcv {
		if !resp {
			return nil, errors.New("eligibility: a 270 needs an information receiver")
		}
		return w.End(), nil
	}
	rcv := w.HL(src, "21", len(tx.Subscribers) > 0 || !resp)
	party(w, &tx.Receiver, "1P", "XX")
	if resp {
		aaa(w, tx.ReceiverError)
	}
	if tx.Receiver.Taxonomy != "" {
		w.Seg("PRV", "PE", "PXC", tx.Receiver.Taxonomy)
	}
	if !resp && len(tx.Subscribers) == 0 {
		return nil, errors.New("eligibility: a 270 needs a subscriber")
	}
	for i := range tx.Subscribers {
		sb := &tx.Subscribers[i]
		shl := w.HL(rcv, "22", len(sb.Dependents) > 0)
		if err := member(w, &sb.Member, "IL", resp); err != nil {
			return nil, err
		}
		for j := range sb.Dependents {
			w.HL(shl, "23", false)
			if err := member(w, &sb.Dependents[j], "03", resp); err != nil {
				return nil, err
			}
		}
	}
	return w.End(), nil
}

func party(w *setkit.Writer, p *Party, code, qual string) {
	w.Seg("NM1", setkit.Or(p.EntityCode, code), setkit.Or(p.EntityType, "2"), p.Name, p.FirstName, "", "", "", setkit.Or(p.IDQual, qual), p.ID)
}

func aaa(w *setkit.Writer, rs []Rejection) {
	for _, r := range rs {
		w.Seg("AAA", setkit.Or(r.Valid, "N"), "", r.Reason, r.FollowUp)
	}
}

func dtp(w *setkit.Writer, q, from, to string) {
	if to != "" && to != from {
		w.Seg("DTP", q, "RD8", from+"-"+to)
		return
	}
	w.Seg("DTP", q, "D8", from)
}

func member(w *setkit.Writer, m *Member, code string, resp bool) error {
	for _, t := range m.Traces {
		w.Seg("TRN", t.Type, t.Number, t.Originator, t.Supplement)
	}
	idq := ""
	if m.MemberID != "" {
		idq = "MI"
	}
	w.Seg("NM1", code, "1", m.LastName, m.FirstName, m.MiddleName, "", "", idq, m.MemberID)
	if m.PlanNumber != "" {
		w.Seg("REF", "18", m.PlanNumber)
	}
	if m.GroupNumber != "" {
		w.Seg("REF", "6P", m.GroupNumber)
	}
	if m.Address != nil {
		w.Seg("N3", m.Address.Line1, m.Address.Line2)
		w.Seg("N4", m.Address.City, m.Address.State, m.Address.Zip)
	}
	if resp {
		aaa(w, m.Rejections)
	}
	if m.BirthDate != "" {
		w.Seg("DMG", "D8", m.BirthDate, m.Gender)
	}
	if m.Relationship != "" {
		yes := "N"
		if code == "IL" {
			yes = "Y"
		}
		w.Seg("INS", yes, m.Relationship)
	}
	if m.Date != "" {
		dtp(w, setkit.Or(m.DateQual, "291"), m.Date, m.DateTo)
	}
	if !resp {
		for _, st := range m.ServiceTypes {
			w.Seg("EQ", st)
		}
		return nil
	}
	for i := range m.Benefits {
		benefit(w, &m.Benefits[i])
	}
	return nil
}

func benefit(w *setkit.Writer, b *Benefit) {
	amt := ""
	if b.Amount != nil {
		amt = b.Amount.String()
	}
	proc := ""
	if b.Procedure != "" {
		proc = w.C(setkit.Or(b.ProcedureQual, "HC"), b.Procedure)
	}
	w.Seg("EB", b.Code, b.CoverageLevel, w.R(b.ServiceTypes...), b.InsuranceType, b.PlanDescription, b.TimePeriod, amt,
		b.Percent, b.QuantityQual, b.Quantity, b.AuthRequired, b.InNetwork, proc)
	for _, d := range b.Dates {
		dtp(w, d.Qual, d.From, d.To)
	}
	aaa(w, b.Rejections)
	for _, m := range b.Messages {
		w.Seg("MSG", m)
	}
	if len(b.Entities) > 0 {
		w.Seg("LS", "2120")
		for i := range b.Entities {
			e := &b.Entities[i]
			w.Seg("NM1", e.EntityCode, setkit.Or(e.EntityType, "2"), e.Name, e.FirstName, "", "", "", e.IDQual, e.ID)
		}
		w.Seg("LE", "2120")
	}
}
