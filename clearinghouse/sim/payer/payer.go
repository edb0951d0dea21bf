// Package payer is the adjudicating responder of the clearinghouse
// simulator: it answers like a clearinghouse and a payer behind it. Each
// uploaded 837 (professional, institutional or dental) gets the
// acknowledgments of sim.AckResponder (a TA1 for a broken envelope, a 999
// from the project's validator), then a 277CA per accepted transaction set
// (every claim accepted with a payer claim control number, or rejected for
// an unknown member, a missing element the payer requires or a service
// line it will not take, reported in loop 2220D), and after a configured
// delay an 835 adjudicated by deterministic rules, the same for every
// claim type: a fee schedule (by procedure, CDT or revenue code; per claim
// for an 837I carrying a listed DRG) (CO-45), deductible, co-insurance
// and co-pay (PR-1, PR-2, PR-3), partial coverage, denials keyed by what
// the claim carries (CO-16, CO-50, CO-97, CO-197..., with RARCs), timely
// filing (CO-29), inactive coverage (CO-27) and duplicates (CO-18). One
// 835 pays every claim due for the same user, payer and payee, now and
// then with a PLB. Real-time 270s are answered with 271s from the member
// roster. What it adjudicated is kept in a JSON state file, so a restarted
// simulator neither pays a claim twice nor builds an 835 twice.
package payer

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/claimflow/claimflow/clearinghouse/sim"
	"github.com/claimflow/claimflow/edi"
	"github.com/claimflow/claimflow/edi/claim837"
	"github.com/claimflow/claimflow/edi/x277ca"
	"github.com/claimflow/claimflow/edi/x835"
	"github.com/claimflow/claimflow/edi/x837d"
	"github.com/claimflow/claimflow/edi/x837i"
	"github.com/claimflow/claimflow/edi/x837p"
)

// Options configure an Adjudicator.
type Options struct {
	// Ack answers with TA1 and 999 (default: an AckResponder with ID
	// CLAIMFLOWSIM). Its ID is the sender of every answer.
	Ack *sim.AckResponder
	// StateFile keeps the adjudication state across restarts; empty keeps
	// it in memory only.
	StateFile string
	// Now is the clock for receipt dates and due times (default time.Now).
	Now func() time.Time
	Log *slog.Logger
}

// Adjudicator is a sim.Responder and sim.Scheduler.
type Adjudicator struct {
	cfg  *Config
	ack  *sim.AckResponder
	file string
	now  func() time.Time
	log  *slog.Logger

	mu    sync.Mutex
	st    *state
	index map[string]*ClaimRecord // latest record by claim key
	// pended holds the 278 reviews pended once, by trace number (in
	// memory: after a restart a follow-up is pended again, then approved).
	pended map[string]bool
}

var (
	_ sim.Responder = (*Adjudicator)(nil)
	_ sim.Scheduler = (*Adjudicator)(nil)
)

// New loads the state file, if any, and returns the adjudicator.
func New(cfg *Config, opts Options) (*Adjudicator, error) {
	if cfg == nil {
		return nil, errors.New("payer: no configuration")
	}
	if err := cfg.check(); err != nil {
		return nil, err
	}
	a := &Adjudicator{cfg: cfg, ack: opts.Ack, file: opts.StateFile, now: opts.Now, log: opts.Log, index: map[string]*ClaimRecord{}}
	if a.ack == nil {
		a.ack = &sim.AckResponder{}
	}
	if a.now == nil {
		a.now = time.Now
	}
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	st, err := loadState(opts.StateFile)
	if err != nil {
		return nil, err
	}
	a.st = st
	for _, r := range st.Claims {
		a.index[claimKey(r.User, r.PayerID, r.PatientControlNumber)] = r
	}
	return a, nil
}

func (a *Adjudicator) id() string { return or(a.ack.ID, "CLAIMFLOWSIM") }

func claimKey(user, payerID, pcn string) string { return user + "\x00" + payerID + "\x00" + pcn }

// Claims returns a copy of every claim record, in order of receipt.
func (a *Adjudicator) Claims() []ClaimRecord {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := make([]ClaimRecord, len(a.st.Claims))
	for i, r := range a.st.Claims {
		out[i] = *r
	}
	return out
}

// Claim returns the latest record of a claim by user, payer ID and
// patient control number.
func (a *Adjudicator) Claim(user, payerID, pcn string) (ClaimRecord, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	r, ok := a.index[claimKey(user, payerID, pcn)]
	if !ok {
		return ClaimRecord{}, false
	}
	return *r, true
}

// OnUpload answers an upload: the TA1/999 of the AckResponder, then one
// 277CA file for the accepted 837P, 837I and 837D transaction sets. The accepted claims
// are adjudicated now and wait for their 835 until Due.
func (a *Adjudicator) OnUpload(ctx context.Context, user, name string, body []byte) []sim.OutboundFile {
	out := a.ack.OnUpload(ctx, user, name, body)
	rep, err := edi.ValidateBytes(body, nil)
	if err != nil || rep == nil {
		return out
	}
	ics, err := edi.ParseBytes(body)
	if err != nil || len(ics) != len(rep.Interchanges) {
		return out
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	var ca, r271, r277 bytes.Buffer
	last := ""
	for i, ic := range ics {
		res := rep.Interchanges[i]
		if len(res.Errors) > 0 || len(res.Groups) != len(ic.Groups) {
			continue // rejected by the TA1
		}
		var acks []*x277ca.Acknowledgment
		inq270, inq276 := &subset{from: ic}, &subset{from: ic}
		for j, g := range ic.Groups {
			gr := res.Groups[j]
			if len(gr.Errors) > 0 || len(gr.Sets) != len(g.Sets) {
				continue
			}
			for k, t := range g.Sets {
				if ack := gr.Sets[k].Ack(); ack != "A" && ack != "E" {
					continue
				}
				switch t.ST().El(1) {
				case "270":
					inq270.add(g, t)
					continue
				case "276":
					inq276.add(g, t)
					continue
				}
				if t.ST().El(1) != "837" {
					continue
				}
				if b := read837(or(t.ST().El(3), g.GS.El(8)), t, ic.Delims); b != nil {
					acks = append(acks, a.acknowledge(user, ic, g, b))
				}
			}
		}
		if inq270.ic != nil {
			if b, ok := a.answer270([]*edi.Interchange{inq270.ic}); ok {
				r271.Write(b)
			}
		}
		if inq276.ic != nil {
			if b, ok := a.answer276([]*edi.Interchange{inq276.ic}); ok {
				r277.Write(b)
			}
		}
		if len(acks) == 0 {
			continue
		}
		a.st.Seq.Interchange++
		env := x277ca.Envelope{SenderID: a.id(), ReceiverQual: ic.ISA.El(5), ReceiverID: strings.TrimSpace(ic.ISA.El(6)),
			AppReceiver: ic.Groups[0].GS.El(2), Usage: ic.ISA.El(15), Time: a.now().UTC(), Newline: "\n",
			Control: edi.Control{Interchange: 800000000 + a.st.Seq.Interchange, Group: a.st.Seq.Interchange, Set: 1}}
		built, err := x277ca.Build(env, acks...)
		if err != nil {
			a.log.Error("payer: build 277CA", "err", err.Error())
			continue
		}
		_ = edi.Write(&ca, built)
		last = built.ISA.El(13)
	}
	if err := a.st.save(a.file); err != nil {
		a.log.Error("payer: save state", "err", err.Error())
	}
	base := strings.TrimSuffix(path.Base(name), path.Ext(name))
	for _, f := range []struct {
		kind string
		b    *bytes.Buffer
	}{{"277ca", &ca}, {"271", &r271}, {"277", &r277}} {
		if f.b.Len() > 0 {
			out = append(out, sim.OutboundFile{Name: base + "." + f.kind + "." + ctlOf(f.b.Bytes(), last), Body: f.b.Bytes()})
		}
	}
	return out
}

// subset is a copy of an interchange holding some of its sets.
type subset struct {
	from *edi.Interchange
	ic   *edi.Interchange
	src  *edi.Group // the group the last copied group came from
}

func (s *subset) add(g *edi.Group, t *edi.Transaction) {
	if s.ic == nil {
		s.ic = &edi.Interchange{Delims: s.from.Delims, ISA: s.from.ISA}
	}
	if s.src != g {
		s.ic.Groups = append(s.ic.Groups, &edi.Group{GS: g.GS})
		s.src = g
	}
	last := s.ic.Groups[len(s.ic.Groups)-1]
	last.Sets = append(last.Sets, t)
}

// ctlOf returns the ISA13 of the last interchange in b, or def.
func ctlOf(b []byte, def string) string {
	ics, err := edi.ParseBytes(b)
	if err != nil || len(ics) == 0 {
		return def
	}
	return ics[len(ics)-1].ISA.El(13)
}

// read837 reads an 837P, 837I or 837D transaction set by its guide into
// the payer's model; nil for another guide or an unreadable set.
func read837(guide string, t *edi.Transaction, d edi.Delimiters) *batch {
	switch guide {
	case x837p.Guide:
		if tx, err := x837p.Read(t, d); err == nil {
			return fromProfessional(tx)
		}
	case x837i.Guide, x837d.Guide:
		k := claim837.Institutional
		if guide == x837d.Guide {
			k = claim837.Dental
		}
		if tx, err := claim837.Read(k, t, d); err == nil {
			return fromClaim837(k, tx)
		}
	}
	return nil
}

// acknowledge checks and records every claim of one 837 and returns its
// 277CA. Called with a.mu held.
func (a *Adjudicator) acknowledge(user string, ic *edi.Interchange, g *edi.Group, tx *batch) *x277ca.Acknowledgment {
	now := a.now().UTC()
	date := now.Format("20060102")
	a.st.Seq.Ack++
	ack := &x277ca.Acknowledgment{
		Reference: "CA" + pad(a.st.Seq.Ack, 9), Date: date, Time: now.Format("1504"),
		Source: x277ca.Party{EntityType: "2", Name: or(tx.receiverName, a.cfg.Payer.Name), IDQual: "46", ID: or(tx.receiverID, a.id())},
		Trace:  "RCPT" + pad(a.st.Seq.Ack, 9), ReceiptDate: date, ProcessDate: date,
	}
	rcv := x277ca.Receiver{
		Party: x277ca.Party{EntityType: "2", Name: tx.submitterName, IDQual: "46", ID: tx.submitterID},
		Trace: or(tx.reference, "0"),
	}
	var accN, rejN int
	var accAmt, rejAmt, total Money
	for _, bp := range tx.billing {
		prov := x277ca.Provider{Party: x277ca.Party{EntityType: or(bp.entityType, "2"), Name: bp.name, FirstName: bp.firstName, IDQual: "XX", ID: bp.npi}}
		for _, in := range bp.claims {
			rec := a.record(user, ic, g, in, now)
			ca := x277ca.ClaimAck{
				Patient:              x277ca.Party{Name: in.sb.lastName, FirstName: in.sb.firstName, IDQual: "MI", ID: in.sb.memberID},
				PatientControlNumber: in.pcn, Status: []x277ca.Status{rec.Ack}, Lines: rec.AckLines, BillType: in.billType,
				PayerClaimControl: rec.PayerClaimControl, ServiceFrom: rec.ServiceFrom, ServiceTo: rec.ServiceTo,
			}
			if in.pt != nil {
				ca.Patient.Name, ca.Patient.FirstName = in.pt.lastName, in.pt.firstName
			}
			if ca.Patient.ID == "" {
				// The 837 may omit the subscriber's ID (2010BA NM108/NM109
				// are situational), but the 277CA's 2100D NM109 is
				// required. Such a claim is rejected A3:33 (member not
				// found, see adjudicate.go), and the acknowledgment echoes
				// the claim's own control number so the provider can match
				// it (the claim is also named in 2200D TRN02).
				ca.Patient.ID = in.pcn
			}
			total += rec.Charge
			if rec.State == Rejected {
				rejN++
				rejAmt += rec.Charge
			} else {
				accN++
				accAmt += rec.Charge
			}
			prov.Claims = append(prov.Claims, ca)
		}
		if len(prov.Claims) > 0 {
			rcv.Providers = append(rcv.Providers, prov)
		}
	}
	rcv.Status = []x277ca.Status{{Category: "A1", Code: "19", Entity: "PR", Date: date, Action: "WQ", Charge: total}}
	rcv.Totals = x277ca.Totals{AcceptedCount: strconv.Itoa(accN), RejectedCount: strconv.Itoa(rejN), AcceptedAmount: &accAmt, RejectedAmount: &rejAmt}
	ack.Receivers = []x277ca.Receiver{rcv}
	return ack
}

// record checks one claim on the front end, remembers it and, when
// accepted, adjudicates it.
func (a *Adjudicator) record(user string, ic *edi.Interchange, g *edi.Group, in *claimIn, now time.Time) *ClaimRecord {
	st, lines := a.frontEnd(in, now.Format("20060102"))
	bp, payee := in.bp, in.bp.address
	rec := &ClaimRecord{
		User: user, PatientControlNumber: in.pcn, PayerName: or(in.sb.payerName, a.cfg.Payer.Name), Type: in.kind.String(),
		PayerID: in.sb.payerID, MemberID: in.sb.memberID, Charge: in.charge, ServiceFrom: in.from, ServiceTo: in.to,
		Received: now, State: Rejected, Ack: st, AckLines: lines,
		SubmitterQual: ic.ISA.El(5), SubmitterID: strings.TrimSpace(ic.ISA.El(6)), AppID: g.GS.El(2), Usage: ic.ISA.El(15),
		Payee: x835.Payee{Name: bp.name, IDQual: "XX", ID: bp.npi, TaxID: bp.taxID, Address: &payee},
	}
	key := claimKey(user, rec.PayerID, rec.PatientControlNumber)
	prev := a.index[key]
	live := prev != nil && (prev.State == Pending || prev.State == Paid || prev.State == Denied)
	freq := in.frequency
	if !st.Rejected() && freq == "8" && (!live || prev.Payment == nil || prev.Payment.Status == "22") {
		rec.Ack = x277ca.Status{Category: "A7", Code: "21", Date: st.Date, Action: "U", Charge: st.Charge,
			Message: "NO ORIGINAL CLAIM TO VOID"}
	}
	var cross *ClaimRecord
	if !rec.Ack.Rejected() {
		a.st.Seq.Claim++
		rec.PayerClaimControl = or(a.cfg.Payer.ClaimControlPrefix, "SIMCLM") + pad(a.st.Seq.Claim, 10)
		rec.State, rec.Due = Pending, now.Add(time.Duration(a.cfg.Delay))
		acc := a.accum(rec.MemberID)
		replacing := live && (freq == "7" || freq == "8")
		if replacing {
			// The original's deductible and out-of-pocket come back; its
			// payment is either dropped (not yet remitted) or reversed in
			// this claim's 835.
			ded, oop := used(prev.Payment)
			acc.Deductible += ded
			if acc.OOPMax {
				acc.OOP += oop
			}
			switch prev.State {
			case Pending:
				prev.State = Replaced
			case Paid:
				rec.Reversal = reversal(prev.Payment)
			}
		}
		if freq == "8" {
			rec.Payment, rec.Reversal = rec.Reversal, nil
			if rec.Payment == nil {
				rec.State = Voided // nothing was paid, nothing to reverse
			}
		} else {
			cp := a.adjudicate(in, rec.PayerClaimControl, now, live && !replacing, &acc)
			cross = a.crossover(in, rec, &cp, now) // forwarded to the member's next payer (cob.go)
			rec.Payment = &cp
		}
		a.st.Deductibles[rec.MemberID] = acc.Deductible
		if acc.OOPMax {
			a.st.OutOfPocket[rec.MemberID] = acc.OOP
		}
	}
	a.st.Claims = append(a.st.Claims, rec)
	a.index[key] = rec
	if cross != nil {
		a.st.Claims = append(a.st.Claims, cross)
		a.index[claimKey(user, cross.PayerID, cross.PatientControlNumber)] = cross
	}
	return rec
}

// accum returns what remains of a member's deductible and out-of-pocket
// maximum (none when the roster gives no outOfPocket). Called with a.mu
// held.
func (a *Adjudicator) accum(member string) accum {
	m := a.cfg.Members[member]
	acc := accum{Deductible: Money(m.Deductible), OOP: Money(m.OutOfPocket), OOPMax: m.OutOfPocket > 0}
	if m.DeductibleRemaining != nil {
		acc.Deductible = Money(*m.DeductibleRemaining)
	}
	if m.OutOfPocketRemaining != nil {
		acc.OOP = Money(*m.OutOfPocketRemaining)
	}
	if d, ok := a.st.Deductibles[member]; ok {
		acc.Deductible = d
	}
	if o, ok := a.st.OutOfPocket[member]; ok {
		acc.OOP = o
	}
	return acc
}

// used sums the deductible (PR-1) and the out-of-pocket (PR-1, PR-2,
// PR-3) of a payment.
func used(cp *x835.ClaimPayment) (ded, oop Money) {
	if cp == nil || cp.Status == "22" {
		return 0, 0
	}
	adjs := slices.Clone(cp.Adjustments) // PR at the claim level: paid per DRG
	for _, l := range cp.Lines {
		adjs = append(adjs, l.Adjustments...)
	}
	for _, x := range adjs {
		if x.Group != "PR" {
			continue
		}
		switch x.Reason {
		case "1":
			ded += x.Amount
			oop += x.Amount
		case "2", "3":
			oop += x.Amount
		}
	}
	return ded, oop
}

// reversal is the claim payment that undoes cp (CLP02 22): every amount
// negated, the original's payer claim control number kept.
func reversal(cp *x835.ClaimPayment) *x835.ClaimPayment {
	r := *cp
	r.Status = "22"
	r.Charge, r.Paid, r.PatientResponsibility = -cp.Charge, -cp.Paid, -cp.PatientResponsibility
	neg := func(as []x835.Adjustment) []x835.Adjustment {
		out := make([]x835.Adjustment, len(as))
		for i, a := range as {
			a.Amount = -a.Amount
			out[i] = a
		}
		return out
	}
	r.Adjustments = neg(cp.Adjustments)
	r.Lines = make([]x835.LinePayment, len(cp.Lines))
	for i, l := range cp.Lines {
		l.Charge, l.Paid, l.Allowed = -l.Charge, -l.Paid, -l.Allowed
		l.Adjustments = neg(l.Adjustments)
		r.Lines[i] = l
	}
	return &r
}

// RealTime answers a 270 with a 271 (and a 276 with a 277 when the claim
// status package is available); anything else, or a request that fails
// validation, gets the AckResponder's 999 or TA1.
func (a *Adjudicator) RealTime(ctx context.Context, payloadType string, body []byte) (sim.RealTimeReply, error) {
	if reply, ok := a.realTime(payloadType, body); ok {
		return reply, nil
	}
	return a.ack.RealTime(ctx, payloadType, body)
}
