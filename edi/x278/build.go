package x278

import (
	"errors"
	"time"

	"github.com/claimflow/claimflow/edi"
	"github.com/claimflow/claimflow/edi/internal/setkit"
)

// BuildRequest writes 278 requests into one interchange with one HI group.
func BuildRequest(env Envelope, txs ...*Transaction) (*edi.Interchange, error) {
	return build(env, false, txs)
}

// BuildResponse writes 278 responses into one interchange with one HI group.
func BuildResponse(env Envelope, txs ...*Transaction) (*edi.Interchange, error) {
	return build(env, true, txs)
}

func build(env Envelope, resp bool, txs []*Transaction) (*edi.Interchange, error) {
	d := env.Delimiters()
	now := env.Time
	if now.IsZero() {
		now = time.Now().UTC()
	}
	var sets [][]edi.Seg
	for _, tx := range txs {
		if tx.Date == "" {
			c := *tx
			c.Date, c.Time = now.Format("20060102"), now.Format("1504")
			tx = &c
		}
		segs, err := tx.Segments(d, resp)
		if err != nil {
			return nil, err
		}
		sets = append(sets, segs)
	}
	return setkit.Build(env, "HI", Guide, sets...)
}

// Segments renders the set from ST to SE, as a response when resp.
func (tx *Transaction) Segments(d edi.Delimiters, resp bool) ([]edi.Seg, error) {
	or := setkit.Or
	if tx.Event.Trace == "" && !resp {
		return nil, errors.New("x278: a request needs a patient event trace number (2000E TRN02)")
	}
	if !resp && tx.Subscriber.MemberID == "" {
		return nil, errors.New("x278: a request needs the subscriber's member ID (2010C NM109)")
	}
	if !resp && tx.Requester.ID == "" {
		return nil, errors.New("x278: a request needs the requester's identifier (2010B NM109)")
	}
	w := setkit.NewWriter(d, "278", tx.ControlNumber, Guide)
	purpose := or(tx.Purpose, PurposeRequest)
	if resp {
		purpose = or(tx.Purpose, PurposeResponse)
	}
	w.Seg("BHT", "0007", purpose, tx.Reference, tx.Date, tx.Time)
	umo := w.HL("", "20", true)
	aaa(w, tx.UMOErrors)
	party(w, &tx.UMO, "X3", "PI")
	req := w.HL(umo, "21", true)
	party(w, &tx.Requester, "1P", "XX")
	if tx.Requester.Taxonomy != "" && !resp {
		w.Seg("PRV", "PE", "PXC", tx.Requester.Taxonomy)
	}
	sub := w.HL(req, "22", true)
	member(w, &tx.Subscriber, "IL", true)
	parent := sub
	if tx.Dependent != nil {
		parent = w.HL(sub, "23", true)
		member(w, tx.Dependent, "QC", false)
	}
	ev := &tx.Event
	evHL := w.HL(parent, "EV", len(ev.Services) > 0)
	trnType := "1"
	if resp {
		trnType = "2"
	}
	if ev.Trace != "" {
		w.Seg("TRN", trnType, ev.Trace, ev.Originator)
	}
	aaa(w, ev.Rejections)
	w.Seg("UM", or(ev.Category, "HS"), or(ev.CertType, "I"), ev.ServiceType, facility(w, ev.Facility))
	decision(w, ev.Decision)
	ref(w, "BB", ev.AuthNumber)
	ref(w, "NT", ev.AdminRef)
	if ev.EventDates.From != "" {
		dtp(w, "AAH", ev.EventDates)
	}
	dtp(w, "102", Dates{From: ev.Issued})
	dtp(w, "007", Dates{From: ev.Effective})
	dtp(w, "036", Dates{From: ev.Expiration})
	if len(ev.Diagnoses) > 0 {
		el := make([]string, 0, len(ev.Diagnoses))
		for i, dx := range ev.Diagnoses {
			q := "ABF"
			if i == 0 {
				q = "ABK"
			}
			el = append(el, w.C(q, dx))
		}
		w.Seg("HI", el...)
	}
	hsd(w, ev.Units)
	for _, m := range ev.Messages {
		w.Seg("MSG", m)
	}
	for i := range ev.Services {
		sv := &ev.Services[i]
		w.HL(evHL, "SS", false)
		if sv.Trace != "" {
			w.Seg("TRN", trnType, sv.Trace, sv.Originator)
		}
		aaa(w, sv.Rejections)
		if !resp {
			w.Seg("UM", "HS", or(ev.CertType, "I"))
		}
		decision(w, sv.Decision)
		ref(w, "BB", sv.AuthNumber)
		dtp(w, "472", sv.Dates)
		dtp(w, "102", Dates{From: sv.Issued})
		dtp(w, "007", Dates{From: sv.Effective})
		dtp(w, "036", Dates{From: sv.Expiration})
		if sv.Procedure != "" {
			proc := append([]string{"HC", sv.Procedure}, sv.Modifiers...)
			unit := ""
			if sv.Quantity != "" {
				unit = or(sv.Unit, "UN")
			}
			w.Seg("SV1", w.C(proc...), sv.Charge, unit, sv.Quantity)
		}
		hsd(w, sv.Units)
		for _, m := range sv.Messages {
			w.Seg("MSG", m)
		}
	}
	return w.End(), nil
}

func facility(w *setkit.Writer, pos string) string {
	if pos == "" {
		return ""
	}
	return w.C(pos, "B")
}

func party(w *setkit.Writer, p *Party, code, qual string) {
	w.Seg("NM1", setkit.Or(p.EntityCode, code), setkit.Or(p.EntityType, "2"), p.Name, p.FirstName, "", "", "", setkit.Or(p.IDQual, qual), p.ID)
}

func member(w *setkit.Writer, m *Member, code string, subscriber bool) {
	idq := ""
	if subscriber && m.MemberID != "" {
		idq = "MI"
	}
	id := m.MemberID
	if !subscriber {
		id = ""
	}
	w.Seg("NM1", code, "1", m.LastName, m.FirstName, "", "", "", idq, id)
	aaa(w, m.Rejections)
	if m.BirthDate != "" {
		w.Seg("DMG", "D8", m.BirthDate, m.Gender)
	}
	if !subscriber && m.Relationship != "" {
		w.Seg("INS", "N", m.Relationship)
	}
}

func aaa(w *setkit.Writer, rs []Rejection) {
	for _, r := range rs {
		w.Seg("AAA", setkit.Or(r.Valid, "N"), "", r.Reason, r.FollowUp)
	}
}

func decision(w *setkit.Writer, d *Decision) {
	if d != nil && d.Action != "" {
		w.Seg("HCR", d.Action, d.Number, d.Reason)
	}
}

func ref(w *setkit.Writer, q, v string) {
	if v != "" {
		w.Seg("REF", q, v)
	}
}

func dtp(w *setkit.Writer, q string, d Dates) {
	switch {
	case d.From == "":
	case d.To != "" && d.To != d.From:
		w.Seg("DTP", q, "RD8", d.From+"-"+d.To)
	default:
		w.Seg("DTP", q, "D8", d.From)
	}
}

func hsd(w *setkit.Writer, q *Quantity) {
	if q != nil && q.Value != "" {
		w.Seg("HSD", setkit.Or(q.Qual, "VS"), q.Value)
	}
}
