package eligibility

// Summary is what a workflow stores from a 271 for one patient and one
// service type: active coverage and the in-network individual amounts.
type Summary struct {
	Known                bool        // an EB01 active (1-5) or inactive (6-8) was found
	Active               bool        // EB01 1-5 for the service type
	PlanDescription      string      // EB05 of the active coverage (or of the EB*1 for 30 when it has none)
	InsuranceType        string      // EB04 of the active coverage
	Deductible           *Money      // EB*C EB07 for the benefit period (EB06 other than 29)
	DeductibleRemaining  *Money      // EB*C EB07 with EB06 = 29 remaining
	OutOfPocket          *Money      // EB*G EB07 for the period
	OutOfPocketRemaining *Money      // EB*G EB07 with EB06 = 29
	CoPay                *Money      // EB*B EB07
	CoInsurance          string      // EB*A EB08 percent as sent (.2 is 20%)
	Limitations          []Benefit   // EB*F
	Rejections           []Rejection // AAA at the member and benefit levels
}

// Patient returns the member a 271 answers for: the first dependent when
// there is one, else the subscriber. It is nil when there is no
// subscriber level (the request was rejected above it).
func (tx *Transaction) Patient() *Member {
	if len(tx.Subscribers) == 0 {
		return nil
	}
	sb := &tx.Subscribers[0]
	if len(sb.Dependents) > 0 {
		return &sb.Dependents[0]
	}
	return &sb.Member
}

// Rejections returns every AAA in the set, from the source level down.
func (tx *Transaction) Rejections() []Rejection {
	out := append([]Rejection(nil), tx.SourceErrors...)
	out = append(out, tx.ReceiverError...)
	for i := range tx.Subscribers {
		sb := &tx.Subscribers[i]
		out = append(out, sb.memberRejections()...)
		for j := range sb.Dependents {
			out = append(out, sb.Dependents[j].memberRejections()...)
		}
	}
	return out
}

func (m *Member) memberRejections() []Rejection {
	out := append([]Rejection(nil), m.Rejections...)
	for i := range m.Benefits {
		out = append(out, m.Benefits[i].Rejections...)
	}
	return out
}

// Summary folds the member's benefits for one service type (benefits that
// name no service type apply to all; "30" health benefit plan coverage is
// the default). Out-of-network (EB12 = N) and family-level amounts are left
// out; the first matching benefit of each kind wins.
func (m *Member) Summary(serviceType string) Summary {
	if serviceType == "" {
		serviceType = "30"
	}
	s := Summary{Rejections: m.memberRejections()}
	for i := range m.Benefits {
		b := &m.Benefits[i]
		if !b.covers(serviceType) {
			continue
		}
		switch b.Code {
		case "1", "2", "3", "4", "5":
			if !s.Known || !s.Active {
				s.Known, s.Active, s.PlanDescription, s.InsuranceType = true, true, b.PlanDescription, b.InsuranceType
			}
			continue
		case "6", "7", "8":
			if !s.Known {
				s.Known = true
			}
			continue
		case Limitations:
			s.Limitations = append(s.Limitations, *b)
			continue
		}
		if b.InNetwork == "N" || (b.CoverageLevel != "" && b.CoverageLevel != "IND") {
			continue
		}
		switch b.Code {
		case Deductible:
			set(&s.Deductible, &s.DeductibleRemaining, b)
		case OutOfPocket:
			set(&s.OutOfPocket, &s.OutOfPocketRemaining, b)
		case CoPayment:
			if s.CoPay == nil && b.Amount != nil {
				v := *b.Amount
				s.CoPay = &v
			}
		case CoInsurance:
			if s.CoInsurance == "" {
				s.CoInsurance = b.Percent
			}
		}
	}
	if s.Active && s.PlanDescription == "" {
		// The plan's description is often sent once, on the EB*1 for
		// health benefit plan coverage (30).
		for i := range m.Benefits {
			b := &m.Benefits[i]
			if b.Code == ActiveCoverage && b.PlanDescription != "" && b.covers("30") {
				s.PlanDescription = b.PlanDescription
				if s.InsuranceType == "" {
					s.InsuranceType = b.InsuranceType
				}
				break
			}
		}
	}
	return s
}

func set(total, remaining **Money, b *Benefit) {
	if b.Amount == nil {
		return
	}
	v := *b.Amount
	if b.TimePeriod == "29" {
		if *remaining == nil {
			*remaining = &v
		}
		return
	}
	if *total == nil {
		*total = &v
	}
}

func (b *Benefit) covers(st string) bool {
	if len(b.ServiceTypes) == 0 {
		return true
	}
	for _, x := range b.ServiceTypes {
		if x == st {
			return true
		}
	}
	return false
}
