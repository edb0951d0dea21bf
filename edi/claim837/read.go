package claim837

import (
	"errors"
	"strconv"
	"strings"

	"github.com/claimflow/claimflow/edi"
	"github.com/claimflow/claimflow/edi/internal/setkit"
)

// providerLoops maps the 2310 loops of each variant to the claim's
// provider fields.
var providerLoops = map[Kind]map[string]string{
	Institutional: {"2310A": "attending", "2310B": "operating", "2310D": "rendering", "2310E": "facility", "2310F": "referring"},
	Dental:        {"2310A": "referring", "2310B": "rendering", "2310C": "facility"},
	Professional:  {"2310A": "referring", "2310B": "rendering", "2310C": "facility"},
}

// providerLoop returns the provider field of a 2310 loop (a map lookup
// only for loops that start with 2310).
func providerLoop(loops map[string]string, loop string) (string, bool) {
	if len(loop) != 5 || loop[:4] != "2310" {
		return "", false
	}
	f, ok := loops[loop]
	return f, ok
}

// Read fills the typed model from a parsed 837 transaction set of variant
// k. Loops are identified by the guide table (edi.Walk). Segments the model
// does not cover are skipped.
func Read(k Kind, t *edi.Transaction, d edi.Delimiters) (*Transaction, error) {
	out, fn, err := newReader(k, t.ST(), d)
	if err != nil {
		return nil, err
	}
	edi.Walk(t, d, k.Guide(), fn)
	return out, nil
}

// newReader starts the typed model of one transaction set and returns the
// function that reads each of its segments with its guide loop (see
// edi.Walk and edi.WalkSets).
func newReader(k Kind, st edi.Seg, d edi.Delimiters) (*Transaction, func(loop string, s *edi.SegView), error) {
	if !k.takes(st, k.Guide()) {
		return nil, nil, errors.New("claim837: not an " + k.String() + " transaction set")
	}
	out := &Transaction{ControlNumber: st.El(2)}
	var (
		bp    *BillingProvider
		sb    *Subscriber
		pt    *Patient
		claim *Claim
		line  *ServiceLine
		op    *OtherPayer
		adj   *LineAdjudication
		prov  *Provider
		level string
		// Claims, lines and their short slices are cut from shared
		// blocks: allocations per block of claims rather than per segment.
		sl = &slabs{}
		// The variant's 2310 loops, looked up once per set.
		loops = providerLoops[k]
	)
	comp := func(s *edi.SegView, i, j int) string { return s.Comp(d.Component, i, j) }
	comps := func(s *edi.SegView, i, from, to int) []string { return sl.comps(s, d.Component, i, from, to) }
	m := setkit.M
	readAddr := func(a *Address, s *edi.SegView) {
		if s.ID() == "N3" {
			a.Line1, a.Line2 = s.El(1), s.El(2)
			return
		}
		a.City, a.State, a.Zip = s.El(1), s.El(2), s.El(3)
	}
	readCAS := func(as []Adjustment, s *edi.SegView) []Adjustment {
		for i := 2; i <= s.Len() && i <= 17; i += 3 {
			if s.El(i) != "" {
				as = sl.adj.Append(as, Adjustment{Group: s.El(1), Reason: s.El(i), Amount: setkit.M(s.El(i + 1)), Quantity: s.El(i + 2)})
			}
		}
		return as
	}
	fn := func(loop string, s *edi.SegView) {
		id := s.ID()
		switch loop {
		case "":
			if id == "BHT" {
				out.Header = Header{Purpose: s.El(2), Reference: s.El(3), Date: s.El(4), Time: s.El(5), Type: s.El(6)}
			}
			return
		case "1000A":
			switch id {
			case "NM1":
				out.Submitter.EntityType, out.Submitter.Name, out.Submitter.FirstName, out.Submitter.ID = s.El(2), s.El(3), s.El(4), s.El(9)
			case "PER": // the first names the contact; numbers come from each
				if out.Submitter.ContactName == "" {
					out.Submitter.ContactName = s.El(2)
				}
				for i := 3; i+1 <= s.Len(); i += 2 {
					switch s.El(i) {
					case "TE":
						out.Submitter.Phone = s.El(i + 1)
					case "EM":
						out.Submitter.Email = s.El(i + 1)
					}
				}
			}
			return
		case "1000B":
			if id == "NM1" {
				out.Receiver = Receiver{Name: s.El(3), ID: s.El(9)}
			}
			return
		case "2000A":
			switch id {
			case "HL":
				out.Billing = setkit.Grow(out.Billing)
				bp, sb, pt, claim, line, level = &out.Billing[len(out.Billing)-1], nil, nil, nil, nil, "20"
			case "PRV":
				if bp != nil {
					bp.Taxonomy = s.El(3)
				}
			}
			return
		case "2010AA":
			if bp == nil {
				return
			}
			switch id {
			case "NM1":
				bp.EntityType, bp.Name, bp.FirstName, bp.NPI = s.El(2), s.El(3), s.El(4), s.El(9)
			case "N3", "N4":
				readAddr(&bp.Address, s)
			case "REF":
				if s.El(1) == "EI" {
					bp.TaxID = s.El(2)
				}
			}
			return
		case "2010AB":
			if bp == nil {
				return
			}
			if bp.PayTo == nil {
				bp.PayTo = sl.addr.Alloc(Address{})
			}
			if id == "N3" || id == "N4" {
				readAddr(bp.PayTo, s)
			}
			return
		case "2000B":
			if bp == nil {
				return
			}
			switch id {
			case "HL":
				bp.Subscriber = setkit.Grow(bp.Subscriber)
				sb, pt, claim, line, level = &bp.Subscriber[len(bp.Subscriber)-1], nil, nil, nil, "22"
			case "SBR":
				if sb != nil {
					sb.Responsibility, sb.Relationship, sb.GroupNumber, sb.GroupName, sb.FilingCode = s.El(1), s.El(2), s.El(3), s.El(4), s.El(9)
				}
			}
			return
		case "2010BA":
			if sb == nil {
				return
			}
			switch id {
			case "NM1":
				sb.LastName, sb.FirstName, sb.MiddleName, sb.MemberID = s.El(3), s.El(4), s.El(5), s.El(9)
			case "N3", "N4":
				if sb.Address == nil {
					sb.Address = sl.addr.Alloc(Address{})
				}
				readAddr(sb.Address, s)
			case "DMG":
				sb.BirthDate, sb.Gender = s.El(2), s.El(3)
			}
			return
		case "2010BB":
			if sb == nil {
				return
			}
			switch id {
			case "NM1":
				sb.Payer.Name, sb.Payer.ID = s.El(3), s.El(9)
			case "N3", "N4":
				if sb.Payer.Address == nil {
					sb.Payer.Address = sl.addr.Alloc(Address{})
				}
				readAddr(sb.Payer.Address, s)
			}
			return
		case "2000C":
			if sb == nil {
				return
			}
			switch id {
			case "HL":
				sb.Patients = sl.patient.Append(sb.Patients, Patient{})
				pt, claim, line, level = &sb.Patients[len(sb.Patients)-1], nil, nil, "23"
			case "PAT":
				if pt != nil {
					pt.Relationship = s.El(1)
				}
			}
			return
		case "2010CA":
			if pt == nil {
				return
			}
			switch id {
			case "NM1":
				pt.LastName, pt.FirstName = s.El(3), s.El(4)
			case "N3", "N4":
				readAddr(&pt.Address, s)
			case "DMG":
				pt.BirthDate, pt.Gender = s.El(2), s.El(3)
			}
			return
		case "2300":
			if id == "CLM" {
				c := Claim{PatientControlNumber: s.El(1), TotalCharge: m(s.El(2)), FacilityCode: comp(s, 5, 1), Frequency: comp(s, 5, 3),
					ProviderSignature: s.El(6), Assignment: s.El(7), BenefitsAssigned: s.El(8), ReleaseOfInfo: s.El(9), DelayReason: s.El(20)}
				switch k {
				case Institutional:
					c.Institutional = sl.inst.Alloc(InstClaim{})
				case Dental:
					c.Dental = sl.dental.Alloc(DentalClaim{})
				}
				switch {
				case level == "23" && pt != nil:
					pt.Claims = sl.claim.Append(pt.Claims, c)
					claim = &pt.Claims[len(pt.Claims)-1]
				case sb != nil:
					sb.Claims = sl.claim.Append(sb.Claims, c)
					claim = &sb.Claims[len(sb.Claims)-1]
				default:
					claim = nil
				}
				line, op = nil, nil
				return
			}
			if claim != nil {
				readClaimSeg(k, claim, s, d, sl)
			}
			return
		}
		if claim == nil {
			return
		}
		if f, ok := providerLoop(loops, loop); ok {
			switch id {
			case "NM1":
				if f == "facility" {
					claim.Facility = sl.facility.Alloc(Facility{Name: s.El(3), NPI: s.El(9)})
					return
				}
				p := sl.provider.Alloc(Provider{EntityType: s.El(2), LastName: s.El(3), FirstName: s.El(4), NPI: s.El(9)})
				switch f {
				case "attending":
					claim.Attending = p
				case "operating":
					claim.Operating = p
				case "rendering":
					claim.Rendering = p
				case "referring":
					claim.Referring = p
				}
				prov = p
			case "PRV":
				if prov != nil {
					prov.Taxonomy = s.El(3)
				}
			case "N3", "N4":
				if claim.Facility != nil && f == "facility" {
					readAddr(&claim.Facility.Address, s)
				}
			}
			return
		}
		switch loop {
		case "2320":
			switch id {
			case "SBR":
				claim.OtherPayers = sl.otherPayer.Append(claim.OtherPayers, OtherPayer{Responsibility: s.El(1), Relationship: s.El(2), GroupNumber: s.El(3), FilingCode: s.El(9)})
				op = &claim.OtherPayers[len(claim.OtherPayers)-1]
			case "CAS":
				if op != nil {
					op.Adjustments = readCAS(op.Adjustments, s)
				}
			case "AMT":
				if op != nil {
					switch s.El(1) {
					case "D":
						op.Paid = sl.money(s.El(2))
					case "EAF":
						op.RemainingLiability = sl.money(s.El(2))
					}
				}
			case "OI":
				if op != nil {
					op.BenefitsAssigned, op.ReleaseOfInfo = s.El(3), s.El(6)
				}
			}
		case "2330A":
			if op != nil && id == "NM1" {
				op.SubscriberLast, op.SubscriberFirst, op.SubscriberID = s.El(3), s.El(4), s.El(9)
			}
		case "2330B":
			if op == nil {
				return
			}
			switch id {
			case "NM1":
				op.PayerName, op.PayerID = s.El(3), s.El(9)
			case "DTP":
				if s.El(1) == "573" {
					op.AdjudicationDate = s.El(3)
				}
			case "REF":
				if s.El(1) == "F8" {
					op.PayerClaimControl = s.El(2)
				}
			}
		case "2400":
			switch id {
			case "LX":
				claim.Lines = sl.line.Append(claim.Lines, ServiceLine{})
				line, adj = &claim.Lines[len(claim.Lines)-1], nil
			case "SV1":
				if line == nil || k != Professional {
					return
				}
				line.Procedure, line.Modifiers, line.Charge = comp(s, 1, 2), comps(s, 1, 3, 6), m(s.El(2))
				line.Unit, line.Quantity, line.PlaceOfSvc = s.El(3), s.El(4), s.El(5)
				// SV107 up to four pointers: one slice, no split.
				for rest, more := s.El(7), true; more; {
					var p string
					p, rest, more = strings.Cut(rest, string(d.Component))
					if n, err := strconv.Atoi(p); err == nil {
						line.DiagPointers = sl.ints.Append(line.DiagPointers, n)
					}
				}
			case "SV2":
				if line == nil || k == Professional {
					return
				}
				line.RevenueCode, line.Charge, line.Unit, line.Quantity, line.NonCovered = s.El(1), m(s.El(3)), s.El(4), s.El(5), m(s.El(7))
				if p := comp(s, 2, 2); p != "" {
					line.ProcedureQual, line.Procedure, line.Modifiers = comp(s, 2, 1), p, comps(s, 2, 3, 8)
				}
			case "SV3":
				if line == nil || k == Professional {
					return
				}
				line.ProcedureQual, line.Procedure, line.Modifiers = comp(s, 1, 1), comp(s, 1, 2), comps(s, 1, 3, 8)
				line.Charge, line.PlaceOfSvc, line.Prosthesis, line.Quantity = m(s.El(2)), s.El(3), s.El(5), s.El(6)
				line.OralCavity = comps(s, 4, 1, 8)
				for _, p := range comps(s, 11, 1, 8) {
					if n, err := strconv.Atoi(p); err == nil {
						line.DiagPointers = sl.ints.Append(line.DiagPointers, n)
					}
				}
			case "TOO":
				if line != nil {
					line.Teeth = sl.tooth.Append(line.Teeth, Tooth{Number: s.El(2), Surfaces: comps(s, 3, 1, 8)})
				}
			case "DTP":
				if line != nil && s.El(1) == "472" {
					line.ServiceDate, line.ServiceDateTo, _ = strings.Cut(s.El(3), "-")
				}
			case "REF":
				if line != nil && s.El(1) == "6R" {
					line.LineControl = s.El(2)
				}
			}
		case "2430":
			if line == nil {
				return
			}
			switch id {
			case "SVD":
				line.Adjudications = sl.lineAdj.Append(line.Adjudications, LineAdjudication{PayerID: s.El(1), Paid: m(s.El(2)),
					ProcedureQual: comp(s, 3, 1), Procedure: comp(s, 3, 2), Modifiers: comps(s, 3, 3, 6), RevenueCode: s.El(4), Units: s.El(5)})
				adj = &line.Adjudications[len(line.Adjudications)-1]
				if k == Professional {
					adj.ProcedureQual = "" // always HC
				}
			case "CAS":
				if adj != nil {
					adj.Adjustments = readCAS(adj.Adjustments, s)
				}
			case "DTP":
				if adj != nil && s.El(1) == "573" {
					adj.Date = s.El(3)
				}
			case "AMT":
				if adj != nil && s.El(1) == "EAF" {
					adj.RemainingLiability = sl.money(s.El(2))
				}
			}
		}
	}
	return out, fn, nil
}

// The reader's helpers that need the delimiters or the reader's state are
// functions (or closures that capture nothing), so that a transaction
// set's reader does not allocate them.

// comps returns the non-empty components from..to of element i.
func (sl *slabs) comps(s *edi.SegView, c byte, i, from, to int) []string {
	// One pass over the element (to is at most 8).
	var cs [8]string
	s.Comps(c, i, cs[:to])
	var out []string
	for _, v := range cs[from-1 : to] {
		if v != "" {
			out = sl.str.Append(out, v)
		}
	}
	return out
}

// money returns the amount, or nil when v is not one.
func (sl *slabs) money(v string) *Money {
	x, ok := setkit.ParseMoney(v)
	if !ok {
		return nil
	}
	return sl.amount.Alloc(x)
}

// slabs are the blocks one transaction set's reader cuts its claims,
// lines, short slices and optional records from (see setkit.Slab).
type slabs struct {
	patient     setkit.Slab[Patient]
	claim       setkit.Slab[Claim]
	line        setkit.Slab[ServiceLine]
	lineAdj     setkit.Slab[LineAdjudication]
	otherPayer  setkit.Slab[OtherPayer]
	adj         setkit.Slab[Adjustment]
	tooth       setkit.Slab[Tooth]
	str         setkit.Slab[string]
	code        setkit.Slab[string]
	ints        setkit.Slab[int]
	amount      setkit.Slab[Money]
	addr        setkit.Slab[Address]
	provider    setkit.Slab[Provider]
	facility    setkit.Slab[Facility]
	inst        setkit.Slab[InstClaim]
	dental      setkit.Slab[DentalClaim]
	proc        setkit.Slab[Procedure]
	occurrence  setkit.Slab[Occurrence]
	value       setkit.Slab[Value]
	toothStatus setkit.Slab[ToothStatus]
}

// readClaimSeg reads a loop 2300 segment after CLM.
func readClaimSeg(k Kind, c *Claim, s *edi.SegView, d edi.Delimiters, sl *slabs) {
	ic, dc := c.Institutional, c.Dental
	switch s.ID() {
	case "DTP":
		v := s.El(3)
		switch {
		case ic != nil && s.El(1) == "434":
			ic.StatementFrom, ic.StatementTo, _ = strings.Cut(v, "-")
		case ic != nil && s.El(1) == "435":
			if s.El(2) == "DT" && len(v) == 12 {
				ic.AdmissionDate, ic.AdmissionHour = v[:8], v[8:]
			} else {
				ic.AdmissionDate = v
			}
		case ic != nil && s.El(1) == "096":
			ic.DischargeHour = v
		case dc != nil && s.El(1) == "439":
			dc.AccidentDate = v
		case dc != nil && s.El(1) == "452":
			dc.AppliancePlacement = v
		case k == Professional && s.El(1) == "431":
			c.OnsetDate = v
		}
	case "CL1":
		if ic != nil {
			ic.AdmissionType, ic.AdmissionSource, ic.PatientStatus = s.El(1), s.El(2), s.El(3)
		}
	case "DN1":
		if dc != nil {
			dc.OrthoMonthsTotal, dc.OrthoMonthsLeft = s.El(1), s.El(2)
		}
	case "DN2":
		if dc != nil {
			dc.ToothStatus = sl.toothStatus.Append(dc.ToothStatus, ToothStatus{Tooth: s.El(1), Status: s.El(2)})
		}
	case "REF":
		switch s.El(1) {
		case "G1":
			c.PriorAuthorization = s.El(2)
		case "F8":
			c.PayerClaimControl = s.El(2)
		case "EA":
			c.MedicalRecordNumber = s.El(2)
		case "G3":
			if dc != nil {
				dc.Predetermination = s.El(2)
			}
		}
	case "HI":
		// Each HI element split once (qualifier, code, date qualifier,
		// date, amount), not once per component read.
		var hc [5]string
		for i := 1; i <= s.Len(); i++ {
			s.Comps(d.Component, i, hc[:])
			q, code := hc[0], hc[1]
			if code == "" {
				continue
			}
			switch q {
			case "ABK", "BK", "ABF", "BF":
				c.Diagnoses = sl.code.Append(c.Diagnoses, code)
			}
			if ic == nil {
				continue
			}
			switch q {
			case "ABJ", "BJ":
				ic.AdmittingDiagnosis = code
			case "APR", "PR":
				ic.ReasonForVisit = sl.code.Append(ic.ReasonForVisit, code)
			case "DR":
				ic.DRG = code
			case "BBR", "BR", "CAH":
				ic.PrincipalProcedure = sl.proc.Alloc(Procedure{Code: code, Date: hc[3]})
			case "BBQ", "BQ":
				ic.OtherProcedures = sl.proc.Append(ic.OtherProcedures, Procedure{Code: code, Date: hc[3]})
			case "BH":
				ic.Occurrences = sl.occurrence.Append(ic.Occurrences, Occurrence{Code: code, Date: hc[3]})
			case "BE":
				ic.Values = sl.value.Append(ic.Values, Value{Code: code, Amount: setkit.M(hc[4])})
			case "BG":
				ic.Conditions = sl.code.Append(ic.Conditions, code)
			}
		}
	}
}

// ReadAll reads every 837 of variant k in parsed interchanges.
func ReadAll(k Kind, ics []*edi.Interchange) ([]*Transaction, error) {
	var out []*Transaction
	for _, ic := range ics {
		for _, g := range ic.Groups {
			ref := g.GS.El(8)
			for _, t := range g.Sets {
				if !k.takes(t.ST(), ref) {
					continue
				}
				tx, err := Read(k, t, ic.Delims)
				if err != nil {
					return nil, err
				}
				out = append(out, tx)
			}
		}
	}
	return out, nil
}

// ReadBytes reads every 837 of variant k in the X12 bytes, as ParseBytes
// and ReadAll do together, in one pass that does not build the
// interchanges in memory.
func ReadBytes(k Kind, x []byte) ([]*Transaction, error) {
	var out []*Transaction
	err := edi.WalkSets(x, func(st edi.Seg, gs08 string, d edi.Delimiters) (string, func(string, *edi.SegView)) {
		if !k.takes(st, gs08) {
			return "", nil
		}
		tx, fn, err := newReader(k, st, d)
		if err != nil {
			return "", nil
		}
		out = append(out, tx)
		return k.Guide(), fn
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
