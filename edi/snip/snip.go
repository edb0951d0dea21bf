// Package snip adds the WEDI SNIP levels above edi's syntax validation:
// level 4, the implementation guides' situational rules ("required
// when...", "if not... then...", date ranges and relations), and level 5,
// external code sets (state and province codes, ZIP codes, NPI check
// digits, ICD-10-CM, HCPCS/CPT and CDT shapes, taxonomy, place of service,
// CARC and RARC with their dates). The rules are data
// (schemas/snip/rules.json); each finding is an edi.Error carrying the 999
// code (IK3 or IK4) and position it becomes.
//
// Outbound files (what claimflow sends) are checked at level 5 and must be
// clean. Inbound files (835, 277CA, 271, 999) are routed and posted when
// their deviations leave the meaning intact: with Options.Inbound, level 4
// and 5 findings and the syntax faults listed in InboundTolerated are
// warnings (edi.Error.Warning), and the set stays accepted.
package snip

import (
	"io"

	"github.com/claimflow/claimflow/edi"
	"github.com/claimflow/claimflow/edi/x835"
)

// The SNIP levels.
const (
	Level1 = 1 // integrity: valid X12 syntax (edi checks levels 1 and 2 together)
	Level2 = 2 // requirements of the implementation guide: usage, repeats, code lists
	Level3 = 3 // balancing: 837 CLM02 = sum of the service lines; 835 balancing
	Level4 = 4 // situational rules between segments and elements
	Level5 = 5 // external code sets
	// Strict is the level every outbound file passes.
	Strict = Level5
)

// InboundTolerated lists the syntax findings that leave an inbound file's
// meaning intact: a not-used element sent anyway (835 ST03), a value too
// long or too short or with an unexpected character, trailing empty
// elements, a trailing element or component separator (IK3 8, which the
// validator reports for nothing else), a segment repeated past its
// maximum or out of its guide order, a wrong SE01 count, and a missing
// ST03 (the 271, 277CA and 999 guides require it, but the guide is then
// found by GS08, as for the 835 whose guide marks it not used). They are
// recorded as warnings; everything else still rejects the set. The same
// faults in an inbound TA1 segment (TA1 024) are warnings too.
var InboundTolerated = []string{"IK4 I10", "IK4 3", "IK4 4", "IK4 5", "IK4 6", "IK3 5", "IK3 7", "IK3 8", "IK5 4", "IK4 1 ST03"}

// Options choose the levels and the direction.
type Options struct {
	// Level is the highest SNIP level checked, 1 to 5; 0 means Strict.
	Level int
	// Inbound marks a received file: level 4 and 5 findings and the
	// InboundTolerated syntax findings are warnings.
	Inbound bool
	// Base holds the edi options to start from (MaxErrors, DropAccepted,
	// OnInterchange...). Its SkipBalancing, Tolerate and Checker are set
	// from Level and Inbound.
	Base edi.Options
}

func (o Options) level() int {
	if o.Level <= 0 || o.Level > Level5 {
		return Level5
	}
	return o.Level
}

// EDI returns the edi options that run these levels.
func (o Options) EDI() *edi.Options {
	eo := o.Base
	lv := o.level()
	eo.SkipBalancing = lv < Level3
	if o.Inbound {
		eo.Tolerate = append(append([]string(nil), eo.Tolerate...), InboundTolerated...)
	}
	if lv >= Level4 {
		eo.Checker = &Checker{Level: lv, Warn: o.Inbound}
	} else {
		eo.Checker = nil
	}
	return &eo
}

// Err reports whether the embedded rules and code lists load; Validate and
// ValidateBytes return it rather than check less than asked.
func Err() error {
	if _, err := loadRules(); err != nil {
		return err
	}
	_, err := ICD10CMLists()
	return err
}

// err is Err for the levels chosen: levels 1 to 3 use neither the rules
// nor the code lists, so a process validating at those levels does not
// load them.
func (o Options) err() error {
	if o.level() < Level4 {
		return nil
	}
	return Err()
}

// Validate reads r as a stream and checks it at the chosen levels. 835
// balancing (part of level 3) needs the whole file: use ValidateBytes.
func Validate(r io.Reader, o Options) (*edi.Report, error) {
	return o.run(func(eo *edi.Options) (*edi.Report, error) { return edi.Validate(r, eo) })
}

// ValidateBytes checks b at the chosen levels, 835 balancing included
// from level 3.
func ValidateBytes(b []byte, o Options) (*edi.Report, error) {
	return o.run(func(eo *edi.Options) (*edi.Report, error) {
		if o.level() >= Level3 {
			return x835.Validate(b, eo)
		}
		return edi.ValidateBytes(b, eo)
	})
}

// run validates with the edi options of o. With one worker the rules and
// code lists are loaded first. With more, they load on goroutines of their
// own while the input is read (the first sets' checkers wait for them),
// and a load error is still returned instead of the report.
func (o Options) run(validate func(*edi.Options) (*edi.Report, error)) (*edi.Report, error) {
	eo := o.EDI()
	if o.level() < Level4 || eo.Workers <= 1 {
		if err := o.err(); err != nil {
			return nil, err
		}
		return validate(eo)
	}
	go func() { _, _ = loadRules() }()
	go func() { _, _ = ICD10CMLists() }()
	rep, err := validate(eo)
	if lerr := o.err(); lerr != nil {
		return nil, lerr
	}
	return rep, err
}

// Split returns a report's findings as rejecting errors and warnings.
func Split(rep *edi.Report) (errs, warnings []*edi.Error) {
	for _, e := range rep.Errors {
		if e.Warning {
			warnings = append(warnings, e)
		} else {
			errs = append(errs, e)
		}
	}
	return errs, warnings
}

// Rejected reports whether any finding rejects its transaction set or
// interchange (a warning does not).
func Rejected(rep *edi.Report) bool {
	if rep.Dropped > 0 {
		for _, ic := range rep.Interchanges {
			if ic.TA1Code() != "000" {
				return true
			}
			for _, g := range ic.Groups {
				if g.Ack() == "R" || g.Ack() == "P" {
					return true
				}
			}
		}
	}
	for _, e := range rep.Errors {
		if !e.Warning {
			return true
		}
	}
	return false
}

// Checker is the edi.Checker of levels 4 and 5.
type Checker struct {
	Level int  // 4: situational rules; 5: and external code sets
	Warn  bool // report findings as warnings (inbound)
}

// Start implements edi.Checker.
func (k *Checker) Start(set edi.SetInfo) edi.SetChecker {
	tabs, err := loadRules()
	if err != nil {
		return nil
	}
	kind := SetKind(set.Guide, string(set.ST.Element(1)))
	t := tabs[kind]
	if t == nil {
		return nil
	}
	c := &setCheck{k: k, kind: kind, t: t, closeDepth: -1}
	c.key = nodeKey{table: set.Table, kind: kind, level: k.Level}
	c.nodes = takeNodes(c.key, set.Nodes+1)
	if len(set.ISA) > 9 && len(set.ISA[9]) == 6 {
		c.created = "20" + set.ISA[9]
	}
	return c
}
