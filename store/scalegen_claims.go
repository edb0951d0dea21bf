package store

import (
	"fmt"
	"slices"
	"strconv"
	"time"
)

// A generated claim's life (scalegen.go): scrubbed, batched, submitted and
// accepted, then adjudicated by an 835 claim payment some weeks later, and
// settled or left waiting for staff. Claims whose dates of service are
// recent stop where the calendar stops them; waiting states (denied,
// rejected, scrub failures) are mostly recent, as a working billing office
// clears older ones.

type claimOutcome int

const (
	outPaid claimOutcome = iota
	outPartial
	outPatient
	outCorrection
	outAppealPending
	outAppealed
	outWrittenOff
	outVoided
	outRejected
	outScrubFailed
)

// outcomeCut are cumulative per-mille thresholds of each outcome.
var outcomeCut = []struct {
	o   claimOutcome
	cut int
}{
	{outPaid, 720}, {outPartial, 770}, {outPatient, 810}, {outCorrection, 840}, {outAppealPending, 870}, {outAppealed, 885},
	{outWrittenOff, 925}, {outVoided, 935}, {outRejected, 960}, {outScrubFailed, 1000},
}

type hstep struct {
	status string
	at     time.Time
}

var (
	claimCols = []string{"id", "org_id", "encounter_id", "patient_id", "coverage_id", "payer_id", "provider_id", "patient_control_number",
		"total_cents", "status", "created_at", "updated_at", "attempt", "frequency_code", "payer_claim_number", "paid_cents", "batch_id",
		// The read model (00165) the triggers keep, which do not run under COPY here.
		"date_of_service", "payer_owed_cents",
		// The A/R facts (00167, claim_ar_facts), kept by triggers too.
		"ar_paid_cents", "ar_resp_cents", "ar_contractual_cents", "ar_patient_paid_cents", "ar_adjudicated", "ar_denied",
		"ar_submitted", "ar_clean", "ar_first_pass", "ar_denial_reasons",
		// The claim's tenant (00171, claims_tenant): the root of its organisation.
		"tenant_id"}
	encounterCols = []string{"id", "org_id", "patient_id", "provider_id", "coverage_id", "date_of_service", "place_of_service", "diagnoses",
		"created_at", "updated_at"}
	historyCols = []string{"claim_id", "seq", "status", "reason", "at"}
	paymentCols = []string{"remittance_id", "seq", "claim_id", "patient_control", "status_code", "charge_cents", "paid_cents",
		"patient_resp_cents", "payer_claim_number", "rarcs", "posted_at", "org_id"}
	adjustmentCols = []string{"remittance_id", "seq", "line", "n", "group_code", "reason", "amount_cents", "org_id"}
	denialCols     = []string{"claim_id", "org_id", "attempt", "category", "codes", "rarcs", "deadline", "appealable", "recorded_at"}
)

func (g *tenantGen) outcome(created time.Time) claimOutcome {
	r := g.rng.IntN(1000)
	o := outPaid
	for _, c := range outcomeCut {
		if r < c.cut {
			o = c.o
			break
		}
	}
	// Waiting states older than four months: four in five were settled.
	waiting := o == outCorrection || o == outAppealPending || o == outAppealed || o == outRejected || o == outScrubFailed
	if waiting && g.now.Sub(created) > 120*24*time.Hour && g.rng.IntN(5) != 0 {
		if g.rng.IntN(2) == 0 {
			return outWrittenOff
		}
		return outPaid
	}
	return o
}

func (g *tenantGen) claim(n int) {
	dos := g.now.AddDate(0, 0, -1-g.rng.IntN(g.size.Years*365))
	p := g.patients[g.rng.IntN(len(g.patients))]
	provs := g.providers[p.facility]
	prov := provs[g.rng.IntN(len(provs))]
	payer := &g.payers[p.payer]
	created := dos.Add(2*time.Hour + time.Duration(g.rng.IntN(72000))*time.Second)
	id, eid := v7(created, g.rng), v7(created, g.rng)
	org := g.facilities[p.facility]
	total := int64(5000 + g.rng.IntN(450)*100)
	pcn := ScalePCN(g.i, n)
	o := g.outcome(created)

	var h []hstep
	step := func(status string, at time.Time) bool {
		if at.After(g.now) {
			return false
		}
		h = append(h, hstep{status, at})
		return true
	}
	var paid int64
	owed := total // claim_payer_owed: nothing paid or adjusted yet
	ar := arFacts{denialReasons: []string{}}
	var batch any
	icn := ""
	func() {
		if !step("scrubbing", created) {
			return
		}
		if o == outScrubFailed {
			step("scrub_failed", created.Add(5*time.Minute))
			return
		}
		if !step("ready", created.Add(10*time.Minute)) || !step("submitted", created.Add(20*time.Hour)) {
			return
		}
		batch = g.batch(p.payer, created.Add(20*time.Hour), id)
		if o == outRejected {
			step("rejected", created.Add(44*time.Hour))
			return
		}
		if !step("accepted", created.Add(44*time.Hour)) {
			return
		}
		if o == outVoided {
			step("voided", created.Add(5*24*time.Hour))
			return
		}
		posted := created.Add(time.Duration(12+g.rng.IntN(30)) * 24 * time.Hour).Truncate(24 * time.Hour).Add(6 * time.Hour)
		if posted.After(g.now) {
			return
		}
		icn = fmt.Sprintf("ZZICN%04d%07d", g.i, n)
		paid, owed, ar = g.payment(o, id, org, pcn, icn, total, p.payer, posted)
		switch o {
		case outPaid:
			step("paid", posted)
		case outPartial:
			step("partially_paid", posted)
		case outPatient:
			step("patient_billing", posted)
		case outCorrection:
			step("needs_correction", posted)
		case outAppealPending:
			step("appeal_pending", posted)
		case outAppealed:
			_ = step("appeal_pending", posted) && step("appealed", posted.Add(7*24*time.Hour))
		case outWrittenOff:
			_ = step("appeal_pending", posted) && step("appeal_lapsed", posted.Add(90*24*time.Hour)) &&
				step("written_off", posted.Add(97*24*time.Hour))
		}
	}()
	last := h[len(h)-1]
	g.add("encounters", encounterCols, eid, org, p.id, prov.id, p.coverage, dos, "11", []string{"Z0000"}, created, created)
	g.add("claims", claimCols, id, org, eid, p.id, p.coverage, payer.id, prov.id, pcn, total, last.status, created, last.at,
		int32(1), "1", icn, paid, batch, dos, owed,
		ar.paid, ar.resp, ar.contractual, int64(0), ar.adjudicated, ar.denied, ar.submitted(h), ar.clean(h), ar.firstPass(h), ar.denialReasons,
		mustUUID(g.ids.OrgID))
	for k, s := range h {
		g.add("claim_status_history", historyCols, id, int32(k+1), s.status, "", s.at)
	}
	payer.billed += total
}

// payment records the claim's 835 claim payment in the day's remittance
// of its payer, with its adjustments (and the denial, when it is one); it
// returns what the payer paid and what the payer still owes after it
// (claim_payer_owed: the charge less paid, patient responsibility and the
// CO adjustments of a payment that is not a denial).
func (g *tenantGen) payment(o claimOutcome, claim, org [16]byte, pcn, icn string, total int64, payer int, posted time.Time) (int64, int64, arFacts) {
	type adj struct {
		group, reason string
		cents         int64
	}
	var (
		status        = "1"
		paid, patient int64
		adjs          []adj
		rarcs         = []string{}
	)
	switch o {
	case outPaid:
		co := total / 5
		patient = total / 10
		paid = total - co - patient
		adjs = []adj{{"CO", "45", co}, {"PR", "2", patient}}
	case outPartial:
		co := total / 5
		patient = total / 10
		paid = total * 2 / 5
		adjs = []adj{{"CO", "45", co}, {"PR", "1", patient}}
	case outPatient:
		patient = total
		adjs = []adj{{"PR", "1", total}}
	case outCorrection:
		status, adjs, rarcs = "4", []adj{{"CO", "16", total}}, []string{"M76"}
	case outAppealPending, outAppealed, outWrittenOff:
		status, adjs, rarcs = "4", []adj{{"CO", "50", total}}, []string{"N115"}
	}
	day := int(posted.Sub(g.now.AddDate(-g.size.Years-1, 0, 0)).Hours() / 24)
	key := [2]int{payer, day}
	rm := g.remits[key]
	if rm == nil {
		rm = &genRemit{id: v7(posted, g.rng), payer: payer, at: posted, trace: fmt.Sprintf("ZZT%04d%s%05d", g.i, g.payers[payer].code[3:], day)}
		g.remits[key] = rm
	}
	rm.seq++
	rm.paid += paid
	g.add("claim_payments", paymentCols, rm.id, int32(rm.seq), claim, pcn, status, total, paid, patient, icn, rarcs, posted, org)
	for k, a := range adjs {
		g.add("claim_adjustments", adjustmentCols, rm.id, int32(rm.seq), int32(0), int32(k+1), a.group, a.reason, a.cents, org)
	}
	if status == "4" {
		category, appealable := "appeal", true
		if o == outCorrection {
			category, appealable = "correctable", false
		}
		codes := []string{adjs[0].group + "-" + adjs[0].reason}
		g.add("claim_denials", denialCols, claim, org, int32(1), category, codes, rarcs, posted.Add(90*24*time.Hour), appealable, posted)
	}
	owed := total - paid - patient
	ar := arFacts{paid: paid, resp: patient, adjudicated: true, denied: status == "4", payment: status, posted: posted, denialReasons: []string{}}
	for _, a := range adjs {
		if a.group == "CO" && status != "4" {
			owed -= a.cents
			ar.contractual += a.cents
		}
		if status == "4" && !slices.Contains(ar.denialReasons, a.group+"-"+a.reason) {
			ar.denialReasons = append(ar.denialReasons, a.group+"-"+a.reason)
		}
	}
	slices.Sort(ar.denialReasons)
	return paid, owed, ar
}

// arFacts are a generated claim's A/R facts (claim_ar_facts, 00167): the
// sums of its one claim payment (if any; no statements are generated, so
// the patient has paid nothing), and what its history says.
type arFacts struct {
	paid, resp, contractual int64
	adjudicated, denied     bool
	payment                 string // the payment's CLP02, "" without one
	posted                  time.Time
	denialReasons           []string
}

// submittedBy counts the history's submissions at or before t.
func submittedBy(h []hstep, t time.Time) int {
	n := 0
	for _, s := range h {
		if s.status == "submitted" && !s.at.After(t) {
			n++
		}
	}
	return n
}

func (ar arFacts) submitted(h []hstep) bool { return submittedBy(h, h[len(h)-1].at) > 0 }

// clean: accepted after exactly one submission, with no scrub failure or
// rejection at or before the first acceptance.
func (ar arFacts) clean(h []hstep) bool {
	for _, s := range h {
		if s.status != "accepted" {
			continue
		}
		for _, b := range h {
			if (b.status == "scrub_failed" || b.status == "rejected") && !b.at.After(s.at) {
				return false
			}
		}
		return submittedBy(h, s.at) == 1
	}
	return false
}

// firstPass: the first adjudication (the one payment) processed the claim
// after exactly one submission.
func (ar arFacts) firstPass(h []hstep) bool {
	return (ar.payment == "1" || ar.payment == "2" || ar.payment == "3") && submittedBy(h, ar.posted) == 1
}

// remittances writes the remittances the claim payments made, and in one
// in thirty an unmatched claim payment with its work item (open when
// recent, resolved by the biller when older than 45 days).
func (g *tenantGen) remittances() {
	biller := mustUUID(g.ids.BillerID)
	for _, rm := range g.remits {
		if g.rng.IntN(30) == 0 {
			rm.seq++
			cents := int64(1000 + g.rng.IntN(20000))
			rm.paid += cents
			g.add("claim_payments", paymentCols, rm.id, int32(rm.seq), nil, fmt.Sprintf("ZZX%04d%06d", g.i, g.rng.IntN(1_000_000)), "1", cents, cents,
				int64(0), "", []string{}, rm.at, nil)
			cols := []string{"remittance_id", "seq", "kind", "detail", "status", "created_at", "resolution", "resolution_note", "resolved_by", "resolved_at"}
			detail := fmt.Sprintf("claim payment %d matches no claim", rm.seq)
			if g.now.Sub(rm.at) < 45*24*time.Hour {
				g.add("remit_work_queue", cols, rm.id, int32(rm.seq), "unmatched_claim", detail, "open", rm.at, nil, "", nil, nil)
			} else {
				g.add("remit_work_queue", cols, rm.id, int32(rm.seq), "unmatched_claim", detail, "resolved", rm.at, "not_ours",
					"generated", biller, rm.at.Add(48*time.Hour))
			}
		}
		py := g.payers[rm.payer]
		g.add("remittances", []string{"id", "payer_id", "trace_number", "file_key", "transaction_index", "paid_cents", "balanced",
			"payment_date", "created_at", "partner", "payer_name", "payment_method"},
			rm.id, py.code, rm.trace, "scale/835/"+rm.trace+".x12", int32(0), rm.paid, true, rm.at, rm.at, g.ids.Partner,
			fmt.Sprintf("TEST PAYER %s", py.code[3:]), "ACH")
	}
}

type genBatch struct {
	id    string
	count int
}

// batch puts the claim in the day's 837 batch for its payer, sent through
// the tenant's clearinghouse account (what an 835 through that account is
// matched against), and returns the batch ID.
func (g *tenantGen) batch(payer int, at time.Time, claim [16]byte) string {
	day := int(at.Sub(g.now.AddDate(-g.size.Years-1, 0, 0)).Hours() / 24)
	key := [2]int{payer, day}
	b := g.batches[key]
	if b == nil {
		g.isa++
		b = &genBatch{id: fmt.Sprintf("ZZB%04d-%02d-%05d", g.i, payer, day)}
		g.batches[key] = b
		up := at.Truncate(time.Hour)
		g.add("claim_batches", []string{"id", "run_id", "clearinghouse", "payer_id", "isa13", "gs06", "file_key", "uploaded_at", "created_at"},
			b.id, fmt.Sprintf("scale-run-%05d", day), g.ids.Partner, g.payers[payer].id, fmt.Sprintf("%09d", g.isa), strconv.Itoa(g.isa),
			"scale/837/"+b.id+".x12", up, up)
	}
	b.count++
	g.add("batch_claims", []string{"batch_id", "claim_id", "attempt", "st02"}, b.id, claim, int32(1), fmt.Sprintf("%04d", b.count))
	return b.id
}
