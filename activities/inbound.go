package activities

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/claimflow/claimflow/edi"
	"github.com/claimflow/claimflow/edi/ackread"
	"github.com/claimflow/claimflow/edi/eligibility"
	"github.com/claimflow/claimflow/edi/snip"
	"github.com/claimflow/claimflow/edi/x277ca"
	"github.com/claimflow/claimflow/edi/x835"
	"github.com/claimflow/claimflow/rcm"
)

// Names shared with the workflows package (which imports this one): the
// claim workflow's ID prefix and signals, and the remittance workflow.
const (
	claimIDPrefix       = "claim/"
	signalClaimAck      = "claim.ack"
	signalClaimAck277CA = "claim.277ca"
	remitIDPrefix       = "remit/"
	remittanceWorkflow  = "RemittancePosting"
)

// InboundFile is an archived inbound file to route (identifiers only).
type InboundFile struct {
	Partner string
	Hash    string // archive key
}

// AckSignal: a TA1 or 999 covering the claim's interchange or group.
type AckSignal struct {
	Source   string   // "TA1" or "999"
	Accepted bool     // TA104 / IK501 A or E
	Codes    []string // TA105 / IK5 / AK9 and IK3 codes with positions (no PHI)
	FileKey  string   // archive key of the acknowledgment (dedup)
}

// ClaimAckSignal: the 277CA for this claim (matched by CLM01).
type ClaimAckSignal struct {
	Accepted         bool
	PayerClaimNumber string   // REF*1K
	StatusCodes      []string // STC01 category:status:entity
	FileKey          string
}

// RoutingRecords is what routing reads from the store.
type RoutingRecords interface {
	BatchClaimControls(ctx context.Context, clearinghouse, isa13 string) ([]rcm.BatchedClaimControl, error)
	// ClaimIDByControlNumber finds the claim with CLM01 pcn among those
	// sent through the trading-partner account partner.
	ClaimIDByControlNumber(ctx context.Context, partner, pcn string) (string, error)
	// EligibilityByTrace finds the check with this trace sent through the
	// trading-partner account partner.
	EligibilityByTrace(ctx context.Context, partner, trace string) (appointmentID, workflowID string, err error)
	ClaimEventRecorder
}

// ClaimEventRecorder records a claim's file events for the dashboard
// (rcm.RecordClaimEvent: once per claim, kind and Dedup, so a retried
// activity records nothing twice).
type ClaimEventRecorder interface {
	RecordClaimEvent(ctx context.Context, e rcm.ClaimEvent) error
}

// Signaller is the part of the Temporal client routing uses.
type Signaller interface {
	SignalWorkflow(ctx context.Context, workflowID, runID, signalName string, arg any) error
	ExecuteWorkflow(ctx context.Context, options client.StartWorkflowOptions, workflow any, args ...any) (client.WorkflowRun, error)
}

// Router hands each archived inbound file to the workflows waiting for it:
// TA1 and 999 to the claims of the batch they answer (by ISA13 and ST02),
// 277CA claim acknowledgments to claims by patient control number (CLM01),
// and each 835 to a remittance posting workflow whose ID is the account it
// came through, its payer and trace number, so a re-delivered 835 starts nothing. Routing a file twice
// is harmless: claims ignore a signal from a file they have seen.
type Router struct {
	Files interface {
		Fetch(ctx context.Context, key string) ([]byte, error)
	}
	Records   RoutingRecords
	Temporal  Signaller
	TaskQueue string
	Log       *slog.Logger
	// Deviations records what the tolerant check finds (nil: counted and
	// logged only).
	Deviations DeviationRecorder
}

// RouteResult counts what one file was routed to.
type RouteResult struct {
	ClaimSignals int
	Remittances  int
	Unmatched    int
	// Warnings and Errors count the file's deviations found by the
	// tolerant inbound check (snip.Options.Inbound): warnings leave the
	// meaning intact; errors are faults the file was routed despite.
	// Findings keeps the first of them (positions and codes, no values).
	Warnings, Errors int
	Findings         []string
}

// maxFindings bounds RouteResult.Findings; maxDeviations the findings
// recorded per file (the rest are counted as dropped).
const (
	maxFindings   = 20
	maxDeviations = 1000
)

// Route routes one archived file.
func (r *Router) Route(ctx context.Context, f InboundFile) (RouteResult, error) {
	var res RouteResult
	body, err := r.Files.Fetch(ctx, f.Hash)
	if err != nil {
		return res, fmt.Errorf("fetch %s: %w", f.Hash, err)
	}
	ics, err := edi.ParseBytes(body)
	if err != nil && len(ics) == 0 {
		// Nothing readable: the file stays archived; staff see it in the log.
		r.log().Warn("inbound file not parseable", "partner", f.Partner, "hash", f.Hash, "err", err.Error())
		return res, nil
	}
	// Deviations are recorded before the file is routed (once: a retried
	// activity records none twice), so they are there when staff open
	// the claim or the remittance.
	if err := r.recordDeviations(ctx, f, ics, r.checkInbound(f, body, &res)); err != nil {
		return res, err
	}
	acks, _ := ackread.Read(ics)
	if acks != nil {
		if err := r.routeAcks(ctx, f, acks, &res); err != nil {
			return res, err
		}
	}
	n := -1 // transaction sets are numbered across the whole file
	for _, ic := range ics {
		for _, g := range ic.Groups {
			for _, t := range g.Sets {
				n++
				switch t.ST().El(1) {
				case "277":
					if err := r.route277CA(ctx, f, ic, t, &res); err != nil {
						return res, err
					}
				case "835":
					if err := r.start835(ctx, f, ic, t, n, &res); err != nil {
						return res, err
					}
				case "271":
					if err := r.route271(ctx, f, ic, t, &res); err != nil {
						return res, err
					}
				}
			}
		}
	}
	return res, nil
}

// checkInbound validates a received file at every SNIP level, tolerantly:
// routing goes on whatever it finds; the deviations are counted and logged
// here, and the report returned for recording (nil when the check could
// not run).
func (r *Router) checkInbound(f InboundFile, body []byte, res *RouteResult) *edi.Report {
	rep, err := snip.ValidateBytes(body, snip.Options{Inbound: true, Base: edi.Options{MaxErrors: maxDeviations}})
	if err != nil {
		r.log().Warn("inbound check did not run", "partner", f.Partner, "hash", f.Hash, "err", err.Error())
		return nil
	}
	errs, warns := snip.Split(rep)
	res.Warnings, res.Errors = len(warns), len(errs)+rep.Dropped
	for _, e := range append(errs, warns...) {
		if len(res.Findings) == maxFindings {
			break
		}
		res.Findings = append(res.Findings, e.Error())
	}
	if res.Warnings+res.Errors > 0 {
		r.log().Info("inbound file deviates from its guide", "partner", f.Partner, "hash", f.Hash,
			"warnings", res.Warnings, "errors", res.Errors, "first", res.Findings[0])
	}
	return rep
}

func (r *Router) log() *slog.Logger {
	if r.Log == nil {
		return slog.Default()
	}
	return r.Log
}

func (r *Router) routeAcks(ctx context.Context, f InboundFile, acks *ackread.Acks, res *RouteResult) error {
	// A rejected interchange (TA1 R) rejects every claim in it; an accepted
	// TA1 waits for the 999.
	for _, ta := range acks.TA1 {
		if ta.Accepted() {
			continue
		}
		claims, err := r.Records.BatchClaimControls(ctx, f.Partner, ta.Control)
		if err != nil {
			return err
		}
		if len(claims) == 0 {
			res.Unmatched++
			r.log().Warn("TA1 for an unknown interchange", "partner", f.Partner, "isa13", ta.Control)
		}
		for _, c := range claims {
			sig := AckSignal{Source: "TA1", Codes: []string{"TA1:" + ta.Code, "TA105:" + ta.Note}, FileKey: f.Hash}
			if err := r.recordAck(ctx, c, sig); err != nil {
				return err
			}
			if err := r.signal(ctx, c.ClaimID, signalClaimAck, sig, res); err != nil {
				return err
			}
		}
	}
	for _, g := range acks.Groups {
		// Our batches use GS06 = ISA13 without the padding.
		n, err := strconv.Atoi(g.Control)
		if err != nil {
			res.Unmatched++
			continue
		}
		claims, err := r.Records.BatchClaimControls(ctx, f.Partner, fmt.Sprintf("%09d", n))
		if err != nil {
			return err
		}
		if len(claims) == 0 {
			res.Unmatched++
			r.log().Warn("999 for an unknown group", "partner", f.Partner, "gs06", g.Control)
		}
		for _, c := range claims {
			sig := AckSignal{Source: "999", FileKey: f.Hash, Accepted: g.Accepted()}
			if set, ok := g.Set(c.ST02); ok {
				sig.Accepted = set.Accepted()
				sig.Codes = append(sig.Codes, "IK5:"+set.Code)
				for _, e := range set.Errors { // IK502..IK506
					sig.Codes = append(sig.Codes, "IK5:"+e)
				}
				for _, se := range set.Segments {
					sig.Codes = append(sig.Codes, fmt.Sprintf("IK3:%s@%d:%s", se.SegID, se.Pos, se.Code))
					for _, ee := range se.Elements {
						sig.Codes = append(sig.Codes, fmt.Sprintf("IK4:%s@%d.%d:%s", se.SegID, se.Pos, ee.Elem, ee.Code))
					}
				}
			} else {
				sig.Codes = append(sig.Codes, "AK9:"+g.Code)
				for _, e := range g.Errors { // AK905..AK909
					sig.Codes = append(sig.Codes, "AK9:"+e)
				}
			}
			if err := r.recordAck(ctx, c, sig); err != nil {
				return err
			}
			if err := r.signal(ctx, c.ClaimID, signalClaimAck, sig, res); err != nil {
				return err
			}
		}
	}
	return nil
}

// recordAck records a TA1 or 999 as the claim's event: the file, the
// transaction set it answers and its codes.
func (r *Router) recordAck(ctx context.Context, c rcm.BatchedClaimControl, sig AckSignal) error {
	acc := sig.Accepted
	err := r.Records.RecordClaimEvent(ctx, rcm.ClaimEvent{ClaimID: c.ClaimID, Kind: sig.Source, Dedup: sig.FileKey, FileKey: sig.FileKey,
		ST02: c.ST02, Accepted: &acc, Codes: sig.Codes, Summary: sig.Source + " " + acceptedWord(acc)})
	if err != nil {
		return fmt.Errorf("record %s event: %w", sig.Source, err)
	}
	return nil
}

func acceptedWord(ok bool) string {
	if ok {
		return "accepted"
	}
	return "rejected"
}

// rejectCategories are 277CA STC categories that reject a claim.
var rejectCategories = map[string]bool{"A3": true, "A4": true, "A6": true, "A7": true, "A8": true, "E0": true, "E1": true, "E2": true, "R3": true}

func (r *Router) route277CA(ctx context.Context, f InboundFile, ic *edi.Interchange, t *edi.Transaction, res *RouteResult) error {
	if t.ST().El(3) != "005010X214" {
		return nil // a 277 answering a status inquiry: the inquiry's activity reads it
	}
	ack, err := x277ca.Read(t, ic.Delims)
	if err != nil {
		r.log().Warn("277CA not readable", "hash", f.Hash, "err", err.Error())
		return nil
	}
	for _, rcv := range ack.Receivers {
		for _, p := range rcv.Providers {
			for _, c := range p.Claims {
				id, err := r.Records.ClaimIDByControlNumber(ctx, f.Partner, c.PatientControlNumber)
				if errors.Is(err, rcm.ErrNotFound) {
					res.Unmatched++
					continue
				}
				if err != nil {
					return err
				}
				sig := ClaimAckSignal{Accepted: true, PayerClaimNumber: c.PayerClaimControl, FileKey: f.Hash}
				for _, s := range c.Status {
					sig.StatusCodes = append(sig.StatusCodes, s.Category+":"+s.Code+":"+s.Entity)
					if rejectCategories[s.Category] {
						sig.Accepted = false
					}
				}
				codes, rejected := lineStatusCodes(c.Lines)
				sig.StatusCodes = append(sig.StatusCodes, codes...)
				sig.Accepted = sig.Accepted && !rejected
				acc := sig.Accepted
				if err := r.Records.RecordClaimEvent(ctx, rcm.ClaimEvent{ClaimID: id, Kind: rcm.Event277CA, Dedup: f.Hash, FileKey: f.Hash,
					Accepted: &acc, Codes: sig.StatusCodes, Summary: "277CA " + acceptedWord(acc)}); err != nil {
					return fmt.Errorf("record 277CA event: %w", err)
				}
				if err := r.signal(ctx, id, signalClaimAck277CA, sig, res); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// lineStatusCodes renders the service lines of a 277CA claim (loop
// 2220D, sent only for lines that caused the claim's rejection) as codes
// and positions beside the claim-level ones, e.g.
// "2220D HC:00000 REF*FJ LN0002 STC A7:454:", so the rejection reason a
// claim records names the line to correct. A rejecting line category
// rejects the claim: a 277CA never accepts part of a claim.
func lineStatusCodes(lines []x277ca.LineAck) (codes []string, rejected bool) {
	for _, l := range lines {
		svc := "2220D " + l.ProcedureQual + ":" + l.Procedure
		for _, m := range l.Modifiers {
			svc += ":" + m
		}
		if l.LineControl != "" {
			svc += " REF*FJ " + l.LineControl
		}
		for _, s := range l.Status {
			codes = append(codes, svc+" STC "+s.Category+":"+s.Code+":"+s.Entity)
			rejected = rejected || rejectCategories[s.Category]
		}
	}
	return codes, rejected
}

func (r *Router) start835(ctx context.Context, f InboundFile, ic *edi.Interchange, t *edi.Transaction, index int, res *RouteResult) error {
	rem, err := x835.Read(t, ic.Delims)
	if err != nil || rem.Trace.Number == "" {
		r.log().Warn("835 not readable", "hash", f.Hash, "set", index)
		res.Unmatched++
		return nil
	}
	payer := payerOf(rem)
	req := RemittanceRequest{Partner: f.Partner, FileKey: f.Hash, Transaction: index, PayerID: payer, TraceNumber: rem.Trace.Number}
	_, err = r.Temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:        remitIDPrefix + f.Partner + "/" + payer + "/" + rem.Trace.Number,
		TaskQueue: r.TaskQueue,
		// A re-delivered 835 (same payer and trace) starts nothing, even
		// after the first posting finished.
		WorkflowIDReusePolicy:                    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		WorkflowExecutionErrorWhenAlreadyStarted: true,
	}, remittanceWorkflow, req)
	var started *serviceerror.WorkflowExecutionAlreadyStarted
	switch {
	case err == nil:
		res.Remittances++
	case errors.As(err, &started):
		r.log().Info("835 already being or been posted", "payer", payer, "trace", rem.Trace.Number)
	default:
		return err
	}
	return nil
}

// signalEligibility271 mirrors workflows.SignalEligibility271.
const signalEligibility271 = "eligibility.271"

// route271 hands a batch 271 to the eligibility workflow that sent the
// 270, found by the trace number the payer echoes (TRN*2).
func (r *Router) route271(ctx context.Context, f InboundFile, ic *edi.Interchange, t *edi.Transaction, res *RouteResult) error {
	tx, err := eligibility.Read(t, ic.Delims)
	if err != nil {
		res.Unmatched++
		return nil
	}
	p := tx.Patient()
	if p == nil {
		res.Unmatched++
		return nil
	}
	for _, tr := range p.Traces {
		_, wf, err := r.Records.EligibilityByTrace(ctx, f.Partner, tr.Number)
		if errors.Is(err, rcm.ErrNotFound) || wf == "" {
			continue
		}
		if err != nil {
			return err
		}
		err = r.Temporal.SignalWorkflow(ctx, wf, "", signalEligibility271, f.Hash)
		var nf *serviceerror.NotFound
		if errors.As(err, &nf) {
			res.Unmatched++
			return nil
		}
		if err == nil {
			res.ClaimSignals++
		}
		return err
	}
	res.Unmatched++
	return nil
}

// payerOf identifies the 835's payer: REF*2U, else N1*PR's ID, else TRN03.
func payerOf(rem *x835.Remittance) string {
	switch {
	case rem.Payer.PayerID != "":
		return rem.Payer.PayerID
	case rem.Payer.ID != "":
		return rem.Payer.ID
	}
	return rem.Trace.OriginatorID
}

func (r *Router) signal(ctx context.Context, claimID, name string, arg any, res *RouteResult) error {
	err := r.Temporal.SignalWorkflow(ctx, claimIDPrefix+claimID, "", name, arg)
	var nf *serviceerror.NotFound
	switch {
	case err == nil:
		res.ClaimSignals++
		return nil
	case errors.As(err, &nf):
		// The claim's workflow has ended (written off, resubmitted...).
		res.Unmatched++
		r.log().Warn("no running workflow for claim", "claim", claimID, "signal", name)
		return nil
	}
	return err
}
