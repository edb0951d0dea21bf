package x835

import (
	"errors"

	"github.com/claimflow/claimflow/edi"
	"github.com/claimflow/claimflow/edi/internal/setkit"
)

// Read fills the typed model from a parsed 835 transaction set. Loops are
// identified by the guide table (edi.Walk), so qualified segments land in
// the right fields. Segments the model does not cover are skipped.
func Read(t *edi.Transaction, d edi.Delimiters) (*Remittance, error) {
	r, fn, err := newReader(t.ST(), d)
	if err != nil {
		return nil, err
	}
	edi.Walk(t, d, Guide, fn)
	return r, nil
}

// newReader starts the typed model of one transaction set and returns the
// function that reads each of its segments with its guide loop (see
// edi.Walk and edi.WalkSets).
func newReader(st edi.Seg, d edi.Delimiters) (*Remittance, func(loop string, s *edi.SegView), error) {
	if st.El(1) != "835" {
		return nil, nil, errors.New("x835: not an 835 transaction set")
	}
	r := &Remittance{ControlNumber: st.El(2)}
	var (
		claim *ClaimPayment
		ln    *LinePayment
		hdr   string
		// The claims' lines, adjustments, remarks, modifiers, amounts and
		// people are cut from shared blocks: allocations per block of
		// claims rather than per segment.
		sl slabs
	)
	comp := func(s *edi.SegView, i, j int) string { return s.Comp(d.Component, i, j) }
	m := setkit.M
	fn := func(loop string, s *edi.SegView) {
		id := s.ID()
		switch loop {
		case "":
			switch id {
			case "BPR":
				r.Payment = Payment{Handling: s.El(1), Amount: m(s.El(2)), CreditDebit: s.El(3), Method: s.El(4), Format: s.El(5),
					SenderDFIQual: s.El(6), SenderDFI: s.El(7), SenderAcctQual: s.El(8), SenderAccount: s.El(9),
					OriginatorID: s.El(10), OriginatorSupp: s.El(11), ReceiverDFIQual: s.El(12), ReceiverDFI: s.El(13),
					ReceiverAcctQual: s.El(14), ReceiverAccount: s.El(15), EffectiveDate: s.El(16)}
			case "TRN":
				r.Trace = Trace{Type: s.El(1), Number: s.El(2), OriginatorID: s.El(3), Supplemental: s.El(4)}
			case "REF":
				if s.El(1) == "EV" {
					r.ReceiverID = s.El(2)
				}
			case "DTM":
				if s.El(1) == "405" {
					r.ProductionDate = s.El(2)
				}
			case "PLB":
				for i := 3; i+1 <= s.Len(); i += 2 {
					if comp(s, i, 1) == "" && comp(s, i, 2) == "" {
						continue
					}
					r.Adjustments = append(r.Adjustments, ProviderAdjustment{ProviderID: s.El(1), FiscalPeriod: s.El(2),
						Reason: comp(s, i, 1), Reference: comp(s, i, 2), Amount: m(s.El(i + 1))})
				}
			}
		case "1000A":
			p := &r.Payer
			switch id {
			case "N1":
				p.Name, p.IDQual, p.ID = s.El(2), s.El(3), s.El(4)
			case "N3", "N4":
				readAddr(&p.Address, s)
			case "REF":
				if s.El(1) == "2U" {
					p.PayerID = s.El(2)
				}
			case "PER":
				switch s.El(1) {
				case "BL":
					if p.TechnicalContact == "" {
						p.TechnicalContact = s.El(2)
					}
					for i := 3; i+1 <= s.Len(); i += 2 {
						switch s.El(i) {
						case "TE":
							p.Phone = s.El(i + 1)
						case "EM":
							p.Email = s.El(i + 1)
						case "UR":
							if s.El(i+1) != "NONE" {
								p.Web = s.El(i + 1)
							}
						}
					}
				case "IC":
					p.Web = s.El(4)
				}
			}
		case "1000B":
			p := &r.Payee
			switch id {
			case "N1":
				p.Name, p.IDQual, p.ID = s.El(2), s.El(3), s.El(4)
			case "N3", "N4":
				if p.Address == nil {
					p.Address = &Address{}
				}
				readAddr(p.Address, s)
			case "REF":
				if s.El(1) == "TJ" {
					p.TaxID = s.El(2)
				}
			}
		case "2000":
			if id == "LX" {
				hdr = s.El(1)
			}
		case "2100":
			if id == "CLP" {
				// Filled where it lies (building a claim aside and
				// appending it copied it twice).
				r.Claims = setkit.Grow(r.Claims)
				claim, ln = &r.Claims[len(r.Claims)-1], nil
				c := claim
				c.HeaderNumber, c.PatientControlNumber, c.Status = hdr, s.El(1), s.El(2)
				c.Charge, c.Paid, c.PatientResponsibility, c.FilingCode = m(s.El(3)), m(s.El(4)), m(s.El(5)), s.El(6)
				c.PayerControlNumber, c.FacilityType, c.Frequency, c.DRG = s.El(7), s.El(8), s.El(9), s.El(11)
				return
			}
			if claim == nil {
				return
			}
			switch id {
			case "CAS":
				claim.Adjustments = readCAS(&sl.adj, claim.Adjustments, s)
			case "NM1":
				p := Person{EntityType: s.El(2), LastName: s.El(3), FirstName: s.El(4), MiddleName: s.El(5), IDQual: s.El(8), ID: s.El(9)}
				switch s.El(1) {
				case "QC":
					claim.Patient = p
				case "IL":
					claim.Insured = sl.person.Alloc(p)
				case "82":
					claim.Rendering = sl.person.Alloc(p)
				case "TT":
					claim.CrossoverCarrier = sl.person.Alloc(p)
				}
			case "MOA": // once per claim in the guide: MOA03..MOA07, five remark codes at most
				for i := 3; i <= 7 && len(claim.Remarks) < 5; i++ {
					if v := s.El(i); v != "" {
						claim.Remarks = sl.str.Append(claim.Remarks, v)
					}
				}
			case "REF":
				switch s.El(1) {
				case "EA":
					claim.MedicalRecordNumber = s.El(2)
				case "1L":
					claim.GroupNumber = s.El(2)
				}
			case "DTM":
				switch s.El(1) {
				case "232":
					claim.StatementFrom = s.El(2)
				case "233":
					claim.StatementTo = s.El(2)
				case "050":
					claim.ReceivedDate = s.El(2)
				}
			case "AMT":
				claim.Amounts = sl.amt.Append(claim.Amounts, Amount{Qualifier: s.El(1), Amount: m(s.El(2))})
			}
		case "2110":
			if claim == nil {
				return
			}
			switch id {
			case "SVC":
				// SVC01 and SVC06 split once each.
				var c1 [6]string
				var c6 [2]string
				s.Comps(d.Component, 1, c1[:])
				s.Comps(d.Component, 6, c6[:])
				claim.Lines = sl.line.Append(claim.Lines, LinePayment{})
				ln = &claim.Lines[len(claim.Lines)-1]
				l := ln
				l.ProcedureQual, l.Procedure, l.Charge, l.Paid = c1[0], c1[1], m(s.El(2)), m(s.El(3))
				l.RevenueCode, l.Units, l.SubmittedQual, l.Submitted, l.SubmittedUnits = s.El(4), s.El(5), c6[0], c6[1], s.El(7)
				for _, v := range c1[2:] {
					if v != "" {
						l.Modifiers = sl.str.Append(l.Modifiers, v)
					}
				}
				return
			}
			if ln == nil {
				return
			}
			switch id {
			case "DTM":
				switch s.El(1) {
				case "472":
					ln.ServiceDate = s.El(2)
				case "150":
					ln.ServiceFrom = s.El(2)
				case "151":
					ln.ServiceTo = s.El(2)
				}
			case "CAS":
				ln.Adjustments = readCAS(&sl.adj, ln.Adjustments, s)
			case "REF":
				if s.El(1) == "6R" {
					ln.LineControl = s.El(2)
				}
			case "AMT":
				if s.El(1) == "B6" {
					ln.Allowed, ln.HasAllowed = m(s.El(2)), true
				}
			case "LQ":
				if s.El(1) == "HE" {
					ln.Remarks = sl.str.Append(ln.Remarks, s.El(2))
				}
			}
		}
	}
	return r, fn, nil
}

func readAddr(a *Address, s *edi.SegView) {
	if s.ID() == "N3" {
		a.Line1, a.Line2 = s.El(1), s.El(2)
		return
	}
	a.City, a.State, a.Zip = s.El(1), s.El(2), s.El(3)
}

// slabs are the blocks one transaction set's reader cuts its claims'
// short slices and optional people from.
type slabs struct {
	line   setkit.Slab[LinePayment]
	adj    setkit.Slab[Adjustment]
	str    setkit.Slab[string]
	amt    setkit.Slab[Amount]
	person setkit.Slab[Person]
}

func readCAS(sl *setkit.Slab[Adjustment], as []Adjustment, s *edi.SegView) []Adjustment {
	for i := 2; i+1 <= s.Len() && i <= 17; i += 3 {
		if s.El(i) == "" {
			continue
		}
		as = sl.Append(as, Adjustment{Group: s.El(1), Reason: s.El(i), Amount: setkit.M(s.El(i + 1)), Quantity: s.El(i + 2)})
	}
	return as
}

// ReadAll reads every 835 in parsed interchanges.
func ReadAll(ics []*edi.Interchange) ([]*Remittance, error) {
	var out []*Remittance
	for _, ic := range ics {
		for _, g := range ic.Groups {
			for _, t := range g.Sets {
				if t.ST().El(1) != "835" {
					continue
				}
				r, err := Read(t, ic.Delims)
				if err != nil {
					return nil, err
				}
				out = append(out, r)
			}
		}
	}
	return out, nil
}

// ReadBytes reads every 835 in the X12 bytes, as ParseBytes and ReadAll do
// together, in one pass that does not build the interchanges in memory.
func ReadBytes(x []byte) ([]*Remittance, error) {
	var out []*Remittance
	err := edi.WalkSets(x, func(st edi.Seg, _ string, d edi.Delimiters) (string, func(string, *edi.SegView)) {
		r, fn, err := newReader(st, d)
		if err != nil {
			return "", nil
		}
		out = append(out, r)
		return Guide, fn
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
