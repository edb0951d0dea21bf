package rcm

import (
	"errors"
	"strings"
	"testing"
)

// TestCheckInquiry: a 276 makes sense only while the payer has the claim
// and has not adjudicated it; every other status is refused with a reason
// naming it.
func TestCheckInquiry(t *testing.T) {
	for _, s := range ClaimStatuses {
		err := CheckInquiry(s)
		want := s == StatusAccepted || s == StatusAppealed
		if (err == nil) != want {
			t.Errorf("CheckInquiry(%s) = %v, want allowed %v", s, err, want)
		}
		var na *InquiryNotAllowedError
		if err != nil && (!errors.As(err, &na) || !strings.Contains(err.Error(), "status "+string(s))) {
			t.Errorf("CheckInquiry(%s) = %v, want an *InquiryNotAllowedError naming the status", s, err)
		}
	}
	if !strings.Contains(CheckInquiry(StatusReady).Error(), "not been submitted yet") ||
		!strings.Contains(CheckInquiry(StatusPaid).Error(), "already adjudicated") ||
		!strings.Contains(CheckInquiry(StatusAcknowledged).Error(), "not accepted the claim yet") {
		t.Error("refusal reasons do not say why")
	}
}

func TestBulkActions(t *testing.T) {
	for _, a := range BulkActions {
		if !a.Valid() {
			t.Errorf("%s invalid", a)
		}
	}
	if BulkAction("void").Valid() || BulkAction("").Valid() {
		t.Error("an unknown bulk action is valid")
	}
	if BulkResubmit.Decision() != DecisionResubmit || BulkWriteOff.Decision() != DecisionWriteOff || BulkCheckStatus.Decision() != "" {
		t.Error("bulk actions map to the wrong decisions")
	}
}
