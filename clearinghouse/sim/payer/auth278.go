package payer

import (
	"bytes"
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
	"time"

	"github.com/claimflow/claimflow/edi"
	"github.com/claimflow/claimflow/edi/x278"
)

// AuthRule answers 278 prior authorization requests. A rule applies to a
// request when one of its procedures (a code, or a range "70010-76499" of
// codes of one shape) is requested and, when Members is set, the
// subscriber's member ID is listed. The first rule that applies decides;
// a request no rule covers is approved as asked.
type AuthRule struct {
	Name       string   `json:"name,omitempty"`
	Procedures []string `json:"procedures"`
	Members    []string `json:"members,omitempty"`
	// Action: "approve" (default, HCR01 A1 with an authorization number),
	// "deny" (A3 with Reason), "pend" (A4 on the first request, approved
	// when the same review, by its trace number, is asked again).
	Action string `json:"action,omitempty"`
	// Units caps the approved units (HSD02; default the requested units).
	Units int `json:"units,omitempty"`
	// Days caps the certified period from its first day (default the
	// requested period).
	Days int `json:"days,omitempty"`
	// Reason is HCR03 for a denial (default 35, "not medically necessary"
	// in the review decision reason codes).
	Reason string `json:"reason,omitempty"`
}

func (r *AuthRule) check(i int) error {
	if len(r.Procedures) == 0 {
		return fmt.Errorf("payer: authorization rule %d has no procedures", i+1)
	}
	switch r.Action {
	case "", "approve", "deny", "pend":
	default:
		return fmt.Errorf("payer: authorization rule %d: unknown action %q", i+1, r.Action)
	}
	return nil
}

func (r *AuthRule) covers(code, member string) bool {
	if len(r.Members) > 0 && !contains(r.Members, member) {
		return false
	}
	for _, p := range r.Procedures {
		from, to, ok := strings.Cut(p, "-")
		if !ok {
			to = from
		}
		if len(code) == len(from) && code >= from && code <= to {
			return true
		}
	}
	return false
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// SetAuthorizations replaces the 278 rules (tests and the operator).
func (a *Adjudicator) SetAuthorizations(rules []AuthRule) error {
	for i := range rules {
		if err := rules[i].check(i); err != nil {
			return err
		}
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.cfg.Authorizations = rules
	return nil
}

// answer278 builds one 278 response interchange per request interchange.
// Called with a.mu held.
func (a *Adjudicator) answer278(ics []*edi.Interchange) ([]byte, bool) {
	var buf bytes.Buffer
	for _, ic := range ics {
		reqs, err := x278.ReadAll([]*edi.Interchange{ic})
		if err != nil {
			return nil, false
		}
		var resps []*x278.Transaction
		for _, req := range reqs {
			resps = append(resps, a.respond278(req))
		}
		if len(resps) == 0 {
			continue
		}
		a.st.Seq.Interchange++
		now := a.now().UTC()
		env := x278.Envelope{SenderID: a.id(), ReceiverQual: ic.ISA.El(5), ReceiverID: strings.TrimSpace(ic.ISA.El(6)),
			AppReceiver: ic.Groups[0].GS.El(2), Usage: ic.ISA.El(15), Time: now, Newline: "\n",
			Control: edi.Control{Interchange: 800000000 + a.st.Seq.Interchange, Group: a.st.Seq.Interchange, Set: 1}}
		out, err := x278.BuildResponse(env, resps...)
		if err != nil {
			a.log.Error("payer: build 278 response", "err", err.Error())
			return nil, false
		}
		_ = edi.Write(&buf, out)
	}
	return buf.Bytes(), buf.Len() > 0
}

// authNumber is the authorization number of a review: stable for its
// trace number, so a repeated request gets the same one.
func authNumber(prefix, trace string) string {
	h := fnv.New32a()
	_, _ = h.Write([]byte(trace))
	return prefix + pad(int(h.Sum32()%1000000000), 9)
}

// respond278 answers one request. Called with a.mu held.
func (a *Adjudicator) respond278(req *x278.Transaction) *x278.Transaction {
	now := a.now().UTC()
	resp := *req
	resp.Purpose, resp.Date, resp.Time, resp.ControlNumber = x278.PurposeResponse, now.Format("20060102"), now.Format("1504"), ""
	resp.Requester.Taxonomy = ""
	ev := resp.Event
	ev.Messages = nil
	ev.Services = append([]x278.Service(nil), req.Event.Services...)
	resp.Event = ev
	resp.Subscriber.Rejections = nil
	m, known := a.cfg.Members[req.Subscriber.MemberID]
	if !known || m.Status == "invalid" {
		// AAA*N**75*C: subscriber not found; no review.
		resp.Subscriber.Rejections = []x278.Rejection{{Valid: "N", Reason: "75", FollowUp: "C"}}
		resp.Event.Services = nil
		return &resp
	}
	var rule *AuthRule
	for i := range a.cfg.Authorizations {
		r := &a.cfg.Authorizations[i]
		for _, sv := range req.Event.Services {
			if r.covers(sv.Procedure, req.Subscriber.MemberID) {
				rule = r
				break
			}
		}
		if rule != nil {
			break
		}
	}
	action := "approve"
	if rule != nil {
		action = or(rule.Action, "approve")
	}
	if a.pended == nil {
		a.pended = map[string]bool{}
	}
	if action == "pend" {
		if a.pended[req.Event.Trace] {
			action = "approve"
		} else {
			a.pended[req.Event.Trace] = true
		}
	}
	number := authNumber(or(a.cfg.Payer.ClaimControlPrefix, "AUTH")+"A", req.Event.Trace)
	for i := range resp.Event.Services {
		sv := &resp.Event.Services[i]
		sv.Messages = nil
		switch action {
		case "deny":
			sv.Decision = &x278.Decision{Action: x278.NotCertified, Reason: or(rule.Reason, "35")}
		case "pend":
			sv.Decision = &x278.Decision{Action: x278.Pended, Number: "P" + number}
		default:
			from, to := sv.Dates.From, or(sv.Dates.To, sv.Dates.From)
			if rule != nil && rule.Days > 0 {
				if d, err := time.Parse("20060102", from); err == nil {
					if last := d.AddDate(0, 0, rule.Days-1).Format("20060102"); last < to {
						to = last
					}
				}
			}
			units, _ := strconv.Atoi(sv.Quantity)
			if rule != nil && rule.Units > 0 && (units == 0 || rule.Units < units) {
				units = rule.Units
			}
			sv.Decision = &x278.Decision{Action: x278.Certified, Number: number}
			sv.Issued, sv.Effective, sv.Expiration = now.Format("20060102"), from, to
			sv.Dates = x278.Dates{}
			if units > 0 {
				sv.Units = &x278.Quantity{Qual: "VS", Value: strconv.Itoa(units)}
			}
		}
	}
	switch action {
	case "deny":
		resp.Event.Decision = &x278.Decision{Action: x278.NotCertified, Reason: or(rule.Reason, "35")}
	case "pend":
		resp.Event.Decision = &x278.Decision{Action: x278.Pended, Number: "P" + number}
	default:
		resp.Event.Decision = &x278.Decision{Action: x278.Certified, Number: number}
	}
	return &resp
}
