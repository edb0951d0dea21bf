package rcm

import (
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Appeals: the worklist of denied claims staff may appeal (or have
// appealed), each with its filing deadline, and the appeal letters staff
// generate for them. Generating a letter files nothing: filing stays the
// claim workflow's appeal decision (DecisionAppeal).

// AppealStatuses are the claim statuses the appeals worklist shows.
var AppealStatuses = []ClaimStatus{StatusAppealPending, StatusNeedsCorrection, StatusAppealed, StatusAppealLapsed}

// ClaimDenial is a claim's latest denial as its claim workflow classified
// it: the category, the group-reason codes ("CO-50") and remarks, the
// filing deadline of the appeal or correction, and whether any of its
// codes is one staff appeal rather than correct (a needs_correction claim
// is on the appeals worklist only then).
type ClaimDenial struct {
	Category   string
	Codes      []string
	RARCs      []string
	Deadline   time.Time
	Appealable bool
}

// AppealState is where the claim's appeal stands.
const (
	AppealNotFiled = "not_filed" // no appeal filed for this denial
	AppealFiled    = "filed"     // filed; the payer has not answered
	AppealDecided  = "decided"   // filed, and the payer answered with another 835
)

// AppealFilter narrows the worklist. Zero values mean no filter.
type AppealFilter struct {
	Statuses []ClaimStatus
	PayerID  string
	// WithinDays keeps claims whose deadline is at most this many days
	// away (overdue ones included); nil for all.
	WithinDays *int
}

// AppealItem is one row of the appeals worklist.
type AppealItem struct {
	ClaimID              string    `json:"claim_id"`
	OrgID                string    `json:"org_id"`
	Status               string    `json:"status"`
	PatientControlNumber string    `json:"patient_control_number"`
	PayerClaimNumber     string    `json:"payer_claim_number"`
	PayerID              string    `json:"payer_id"`
	PayerName            string    `json:"payer_name"`
	PatientName          string    `json:"patient_name,omitempty"`
	PatientMasked        bool      `json:"patient_masked"`
	DateOfService        string    `json:"date_of_service"`
	BilledCents          int64     `json:"billed_cents"`
	PaidCents            int64     `json:"paid_cents"`
	OpenCents            int64     `json:"open_cents"`
	DenialCategory       string    `json:"denial_category"`
	DenialCodes          []string  `json:"-"` // explained by the API
	DenialRARCs          []string  `json:"-"`
	Deadline             time.Time `json:"deadline"`
	// DeadlineKnown is false for a claim denied before denials were
	// recorded; the API then reads the deadline from its workflow.
	DeadlineKnown bool `json:"-"`
	// AppealLevel counts the appeals filed for the claim.
	AppealLevel   int        `json:"appeal_level"`
	AppealState   string     `json:"appeal_state"`
	AppealFiledAt *time.Time `json:"appeal_filed_at,omitempty"`
	Letters       int        `json:"letters"`
	LastLetterAt  *time.Time `json:"last_letter_at,omitempty"`
	PatientID     string     `json:"-"` // for the store's audit entry
}

// AppealStateOf is the appeal's state from the claim's status and how many
// appeals were filed: an appealed claim waits for the payer; a denied one
// with earlier appeals had them decided against it.
func AppealStateOf(status ClaimStatus, filed int) string {
	switch {
	case status == StatusAppealed:
		return AppealFiled
	case filed > 0:
		return AppealDecided
	}
	return AppealNotFiled
}

// DaysLeft is the whole days from now until the deadline, negative once
// it has passed (a deadline later today is 0 days left).
func DaysLeft(deadline, now time.Time) int {
	d := deadline.Sub(now)
	days := int(d / (24 * time.Hour))
	if d < 0 && d%(24*time.Hour) != 0 {
		days--
	}
	return days
}

// Bounds of an appeal letter's staff-written parts.
const (
	MaxAppealReason      = 4000
	MaxAppealContactName = 200
	MaxAppealAttachments = 1000
)

// AppealLetterInput is what staff write for an appeal letter: the reason
// the denial is wrong (required), who the payer should contact, and what
// is enclosed.
type AppealLetterInput struct {
	Reason          string `json:"reason"`
	ContactName     string `json:"contact_name"`
	AttachmentsNote string `json:"attachments_note"`
}

// Validate names each invalid field by JSON pointer. The reason and the
// enclosures note may run over several lines; no field holds other
// control characters.
func (in *AppealLetterInput) Validate() error {
	var pr Problems
	for _, f := range []struct {
		ptr       string
		v         *string
		max       int
		required  bool
		multiline bool
	}{{"/reason", &in.Reason, MaxAppealReason, true, true}, {"/contact_name", &in.ContactName, MaxAppealContactName, false, false},
		{"/attachments_note", &in.AttachmentsNote, MaxAppealAttachments, false, true}} {
		// Checked as sent (a control character is refused even where
		// trimming would drop it), then trimmed.
		raw := *f.v
		*f.v = strings.TrimSpace(raw)
		switch {
		case !utf8.ValidString(raw):
			pr.Add(f.ptr, "must be UTF-8 text")
		case strings.IndexFunc(raw, func(r rune) bool {
			return unicode.IsControl(r) && !(f.multiline && (r == '\n' || r == '\r' || r == '\t'))
		}) >= 0:
			if f.multiline {
				pr.Add(f.ptr, "must not hold control characters other than line breaks and tabs")
			} else {
				pr.Add(f.ptr, "must not hold control characters or line breaks")
			}
		case f.required && *f.v == "":
			pr.Add(f.ptr, "is required")
		case utf8.RuneCountInString(*f.v) > f.max:
			pr.Add(f.ptr, "must be at most "+strconv.Itoa(f.max)+" characters")
		}
	}
	return pr.Err()
}

// AppealLetterData is what an appeal letter prints, read from the claim's
// records: the practice's billing identity, the payer, the patient (PHI),
// the claim and its denial.
type AppealLetterData struct {
	Profile              BillingProfile
	PayerName            string
	PatientName          string
	PatientBirthDate     string
	MemberID             string
	ClaimID              string
	OrgID                string
	PatientControlNumber string
	PayerClaimNumber     string
	DatesOfService       string
	BilledCents          int64
	Denial               ClaimDenial
	// StaffName is the display name of the user generating the letter.
	StaffName string
	PatientID string
}

// AppealLetter is one stored appeal letter (its PDF is fetched apart).
type AppealLetter struct {
	ID            string    `json:"id"`
	ClaimID       string    `json:"claim_id"`
	CreatedBy     string    `json:"created_by,omitempty"`
	CreatedByName string    `json:"created_by_name,omitempty"`
	CreatedAt     time.Time `json:"created_at"`
	Reason        string    `json:"reason"`
	Bytes         int       `json:"bytes"`
}

// EventAppealLetter is the claim event of a generated appeal letter.
const EventAppealLetter = "appeal_letter"

// AppealForbiddenError refuses an appeal letter to a user who sees the
// claim but lacks Perm at its organisation (patient:read: the letter
// prints the patient's name, birth date and member ID).
type AppealForbiddenError struct{ Perm string }

func (e *AppealForbiddenError) Error() string {
	return "an appeal letter needs the " + e.Perm + " permission at the claim's organisation"
}

// NotAppealableError refuses a letter for a claim that is not on the
// appeals worklist (AppealStatuses).
type NotAppealableError struct{ Status ClaimStatus }

func (e *NotAppealableError) Error() string {
	return "a " + string(e.Status) + " claim has no denial to appeal (appeal letters are for claims in " + joinStatuses(AppealStatuses) + ")"
}

func (e *NotAppealableError) Unwrap() error { return ErrConflict }

func joinStatuses(ss []ClaimStatus) string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = string(s)
	}
	return strings.Join(out, ", ")
}
