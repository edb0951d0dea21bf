package payer

import (
	"slices"
	"sort"
	"time"

	"github.com/claimflow/claimflow/edi/x277ca"
	"github.com/claimflow/claimflow/edi/x835"
	"github.com/claimflow/claimflow/edi/x837p"
)

// requirement is a front-end check of the 277CA: when the claim lacks
// the element it is rejected with the status.
type requirement struct {
	present func(in *claimIn) bool
	status  x277ca.Status
	message string
}

var requirements = map[string]requirement{
	"rendering": {func(in *claimIn) bool { return in.c.Rendering != nil && in.c.Rendering.NPI != "" },
		x277ca.Status{Category: "A7", Code: "562", Entity: "82"}, "RENDERING PROVIDER NPI REQUIRED"},
	"subscriberBirthDate": {func(in *claimIn) bool { return in.sb.BirthDate != "" },
		x277ca.Status{Category: "A7", Code: "158", Entity: "IL"}, "SUBSCRIBER BIRTH DATE REQUIRED"},
	"groupNumber": {func(in *claimIn) bool { return in.sb.GroupNumber != "" },
		x277ca.Status{Category: "A7", Code: "21", Entity: "IL"}, "GROUP NUMBER REQUIRED"},
	"priorAuthorization": {func(in *claimIn) bool { return in.c.PriorAuthorization != "" },
		x277ca.Status{Category: "A7", Code: "21"}, "PRIOR AUTHORIZATION NUMBER REQUIRED"},
}

// claimIn is one claim of an uploaded 837P with where it sits.
type claimIn struct {
	bp *x837p.BillingProvider
	sb *x837p.Subscriber
	pt *x837p.Patient // nil when the subscriber is the patient
	c  *x837p.Claim
}

// frontEnd decides the 277CA status of a claim: accepted (A2:20, action
// WQ) or rejected (action U).
func (a *Adjudicator) frontEnd(in *claimIn, date string) x277ca.Status {
	charge := Money(in.c.Total())
	m, known := a.cfg.Members[in.sb.MemberID]
	if !known || m.Status == "invalid" {
		return x277ca.Status{Category: "A3", Code: "33", Entity: "IL", Date: date, Action: "U", Charge: charge,
			Message: "SUBSCRIBER AND SUBSCRIBER ID NOT FOUND"}
	}
	for _, name := range a.cfg.Require {
		r := requirements[name]
		if !r.present(in) {
			st := r.status
			st.Date, st.Action, st.Charge, st.Message = date, "U", charge, r.message
			return st
		}
	}
	return x277ca.Status{Category: "A2", Code: "20", Date: date, Action: "WQ", Charge: charge}
}

// serviceDates returns the earliest and latest line dates.
func serviceDates(c *x837p.Claim) (from, to string) {
	for _, l := range c.Lines {
		end := l.ServiceDateTo
		if end == "" {
			end = l.ServiceDate
		}
		if from == "" || (l.ServiceDate != "" && l.ServiceDate < from) {
			from = l.ServiceDate
		}
		if end > to {
			to = end
		}
	}
	return from, to
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
	c := in.c
	from, to := serviceDates(c)
	cp := x835.ClaimPayment{
		PatientControlNumber: c.PatientControlNumber, Status: "1", Charge: Money(c.Total()),
		FilingCode: filingCode(in.sb.FilingCode), PayerControlNumber: icn, FacilityType: c.PlaceOfService,
		Frequency: or(c.Frequency, "1"), StatementFrom: from, StatementTo: to,
		ReceivedDate: received.UTC().Format("20060102"),
	}
	sub := x835.Person{EntityType: "1", LastName: in.sb.LastName, FirstName: in.sb.FirstName, IDQual: "MI", ID: in.sb.MemberID}
	if in.pt != nil {
		cp.Patient = x835.Person{EntityType: "1", LastName: in.pt.LastName, FirstName: in.pt.FirstName}
		cp.Insured = &sub
	} else {
		cp.Patient = sub
	}
	if r := c.Rendering; r != nil && r.NPI != "" {
		cp.Rendering = &x835.Person{EntityType: or(r.EntityType, "1"), LastName: r.LastName, FirstName: r.FirstName, IDQual: "XX", ID: r.NPI}
	}
	m := a.cfg.Members[in.sb.MemberID]
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
	case a.cfg.FilingLimitDays > 0 && from != "":
		dos, err := time.Parse("20060102", from)
		if err == nil && received.UTC().Sub(dos) > time.Duration(a.cfg.FilingLimitDays)*24*time.Hour {
			return denyClaim("29", a.cfg.TimelyFilingRemarks)
		}
	}
	copay := Money(m.Copay)
	covered := m.CoveredPercent
	if covered == 0 {
		covered = 100
	}
	partial := a.cfg.PartialCoverage
	if partial.Reason == "" {
		partial = Adjust{Group: "PR", Reason: "119", Remarks: partial.Remarks}
	}
	denied := 0
	for i := range c.Lines {
		l := &c.Lines[i]
		lp := x835.LinePayment{ProcedureQual: "HC", Procedure: l.Procedure, Modifiers: l.Modifiers, Charge: Money(l.Charge),
			Units: l.Quantity, LineControl: l.LineControl}
		if l.ServiceDateTo != "" && l.ServiceDateTo != l.ServiceDate {
			lp.ServiceFrom, lp.ServiceTo = l.ServiceDate, l.ServiceDateTo
		} else {
			lp.ServiceDate = l.ServiceDate
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
		allowed, listed := a.allowed(l)
		if !listed {
			allowed = pct(lp.Charge, a.cfg.unlistedPercent())
		}
		allowed = min(allowed, lp.Charge)
		lp.Allowed, lp.HasAllowed = allowed, true
		var co, pr []x835.Adjustment
		if d := lp.Charge - allowed; d > 0 {
			co = append(co, x835.Adjustment{Group: "CO", Reason: "45", Amount: d})
		}
		rest := allowed
		cpay := min(copay, rest)
		copay = 0
		dd := min(acc.Deductible, rest-cpay)
		ci := pct(rest-cpay-dd, m.CoinsurancePercent)
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
		if covered < 100 {
			if cut := rest - pct(rest, covered); cut > 0 {
				adj := x835.Adjustment{Group: or(partial.Group, "PR"), Reason: partial.Reason, Amount: cut}
				if adj.Group == "PR" {
					pr = append(pr, adj)
				} else {
					co = append(co, adj)
				}
				lp.Remarks = append(lp.Remarks, partial.Remarks...)
				rest -= cut
			}
		}
		lp.Paid = rest
		lp.Adjustments = groupAdjustments(append(co, pr...))
		for _, x := range pr {
			cp.PatientResponsibility += x.Amount
		}
		cp.Paid += rest
		cp.Lines = append(cp.Lines, lp)
	}
	if denied == len(c.Lines) && cp.PatientResponsibility == 0 {
		cp.Status = "4"
	}
	return cp
}

// groupAdjustments orders adjustments by group (CO, OA, PI, PR), keeping
// their order within a group, so each group is one CAS segment.
func groupAdjustments(as []x835.Adjustment) []x835.Adjustment {
	rank := map[string]int{"CO": 0, "OA": 1, "PI": 2, "PR": 3}
	sort.SliceStable(as, func(i, j int) bool { return rank[as[i].Group] < rank[as[j].Group] })
	return as
}

// allowed looks the line up in the fee schedule: "CODE:MOD" first, then
// "CODE"; the price is per unit.
func (a *Adjudicator) allowed(l *x837p.ServiceLine) (Money, bool) {
	fee, ok := Amount(0), false
	for _, mod := range l.Modifiers {
		if fee, ok = a.cfg.FeeSchedule[l.Procedure+":"+mod]; ok {
			break
		}
	}
	if !ok {
		fee, ok = a.cfg.FeeSchedule[l.Procedure]
	}
	if !ok {
		return 0, false
	}
	return (Money(fee)*units(l.Quantity) + 50) / 100, true
}

// denial returns the first denial rule matching the line, or nil.
func (a *Adjudicator) denial(in *claimIn, l *x837p.ServiceLine) *DenialRule {
	for i := range a.cfg.Denials {
		r := &a.cfg.Denials[i]
		if len(r.Procedures) > 0 && !slices.Contains(r.Procedures, l.Procedure) {
			continue
		}
		if len(r.Modifiers) > 0 && !slices.ContainsFunc(l.Modifiers, func(m string) bool { return slices.Contains(r.Modifiers, m) }) {
			continue
		}
		if len(r.Members) > 0 && !slices.Contains(r.Members, in.sb.MemberID) {
			continue
		}
		if len(r.Diagnoses) > 0 && !slices.ContainsFunc(l.DiagPointers, func(p int) bool {
			return p >= 1 && p <= len(in.c.Diagnoses) && slices.Contains(r.Diagnoses, in.c.Diagnoses[p-1])
		}) {
			continue
		}
		switch r.Missing {
		case "priorAuthorization":
			if in.c.PriorAuthorization != "" {
				continue
			}
		case "rendering":
			if in.c.Rendering != nil && in.c.Rendering.NPI != "" {
				continue
			}
		case "lineControl":
			if l.LineControl != "" {
				continue
			}
		}
		return r
	}
	return nil
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
