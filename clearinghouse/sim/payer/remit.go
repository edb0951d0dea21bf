package payer

import (
	"bytes"
	"time"

	"github.com/claimflow/claimflow/clearinghouse/sim"
	"github.com/claimflow/claimflow/edi"
	"github.com/claimflow/claimflow/edi/x835"
)

// Due builds the 835s of every claim whose delay has passed by now (one
// per user, payer and payee) and returns them with any built earlier and
// not yet reported Sent. Each 835 is built once: its bytes are saved in
// the state file before it is returned.
func (a *Adjudicator) Due(now time.Time) []sim.Scheduled {
	a.mu.Lock()
	defer a.mu.Unlock()
	type groupKey struct{ user, payerID, payerName, payee, sub string }
	groups := map[groupKey][]*ClaimRecord{}
	var order []groupKey
	for _, r := range a.st.Claims {
		if r.State != Pending || r.Due.After(now) {
			continue
		}
		k := groupKey{r.User, r.PayerID, r.PayerName, r.Payee.ID, r.SubmitterID}
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], r)
	}
	changed := false
	for _, k := range order {
		f, err := a.remit(groups[k], now)
		if err != nil {
			a.log.Error("payer: build 835", "err", err.Error())
			continue
		}
		a.st.Outbox = append(a.st.Outbox, f)
		changed = true
	}
	if changed {
		if err := a.st.save(a.file); err != nil {
			a.log.Error("payer: save state", "err", err.Error())
		}
	}
	out := make([]sim.Scheduled, len(a.st.Outbox))
	for i, f := range a.st.Outbox {
		out[i] = sim.Scheduled{User: f.User, File: sim.OutboundFile{Name: f.Name, Body: f.Body}}
	}
	return out
}

// Flush is Due followed by Sent: it returns the files due and forgets
// them, for callers that deliver by themselves.
func (a *Adjudicator) Flush(now time.Time) []sim.Scheduled {
	files := a.Due(now)
	a.Sent(files)
	return files
}

// Sent forgets delivered 835s.
func (a *Adjudicator) Sent(files []sim.Scheduled) {
	a.mu.Lock()
	defer a.mu.Unlock()
	sent := map[string]bool{}
	for _, f := range files {
		sent[f.User+"\x00"+f.File.Name] = true
	}
	kept := a.st.Outbox[:0]
	for _, f := range a.st.Outbox {
		if !sent[f.User+"\x00"+f.Name] {
			kept = append(kept, f)
		}
	}
	if len(kept) == len(a.st.Outbox) {
		return
	}
	a.st.Outbox = kept
	if err := a.st.save(a.file); err != nil {
		a.log.Error("payer: save state", "err", err.Error())
	}
}

// remit builds one 835 for claims of one user, payer and payee and marks
// them paid or denied. Called with a.mu held.
func (a *Adjudicator) remit(recs []*ClaimRecord, now time.Time) (outFile, error) {
	now = now.UTC()
	date := now.Format("20060102")
	first := recs[0]
	a.st.Seq.Trace++
	trace := or(a.cfg.Payer.TracePrefix, "SIMEFT") + pad(a.st.Seq.Trace, 9)
	p := a.cfg.Payer
	r := &x835.Remittance{
		Trace:          x835.Trace{Type: "1", Number: trace, OriginatorID: a.cfg.payerTIN()},
		ProductionDate: date,
		Payer: x835.Payer{Name: first.PayerName, Address: x835.Address{Line1: or(p.Address.Line1, "1 PAYER WAY"),
			City: or(p.Address.City, "ANYTOWN"), State: or(p.Address.State, "NY"), Zip: or(p.Address.Zip, "100010000")},
			PayerID: first.PayerID, TechnicalContact: or(p.Contact, "EDI SUPPORT"), Phone: p.Phone},
		Payee: first.Payee,
	}
	var paid Money
	for _, rec := range recs {
		for _, cp := range []*x835.ClaimPayment{rec.Reversal, rec.Payment} {
			if cp != nil {
				r.Claims = append(r.Claims, *cp)
				paid += cp.Paid
			}
		}
	}
	a.st.Remits++
	var plb Money
	for _, rule := range a.cfg.ProviderAdjustments {
		if a.st.Remits%rule.Every != 0 || paid-plb-Money(rule.Amount) < 0 {
			continue
		}
		plb += Money(rule.Amount)
		r.Adjustments = append(r.Adjustments, x835.ProviderAdjustment{ProviderID: first.Payee.ID,
			FiscalPeriod: now.Format("2006") + "1231", Reason: rule.Reason, Reference: rule.Reference, Amount: Money(rule.Amount)})
	}
	if paid-plb < 0 {
		// Reversals exceed payments: the debt is carried forward (a
		// negative FB), so the payment is zero.
		fb := paid - plb
		plb += fb
		r.Adjustments = append(r.Adjustments, x835.ProviderAdjustment{ProviderID: first.Payee.ID,
			FiscalPeriod: now.Format("2006") + "1231", Reason: "FB", Reference: trace, Amount: fb})
	}
	amount := paid - plb
	if amount > 0 {
		r.Payment = x835.Payment{Handling: "I", Amount: amount, CreditDebit: "C", Method: "ACH", Format: "CCP",
			SenderDFIQual: "01", SenderDFI: "999999992", SenderAcctQual: "DA", SenderAccount: "000000001",
			OriginatorID: a.cfg.payerTIN(), ReceiverDFIQual: "01", ReceiverDFI: "999999992", ReceiverAcctQual: "DA",
			ReceiverAccount: "000000002", EffectiveDate: date}
	} else {
		r.Payment = x835.Payment{Handling: "H", Amount: 0, CreditDebit: "C", Method: "NON", EffectiveDate: date}
	}
	if im := r.Balance(); im != nil {
		return outFile{}, im[0]
	}
	a.st.Seq.Interchange++
	env := x835.Envelope{SenderID: a.id(), ReceiverQual: first.SubmitterQual, ReceiverID: first.SubmitterID,
		AppReceiver: first.AppID, Usage: first.Usage, Time: now, Newline: "\n",
		Control: edi.Control{Interchange: 800000000 + a.st.Seq.Interchange, Group: a.st.Seq.Interchange, Set: 1}}
	ic, err := x835.Build(env, r)
	if err != nil {
		return outFile{}, err
	}
	var buf bytes.Buffer
	if err := edi.Write(&buf, ic); err != nil {
		return outFile{}, err
	}
	// Never emit an 835 our own validator or balancing rejects: the claims
	// stay pending and the error is logged on every tick.
	rep, err := x835.Validate(buf.Bytes(), nil)
	if err != nil {
		return outFile{}, err
	}
	if len(rep.Errors) > 0 {
		return outFile{}, rep.Errors[0]
	}
	name := trace + ".835"
	for _, rec := range recs {
		switch rec.Payment.Status {
		case "4":
			rec.State = Denied
		case "22":
			rec.State = Voided
		default:
			rec.State = Paid
		}
		rec.Trace, rec.PaidDate, rec.File = trace, date, name
	}
	return outFile{User: first.User, Name: name, Body: buf.Bytes()}, nil
}
