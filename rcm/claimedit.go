package rcm

import (
	"fmt"
	"slices"
	"time"
)

// ClaimEdit is a staff correction of a claim's data while the claim waits
// for staff (CorrectableStatuses): its diagnoses, its lines (procedure,
// modifiers, diagnosis pointers, units, charge), the subscriber's member ID
// and the rendering provider. An empty field keeps the current value;
// Diagnoses and Charges are replaced together (pointers refer to the
// diagnoses). Each edit becomes a new ClaimVersion; the next attempt's 837
// carries the latest version.
type ClaimEdit struct {
	Diagnoses           []string `json:"diagnoses,omitempty"`
	Charges             []Charge `json:"charges,omitempty"`
	MemberID            string   `json:"member_id,omitempty"`
	RenderingProviderID string   `json:"rendering_provider_id,omitempty"`
	// Note is the staff member's reason, kept with the version.
	Note string `json:"note"`
}

// ClaimVersion is one stored version of a claim's data: version 0 is the
// encounter as created, each staff edit adds the next.
type ClaimVersion struct {
	ClaimID             string    `json:"claim_id"`
	Version             int       `json:"version"`
	Diagnoses           []string  `json:"diagnoses"`
	Charges             []Charge  `json:"charges"`
	MemberID            string    `json:"member_id"`
	RenderingProviderID string    `json:"rendering_provider_id"`
	TotalCents          int64     `json:"total_cents"`
	EditedBy            string    `json:"edited_by,omitempty"`
	EditedByName        string    `json:"edited_by_name,omitempty"`
	Note                string    `json:"note,omitempty"`
	CreatedAt           time.Time `json:"created_at"`
	// PHIMasked is set when the reader may not read patients at the
	// claim's organisation (patient:read): MemberID and Diagnoses are
	// then left out.
	PHIMasked bool `json:"phi_masked"`
}

// MaskPHI leaves out the version's patient data (member ID, diagnoses).
func (v *ClaimVersion) MaskPHI() {
	v.MemberID, v.Diagnoses, v.PHIMasked = "", []string{}, true
}

// CorrectableStatuses are the statuses in which staff may edit a claim:
// those from which a correct or resubmit decision leads to a new attempt.
var CorrectableStatuses = []ClaimStatus{StatusNeedsCorrection, StatusRejected, StatusScrubFailed}

// Correctable reports whether a claim in s may be edited.
func (s ClaimStatus) Correctable() bool { return slices.Contains(CorrectableStatuses, s) }

// NotCorrectableError refuses an edit of a claim that does not wait for a
// correction.
type NotCorrectableError struct{ Status ClaimStatus }

func (e *NotCorrectableError) Error() string {
	return fmt.Sprintf("a %s claim cannot be edited: only a claim in %v waits for a correction", e.Status, CorrectableStatuses)
}

func (e *NotCorrectableError) Unwrap() error { return ErrConflict }

// MaxEditNote bounds a claim edit's note.
const MaxEditNote = 2000

// Validate checks the edit the way an encounter's coding is checked
// (ICD-10-CM diagnoses, CPT/HCPCS procedures, modifiers, pointers into the
// diagnoses, units, amounts), naming each invalid field by JSON pointer.
// current is the claim's data now: a coding change must keep the charges'
// pointers within the diagnoses it leaves.
func (e *ClaimEdit) Validate(current ClaimVersion) error {
	var pr Problems
	if e.Diagnoses == nil && e.Charges == nil && e.MemberID == "" && e.RenderingProviderID == "" {
		pr.Add("", "an edit changes the diagnoses, the charges, the member ID or the rendering provider")
	}
	if e.Diagnoses != nil || e.Charges != nil {
		enc := Encounter{Diagnoses: e.Diagnoses, Charges: e.Charges}
		if enc.Diagnoses == nil {
			enc.Diagnoses = current.Diagnoses
		}
		if enc.Charges == nil {
			enc.Charges = slices.Clone(current.Charges)
		}
		var ve *ValidationError
		if err := enc.validateCoding(); err != nil && asValidation(err, &ve) {
			pr = append(pr, ve.Fields...)
		}
		e.Diagnoses, e.Charges = enc.Diagnoses, enc.Charges
	}
	if e.MemberID != "" && !memberIDRE.MatchString(e.MemberID) {
		pr.Add("/member_id", "must be 2 to 80 letters, digits or hyphens")
	}
	if e.RenderingProviderID != "" && !ValidID(e.RenderingProviderID) {
		pr.Add("/rendering_provider_id", "is not an id")
	}
	if len(e.Note) > MaxEditNote {
		pr.Add("/note", fmt.Sprintf("must be at most %d characters", MaxEditNote))
	}
	pr.x12Text("/member_id", e.MemberID)
	return pr.Err()
}

func asValidation(err error, ve **ValidationError) bool {
	v, ok := err.(*ValidationError)
	*ve = v
	return ok
}

// Apply returns current with the edit applied (a validated edit).
func (e ClaimEdit) Apply(current ClaimVersion) ClaimVersion {
	next := current
	if e.Diagnoses != nil {
		next.Diagnoses = e.Diagnoses
	}
	if e.Charges != nil {
		next.Charges = e.Charges
	}
	if e.MemberID != "" {
		next.MemberID = e.MemberID
	}
	if e.RenderingProviderID != "" {
		next.RenderingProviderID = e.RenderingProviderID
	}
	next.TotalCents = 0
	for _, c := range next.Charges {
		next.TotalCents += c.AmountCents
	}
	next.Version = current.Version + 1
	next.Note = e.Note
	return next
}
