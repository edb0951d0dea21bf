package x837p

import (
	"errors"
	"strconv"
	"strings"

	"github.com/claimflow/claimflow/edi"
)

// Read fills the typed model from a parsed 837P transaction set. Loops are
// identified by the guide table (edi.Walk), so qualified segments land in
// the right fields. Segments the model does not cover are skipped.
func Read(t *edi.Transaction, d edi.Delimiters) (*Transaction, error) {
	out, fn, err := newReader(t.ST(), d)
	if err != nil {
		return nil, err
	}
	edi.Walk(t, d, Guide, fn)
	return out, nil
}

// newReader starts the typed model of one transaction set and returns the
// function that reads each of its segments with its guide loop (see
// edi.Walk and edi.WalkSets).
func newReader(st edi.Seg, d edi.Delimiters) (*Transaction, func(loop string, s edi.Seg), error) {
	if st.El(1) != "837" {
		return nil, nil, errors.New("x837p: not an 837 transaction set")
	}
	out := &Transaction{ControlNumber: st.El(2)}
	var (
		bp    *BillingProvider
		sb    *Subscriber
		pt    *Patient
		claim *Claim
		line  *ServiceLine
		level string
	)
	comp := func(s edi.Seg, i, j int) string { return s.Comp(d.Component, i, j) }
	fn := func(loop string, s edi.Seg) {
		id := s.ID()
		switch loop {
		case "":
			if id == "BHT" {
				out.Header = Header{Purpose: s.El(2), Reference: s.El(3), Date: s.El(4), Time: s.El(5), Type: s.El(6)}
			}
		case "1000A":
			switch id {
			case "NM1":
				out.Submitter.EntityType, out.Submitter.Name, out.Submitter.FirstName, out.Submitter.ID = s.El(2), s.El(3), s.El(4), s.El(9)
			case "PER":
				if out.Submitter.ContactName == "" {
					out.Submitter.ContactName = s.El(2)
				}
				for i := 3; i+1 < len(s); i += 2 {
					switch s.El(i) {
					case "TE":
						out.Submitter.Phone = s.El(i + 1)
					case "EM":
						out.Submitter.Email = s.El(i + 1)
					}
				}
			}
		case "1000B":
			if id == "NM1" {
				out.Receiver = Receiver{Name: s.El(3), ID: s.El(9)}
			}
		case "2000A":
			switch id {
			case "HL":
				out.Billing = append(out.Billing, BillingProvider{})
				bp, sb, pt, claim, line, level = &out.Billing[len(out.Billing)-1], nil, nil, nil, nil, "20"
			case "PRV":
				if bp != nil {
					bp.Taxonomy = s.El(3)
				}
			}
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
		case "2000B":
			if bp == nil {
				return
			}
			switch id {
			case "HL":
				bp.Subscriber = append(bp.Subscriber, Subscriber{})
				sb, pt, claim, line, level = &bp.Subscriber[len(bp.Subscriber)-1], nil, nil, nil, "22"
			case "SBR":
				if sb != nil {
					sb.Responsibility, sb.Relationship, sb.GroupNumber, sb.FilingCode = s.El(1), s.El(2), s.El(3), s.El(9)
				}
			}
		case "2010BA":
			if sb == nil {
				return
			}
			switch id {
			case "NM1":
				sb.LastName, sb.FirstName, sb.MiddleName, sb.MemberID = s.El(3), s.El(4), s.El(5), s.El(9)
			case "N3", "N4":
				if sb.Address == nil {
					sb.Address = &Address{}
				}
				readAddr(sb.Address, s)
			case "DMG":
				sb.BirthDate, sb.Gender = s.El(2), s.El(3)
			}
		case "2010BB":
			if sb == nil {
				return
			}
			switch id {
			case "NM1":
				sb.Payer.Name, sb.Payer.ID = s.El(3), s.El(9)
			case "N3", "N4":
				if sb.Payer.Address == nil {
					sb.Payer.Address = &Address{}
				}
				readAddr(sb.Payer.Address, s)
			}
		case "2000C":
			if sb == nil {
				return
			}
			switch id {
			case "HL":
				sb.Patients = append(sb.Patients, Patient{})
				pt, claim, line, level = &sb.Patients[len(sb.Patients)-1], nil, nil, "23"
			case "PAT":
				if pt != nil {
					pt.Relationship = s.El(1)
				}
			}
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
		case "2300":
			if id == "CLM" {
				c := Claim{PatientControlNumber: s.El(1), PlaceOfService: comp(s, 5, 1), Frequency: comp(s, 5, 3),
					ProviderSignature: s.El(6), Assignment: s.El(7), BenefitsAssigned: s.El(8), ReleaseOfInfo: s.El(9)}
				c.TotalCharge, _ = ParseMoney(s.El(2))
				switch {
				case level == "23" && pt != nil:
					pt.Claims = append(pt.Claims, c)
					claim = &pt.Claims[len(pt.Claims)-1]
				case sb != nil:
					sb.Claims = append(sb.Claims, c)
					claim = &sb.Claims[len(sb.Claims)-1]
				default:
					claim = nil
				}
				line = nil
				return
			}
			if claim == nil {
				return
			}
			switch id {
			case "DTP":
				if s.El(1) == "431" {
					claim.OnsetDate = s.El(3)
				}
			case "REF":
				switch s.El(1) {
				case "G1":
					claim.PriorAuthorization = s.El(2)
				case "F8":
					claim.PayerClaimControl = s.El(2)
				case "EA":
					claim.MedicalRecordNumber = s.El(2)
				}
			case "HI":
				if q := comp(s, 1, 1); q == "ABK" || q == "BK" {
					for i := 1; i < len(s); i++ {
						if code := comp(s, i, 2); code != "" {
							claim.Diagnoses = append(claim.Diagnoses, code)
						}
					}
				}
			}
		case "2310B":
			if claim == nil {
				return
			}
			switch id {
			case "NM1":
				claim.Rendering = &Provider{EntityType: s.El(2), LastName: s.El(3), FirstName: s.El(4), NPI: s.El(9)}
			case "PRV":
				if claim.Rendering != nil {
					claim.Rendering.Taxonomy = s.El(3)
				}
			}
		case "2310C":
			if claim == nil {
				return
			}
			switch id {
			case "NM1":
				claim.Facility = &Facility{Name: s.El(3), NPI: s.El(9)}
			case "N3", "N4":
				if claim.Facility != nil {
					readAddr(&claim.Facility.Address, s)
				}
			}
		case "2320":
			if claim == nil {
				return
			}
			switch id {
			case "SBR":
				claim.OtherPayers = append(claim.OtherPayers, OtherPayer{Responsibility: s.El(1), Relationship: s.El(2), GroupNumber: s.El(3), FilingCode: s.El(9)})
			case "CAS":
				if op := lastOther(claim); op != nil {
					op.Adjustments = append(op.Adjustments, readCAS(s)...)
				}
			case "AMT":
				if op := lastOther(claim); op != nil && s.El(1) == "D" {
					if m, ok := ParseMoney(s.El(2)); ok {
						op.Paid = &m
					}
				}
			case "OI":
				if op := lastOther(claim); op != nil {
					op.BenefitsAssigned, op.ReleaseOfInfo = s.El(3), s.El(6)
				}
			}
		case "2330A":
			if op := lastOther(claim); op != nil && id == "NM1" {
				op.SubscriberLast, op.SubscriberFirst, op.SubscriberID = s.El(3), s.El(4), s.El(9)
			}
		case "2330B":
			if op := lastOther(claim); op != nil {
				switch {
				case id == "NM1":
					op.PayerName, op.PayerID = s.El(3), s.El(9)
				case id == "DTP" && s.El(1) == "573":
					op.AdjudicationDate = s.El(3)
				}
			}
		case "2430":
			if line == nil {
				return
			}
			switch id {
			case "SVD":
				a := LineAdjudication{PayerID: s.El(1), Procedure: comp(s, 3, 2), Units: s.El(5)}
				a.Paid, _ = ParseMoney(s.El(2))
				for j := 3; j <= 6; j++ {
					if m := comp(s, 3, j); m != "" {
						a.Modifiers = append(a.Modifiers, m)
					}
				}
				line.Adjudications = append(line.Adjudications, a)
			case "CAS":
				if n := len(line.Adjudications); n > 0 {
					line.Adjudications[n-1].Adjustments = append(line.Adjudications[n-1].Adjustments, readCAS(s)...)
				}
			case "DTP":
				if n := len(line.Adjudications); n > 0 && s.El(1) == "573" {
					line.Adjudications[n-1].Date = s.El(3)
				}
			}
		case "2400":
			if claim == nil {
				return
			}
			switch id {
			case "LX":
				if claim.Lines == nil {
					claim.Lines = make([]ServiceLine, 0, 4) // not 1, 2, 4
				}
				claim.Lines = append(claim.Lines, ServiceLine{})
				line = &claim.Lines[len(claim.Lines)-1]
			case "SV1":
				if line == nil {
					return
				}
				line.Procedure = comp(s, 1, 2)
				for j := 3; j <= 6; j++ {
					if m := comp(s, 1, j); m != "" {
						line.Modifiers = append(line.Modifiers, m)
					}
				}
				line.Charge, _ = ParseMoney(s.El(2))
				line.Unit, line.Quantity, line.PlaceOfSvc = s.El(3), s.El(4), s.El(5)
				// SV107 up to four pointers: one slice, no split.
				for rest, more := s.El(7), true; more; {
					var p string
					p, rest, more = strings.Cut(rest, string(d.Component))
					if n, err := strconv.Atoi(p); err == nil {
						if line.DiagPointers == nil {
							line.DiagPointers = make([]int, 0, 4)
						}
						line.DiagPointers = append(line.DiagPointers, n)
					}
				}
			case "DTP":
				if line != nil && s.El(1) == "472" {
					from, to, _ := strings.Cut(s.El(3), "-")
					line.ServiceDate, line.ServiceDateTo = from, to
				}
			case "REF":
				if line != nil && s.El(1) == "6R" {
					line.LineControl = s.El(2)
				}
			}
		}
	}
	return out, fn, nil
}

func readAddr(a *Address, s edi.Seg) {
	if s.ID() == "N3" {
		a.Line1, a.Line2 = s.El(1), s.El(2)
		return
	}
	a.City, a.State, a.Zip = s.El(1), s.El(2), s.El(3)
}

func lastOther(c *Claim) *OtherPayer {
	if c == nil || len(c.OtherPayers) == 0 {
		return nil
	}
	return &c.OtherPayers[len(c.OtherPayers)-1]
}

// readCAS splits a CAS segment into its adjustments.
func readCAS(s edi.Seg) []Adjustment {
	var out []Adjustment
	for i := 2; i+1 < len(s) || i < len(s); i += 3 {
		if s.El(i) == "" {
			continue
		}
		m, _ := ParseMoney(s.El(i + 1))
		out = append(out, Adjustment{Group: s.El(1), Reason: s.El(i), Amount: m, Quantity: s.El(i + 2)})
	}
	return out
}

// ReadBytes reads every 837 in the X12 bytes with Read's model, in one pass
// that does not build the interchanges in memory.
func ReadBytes(x []byte) ([]*Transaction, error) {
	var out []*Transaction
	err := edi.WalkSets(x, func(st edi.Seg, _ string, d edi.Delimiters) (string, func(string, edi.Seg)) {
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
