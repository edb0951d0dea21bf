package claim837

import (
	"errors"
	"slices"
	"strconv"
	"strings"

	"github.com/claimflow/claimflow/edi"
	"github.com/claimflow/claimflow/edi/internal/setkit"
)

// Build writes the transactions as one interchange with one HC group of the
// variant k and computes counts and control numbers.
func Build(k Kind, env Envelope, txs ...*Transaction) (*edi.Interchange, error) {
	d := env.Delimiters()
	var sets [][]edi.Seg
	for _, tx := range txs {
		segs, err := tx.Segments(k, d)
		if err != nil {
			return nil, err
		}
		sets = append(sets, segs)
	}
	return setkit.Build(env, "HC", k.Guide(), sets...)
}

var or = setkit.Or

type writer struct {
	*setkit.Writer
	k      Kind
	claims int // claims written so far, to name a claim in errors without its values
}

// Segments renders the transaction set of variant k from ST to SE.
func (t *Transaction) Segments(k Kind, d edi.Delimiters) ([]edi.Seg, error) {
	if k != Institutional && k != Dental && k != Professional {
		return nil, errors.New("claim837: unknown 837 variant")
	}
	if len(t.Billing) == 0 {
		return nil, errors.New("claim837: a transaction needs a billing provider")
	}
	w := &writer{Writer: setkit.NewWriter(d, "837", t.ControlNumber, k.Guide()), k: k}
	h := t.Header
	w.Seg("BHT", "0019", or(h.Purpose, "00"), h.Reference, h.Date, h.Time, or(h.Type, "CH"))
	s := t.Submitter
	w.Seg("NM1", "41", or(s.EntityType, "2"), s.Name, s.FirstName, "", "", "", "46", s.ID)
	per := []string{"IC", s.ContactName}
	if s.Phone != "" {
		per = append(per, "TE", s.Phone)
	}
	if s.Email != "" {
		per = append(per, "EM", s.Email)
	}
	if len(per) == 2 {
		return nil, errors.New("claim837: submitter needs a phone or email (PER)")
	}
	w.Seg("PER", per...)
	w.Seg("NM1", "40", "2", t.Receiver.Name, "", "", "", "", "46", t.Receiver.ID)
	for bi := range t.Billing {
		bp := &t.Billing[bi]
		bpHL := w.HL("", "20", len(bp.Subscriber) > 0)
		if bp.Taxonomy != "" {
			w.Seg("PRV", "BI", "PXC", bp.Taxonomy)
		}
		w.Seg("NM1", "85", or(bp.EntityType, "2"), bp.Name, bp.FirstName, "", "", "", "XX", bp.NPI)
		w.addr(&bp.Address)
		w.Seg("REF", "EI", bp.TaxID)
		if bp.PayTo != nil {
			w.Seg("NM1", "87", "2")
			w.addr(bp.PayTo)
		}
		for si := range bp.Subscriber {
			sb := &bp.Subscriber[si]
			sbHL := w.HL(bpHL, "22", len(sb.Patients) > 0)
			w.Seg("SBR", sb.Responsibility, sb.Relationship, sb.GroupNumber, sb.GroupName, "", "", "", "", sb.FilingCode)
			w.Seg("NM1", "IL", "1", sb.LastName, sb.FirstName, sb.MiddleName, "", "", "MI", sb.MemberID)
			if sb.Address != nil {
				w.addr(sb.Address)
			}
			if sb.BirthDate != "" {
				w.Seg("DMG", "D8", sb.BirthDate, sb.Gender)
			}
			w.Seg("NM1", "PR", "2", sb.Payer.Name, "", "", "", "", "PI", sb.Payer.ID)
			if sb.Payer.Address != nil {
				w.addr(sb.Payer.Address)
			}
			for ci := range sb.Claims {
				if err := w.claim(&sb.Claims[ci]); err != nil {
					return nil, err
				}
			}
			for pi := range sb.Patients {
				p := &sb.Patients[pi]
				w.HL(sbHL, "23", false)
				w.Seg("PAT", p.Relationship)
				w.Seg("NM1", "QC", "1", p.LastName, p.FirstName)
				w.addr(&p.Address)
				w.Seg("DMG", "D8", p.BirthDate, p.Gender)
				for ci := range p.Claims {
					if err := w.claim(&p.Claims[ci]); err != nil {
						return nil, err
					}
				}
			}
		}
	}
	return w.End(), nil
}

func (w *writer) addr(a *Address) {
	w.Seg("N3", a.Line1, a.Line2)
	w.Seg("N4", a.City, a.State, a.Zip)
}

func (w *writer) provider(code string, p *Provider, prv string) {
	w.Seg("NM1", code, or(p.EntityType, "1"), p.LastName, p.FirstName, "", "", "", "XX", p.NPI)
	if p.Taxonomy != "" && prv != "" {
		w.Seg("PRV", prv, "PXC", p.Taxonomy)
	}
}

func (w *writer) facility(f *Facility) {
	if f.NPI != "" {
		w.Seg("NM1", "77", "2", f.Name, "", "", "", "", "XX", f.NPI)
	} else {
		w.Seg("NM1", "77", "2", f.Name)
	}
	w.addr(&f.Address)
}

func (w *writer) dtp(q, from, to string) {
	if to != "" && to != from {
		w.Seg("DTP", q, "RD8", from+"-"+to)
		return
	}
	w.Seg("DTP", q, "D8", from)
}

func (w *writer) ref(q, v string) {
	if v != "" {
		w.Seg("REF", q, v)
	}
}

// his writes codes as HI segments of at most 12 composites with qualifier q.
func (w *writer) his(q string, codes []string) {
	for len(codes) > 0 {
		n := min(len(codes), 12)
		el := make([]string, n)
		for i := range el {
			el[i] = w.C(q, codes[i])
		}
		w.Seg("HI", el...)
		codes = codes[n:]
	}
}

// cas writes adjustments as CAS segments: one run per group code, in the
// order the codes first appear, at most six reasons a segment.
func (w *writer) cas(as []Adjustment) {
	var groups []string
	for _, a := range as {
		if !slices.Contains(groups, a.Group) {
			groups = append(groups, a.Group)
		}
	}
	for _, g := range groups {
		el := []string{g}
		for _, a := range as {
			if a.Group != g {
				continue
			}
			if len(el) == 19 {
				w.Seg("CAS", el...)
				el = el[:1]
			}
			el = append(el, a.Reason, a.Amount.String(), a.Quantity)
		}
		w.Seg("CAS", el...)
	}
}

// icd returns an ICD-10-CM code as the guides carry it: without the
// decimal point.
func icd(code string) string { return strings.ReplaceAll(code, ".", "") }

// procedure returns a procedure composite: qualifier, code, modifiers.
func (w *writer) procedure(qual, code string, modifiers []string) string {
	return w.C(append([]string{qual, code}, modifiers...)...)
}

// pointers returns diagnosis code pointers as components, or def when
// there are none.
func (w *writer) pointers(ps []int, def string) string {
	el := make([]string, len(ps))
	for i, p := range ps {
		el[i] = strconv.Itoa(p)
	}
	return or(w.C(el...), def)
}

// diagnoses writes the claim's ICD-10-CM codes as one HI, principal (ABK)
// first, then ABF.
func (w *writer) diagnoses(dx []string) {
	el := make([]string, len(dx))
	for i, code := range dx {
		q := "ABF"
		if i == 0 {
			q = "ABK"
		}
		el[i] = w.C(q, icd(code))
	}
	w.Seg("HI", el...)
}

func (w *writer) claim(c *Claim) error {
	w.claims++
	pcn := strconv.Itoa(w.claims)
	if len(c.Lines) == 0 {
		return errors.New("claim837: claim " + pcn + " (in set order) has no service lines")
	}
	inst := w.k == Institutional
	switch {
	case inst && (len(c.Diagnoses) == 0 || c.Institutional == nil):
		return errors.New("claim837: institutional claim " + pcn + " (in set order) needs a principal diagnosis and its institutional part")
	case w.k == Professional && len(c.Diagnoses) == 0:
		return errors.New("claim837: professional claim " + pcn + " (in set order) has no diagnosis")
	case w.k == Professional && len(c.Diagnoses) > 12:
		return errors.New("claim837: a professional claim carries at most 12 diagnoses")
	case w.k == Dental && len(c.Diagnoses) > 4:
		return errors.New("claim837: a dental claim carries at most 4 diagnoses")
	case inst && len(c.Diagnoses) > 25:
		return errors.New("claim837: more than 25 diagnoses")
	}
	loc := w.C(c.FacilityCode, "B", or(c.Frequency, "1"))
	sig := or(c.ProviderSignature, "Y")
	if inst {
		loc = w.C(c.FacilityCode, "A", or(c.Frequency, "1"))
		sig = ""
	}
	w.Seg("CLM", c.PatientControlNumber, c.Total().String(), "", "", loc, sig, or(c.Assignment, "A"),
		or(c.BenefitsAssigned, "Y"), or(c.ReleaseOfInfo, "Y"), "", "", "", "", "", "", "", "", "", "", c.DelayReason)
	if inst {
		ic := c.Institutional
		if ic.DischargeHour != "" {
			w.Seg("DTP", "096", "TM", ic.DischargeHour)
		}
		w.Seg("DTP", "434", "RD8", ic.StatementFrom+"-"+or(ic.StatementTo, ic.StatementFrom))
		if ic.AdmissionDate != "" {
			if ic.AdmissionHour != "" {
				w.Seg("DTP", "435", "DT", ic.AdmissionDate+ic.AdmissionHour)
			} else {
				w.Seg("DTP", "435", "D8", ic.AdmissionDate)
			}
		}
		if ic.AdmissionType != "" || ic.AdmissionSource != "" || ic.PatientStatus != "" {
			w.Seg("CL1", ic.AdmissionType, ic.AdmissionSource, ic.PatientStatus)
		}
		w.ref("G1", c.PriorAuthorization)
		w.ref("F8", c.PayerClaimControl)
		w.ref("EA", c.MedicalRecordNumber)
		w.Seg("HI", w.C("ABK", icd(c.Diagnoses[0])))
		if ic.AdmittingDiagnosis != "" {
			w.Seg("HI", w.C("ABJ", ic.AdmittingDiagnosis))
		}
		if len(ic.ReasonForVisit) > 0 {
			w.his("APR", ic.ReasonForVisit[:min(3, len(ic.ReasonForVisit))])
		}
		if ic.DRG != "" {
			w.Seg("HI", w.C("DR", ic.DRG))
		}
		dx := make([]string, len(c.Diagnoses)-1)
		for i, code := range c.Diagnoses[1:] {
			dx[i] = icd(code)
		}
		w.his("ABF", dx)
		if p := ic.PrincipalProcedure; p != nil {
			w.Seg("HI", w.C("BBR", p.Code, "D8", p.Date))
		}
		if len(ic.OtherProcedures) > 0 {
			el := make([]string, 0, len(ic.OtherProcedures))
			for _, p := range ic.OtherProcedures {
				el = append(el, w.C("BBQ", p.Code, "D8", p.Date))
			}
			w.Seg("HI", el...)
		}
		if len(ic.Occurrences) > 0 {
			el := make([]string, 0, len(ic.Occurrences))
			for _, o := range ic.Occurrences {
				el = append(el, w.C("BH", o.Code, "D8", o.Date))
			}
			w.Seg("HI", el...)
		}
		if len(ic.Values) > 0 {
			el := make([]string, 0, len(ic.Values))
			for _, v := range ic.Values {
				el = append(el, w.C("BE", v.Code, "", "", v.Amount.String()))
			}
			w.Seg("HI", el...)
		}
		w.his("BG", ic.Conditions)
		if c.Attending != nil {
			w.provider("71", c.Attending, "AT")
		}
		if c.Operating != nil {
			w.provider("72", c.Operating, "")
		}
		if c.Rendering != nil {
			w.provider("82", c.Rendering, "")
		}
		if c.Facility != nil {
			w.facility(c.Facility)
		}
		if c.Referring != nil {
			w.provider("DN", c.Referring, "")
		}
	} else { // 837P and 837D: the professional claim is the dental one without its dental part
		dc := c.Dental
		if dc == nil {
			dc = &DentalClaim{}
		}
		if c.OnsetDate != "" && w.k == Professional {
			w.dtp("431", c.OnsetDate, "")
		}
		if dc.AccidentDate != "" {
			w.dtp("439", dc.AccidentDate, "")
		}
		if dc.AppliancePlacement != "" {
			w.dtp("452", dc.AppliancePlacement, "")
		}
		if dc.OrthoMonthsTotal != "" || dc.OrthoMonthsLeft != "" {
			w.Seg("DN1", dc.OrthoMonthsTotal, dc.OrthoMonthsLeft)
		}
		for _, ts := range dc.ToothStatus {
			w.Seg("DN2", ts.Tooth, ts.Status)
		}
		w.ref("G3", dc.Predetermination)
		w.ref("G1", c.PriorAuthorization)
		w.ref("F8", c.PayerClaimControl)
		w.ref("EA", c.MedicalRecordNumber)
		if len(c.Diagnoses) > 0 {
			w.diagnoses(c.Diagnoses)
		}
		if c.Referring != nil {
			prv := "" // the 837P 2310A has no PRV
			if w.k == Dental {
				prv = "RF"
			}
			w.provider("DN", c.Referring, prv)
		}
		if c.Rendering != nil {
			w.provider("82", c.Rendering, "PE")
		}
		if c.Facility != nil {
			w.facility(c.Facility)
		}
	}
	for i := range c.OtherPayers {
		w.other(&c.OtherPayers[i])
	}
	for i := range c.Lines {
		if err := w.line(i+1, &c.Lines[i]); err != nil {
			return err
		}
	}
	return nil
}

func (w *writer) other(o *OtherPayer) {
	w.Seg("SBR", o.Responsibility, or(o.Relationship, "18"), o.GroupNumber, "", "", "", "", "", o.FilingCode)
	w.cas(o.Adjustments)
	if o.Paid != nil {
		w.Seg("AMT", "D", o.Paid.String())
	}
	if o.RemainingLiability != nil {
		w.Seg("AMT", "EAF", o.RemainingLiability.String())
	}
	w.Seg("OI", "", "", or(o.BenefitsAssigned, "Y"), "", "", or(o.ReleaseOfInfo, "Y"))
	w.Seg("NM1", "IL", "1", o.SubscriberLast, o.SubscriberFirst, "", "", "", "MI", o.SubscriberID)
	w.Seg("NM1", "PR", "2", o.PayerName, "", "", "", "", "PI", o.PayerID)
	if o.AdjudicationDate != "" {
		w.dtp("573", o.AdjudicationDate, "")
	}
	w.ref("F8", o.PayerClaimControl)
}

func (w *writer) line(n int, l *ServiceLine) error {
	w.Seg("LX", strconv.Itoa(n))
	switch w.k {
	case Professional:
		w.Seg("SV1", w.procedure(or(l.ProcedureQual, "HC"), l.Procedure, l.Modifiers), l.Charge.String(),
			or(l.Unit, "UN"), or(l.Quantity, "1"), l.PlaceOfSvc, "", w.pointers(l.DiagPointers, "1"))
		w.dtp("472", l.ServiceDate, l.ServiceDateTo)
	case Institutional:
		proc := ""
		if l.Procedure != "" {
			proc = w.procedure(or(l.ProcedureQual, "HC"), l.Procedure, l.Modifiers)
		}
		if l.RevenueCode == "" {
			return errors.New("claim837: an institutional service line needs a revenue code (SV201)")
		}
		nc := ""
		if l.NonCovered != 0 {
			nc = l.NonCovered.String()
		}
		w.Seg("SV2", l.RevenueCode, proc, l.Charge.String(), or(l.Unit, "UN"), or(l.Quantity, "1"), "", nc)
		if l.ServiceDate != "" {
			w.dtp("472", l.ServiceDate, l.ServiceDateTo)
		}
	default:
		if l.Procedure == "" {
			return errors.New("claim837: a dental service line needs a procedure code (SV301)")
		}
		cav := ""
		if len(l.OralCavity) > 0 {
			cav = w.C(l.OralCavity...)
		}
		w.Seg("SV3", w.procedure(or(l.ProcedureQual, "AD"), l.Procedure, l.Modifiers), l.Charge.String(),
			l.PlaceOfSvc, cav, l.Prosthesis, or(l.Quantity, "1"), "", "", "", "", w.pointers(l.DiagPointers, ""))
		for _, t := range l.Teeth {
			w.Seg("TOO", "JP", t.Number, w.C(t.Surfaces...))
		}
		if l.ServiceDate != "" {
			w.dtp("472", l.ServiceDate, "")
		}
	}
	w.ref("6R", l.LineControl)
	for i := range l.Adjudications {
		a := &l.Adjudications[i]
		qual := or(a.ProcedureQual, "HC")
		if w.k == Dental {
			qual = or(a.ProcedureQual, "AD")
		}
		// SVD03 only with a procedure: an 837I line adjudicated by revenue
		// code carries it in SVD04 alone (the guide requires SVD04 there).
		proc := ""
		if a.Procedure != "" {
			proc = w.procedure(qual, a.Procedure, a.Modifiers)
		}
		w.Seg("SVD", a.PayerID, a.Paid.String(), proc, a.RevenueCode, or(a.Units, "1"))
		w.cas(a.Adjustments)
		w.dtp("573", a.Date, "")
		if a.RemainingLiability != nil {
			w.Seg("AMT", "EAF", a.RemainingLiability.String())
		}
	}
	return nil
}
