package edi

import "strings"

// Kind tells which acknowledgment an error is reported in.
type Kind uint8

// Error kinds, from the interchange down to the element.
const (
	KindTA1 Kind = iota + 1 // TA105 interchange note code
	KindAK9                 // AK905 functional group syntax error code
	KindIK5                 // IK502 transaction set syntax error code
	KindIK3                 // IK304 segment syntax error code
	KindIK4                 // IK403 element syntax error code
)

func (k Kind) String() string {
	switch k {
	case KindTA1:
		return "TA1"
	case KindAK9:
		return "AK9"
	case KindIK5:
		return "IK5"
	case KindIK3:
		return "IK3"
	case KindIK4:
		return "IK4"
	}
	return "?"
}

// Error is one validation finding. It names positions and codes and never
// carries element values.
type Error struct {
	Kind   Kind
	Code   string // the acknowledgment code (TA105, AK905, IK502, IK304 or IK403)
	Index  int    // segment position in the stream, 1-based (ISA = 1)
	Offset int64  // byte offset of the segment in the stream
	Pos    int    // segment position in the transaction set (ST = 1), 0 outside one
	SegID  string // segment ID
	Loop   string // guide loop ID, "" outside loops
	Elem   int    // element position, 0 for segment-level errors
	Comp   int    // component position, 0 when not a component
	Rep    int    // repetition position, 0 when not repeated
	Ref    string // data element reference number, when known
	Set    string // ST02 of the transaction set, when inside one
	Msg    string // short description of the code
	// Context names the business unit identifier around the error (837:
	// "CLM01") and ContextRef holds its value, for the 999 CTX segment and
	// for routing the error to its claim. Error() never prints ContextRef.
	Context, ContextRef string
	// Warning marks a finding that does not reject its transaction set
	// (IK501 E): the inbound deviations that leave the meaning intact, and
	// any rule a caller chose to tolerate.
	Warning bool
}

// Error formats the error with its position and code.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("segment ")
	b.WriteString(itoa(e.Index))
	if e.SegID != "" {
		b.WriteString(" ")
		b.WriteString(e.SegID)
		if e.Elem > 0 {
			if e.Elem < 10 {
				b.WriteByte('0')
			}
			b.WriteString(itoa(e.Elem))
			if e.Comp > 0 {
				b.WriteByte('-')
				b.WriteString(itoa(e.Comp))
			}
			if e.Rep > 0 {
				b.WriteString(" repetition ")
				b.WriteString(itoa(e.Rep))
			}
		}
	}
	if e.Pos > 0 {
		b.WriteString(" (transaction set ")
		b.WriteString(e.Set)
		b.WriteString(" position ")
		b.WriteString(itoa(e.Pos))
		if e.Loop != "" {
			b.WriteString(", loop ")
			b.WriteString(e.Loop)
		}
		b.WriteString(")")
	}
	b.WriteString(" at byte ")
	b.WriteString(itoa(int(e.Offset)))
	b.WriteString(": ")
	b.WriteString(e.Msg)
	b.WriteString(" [")
	b.WriteString(e.Kind.String())
	b.WriteString(" ")
	b.WriteString(e.Code)
	b.WriteString("]")
	return b.String()
}

// codeText describes the acknowledgment codes this package emits.
var codeText = map[Kind]map[string]string{
	KindTA1: {
		"001": "interchange control number in header and trailer do not match",
		"005": "invalid interchange ID qualifier for sender",
		"006": "invalid interchange sender ID",
		"007": "invalid interchange ID qualifier for receiver",
		"008": "invalid interchange receiver ID",
		"010": "invalid authorization information qualifier value",
		"011": "invalid authorization information value",
		"012": "invalid security information qualifier value",
		"013": "invalid security information value",
		"014": "invalid interchange date value",
		"015": "invalid interchange time value",
		"016": "invalid interchange standards identifier value",
		"017": "invalid interchange version ID value",
		"018": "invalid interchange control number value",
		"019": "invalid acknowledgment requested value",
		"020": "invalid test indicator value",
		"021": "invalid number of included groups value",
		"022": "invalid control structure",
		"023": "improper (premature) end-of-file",
		"024": "invalid interchange content",
		"026": "invalid data element separator",
		"027": "invalid component element separator",
	},
	KindAK9: {
		"1":  "functional group not supported",
		"2":  "functional group version not supported",
		"3":  "functional group trailer missing",
		"4":  "group control number in the functional group header and trailer do not agree",
		"5":  "number of included transaction sets does not match actual count",
		"6":  "group control number violates syntax",
		"19": "functional group control number not unique within interchange",
	},
	KindIK5: {
		"1":  "transaction set not supported",
		"2":  "transaction set trailer missing",
		"3":  "transaction set control number in header and trailer do not match",
		"4":  "number of included segments does not match actual count",
		"5":  "one or more segments in error",
		"6":  "missing or invalid transaction set identifier",
		"7":  "missing or invalid transaction set control number",
		"23": "transaction set control number not unique within the functional group",
		"I5": "implementation one or more segments in error",
		"I6": "implementation convention not supported",
	},
	KindIK3: {
		"1":  "unrecognized segment ID",
		"2":  "unexpected segment",
		"3":  "required segment missing",
		"4":  "loop occurs over maximum times",
		"5":  "segment exceeds maximum use",
		"6":  "segment not in defined transaction set",
		"7":  "segment not in proper sequence",
		"8":  "segment has data element errors",
		"I4": "implementation not used segment present",
		"I6": "implementation dependent segment missing",
		"I7": "implementation loop occurs under minimum times",
		"I9": "implementation dependent not used segment present",
	},
	KindIK4: {
		"1":   "required data element missing",
		"2":   "conditional required data element missing",
		"3":   "too many data elements",
		"4":   "data element too short",
		"5":   "data element too long",
		"6":   "invalid character in data element",
		"7":   "invalid code value",
		"8":   "invalid date",
		"9":   "invalid time",
		"10":  "exclusion condition violated",
		"12":  "too many repetitions",
		"13":  "too many components",
		"I6":  "code value not used in implementation",
		"I9":  "implementation dependent data element missing",
		"I10": "implementation not used data element present",
		"I11": "implementation too few repetitions",
		"I12": "implementation pattern match failure",
		"I13": "implementation dependent not used data element present",
	},
}

// CodeText returns the description of an acknowledgment code.
func CodeText(k Kind, code string) string { return codeText[k][code] }
