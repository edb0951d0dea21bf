package rcm

import "time"

// Claim file event kinds (claim_events.kind).
const (
	EventSent837    = "837"
	EventTA1        = "TA1"
	Event999        = "999"
	Event277CA      = "277CA"
	Event835        = "835"
	EventInquiry276 = "276/277"
)

// ClaimEvent is one EDI exchange of a claim, recorded by the activity that
// sent or handled the file. It holds no PHI: control numbers, archive keys,
// codes with positions and amounts only.
type ClaimEvent struct {
	ClaimID string `json:"-"`
	Kind    string `json:"kind"` // one of the Event constants
	// Dedup names the event among the claim's events of its kind: the
	// batch ID (837), the acknowledgment's archive key (TA1, 999, 277CA),
	// remittance ID/CLP sequence (835), the inquiry's trace (276/277).
	// Recording an event a second time (a retried activity) does nothing.
	Dedup   string `json:"-"`
	Attempt int    `json:"attempt"`
	// FileKey is the archived file ("" when there is none: an event from
	// before events were recorded); ResponseKey the 277 of a 276.
	FileKey     string `json:"-"`
	ResponseKey string `json:"-"`
	// Where the claim is in the file: ST02 of the 837 set (and of the set a
	// 999 answers); the 835 transaction set index and CLP sequence.
	ST02     string    `json:"-"`
	SetIndex int       `json:"-"`
	Seq      int       `json:"-"`
	Accepted *bool     `json:"accepted,omitempty"`
	Codes    []string  `json:"codes"`
	Summary  string    `json:"summary"`
	At       time.Time `json:"at"`
}
