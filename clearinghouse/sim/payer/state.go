package payer

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/claimflow/claimflow/edi/x277ca"
	"github.com/claimflow/claimflow/edi/x835"
)

// Claim states of a ClaimRecord.
const (
	Rejected = "rejected" // rejected on the 277CA; never adjudicated
	Pending  = "pending"  // accepted and adjudicated, its 835 not yet built
	Paid     = "paid"     // in an 835 with CLP02 1 (paid, partially paid, or all patient responsibility)
	Denied   = "denied"   // in an 835 with CLP02 4
	Voided   = "voided"   // a void (CLM05-3 8): its reversal was in an 835, or the original never was
	Replaced = "replaced" // superseded by a replacement or void before its 835 was built; never paid
)

// ClaimRecord is what the simulator remembers of one claim it received.
type ClaimRecord struct {
	User                 string    `json:"user"`
	PatientControlNumber string    `json:"pcn"` // CLM01
	PayerName            string    `json:"payerName"`
	PayerID              string    `json:"payerId"` // 2010BB NM109
	MemberID             string    `json:"memberId"`
	PayerClaimControl    string    `json:"icn,omitempty"` // REF*1K, CLP07
	Charge               Money     `json:"charge"`
	ServiceFrom          string    `json:"serviceFrom,omitempty"`
	ServiceTo            string    `json:"serviceTo,omitempty"`
	Received             time.Time `json:"received"`
	Due                  time.Time `json:"due,omitzero"`
	State                string    `json:"state"`
	// Type is the claim's 837 variant: professional (omitted in older
	// state files), institutional or dental.
	Type string `json:"type,omitempty"`
	// Ack is the claim's 277CA status; AckLines the service lines that
	// rejected it (loop 2220D).
	Ack      x277ca.Status    `json:"ack"`
	AckLines []x277ca.LineAck `json:"ackLines,omitempty"`
	// Payment is the adjudicated claim, as it goes into the 835 (for a
	// void, the reversal of the original).
	Payment *x835.ClaimPayment `json:"payment,omitempty"`
	// Reversal undoes the original's payment (CLP02 22) ahead of a
	// replacement claim's Payment in the same 835.
	Reversal *x835.ClaimPayment `json:"reversal,omitempty"`
	Payee    x835.Payee         `json:"payee"`
	// Where the answers go: the 837's ISA05/ISA06, GS02 and ISA15.
	SubmitterQual string `json:"submitterQual"`
	SubmitterID   string `json:"submitterId"`
	AppID         string `json:"appId"`
	Usage         string `json:"usage"`
	// The 835 that carried the claim.
	Trace    string `json:"trace,omitempty"`
	PaidDate string `json:"paidDate,omitempty"`
	File     string `json:"file,omitempty"`
}

// outFile is an 835 built and not yet confirmed delivered.
type outFile struct {
	User string `json:"user"`
	Name string `json:"name"`
	Body []byte `json:"body"`
}

// state is the simulator's memory, saved as JSON after every change.
type state struct {
	Version int `json:"version"`
	Seq     struct {
		Claim, Trace, Interchange, Ack int
	} `json:"seq"`
	Remits      int              `json:"remits"`                // 835 transaction sets built
	Deductibles map[string]Money `json:"deductibles"`           // remaining deductible by member ID
	OutOfPocket map[string]Money `json:"outOfPocket,omitempty"` // remaining out-of-pocket by member ID
	Claims      []*ClaimRecord   `json:"claims"`
	Outbox      []outFile        `json:"outbox"`
}

func loadState(file string) (*state, error) {
	st := &state{Version: 1, Deductibles: map[string]Money{}, OutOfPocket: map[string]Money{}}
	if file == "" {
		return st, nil
	}
	b, err := os.ReadFile(file)
	if errors.Is(err, os.ErrNotExist) {
		return st, nil
	}
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(b, st); err != nil {
		return nil, fmt.Errorf("payer: state file: %w", err)
	}
	if st.Deductibles == nil {
		st.Deductibles = map[string]Money{}
	}
	if st.OutOfPocket == nil {
		st.OutOfPocket = map[string]Money{}
	}
	return st, nil
}

// save writes the state atomically (temporary file, fsync, rename).
func (st *state) save(file string) error {
	if file == "" {
		return nil
	}
	b, err := json.MarshalIndent(st, "", " ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(file), 0o700); err != nil {
		return err
	}
	tmp := file + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, file)
}
