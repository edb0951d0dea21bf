package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/claimflow/claimflow/rcm"
	"github.com/claimflow/claimflow/workflows"
)

// POST /v1/dashboard/claims/bulk acts on selected claims (issue 16):
// resubmit, write off, or check status (a 276 now). Each claim is acted on
// alone, through the path of a single staff decision (decideClaim: the
// claim's organisation permission, the workflow's claim.decide update and
// its refusal, the audit row) or of the claim.inquire-now update, with at
// most bulkConcurrency claims in flight and bulkClaimTimeout each, so one
// stuck workflow does not fail the batch. The answer is 200 with one result
// per claim, in request order. A claim the caller may not see (another
// tenant's) answers exactly as an ID that names no claim.

const bulkConcurrency = 8

// bulkClaimTimeout bounds each claim's action (a variable for the test of
// a stuck workflow).
var bulkClaimTimeout = 30 * time.Second

// ClaimInquirer sends the claim.inquire-now update (TemporalClaims
// implements it). A refusal by the workflow's validator is a
// *DecisionRefused; a claim without a running workflow is ErrNoWorkflow.
// Bulk check_status needs the dashboard's ClaimWorkflows to implement it.
type ClaimInquirer interface {
	InquireClaim(ctx context.Context, claimID string, req workflows.InquiryRequest) (workflows.InquiryAnswer, error)
}

// InquireClaim sends the inquire-now update and waits for the 277's answer.
func (t TemporalClaims) InquireClaim(ctx context.Context, claimID string, req workflows.InquiryRequest) (workflows.InquiryAnswer, error) {
	var ans workflows.InquiryAnswer
	h, err := t.Client.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{WorkflowID: workflows.ClaimIDPrefix + claimID,
		UpdateName: workflows.UpdateClaimInquireNow, WaitForStage: client.WorkflowUpdateStageCompleted, Args: []any{req}})
	if err == nil {
		err = h.Get(ctx, &ans)
	}
	var nf *serviceerror.NotFound
	var ae *temporal.ApplicationError
	switch {
	case err == nil:
		return ans, nil
	case errors.As(err, &nf):
		return ans, ErrNoWorkflow
	case errors.As(err, &ae):
		return ans, &DecisionRefused{Reason: ae.Message()}
	}
	return ans, err
}

type bulkIn struct {
	Action   string   `json:"action"`
	ClaimIDs []string `json:"claim_ids"`
	Note     string   `json:"note"`
}

// BulkOut answers a bulk request: one result per claim, in request order.
type BulkOut struct {
	Action  string       `json:"action"`
	Results []BulkResult `json:"results"`
}

// BulkResult is one claim's outcome. Status is the claim's new status, or
// its current one when the action was refused (absent when the claim is
// not found). Inquiry is the 277's answer of a check_status.
type BulkResult struct {
	ClaimID string       `json:"claim_id"`
	OK      bool         `json:"ok"`
	Status  string       `json:"status,omitempty"`
	Inquiry string       `json:"inquiry,omitempty"`
	Problem *BulkProblem `json:"problem,omitempty"`
}

// BulkProblem is why one claim's action was refused (a problem document's
// type, title and detail, as the single-claim route answers).
type BulkProblem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Detail string `json:"detail"`
}

func (h *dashboard) bulk(r *http.Request, a rcm.Actor) (int, any, error) {
	var in bulkIn
	if err := decode(r, &in); err != nil {
		return 0, nil, err
	}
	action := rcm.BulkAction(in.Action)
	var fields []FieldError
	if !action.Valid() {
		fields = append(fields, FieldError{Pointer: "/action", Detail: fmt.Sprintf("must be one of %v", rcm.BulkActions)})
	}
	switch {
	case len(in.ClaimIDs) == 0:
		fields = append(fields, FieldError{Pointer: "/claim_ids", Detail: "must name at least one claim"})
	case len(in.ClaimIDs) > rcm.MaxBulkClaims:
		fields = append(fields, FieldError{Pointer: "/claim_ids", Detail: fmt.Sprintf("must name at most %d claims (%d named)", rcm.MaxBulkClaims, len(in.ClaimIDs))})
	default:
		seen := map[string]bool{}
		for i, id := range in.ClaimIDs {
			ptr := "/claim_ids/" + strconv.Itoa(i)
			switch {
			case !validUUID(id):
				fields = append(fields, FieldError{Pointer: ptr, Detail: "is not a claim id"})
			case seen[id]:
				fields = append(fields, FieldError{Pointer: ptr, Detail: "names a claim already named"})
			}
			seen[id] = true
		}
	}
	if len(in.Note) > maxDecisionNote {
		fields = append(fields, FieldError{Pointer: "/note", Detail: fmt.Sprintf("must be at most %d characters", maxDecisionNote)})
	}
	if fields != nil {
		return 0, nil, &Error{Status: http.StatusUnprocessableEntity, Code: "validation", Title: "Invalid request", Detail: "the request has invalid fields", Fields: fields}
	}

	out := BulkOut{Action: in.Action, Results: make([]BulkResult, len(in.ClaimIDs))}
	sem := make(chan struct{}, bulkConcurrency)
	var wg sync.WaitGroup
	for i, id := range in.ClaimIDs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			out.Results[i] = h.bulkOne(r, a, action, id, in.Note)
		}()
	}
	wg.Wait()
	return http.StatusOK, out, nil
}

// bulkOne applies the action to one claim within bulkClaimTimeout.
func (h *dashboard) bulkOne(r *http.Request, a rcm.Actor, action rcm.BulkAction, claimID, note string) BulkResult {
	res := BulkResult{ClaimID: claimID}
	ctx, cancel := context.WithTimeout(r.Context(), bulkClaimTimeout)
	defer cancel()
	c, err := h.s.records.GetClaim(ctx, a, claimID)
	if err == nil {
		res.Status = c.Status
		if d := action.Decision(); d != "" {
			res.Status, err = h.s.decideClaimStatus(ctx, a, c, workflows.Decision{Action: string(d), Note: note, User: a.UserID})
		} else {
			var ans workflows.InquiryAnswer
			ans, err = h.s.inquireClaim(ctx, a, c, note)
			res.Status, res.Inquiry = ans.Status, ans.Summary
		}
		if err != nil {
			res.Status = c.Status
		}
	}
	if err == nil {
		res.OK = true
		return res
	}
	if refused(err) {
		// Audited as a single refused request is; a made-up ID as another
		// tenant's claim.
		if aerr := h.s.records.AuditDenial(context.WithoutCancel(r.Context()), a, "POST /v1/dashboard/claims/bulk", claimID); aerr != nil {
			h.s.log.ErrorContext(r.Context(), "audit a refused bulk claim", "err", aerr.Error())
		}
	}
	if errors.Is(err, rcm.ErrNotFound) {
		res.Status = "" // no hint the claim exists
	}
	if timedOut(ctx, err) && r.Context().Err() == nil {
		res.Problem = &BulkProblem{Type: problemBase + "timeout", Title: "Timed out",
			Detail: fmt.Sprintf("the claim's workflow did not answer within %s: the action may still be applied; look at the claim before trying again", bulkClaimTimeout)}
		return res
	}
	p := h.s.problem(r, err)
	res.Problem = &BulkProblem{Type: p.Type, Title: p.Title, Detail: p.Detail}
	return res
}

// inquireClaim asks the claim's workflow for a 276 now as the acting user
// (who needs claim:write at the claim's organisation) and audits it.
// Refusals are 409 problems naming the reason.
func (s *Server) inquireClaim(ctx context.Context, a rcm.Actor, c rcm.Claim, note string) (workflows.InquiryAnswer, error) {
	if ok, err := s.records.CanWriteClaim(ctx, a, c.OrgID); err != nil || !ok {
		if err != nil {
			return workflows.InquiryAnswer{}, err
		}
		return workflows.InquiryAnswer{}, &Error{Status: http.StatusForbidden, Code: "forbidden", Title: "Forbidden", Detail: "a status inquiry needs the " + rcm.PermClaimWrite + " permission at the claim's organisation"}
	}
	inq, ok := s.claims.(ClaimInquirer)
	if !ok {
		return workflows.InquiryAnswer{}, &Error{Status: http.StatusServiceUnavailable, Code: "workflows-unavailable", Title: "Workflows unavailable", Detail: "the workflow service is not connected"}
	}
	ans, err := inq.InquireClaim(ctx, c.ID, workflows.InquiryRequest{User: a.UserID, Note: note})
	var ref *DecisionRefused
	switch {
	case errors.As(err, &ref):
		return ans, &Error{Status: http.StatusConflict, Code: "inquiry-refused", Title: "Status inquiry refused", Detail: ref.Reason}
	case errors.Is(err, ErrNoWorkflow):
		detail := fmt.Sprintf("the claim (status %s) has no running workflow to send the inquiry", c.Status)
		if err := rcm.CheckInquiry(rcm.ClaimStatus(c.Status)); err != nil {
			detail = err.Error()
		}
		return ans, &Error{Status: http.StatusConflict, Code: "inquiry-refused", Title: "Status inquiry refused", Detail: detail}
	case err != nil:
		return ans, err
	}
	return ans, s.records.RecordAccess(ctx, a, rcm.AuditEntry{OrgID: c.OrgID, PatientID: c.PatientID, Action: rcm.ActionUpdate,
		Resource: "claim_inquiry", ResourceID: c.ID, Fields: []string{string(rcm.BulkCheckStatus)}})
}

// timedOut reports whether err ended the claim's action at its deadline
// (the Temporal client may answer DeadlineExceeded just before ctx ends).
func timedOut(ctx context.Context, err error) bool {
	var de *serviceerror.DeadlineExceeded
	return ctx.Err() != nil || errors.Is(err, context.DeadlineExceeded) || errors.As(err, &de)
}
