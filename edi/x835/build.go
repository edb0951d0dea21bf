package x835

import (
	"errors"
	"strconv"

	"github.com/claimflow/claimflow/edi"
	"github.com/claimflow/claimflow/edi/internal/setkit"
)

// Build writes remittances into one interchange with one HP group and
// computes counts and control numbers (see setkit.Envelope).
func Build(env Envelope, rs ...*Remittance) (*edi.Interchange, error) {
	d := env.Delimiters()
	sets := make([][]edi.Seg, 0, len(rs))
	for _, r := range rs {
		segs, err := r.Segments(d)
		if err != nil {
			return nil, err
		}
		sets = append(sets, segs)
	}
	return setkit.Build(env, "HP", Guide, sets...)
}

// Segments renders the transaction set from ST to SE.
func (r *Remittance) Segments(d edi.Delimiters) ([]edi.Seg, error) {
	if r.Payer.Name == "" || r.Payee.Name == "" {
		return nil, errors.New("x835: payer and payee names are required")
	}
	or := setkit.Or
	w := setkit.NewWriter(d, "835", r.ControlNumber, "") // ST03 not used in 005010X221A1: the guide is GS08
	p := r.Payment
	w.Seg("BPR", or(p.Handling, "I"), p.Amount.String(), or(p.CreditDebit, "C"), or(p.Method, "CHK"), p.Format,
		p.SenderDFIQual, p.SenderDFI, p.SenderAcctQual, p.SenderAccount, p.OriginatorID, p.OriginatorSupp,
		p.ReceiverDFIQual, p.ReceiverDFI, p.ReceiverAcctQual, p.ReceiverAccount, p.EffectiveDate)
	w.Seg("TRN", or(r.Trace.Type, "1"), r.Trace.Number, r.Trace.OriginatorID, r.Trace.Supplemental)
	if r.ReceiverID != "" {
		w.Seg("REF", "EV", r.ReceiverID)
	}
	if r.ProductionDate != "" {
		w.Seg("DTM", "405", r.ProductionDate)
	}
	py := r.Payer
	w.Seg("N1", "PR", py.Name, py.IDQual, py.ID)
	addr(w, &py.Address)
	if py.PayerID != "" {
		w.Seg("REF", "2U", py.PayerID)
	}
	per := []string{"BL", py.TechnicalContact}
	if py.Phone != "" {
		per = append(per, "TE", py.Phone)
	}
	if py.Email != "" {
		per = append(per, "EM", py.Email)
	}
	if len(per) == 2 {
		per = append(per, "UR", or(py.Web, "NONE"))
	}
	w.Seg("PER", per...)
	if py.Web != "" && (py.Phone != "" || py.Email != "") {
		w.Seg("PER", "IC", "", "UR", py.Web)
	}
	pe := r.Payee
	w.Seg("N1", "PE", pe.Name, or(pe.IDQual, "XX"), pe.ID)
	if pe.Address != nil {
		addr(w, pe.Address)
	}
	if pe.TaxID != "" {
		w.Seg("REF", "TJ", pe.TaxID)
	}
	hdr := "\x00"
	for i := range r.Claims {
		c := &r.Claims[i]
		if h := or(c.HeaderNumber, "1"); h != hdr {
			w.Seg("LX", h)
			hdr = h
		}
		claim(w, c)
	}
	plb(w, r.Adjustments)
	return w.End(), nil
}

func addr(w *setkit.Writer, a *Address) {
	w.Seg("N3", a.Line1, a.Line2)
	w.Seg("N4", a.City, a.State, a.Zip)
}

func claim(w *setkit.Writer, c *ClaimPayment) {
	resp := ""
	if c.PatientResponsibility != 0 {
		resp = c.PatientResponsibility.String()
	}
	w.Seg("CLP", c.PatientControlNumber, c.Status, c.Charge.String(), c.Paid.String(), resp, c.FilingCode,
		c.PayerControlNumber, c.FacilityType, c.Frequency, "", c.DRG)
	cas(w, c.Adjustments)
	name(w, "QC", &c.Patient)
	if c.Insured != nil {
		name(w, "IL", c.Insured)
	}
	if c.Rendering != nil {
		name(w, "82", c.Rendering)
	}
	if c.CrossoverCarrier != nil {
		name(w, "TT", c.CrossoverCarrier)
	}
	if len(c.Remarks) > 0 {
		moa := []string{"", ""}
		moa = append(moa, c.Remarks[:min(len(c.Remarks), 5)]...) // MOA03..MOA07
		w.Seg("MOA", moa...)
	}
	if c.GroupNumber != "" {
		w.Seg("REF", "1L", c.GroupNumber)
	}
	if c.MedicalRecordNumber != "" {
		w.Seg("REF", "EA", c.MedicalRecordNumber)
	}
	if c.StatementFrom != "" {
		w.Seg("DTM", "232", c.StatementFrom)
	}
	if c.StatementTo != "" {
		w.Seg("DTM", "233", c.StatementTo)
	}
	if c.ReceivedDate != "" {
		w.Seg("DTM", "050", c.ReceivedDate)
	}
	for _, a := range c.Amounts {
		w.Seg("AMT", a.Qualifier, a.Amount.String())
	}
	for i := range c.Lines {
		line(w, &c.Lines[i])
	}
}

func name(w *setkit.Writer, code string, p *Person) {
	w.Seg("NM1", code, setkit.Or(p.EntityType, "1"), p.LastName, p.FirstName, p.MiddleName, "", "", p.IDQual, p.ID)
}

func line(w *setkit.Writer, l *LinePayment) {
	proc := append([]string{setkit.Or(l.ProcedureQual, "HC"), l.Procedure}, l.Modifiers...)
	sub := ""
	if l.Submitted != "" {
		sub = w.C(setkit.Or(l.SubmittedQual, "HC"), l.Submitted)
	}
	w.Seg("SVC", w.C(proc...), l.Charge.String(), l.Paid.String(), l.RevenueCode, l.Units, sub, l.SubmittedUnits)
	if l.ServiceDate != "" {
		w.Seg("DTM", "472", l.ServiceDate)
	}
	if l.ServiceFrom != "" {
		w.Seg("DTM", "150", l.ServiceFrom)
	}
	if l.ServiceTo != "" {
		w.Seg("DTM", "151", l.ServiceTo)
	}
	cas(w, l.Adjustments)
	if l.LineControl != "" {
		w.Seg("REF", "6R", l.LineControl)
	}
	if l.HasAllowed {
		w.Seg("AMT", "B6", l.Allowed.String())
	}
	for _, r := range l.Remarks {
		w.Seg("LQ", "HE", r)
	}
}

// cas writes adjustments, one CAS per run of the same group with at most
// six reason triplets each.
func cas(w *setkit.Writer, as []Adjustment) {
	for i := 0; i < len(as); {
		g := as[i].Group
		el := []string{g}
		n := 0
		for ; i < len(as) && as[i].Group == g && n < 6; i, n = i+1, n+1 {
			el = append(el, as[i].Reason, as[i].Amount.String(), as[i].Quantity)
		}
		w.Seg("CAS", el...)
	}
}

// plb writes provider adjustments, one PLB per run of the same provider and
// fiscal period with at most six adjustments each.
func plb(w *setkit.Writer, as []ProviderAdjustment) {
	for i := 0; i < len(as); {
		p, fp := as[i].ProviderID, as[i].FiscalPeriod
		el := []string{p, fp}
		n := 0
		for ; i < len(as) && as[i].ProviderID == p && as[i].FiscalPeriod == fp && n < 6; i, n = i+1, n+1 {
			el = append(el, w.C(as[i].Reason, as[i].Reference), as[i].Amount.String())
		}
		w.Seg("PLB", el...)
	}
}

var _ = strconv.Itoa
