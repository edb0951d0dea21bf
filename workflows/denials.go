package workflows

import (
	"slices"
	"strings"

	"github.com/claimflow/claimflow/activities"
	"github.com/claimflow/claimflow/rcm"
)

// Denial categories decide what happens after a denial.
const (
	// DenialCorrectable: missing or invalid information; a corrected claim
	// (frequency 7) fixes it.
	DenialCorrectable = "correctable"
	// DenialAppealable: a clinical or contractual judgement (medical
	// necessity, authorization, bundling) to appeal with documentation.
	DenialAppealable = "appealable"
	// DenialFinal: rarely reversible (timely filing, duplicate, coverage
	// ended); staff appeal with proof or write off.
	DenialFinal = "final"
	// DenialPatient: the payer assigned the balance to the patient.
	DenialPatient = "patient"
)

// CARC reason codes (X12 external code list 139) by what a biller does about
// them. Codes not listed are appealable: a person looks at them.
var (
	correctableCARCs = []string{"4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "15", "16", "31", "109", "140", "146", "181", "182", "206", "A1"}
	finalCARCs       = []string{"18", "27", "29", "26", "200"}
)

// ClassifyDenial returns nil when the claim payment is not a denial, else
// its category and codes (group-reason, e.g. "CO-16"). CLP02 = 4 is a
// denial; so is a zero payment whose reductions are not all patient
// responsibility or contractual.
func ClassifyDenial(claimStatus string, paidCents int64, adj []activities.Adjustment, rarcs []string) *DenialInfo {
	var codes []string
	payerReasons := 0
	for _, a := range adj {
		if a.Group == "CO" && a.Reason == "45" { // contractual: charge over the fee schedule
			continue
		}
		codes = append(codes, a.Group+"-"+a.Reason)
		if a.Group != "PR" {
			payerReasons++
		}
	}
	denied := claimStatus == "4" || (paidCents == 0 && len(codes) > 0)
	if !denied {
		return nil
	}
	d := &DenialInfo{Codes: codes, RARCs: rarcs}
	switch {
	case payerReasons == 0:
		d.Category = DenialPatient
	case anyReason(adj, finalCARCs):
		d.Category = DenialFinal
	case anyReason(adj, correctableCARCs):
		d.Category = DenialCorrectable
	default:
		d.Category = DenialAppealable
	}
	return d
}

func anyReason(adj []activities.Adjustment, reasons []string) bool {
	for _, a := range adj {
		if a.Group != "PR" && slices.Contains(reasons, a.Reason) {
			return true
		}
	}
	return false
}

// denialRecord is the denial the status write records for the appeals
// worklist (claim_denials): set while the claim waits for a denial
// decision, has lapsed, or waits for its appeal's answer. It only adds to
// the local activity's input, which replay does not compare, so runs in
// flight replay unchanged; their denial is recorded with their next
// status write.
func (r *claimRun) denialRecord(status string) *rcm.ClaimDenial {
	d := r.st.Denial
	switch {
	case d == nil || r.st.Deadline.IsZero():
		return nil
	case !slices.Contains([]string{StatusNeedsCorrection, StatusAppealPending, StatusAppealed, StatusLapsed}, status):
		return nil
	}
	return &rcm.ClaimDenial{Category: d.Category, Codes: slices.Clone(d.Codes), RARCs: slices.Clone(d.RARCs),
		Deadline: r.st.Deadline, Appealable: appealableCodes(d.Codes)}
}

// appealableCodes reports whether a payer's code ("CO-50") among the
// denial's is not one a corrected claim fixes: something to appeal.
func appealableCodes(codes []string) bool {
	for _, c := range codes {
		group, reason, ok := strings.Cut(c, "-")
		if ok && group != "PR" && !slices.Contains(correctableCARCs, reason) {
			return true
		}
	}
	return false
}
