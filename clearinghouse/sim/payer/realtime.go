package payer

import (
	"bytes"
	"strconv"
	"strings"

	"github.com/claimflow/claimflow/clearinghouse"
	"github.com/claimflow/claimflow/clearinghouse/sim"
	"github.com/claimflow/claimflow/edi"
	"github.com/claimflow/claimflow/edi/eligibility"
)

// accepted parses body when every interchange, group and set in it
// passes validation.
func accepted(body []byte) ([]*edi.Interchange, bool) {
	rep, err := edi.ValidateBytes(body, nil)
	if err != nil || rep == nil || len(rep.Interchanges) == 0 {
		return nil, false
	}
	for _, ic := range rep.Interchanges {
		if len(ic.Errors) > 0 {
			return nil, false
		}
		for _, g := range ic.Groups {
			if a := g.Ack(); a != "A" && a != "E" {
				return nil, false
			}
		}
	}
	ics, err := edi.ParseBytes(body)
	return ics, err == nil && len(ics) > 0
}

func (a *Adjudicator) realTime(payloadType string, body []byte) (sim.RealTimeReply, bool) {
	switch payloadType {
	case clearinghouse.PayloadType270:
		ics, ok := accepted(body)
		if !ok {
			return sim.RealTimeReply{}, false
		}
		a.mu.Lock()
		defer a.mu.Unlock()
		b, ok := a.answer270(ics)
		return sim.RealTimeReply{PayloadType: clearinghouse.PayloadType271, Payload: b}, ok
	case clearinghouse.PayloadType276:
		ics, ok := accepted(body)
		if !ok {
			return sim.RealTimeReply{}, false
		}
		a.mu.Lock()
		defer a.mu.Unlock()
		b, ok := a.answer276(ics)
		return sim.RealTimeReply{PayloadType: clearinghouse.PayloadType277, Payload: b}, ok
	case clearinghouse.PayloadType278:
		ics, ok := accepted(body)
		if !ok {
			return sim.RealTimeReply{}, false
		}
		a.mu.Lock()
		defer a.mu.Unlock()
		b, ok := a.answer278(ics)
		return sim.RealTimeReply{PayloadType: clearinghouse.PayloadType278Response, Payload: b}, ok
	}
	return sim.RealTimeReply{}, false
}

// answer270 builds one 271 interchange per 270 interchange. Called with
// a.mu held.
func (a *Adjudicator) answer270(ics []*edi.Interchange) ([]byte, bool) {
	var buf bytes.Buffer
	for _, ic := range ics {
		reqs, err := eligibility.ReadAll([]*edi.Interchange{ic})
		if err != nil {
			return nil, false
		}
		var resps []*eligibility.Transaction
		for _, req := range reqs {
			resps = append(resps, a.respond271(req))
		}
		if len(resps) == 0 {
			continue
		}
		a.st.Seq.Interchange++
		now := a.now().UTC()
		env := eligibility.Envelope{SenderID: a.id(), ReceiverQual: ic.ISA.El(5), ReceiverID: strings.TrimSpace(ic.ISA.El(6)),
			AppReceiver: ic.Groups[0].GS.El(2), Usage: ic.ISA.El(15), Time: now, Newline: "\n",
			Control: edi.Control{Interchange: 800000000 + a.st.Seq.Interchange, Group: a.st.Seq.Interchange, Set: 1}}
		out, err := eligibility.BuildResponse(env, resps...)
		if err != nil {
			a.log.Error("payer: build 271", "err", err.Error())
			return nil, false
		}
		_ = edi.Write(&buf, out)
	}
	return buf.Bytes(), buf.Len() > 0
}

// percent formats a whole percentage as an X12 fraction: 20 → ".2".
func percent(p int) string {
	if p >= 100 {
		return "1"
	}
	s := strings.TrimRight("."+pad(p, 2), "0")
	if s == "." {
		return "0"
	}
	return s
}

// respond271 answers one 270 from the roster. Called with a.mu held.
func (a *Adjudicator) respond271(req *eligibility.Transaction) *eligibility.Transaction {
	now := a.now().UTC()
	resp := &eligibility.Transaction{Purpose: "11", Reference: req.Reference, Date: now.Format("20060102"), Time: now.Format("1504"),
		Source: req.Source, Receiver: req.Receiver}
	echo := func(m *eligibility.Member) eligibility.Member {
		out := eligibility.Member{LastName: m.LastName, FirstName: m.FirstName, MiddleName: m.MiddleName, MemberID: m.MemberID,
			BirthDate: m.BirthDate, Gender: m.Gender, Relationship: m.Relationship}
		for _, t := range m.Traces {
			t.Type = "2"
			out.Traces = append(out.Traces, t)
		}
		return out
	}
	for i := range req.Subscribers {
		sb := &req.Subscribers[i]
		out := eligibility.Subscriber{Member: echo(&sb.Member)}
		patient := &out.Member
		if len(sb.Dependents) > 0 {
			out.Dependents = []eligibility.Member{echo(&sb.Dependents[0])}
			patient = &out.Dependents[0]
		}
		m, known := a.cfg.Members[sb.MemberID]
		switch {
		case sb.MemberID == "" || (known && m.Status == "invalid"):
			out.Member.Rejections = []eligibility.Rejection{{Valid: "N", Reason: "72", FollowUp: "C"}}
		case !known:
			out.Member.Rejections = []eligibility.Rejection{{Valid: "N", Reason: "75", FollowUp: "C"}}
		default:
			out.Member.GroupNumber = m.GroupNumber
			if m.PlanBegin != "" {
				patient.DateQual, patient.Date, patient.DateTo = "291", m.PlanBegin, m.PlanEnd
			}
			patient.Benefits = a.benefits(sb.MemberID, &m)
		}
		resp.Subscribers = append(resp.Subscribers, out)
	}
	return resp
}

func (a *Adjudicator) benefits(id string, m *Member) []eligibility.Benefit {
	st := []string{"30"}
	if m.Status == "inactive" {
		return []eligibility.Benefit{{Code: eligibility.InactiveCoverage, CoverageLevel: "IND", ServiceTypes: st, PlanDescription: m.Plan}}
	}
	amt := func(v Money) *Money { return &v }
	acc := a.accum(id)
	ded, dedLeft := Money(m.Deductible), acc.Deductible
	oop, oopLeft := Money(m.OutOfPocket), acc.OOP
	bs := []eligibility.Benefit{
		{Code: eligibility.ActiveCoverage, CoverageLevel: "IND", ServiceTypes: st, InsuranceType: "C1", PlanDescription: m.Plan},
		{Code: eligibility.Deductible, CoverageLevel: "IND", ServiceTypes: st, TimePeriod: "23", Amount: amt(ded), InNetwork: "Y"},
		{Code: eligibility.Deductible, CoverageLevel: "IND", ServiceTypes: st, TimePeriod: "29", Amount: amt(dedLeft), InNetwork: "Y"},
		{Code: eligibility.OutOfPocket, CoverageLevel: "IND", ServiceTypes: st, TimePeriod: "23", Amount: amt(oop), InNetwork: "Y"},
		{Code: eligibility.OutOfPocket, CoverageLevel: "IND", ServiceTypes: st, TimePeriod: "29", Amount: amt(oopLeft), InNetwork: "Y"},
	}
	if m.Copay > 0 {
		bs = append(bs, eligibility.Benefit{Code: eligibility.CoPayment, CoverageLevel: "IND", ServiceTypes: st, TimePeriod: "27",
			Amount: amt(Money(m.Copay)), InNetwork: "Y"})
	}
	bs = append(bs, eligibility.Benefit{Code: eligibility.CoInsurance, CoverageLevel: "IND", ServiceTypes: st, TimePeriod: "27",
		Percent: percent(m.CoinsurancePercent), InNetwork: "Y"})
	if c := m.CoveredPercent; c > 0 && c < 100 {
		bs = append(bs, eligibility.Benefit{Code: eligibility.Limitations, ServiceTypes: st,
			Messages: []string{"PARTIAL COVERAGE " + strconv.Itoa(c) + " PERCENT"}})
	}
	return bs
}
