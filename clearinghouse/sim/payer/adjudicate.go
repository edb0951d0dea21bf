package payer

import (
	"slices"
	"sort"
	"time"

	"github.com/claimflow/claimflow/edi/x277ca"
	"github.com/claimflow/claimflow/edi/x835"
)

// requirement is a front-end check of the 277CA: when the claim lacks
// the element it is rejected with the status.
type requirement struct {
	present func(in *claimIn) bool
	status  x277ca.Status
	message string
}

var requirements = map[string]requirement{
	"rendering": {func(in *claimIn) bool { return in.rendering != nil },
		x277ca.Status{Category: "A7", Code: "562", Entity: "82"}, "RENDERING PROVIDER NPI REQUIRED"},
	"subscriberBirthDate": {func(in *claimIn) bool { return in.sb.birthDate != "" },
		x277ca.Status{Category: "A7", Code: "158", Entity: "IL"}, "SUBSCRIBER BIRTH DATE REQUIRED"},
	"groupNumber": {func(in *claimIn) bool { return in.sb.groupNumber != "" },
		x277ca.Status{Category: "A7", Code: "21", Entity: "IL"}, "GROUP NUMBER REQUIRED"},
	"priorAuthorization": {func(in *claimIn) bool { return in.priorAuth != "" },
		x277ca.Status{Category: "A7", Code: "21"}, "PRIOR AUTHORIZATION NUMBER REQUIRED"},
}

// frontEnd decides the 277CA status of a claim: accepted (A2:20, action
// WQ) or rejected (action U). A claim rejected because of service lines
// (LineRejections) gets the status of each such line for loop 2220D and a
// claim status of the first line's category with code 21 (missing or
// invalid information): a 277CA accepts or rejects a claim as a whole.
func (a *Adjudicator) frontEnd(in *claimIn, date string) (x277ca.Status, []x277ca.LineAck) {
	charge := in.charge
	m, known := a.cfg.Members[in.sb.memberID]
	if !known || m.Status == "invalid" {
		return x277ca.Status{Category: "A3", Code: "33", Entity: "IL", Date: date, Action: "U", Charge: charge,
			Message: "SUBSCRIBER AND SUBSCRIBER ID NOT FOUND"}, nil
	}
	for _, name := range a.cfg.Require {
		r := requirements[name]
		if !r.present(in) {
			st := r.status
			st.Date, st.Action, st.Charge, st.Message = date, "U", charge, r.message
			return st, nil
		}
	}
	var lines []x277ca.LineAck
	for i := range in.lines {
		l := &in.lines[i]
		r := a.lineRejection(in, l)
		if r == nil {
			continue
		}
		qual, code, mods, rev := l.svc()
		la := x277ca.LineAck{ProcedureQual: qual, Procedure: code, Modifiers: mods, RevenueCode: rev, Charge: l.charge,
			Units: l.quantity, LineControl: l.lineControl, ServiceFrom: or(l.date, in.from), ServiceTo: l.dateTo,
			Status: []x277ca.Status{{Category: r.Category, Code: r.Code, Entity: r.Entity, Date: date, Action: "U", Message: r.Message}}}
		if l.date == "" {
			la.ServiceTo = in.to
		}
		lines = append(lines, la)
	}
	if len(lines) > 0 {
		return x277ca.Status{Category: lines[0].Status[0].Category, Code: "21", Date: date, Action: "U", Charge: charge,
			Message: "SEE SERVICE LINE STATUS"}, lines
	}
	return x277ca.Status{Category: "A2", Code: "20", Date: date, Action: "WQ", Charge: charge}, nil
}

func pct(m Money, p int) Money { return (m*Money(p) + 50) / 100 }

func units(q string) Money {
	u, ok := x835.ParseMoney(q)
	if !ok || u <= 0 {
		return 100
	}
	return u
}

// accum is what remains of a member's deductible and out-of-pocket
// maximum.
type accum struct {
	Deductible Money
	OOP        Money
	OOPMax     bool // the member has an out-of-pocket maximum
}

// adjudicate prices and adjusts an accepted claim. dup tells that the
// same claim was already accepted (CO-18). acc is used up.
func (a *Adjudicator) adjudicate(in *claimIn, icn string, received time.Time, dup bool, acc *accum) x835.ClaimPayment {
	cp := x835.ClaimPayment{
		PatientControlNumber: in.pcn, Status: "1", Charge: in.charge,
		FilingCode: filingCode(in.sb.filingCode), PayerControlNumber: icn, FacilityType: in.facility,
		Frequency: or(in.frequency, "1"), StatementFrom: in.from, StatementTo: in.to,
		ReceivedDate: received.UTC().Format("20060102"),
	}
	sub := x835.Person{EntityType: "1", LastName: in.sb.lastName, FirstName: in.sb.firstName, IDQual: "MI", ID: in.sb.memberID}
	if in.pt != nil {
		cp.Patient = x835.Person{EntityType: "1", LastName: in.pt.lastName, FirstName: in.pt.firstName}
		cp.Insured = &sub
	} else {
		cp.Patient = sub
	}
	if r := in.rendering; r != nil {
		cp.Rendering = &x835.Person{EntityType: or(r.entityType, "1"), LastName: r.lastName, FirstName: r.firstName, IDQual: "XX", ID: r.npi}
	}
	m := a.cfg.Members[in.sb.memberID]
	denyClaim := func(reason string, remarks []string) x835.ClaimPayment {
		cp.Status, cp.Paid = "4", 0
		cp.Adjustments = []x835.Adjustment{{Group: "CO", Reason: reason, Amount: cp.Charge}}
		cp.Remarks = remarks
		return cp
	}
	switch {
	case dup:
		return denyClaim("18", nil)
	case m.Status == "inactive":
		rm := a.cfg.InactiveRemarks
		if rm == nil {
			rm = []string{"N30"}
		}
		return denyClaim("27", rm)
	case a.cfg.FilingLimitDays > 0 && in.from != "":
		dos, err := time.Parse("20060102", in.from)
		if err == nil && received.UTC().Sub(dos) > time.Duration(a.cfg.FilingLimitDays)*24*time.Hour {
			return denyClaim("29", a.cfg.TimelyFilingRemarks)
		}
	}
	sh := a.sharer(m, acc)
	if rate, ok := a.cfg.DRGRates[in.drg]; ok && in.kind == institutional && in.drg != "" {
		// Paid per claim: the lines are not priced, the claim carries the
		// adjustments.
		cp.DRG = in.drg
		var pr Money
		cp.Adjustments, cp.Remarks, cp.Paid, pr = sh.share(cp.Charge, min(Money(rate), cp.Charge))
		cp.PatientResponsibility = pr
		return cp
	}
	denied := 0
	for i := range in.lines {
		l := &in.lines[i]
		lp := x835.LinePayment{Charge: l.charge, Units: l.quantity, LineControl: l.lineControl}
		lp.ProcedureQual, lp.Procedure, lp.Modifiers, lp.RevenueCode = l.svc()
		if l.dateTo != "" && l.dateTo != l.date {
			lp.ServiceFrom, lp.ServiceTo = l.date, l.dateTo
		} else {
			lp.ServiceDate = l.date
		}
		if r := a.denial(in, l); r != nil {
			denied++
			lp.Adjustments = []x835.Adjustment{{Group: or(r.Group, "CO"), Reason: r.Reason, Amount: lp.Charge}}
			lp.Remarks = r.Remarks
			if lp.Adjustments[0].Group == "PR" {
				cp.PatientResponsibility += lp.Charge
			}
			cp.Lines = append(cp.Lines, lp)
			continue
		}
		allowed, listed := a.allowed(in.kind, l)
		if !listed {
			allowed = pct(lp.Charge, a.cfg.unlistedPercent())
		}
		allowed = min(allowed, lp.Charge)
		lp.Allowed, lp.HasAllowed = allowed, true
		var pr Money
		if in.cob != nil { // a secondary or tertiary claim (cob.go)
			lp.Adjustments, lp.Paid, pr = a.laterPayerLine(in, i, lp.Charge, allowed)
		} else {
			lp.Adjustments, lp.Remarks, lp.Paid, pr = sh.share(lp.Charge, allowed)
		}
		cp.PatientResponsibility += pr
		cp.Paid += lp.Paid
		cp.Lines = append(cp.Lines, lp)
	}
	if in.cob != nil {
		cp.Status = in.cob.clp02
	}
	if denied == len(in.lines) && cp.PatientResponsibility == 0 {
		cp.Status = "4"
	}
	return cp
}

// costShare applies a member's cost sharing to allowed amounts, line by
// line (or once for a claim paid per DRG).
type costShare struct {
	member  Member
	acc     *accum
	copay   Money // what is left of the per-claim co-pay
	covered int
	partial Adjust
}

func (a *Adjudicator) sharer(m Member, acc *accum) *costShare {
	s := &costShare{member: m, acc: acc, copay: Money(m.Copay), covered: m.CoveredPercent, partial: a.cfg.PartialCoverage}
	if s.covered == 0 {
		s.covered = 100
	}
	if s.partial.Reason == "" {
		s.partial = Adjust{Group: "PR", Reason: "119", Remarks: s.partial.Remarks}
	}
	return s
}

// share adjusts one charge with its allowed amount: CO-45 for the
// difference, then co-pay (PR-3), deductible (PR-1) and co-insurance
// (PR-2) within the out-of-pocket maximum, then partial coverage. It
// returns the adjustments (grouped), remarks, the payment and the
// patient's responsibility.
func (s *costShare) share(charge, allowed Money) (adjs []x835.Adjustment, remarks []string, paid, patient Money) {
	var co, pr []x835.Adjustment
	if d := charge - allowed; d > 0 {
		co = append(co, x835.Adjustment{Group: "CO", Reason: "45", Amount: d})
	}
	acc := s.acc
	rest := allowed
	cpay := min(s.copay, rest)
	s.copay = 0
	dd := min(acc.Deductible, rest-cpay)
	ci := pct(rest-cpay-dd, s.member.CoinsurancePercent)
	if acc.OOPMax {
		// Past the out-of-pocket maximum the payer pays it all:
		// co-insurance goes first, then the co-pay, then the deductible.
		if over := cpay + dd + ci - acc.OOP; over > 0 {
			r := min(over, ci)
			ci, over = ci-r, over-r
			r = min(over, cpay)
			cpay, over = cpay-r, over-r
			dd -= over
		}
		acc.OOP -= cpay + dd + ci
	}
	acc.Deductible -= dd
	for _, x := range []x835.Adjustment{{Group: "PR", Reason: "3", Amount: cpay}, {Group: "PR", Reason: "1", Amount: dd},
		{Group: "PR", Reason: "2", Amount: ci}} {
		if x.Amount > 0 {
			pr = append(pr, x)
			rest -= x.Amount
		}
	}
	if s.covered < 100 {
		if cut := rest - pct(rest, s.covered); cut > 0 {
			adj := x835.Adjustment{Group: or(s.partial.Group, "PR"), Reason: s.partial.Reason, Amount: cut}
			if adj.Group == "PR" {
				pr = append(pr, adj)
			} else {
				co = append(co, adj)
			}
			remarks = append(remarks, s.partial.Remarks...)
			rest -= cut
		}
	}
	for _, x := range pr {
		patient += x.Amount
	}
	return groupAdjustments(append(co, pr...)), remarks, rest, patient
}

// groupAdjustments orders adjustments by group (CO, OA, PI, PR), keeping
// their order within a group, so each group is one CAS segment.
func groupAdjustments(as []x835.Adjustment) []x835.Adjustment {
	rank := map[string]int{"CO": 0, "OA": 1, "PI": 2, "PR": 3}
	sort.SliceStable(as, func(i, j int) bool { return rank[as[i].Group] < rank[as[j].Group] })
	return as
}

// allowed looks the line up in the fee schedules: for an 837I line its
// revenue code in RevenueFeeSchedule first; then "CODE:MOD", then "CODE"
// in FeeSchedule. The price is per unit.
func (a *Adjudicator) allowed(kind claimKind, l *lineIn) (Money, bool) {
	fee, ok := Amount(0), false
	if kind == institutional && l.revenueCode != "" {
		fee, ok = a.cfg.RevenueFeeSchedule[l.revenueCode]
	}
	if l.procedure != "" {
		for _, mod := range l.modifiers {
			if ok {
				break
			}
			fee, ok = a.cfg.FeeSchedule[l.procedure+":"+mod]
		}
		if !ok {
			fee, ok = a.cfg.FeeSchedule[l.procedure]
		}
	}
	if !ok {
		return 0, false
	}
	return (Money(fee)*units(l.quantity) + 50) / 100, true
}

// denial returns the first denial rule matching the line, or nil.
func (a *Adjudicator) denial(in *claimIn, l *lineIn) *DenialRule {
	for i := range a.cfg.Denials {
		if r := &a.cfg.Denials[i]; r.matches(in, l) {
			return r
		}
	}
	return nil
}

// lineRejection returns the first line rejection rule matching the line,
// or nil.
func (a *Adjudicator) lineRejection(in *claimIn, l *lineIn) *LineRejection {
	for i := range a.cfg.LineRejections {
		if r := &a.cfg.LineRejections[i]; r.matches(in, l) {
			return r
		}
	}
	return nil
}

// matches tells whether every condition of the rule holds for the line.
func (r *LineMatch) matches(in *claimIn, l *lineIn) bool {
	switch {
	case len(r.ClaimTypes) > 0 && !slices.Contains(r.ClaimTypes, in.kind.String()),
		len(r.Procedures) > 0 && !slices.Contains(r.Procedures, l.procedure),
		len(r.RevenueCodes) > 0 && !slices.Contains(r.RevenueCodes, l.revenueCode),
		len(r.Modifiers) > 0 && !slices.ContainsFunc(l.modifiers, func(m string) bool { return slices.Contains(r.Modifiers, m) }),
		len(r.Members) > 0 && !slices.Contains(r.Members, in.sb.memberID),
		r.MaxUnits != nil && units(l.quantity) <= Money(*r.MaxUnits):
		return false
	}
	if len(r.Diagnoses) > 0 {
		dx := in.diagnoses
		if len(l.diagPointers) > 0 {
			dx = nil
			for _, p := range l.diagPointers {
				if p >= 1 && p <= len(in.diagnoses) {
					dx = append(dx, in.diagnoses[p-1])
				}
			}
		}
		if !slices.ContainsFunc(dx, func(d string) bool { return slices.Contains(r.Diagnoses, d) }) {
			return false
		}
	}
	switch r.Missing {
	case "priorAuthorization":
		return in.priorAuth == ""
	case "rendering":
		return in.rendering == nil
	case "lineControl":
		return l.lineControl == ""
	}
	return true
}

// filingCode maps the 837's SBR09 to the 835's CLP06, whose code list
// has no CI or BL: commercial and Blue Cross claims are reported as 12
// (preferred provider organization), unknown codes as ZZ.
func filingCode(sbr09 string) string {
	switch sbr09 {
	case "12", "13", "14", "15", "16", "17", "AM", "CH", "DS", "HM", "LM", "MA", "MB", "MC", "OF", "TV", "VA", "WC", "ZZ":
		return sbr09
	case "CI", "BL", "":
		return "12"
	}
	return "ZZ"
}

func or(v, def string) string {
	if v == "" {
		return def
	}
	return v
}
