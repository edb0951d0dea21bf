package eligibility

import (
	"errors"
	"strings"

	"github.com/claimflow/claimflow/edi"
	"github.com/claimflow/claimflow/edi/internal/setkit"
)

// Read fills the typed model from a parsed 270 or 271 transaction set.
// Loops are identified by the guide table (edi.Walk). Segments the model
// does not cover are skipped.
func Read(t *edi.Transaction, d edi.Delimiters) (*Transaction, error) {
	tx, fn, err := newReader(t.ST(), d)
	if err != nil {
		return nil, err
	}
	edi.Walk(t, d, Guide, fn)
	return tx, nil
}

// newReader starts the typed model of one transaction set and returns the
// function that reads each of its segments with its guide loop (see
// edi.Walk and edi.WalkSets).
func newReader(st edi.Seg, d edi.Delimiters) (*Transaction, func(loop string, s *edi.SegView), error) {
	st01 := st.El(1)
	if st01 != "270" && st01 != "271" {
		return nil, nil, errors.New("eligibility: not a 270 or 271 transaction set")
	}
	tx := &Transaction{ControlNumber: st.El(2)}
	var (
		sb *Subscriber
		m  *Member
		b  *Benefit
		// Short slices and amounts are cut from shared blocks:
		// allocations per block of subscribers rather than per segment.
		sl slabs
	)
	party := func(s *edi.SegView) Party {
		return Party{EntityCode: s.El(1), EntityType: s.El(2), Name: s.El(3), FirstName: s.El(4), IDQual: s.El(8), ID: s.El(9)}
	}
	rej := func(s *edi.SegView) Rejection { return Rejection{Valid: s.El(1), Reason: s.El(3), FollowUp: s.El(4)} }
	split := func(v string) []string {
		if v == "" {
			return nil
		}
		if d.Repetition == 'U' {
			return []string{v}
		}
		// One service type (the common case): no second pass.
		sep := d.Repetition
		one := true
		for i := 0; i < len(v); i++ {
			if v[i] == sep {
				one = false
				break
			}
		}
		if one {
			out := sl.str.Make(1)
			out[0] = v
			return out
		}
		// The non-empty repetitions, counted and then cut from the slab
		// in one piece (byte loops: a strings.Cut per repetition costs
		// more than the short values).
		n, start := 0, 0
		for i := 0; i <= len(v); i++ {
			if i == len(v) || v[i] == sep {
				if i > start {
					n++
				}
				start = i + 1
			}
		}
		if n == 0 {
			return nil
		}
		out := sl.str.Make(n)
		k := 0
		start = 0
		for i := 0; i <= len(v); i++ {
			if i == len(v) || v[i] == sep {
				if i > start {
					out[k] = v[start:i]
					k++
				}
				start = i + 1
			}
		}
		return out
	}
	date := func(s *edi.SegView) Date {
		v := s.El(3)
		if i := strings.IndexByte(v, '-'); i >= 0 {
			return Date{Qual: s.El(1), From: v[:i], To: v[i+1:]}
		}
		return Date{Qual: s.El(1), From: v}
	}
	memberSeg := func(s *edi.SegView) {
		if m == nil {
			return
		}
		switch s.ID() {
		case "NM1":
			m.LastName, m.FirstName, m.MiddleName, m.MemberID = s.El(3), s.El(4), s.El(5), s.El(9)
		case "REF":
			switch s.El(1) {
			case "6P":
				m.GroupNumber = s.El(2)
			case "18":
				m.PlanNumber = s.El(2)
			}
		case "N3":
			if m.Address == nil {
				m.Address = sl.addr.Alloc(Address{})
			}
			m.Address.Line1, m.Address.Line2 = s.El(1), s.El(2)
		case "N4":
			if m.Address == nil {
				m.Address = sl.addr.Alloc(Address{})
			}
			m.Address.City, m.Address.State, m.Address.Zip = s.El(1), s.El(2), s.El(3)
		case "AAA":
			m.Rejections = sl.rej.Append(m.Rejections, rej(s))
		case "DMG":
			m.BirthDate, m.Gender = s.El(2), s.El(3)
		case "INS":
			m.Relationship = s.El(2)
		case "DTP":
			if m.Date == "" {
				dt := date(s)
				m.DateQual, m.Date, m.DateTo = dt.Qual, dt.From, dt.To
			}
		}
	}
	fn := func(loop string, s *edi.SegView) {
		id := s.ID()
		switch loop {
		case "":
			if id == "BHT" {
				tx.Purpose, tx.Reference, tx.Date, tx.Time, tx.RealTime = s.El(2), s.El(3), s.El(4), s.El(5), s.El(6) == "RT"
			}
		case "2000A", "2100A":
			switch id {
			case "NM1":
				tx.Source = party(s)
			case "AAA":
				tx.SourceErrors = sl.rej.Append(tx.SourceErrors, rej(s))
			}
		case "2100B":
			switch id {
			case "NM1":
				tx.Receiver = party(s)
			case "AAA":
				tx.ReceiverError = sl.rej.Append(tx.ReceiverError, rej(s))
			case "PRV":
				tx.Receiver.Taxonomy = s.El(3)
			}
		case "2000C":
			switch id {
			case "HL":
				tx.Subscribers = setkit.Grow(tx.Subscribers)
				sb = &tx.Subscribers[len(tx.Subscribers)-1]
				m, b = &sb.Member, nil
			case "TRN":
				if m != nil {
					m.Traces = sl.trace.Append(m.Traces, Trace{Type: s.El(1), Number: s.El(2), Originator: s.El(3), Supplement: s.El(4)})
				}
			}
		case "2000D":
			switch id {
			case "HL":
				if sb == nil {
					m = nil
					return
				}
				sb.Dependents = sl.member.Append(sb.Dependents, Member{})
				m, b = &sb.Dependents[len(sb.Dependents)-1], nil
			case "TRN":
				if m != nil {
					m.Traces = sl.trace.Append(m.Traces, Trace{Type: s.El(1), Number: s.El(2), Originator: s.El(3), Supplement: s.El(4)})
				}
			}
		case "2100C", "2100D":
			memberSeg(s)
		case "2110C", "2110D":
			if m == nil {
				return
			}
			switch id {
			case "EQ":
				if vs := split(s.El(1)); m.ServiceTypes == nil {
					m.ServiceTypes = vs
				} else {
					m.ServiceTypes = append(m.ServiceTypes, vs...)
				}
			case "EB":
				// The benefit is filled where it lies in the slab (a
				// Benefit is over 300 bytes: building it aside and
				// appending it copied it twice).
				m.Benefits = sl.benefit.Append(m.Benefits, Benefit{})
				b = &m.Benefits[len(m.Benefits)-1]
				var c13 [2]string
				s.Comps(d.Component, 13, c13[:])
				b.Code, b.CoverageLevel, b.ServiceTypes, b.InsuranceType = s.El(1), s.El(2), split(s.El(3)), s.El(4)
				b.PlanDescription, b.TimePeriod, b.Percent, b.QuantityQual, b.Quantity = s.El(5), s.El(6), s.El(8), s.El(9), s.El(10)
				b.AuthRequired, b.InNetwork, b.ProcedureQual, b.Procedure = s.El(11), s.El(12), c13[0], c13[1]
				if v, ok := setkit.ParseMoney(s.El(7)); ok {
					b.Amount = sl.money.Alloc(v)
				}
			case "DTP":
				if b != nil {
					b.Dates = sl.date.Append(b.Dates, date(s))
				}
			case "AAA":
				if b != nil {
					b.Rejections = sl.rej.Append(b.Rejections, rej(s))
				}
			case "MSG":
				if b != nil {
					b.Messages = sl.str.Append(b.Messages, s.El(1))
				}
			}
		case "2120C", "2120D":
			if b != nil && id == "NM1" {
				b.Entities = sl.party.Append(b.Entities, party(s))
			}
		}
	}
	return tx, fn, nil
}

// slabs are the blocks one transaction set's reader cuts its members'
// short slices, addresses and amounts from.
type slabs struct {
	member  setkit.Slab[Member]
	benefit setkit.Slab[Benefit]
	str     setkit.Slab[string]
	trace   setkit.Slab[Trace]
	rej     setkit.Slab[Rejection]
	date    setkit.Slab[Date]
	party   setkit.Slab[Party]
	addr    setkit.Slab[Address]
	money   setkit.Slab[Money]
}

// ReadAll reads every 270 or 271 in parsed interchanges.
func ReadAll(ics []*edi.Interchange) ([]*Transaction, error) {
	var out []*Transaction
	for _, ic := range ics {
		for _, g := range ic.Groups {
			for _, t := range g.Sets {
				if st := t.ST().El(1); st != "270" && st != "271" {
					continue
				}
				tx, err := Read(t, ic.Delims)
				if err != nil {
					return nil, err
				}
				out = append(out, tx)
			}
		}
	}
	return out, nil
}

// ReadBytes reads every 270 and 271 in the X12 bytes, as ParseBytes and
// ReadAll do together, in one pass that does not build the interchanges in
// memory.
func ReadBytes(x []byte) ([]*Transaction, error) {
	var out []*Transaction
	err := edi.WalkSets(x, func(st edi.Seg, _ string, d edi.Delimiters) (string, func(string, *edi.SegView)) {
		tx, fn, err := newReader(st, d)
		if err != nil {
			return "", nil
		}
		out = append(out, tx)
		return Guide, fn
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
