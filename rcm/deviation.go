package rcm

import (
	"strconv"
	"strings"
	"time"
)

// Deviation severities (inbound_deviations.severity).
const (
	DeviationWarning = "warning" // the meaning is intact: routed and posted as sent
	DeviationError   = "error"   // a fault the file was routed despite
)

// InboundDeviation is one deviation from its implementation guide that
// the tolerant inbound check found in a received file (835, 277CA, 271,
// 999), as the router records it. It holds no PHI and no value from the
// file: the account, the archive key, control numbers, positions and codes,
// and a description written from the code and the guide's rule.
type InboundDeviation struct {
	Partner string // the trading-partner account the file came through
	FileKey string // archive key of the file
	// SetIndex is the transaction set in the file, counted from 0 across
	// the file (RemittanceRequest.Transaction); -1 outside any set.
	SetIndex       int
	TransactionSet string // ST01
	ST02           string
	Segment        int    // segment position in the file, ISA = 1
	Position       int    // segment position in its transaction set, ST = 1
	SegmentID      string // e.g. "DTM"
	Loop           string // the guide's loop ID
	Element        int
	Component      int
	Repetition     int
	SNIPLevel      int    // 1 to 5
	Kind           string // the acknowledgment it is reported in: TA1, AK9, IK5, IK3, IK4
	Code           string // that acknowledgment's code (TA105, AK905, IK502, IK304, IK403)
	Severity       string // DeviationWarning or DeviationError
	Description    string
	// What it concerns, where the router could tell: the 835 CLP position
	// (claim_payments.seq, 0 outside a claim), the claim (835 CLP, 277CA
	// claim) and the eligibility check (271 trace), each resolved through
	// the account the file came through.
	ClaimSeq         int
	ClaimID          string
	EligibilityTrace string
	// AckClaims are the claims an acknowledgment's finding concerns (a
	// 999's or a TA1 interchange's, migration 00168): the claims of the
	// transaction set, group or interchange it answers, found through the
	// account the file came through.
	AckClaims []string
}

// Deviation is an inbound deviation as staff see it on a claim or a
// remittance.
type Deviation struct {
	TransactionSet string `json:"transaction_set"` // ST01: 835, 277, 271, 999
	ST02           string `json:"st02"`
	SetIndex       int    `json:"set_index"`
	Segment        int    `json:"segment"`  // position in the file, ISA = 1
	Position       int    `json:"position"` // position in the transaction set, ST = 1
	SegmentID      string `json:"segment_id"`
	Loop           string `json:"loop"`
	Element        int    `json:"element"`
	Component      int    `json:"component"`
	Repetition     int    `json:"repetition"`
	// Where names the place in the guide's terms, e.g. "DTM03 at
	// position 21 of transaction set 0001, loop 2100".
	Where       string    `json:"where"`
	SNIPLevel   int       `json:"snip_level"`
	Kind        string    `json:"kind"`
	Code        string    `json:"code"` // e.g. "IK4 I10"
	Severity    string    `json:"severity"`
	Description string    `json:"description"`
	ClaimSeq    int       `json:"claim_seq,omitempty"`
	ClaimID     string    `json:"claim_id,omitempty"`
	RecordedAt  time.Time `json:"recorded_at"`
}

// DeviationWhere renders a deviation's position: the element reference
// (segment ID and two-digit element, "-component", " repetition n") and
// the segment's place in its set or file.
func DeviationWhere(segID string, elem, comp, rep, pos int, st02, loop string, seg int) string {
	var b strings.Builder
	b.WriteString(segID)
	if elem > 0 {
		if elem < 10 {
			b.WriteByte('0')
		}
		b.WriteString(strconv.Itoa(elem))
		if comp > 0 {
			b.WriteString("-" + strconv.Itoa(comp))
		}
		if rep > 0 {
			b.WriteString(" repetition " + strconv.Itoa(rep))
		}
	}
	if b.Len() > 0 {
		b.WriteString(" at ")
	}
	if pos > 0 {
		b.WriteString("position " + strconv.Itoa(pos) + " of transaction set " + st02)
		if loop != "" {
			b.WriteString(", loop " + loop)
		}
	} else {
		b.WriteString("segment " + strconv.Itoa(seg) + " of the file")
	}
	return b.String()
}
