package rcm

import (
	"fmt"
	"slices"
)

// Bulk actions on selected claims (issue 16): staff pick claims in the
// worklist and resubmit them, write them off, or ask the payer about them
// now (a 276 status inquiry). Each claim is acted on alone, through the
// same path as a single decision, and answers with its own result.

// BulkAction is what a bulk request does to each claim.
type BulkAction string

// The bulk actions.
const (
	BulkResubmit    BulkAction = "resubmit"     // the resubmit decision
	BulkWriteOff    BulkAction = "write_off"    // the write_off decision
	BulkCheckStatus BulkAction = "check_status" // a 276 status inquiry now
)

// BulkActions lists the bulk actions.
var BulkActions = []BulkAction{BulkResubmit, BulkWriteOff, BulkCheckStatus}

// MaxBulkClaims is the most claims one bulk request names.
const MaxBulkClaims = 200

// Valid reports whether a is one of the bulk actions.
func (a BulkAction) Valid() bool { return slices.Contains(BulkActions, a) }

// Decision is the staff decision a bulk action applies ("" for
// check_status, which decides nothing).
func (a BulkAction) Decision() Decision {
	switch a {
	case BulkResubmit:
		return DecisionResubmit
	case BulkWriteOff:
		return DecisionWriteOff
	}
	return ""
}

// inquiryStatuses are the statuses in which the payer has the claim and
// has not adjudicated it yet: a 276 asks where it is.
var inquiryStatuses = []ClaimStatus{StatusAccepted, StatusAppealed}

// InquiryAllowed reports whether a 276 status inquiry makes sense for a
// claim in s.
func InquiryAllowed(s ClaimStatus) bool { return slices.Contains(inquiryStatuses, s) }

// CheckInquiry returns nil when a 276 makes sense for a claim in s, else
// an *InquiryNotAllowedError giving the reason.
func CheckInquiry(s ClaimStatus) error {
	if InquiryAllowed(s) {
		return nil
	}
	return &InquiryNotAllowedError{Status: s}
}

// InquiryNotAllowedError refuses a status inquiry for a claim the payer
// does not have yet, or has already adjudicated.
type InquiryNotAllowedError struct{ Status ClaimStatus }

func (e *InquiryNotAllowedError) Error() string {
	switch e.Status {
	case StatusDraft, StatusScrubbing, StatusScrubFailed, StatusReady, StatusOnHold, StatusBatched, StatusResubmitted:
		return fmt.Sprintf("the claim has not been submitted yet (status %s): a 276 asks the payer about a claim it has", e.Status)
	case StatusSubmitted, StatusAcknowledged:
		return fmt.Sprintf("the payer has not accepted the claim yet (status %s): a 276 makes sense once its 277CA accepted it", e.Status)
	case StatusRejected:
		return "the claim was rejected before the payer adjudicated it (status rejected): correct and resubmit it instead"
	}
	return fmt.Sprintf("the claim is already adjudicated or closed (status %s): there is nothing to ask the payer", e.Status)
}
