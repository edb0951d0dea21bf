package payer

import (
	"bytes"
	"strings"

	"github.com/claimflow/claimflow/edi"
	"github.com/claimflow/claimflow/edi/claimstatus"
)

// answer276 answers 276 status inquiries with 277s from what the
// simulator remembers. A claim is found by its payer claim control
// number (REF*1K) or patient control number (REF*EJ, then TRN02) and the
// payer ID of the inquiry; the latest record wins. Statuses: F1:65 paid
// (with amount, date and trace), F2:1 denied (see the 835), P1:20
// accepted and waiting for adjudication, F3:1 voided (F3:0 replaced
// before its 835), the 277CA's rejection for a rejected claim, A4:35 not
// found. Called with a.mu held.
func (a *Adjudicator) answer276(ics []*edi.Interchange) ([]byte, bool) {
	var buf bytes.Buffer
	for _, ic := range ics {
		reqs, err := claimstatus.ReadAll([]*edi.Interchange{ic})
		if err != nil {
			return nil, false
		}
		var resps []*claimstatus.Transaction
		for _, req := range reqs {
			resps = append(resps, a.respond277(req))
		}
		if len(resps) == 0 {
			continue
		}
		a.st.Seq.Interchange++
		env := claimstatus.Envelope{SenderID: a.id(), ReceiverQual: ic.ISA.El(5), ReceiverID: strings.TrimSpace(ic.ISA.El(6)),
			AppReceiver: ic.Groups[0].GS.El(2), Usage: ic.ISA.El(15), Time: a.now().UTC(), Newline: "\n",
			Control: edi.Control{Interchange: 800000000 + a.st.Seq.Interchange, Group: a.st.Seq.Interchange, Set: 1}}
		out, err := claimstatus.BuildResponse(env, resps...)
		if err != nil {
			a.log.Error("payer: build 277", "err", err.Error())
			return nil, false
		}
		_ = edi.Write(&buf, out)
	}
	return buf.Bytes(), buf.Len() > 0
}

// find returns the latest record for a claim of an inquiry. Called with
// a.mu held.
func (a *Adjudicator) find(payerID string, c *claimstatus.Claim) *ClaimRecord {
	for i := len(a.st.Claims) - 1; i >= 0; i-- {
		r := a.st.Claims[i]
		if payerID != "" && r.PayerID != payerID {
			continue
		}
		switch {
		case c.PayerClaimControl != "" && r.PayerClaimControl == c.PayerClaimControl,
			c.PayerClaimControl == "" && c.PatientControlNumber != "" && r.PatientControlNumber == c.PatientControlNumber,
			c.PayerClaimControl == "" && c.PatientControlNumber == "" && r.PatientControlNumber == c.Trace:
			return r
		}
	}
	return nil
}

func (a *Adjudicator) respond277(req *claimstatus.Transaction) *claimstatus.Transaction {
	now := a.now().UTC()
	date := now.Format("20060102")
	resp := &claimstatus.Transaction{Reference: req.Reference, Date: date, Time: now.Format("1504"), Payer: req.Payer, Receiver: req.Receiver}
	answer := func(c claimstatus.Claim) claimstatus.Claim {
		out := claimstatus.Claim{Trace: c.Trace, PatientControlNumber: c.PatientControlNumber, PayerClaimControl: c.PayerClaimControl,
			ServiceFrom: c.ServiceFrom, ServiceTo: c.ServiceTo}
		r := a.find(req.Payer.ID, &c)
		if r == nil {
			out.Status = []claimstatus.Status{{Category: "A4", Code: "35", Date: date}}
			return out
		}
		out.PatientControlNumber, out.PayerClaimControl = r.PatientControlNumber, r.PayerClaimControl
		out.ServiceFrom, out.ServiceTo = r.ServiceFrom, r.ServiceTo
		if out.ServiceTo == out.ServiceFrom {
			out.ServiceTo = ""
		}
		st := claimstatus.Status{Date: date, Charge: r.Charge}
		switch r.State {
		case Rejected:
			st = r.Ack
			st.Action, st.Message = "", ""
		case Pending:
			st.Category, st.Code = "P1", "20"
		case Paid:
			st.Category, st.Code, st.Paid, st.PaidDate, st.Check = "F1", "65", r.Payment.Paid, r.PaidDate, r.Trace
		case Denied:
			st.Category, st.Code, st.PaidDate, st.Check = "F2", "1", r.PaidDate, r.Trace
		case Voided:
			st.Category, st.Code, st.PaidDate, st.Check = "F3", "1", r.PaidDate, r.Trace
		case Replaced:
			st.Category, st.Code = "F3", "0"
		}
		out.Status = []claimstatus.Status{st}
		return out
	}
	for _, p := range req.Providers {
		rp := claimstatus.Provider{Party: p.Party}
		for _, sb := range p.Subscribers {
			rs := claimstatus.Subscriber{Person: claimstatus.Person{LastName: sb.LastName, FirstName: sb.FirstName, MiddleName: sb.MiddleName, MemberID: sb.MemberID}}
			for _, c := range sb.Claims {
				rs.Claims = append(rs.Claims, answer(c))
			}
			for _, d := range sb.Dependents {
				rd := claimstatus.Dependent{Person: claimstatus.Person{LastName: d.LastName, FirstName: d.FirstName, MiddleName: d.MiddleName, MemberID: d.MemberID}}
				for _, c := range d.Claims {
					rd.Claims = append(rd.Claims, answer(c))
				}
				rs.Dependents = append(rs.Dependents, rd)
			}
			rp.Subscribers = append(rp.Subscribers, rs)
		}
		resp.Providers = append(resp.Providers, rp)
	}
	return resp
}
