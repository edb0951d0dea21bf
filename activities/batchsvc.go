package activities

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/claimflow/claimflow/edi"
	"github.com/claimflow/claimflow/edi/snip"
	"github.com/claimflow/claimflow/edi/x837p"
	"github.com/claimflow/claimflow/rcm"
)

// BatchRecords is the records store as batch submission uses it.
type BatchRecords interface {
	ClaimRecords
	ReserveBatchesFor(ctx context.Context, clearinghouse, orgID, runID string, limit int) ([]rcm.ReservedBatch, error)
	SetBatchFile(ctx context.Context, batchID, fileKey string) error
	MarkBatchUploaded(ctx context.Context, batchID string) error
	// RecordBatchSent records the 837 event of each claim in the batch.
	RecordBatchSent(ctx context.Context, batchID string) error
	GetClaimSubmission(ctx context.Context, claimID string) (rcm.ClaimSubmission, error)
}

// FileSender archives a file and uploads it to a clearinghouse, once per
// content (sending the same bytes again uploads nothing).
type FileSender interface {
	SendFile(ctx context.Context, clearinghouse string, body []byte) (fileKey string, err error)
	// Fetch reads an archived file back by its key.
	Fetch(ctx context.Context, fileKey string) ([]byte, error)
	// Key is the archive key the content will have.
	Key(body []byte) string
}

// BatchService implements BatchSubmitter: reserve the ready claims of a
// clearinghouse for this run, build one 837P interchange per payer (one
// transaction set per claim), record its archive key, upload it, and mark
// it uploaded. A retried run finds its batches and re-sends the same bytes.
type BatchService struct {
	Records   BatchRecords
	Files     FileSender
	Receivers map[string]Receiver // by clearinghouse ID
	MaxClaims int                 // per run; default 5000
	Now       func() time.Time
}

// SubmitBatch runs one batch for a clearinghouse.
func (s *BatchService) SubmitBatch(ctx context.Context, req BatchRequest) ([]Batch, error) {
	return s.SubmitBatchFrom(ctx, req, BatchProgress{}, nil)
}

// SubmitBatchFrom runs one batch for a clearinghouse, resuming from a
// previous attempt's progress: the batches it uploaded are returned as
// they were, without reading or sending anything again. report, when not
// nil, is called after each batch with the progress so far.
func (s *BatchService) SubmitBatchFrom(ctx context.Context, req BatchRequest, from BatchProgress, report func(BatchProgress)) ([]Batch, error) {
	done := make(map[string]Batch, len(from.Uploaded))
	for _, b := range from.Uploaded {
		done[b.BatchID] = b
	}
	limit := s.MaxClaims
	if limit == 0 {
		limit = 5000
	}
	reserved, err := s.Records.ReserveBatchesFor(ctx, req.ClearinghouseID, req.OrgID, req.RunID, limit)
	if err != nil {
		return nil, err
	}
	rcv, ok := s.Receivers[req.ClearinghouseID]
	if !ok {
		rcv = Receiver{ID: req.ClearinghouseID, Name: req.ClearinghouseID}
	}
	out := make([]Batch, 0, len(reserved))
	for _, rb := range reserved {
		if b, ok := done[rb.ID]; ok {
			out = append(out, b)
			continue
		}
		b := Batch{BatchID: rb.ID, InterchangeControl: rb.ISA13, GroupControl: rb.GS06, FileKey: rb.FileKey}
		for _, c := range rb.Claims {
			b.Claims = append(b.Claims, BatchClaim{ClaimID: c.ClaimID, TransactionControl: c.ST02})
		}
		if !rb.Uploaded {
			key, err := s.upload(ctx, rcv, rb)
			if err != nil {
				return nil, fmt.Errorf("batch %s: %w", rb.ID, err)
			}
			b.FileKey = key
		}
		// The claims' 837 events; also for a batch a failed attempt
		// uploaded but did not record (recording twice does nothing).
		if err := s.Records.RecordBatchSent(ctx, rb.ID); err != nil {
			return nil, fmt.Errorf("batch %s: record 837 events: %w", rb.ID, err)
		}
		out = append(out, b)
		if report != nil {
			report(BatchProgress{Uploaded: out})
		}
	}
	return out, nil
}

func (s *BatchService) upload(ctx context.Context, rcv Receiver, rb rcm.ReservedBatch) (string, error) {
	var body []byte
	if rb.FileKey != "" {
		// Built before: send exactly those bytes again (if the archive has
		// them; otherwise nothing was sent and a rebuild is safe).
		if b, err := s.Files.Fetch(ctx, rb.FileKey); err == nil {
			body = b
		}
	}
	if body == nil {
		var err error
		if body, err = s.build(ctx, rcv, rb); err != nil {
			return "", err
		}
		if err := s.Records.SetBatchFile(ctx, rb.ID, s.Files.Key(body)); err != nil {
			return "", err
		}
	}
	key, err := s.Files.SendFile(ctx, rb.Clearinghouse, body)
	if err != nil {
		return "", err
	}
	return key, s.Records.MarkBatchUploaded(ctx, rb.ID)
}

func (s *BatchService) build(ctx context.Context, rcv Receiver, rb rcm.ReservedBatch) ([]byte, error) {
	var txs []*x837p.Transaction
	var prof rcm.BillingProfile
	for i, c := range rb.Claims {
		b, err := s.Records.GetClaimBundle(ctx, rcm.System, c.ClaimID)
		if err != nil {
			return nil, err
		}
		p, err := s.Records.BillingProfileFor(ctx, b.Claim.OrgID)
		if err != nil {
			return nil, fmt.Errorf("claim %s: billing profile: %w", c.ClaimID, err)
		}
		if i == 0 {
			prof = p
		}
		sub, err := s.Records.GetClaimSubmission(ctx, c.ClaimID)
		if err != nil {
			return nil, err
		}
		tx, err := Claim837(p, b, sub.FrequencyCode, sub.PayerClaimNumber)
		if err != nil {
			return nil, temporal.NewNonRetryableApplicationError(fmt.Sprintf("claim %s: %v", c.ClaimID, err), "ClaimNotBuildable", nil)
		}
		// A secondary or tertiary claim carries its earlier payers (cob.go).
		if err := addPriorPayers(ctx, s.Records, b, tx); err != nil {
			return nil, err
		}
		tx.ControlNumber = c.ST02
		txs = append(txs, tx)
	}
	if len(txs) == 0 {
		return nil, errors.New("empty batch")
	}
	isa, _ := strconv.Atoi(rb.ISA13)
	gs, _ := strconv.Atoi(rb.GS06)
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	body, err := Write837(rcv, prof, now().UTC(), edi.Control{Interchange: isa, Group: gs, Set: 1}, txs...)
	if err != nil {
		return nil, err
	}
	// The batch must pass the strictest level (SNIP 1-5) before it leaves.
	rep, err := snip.ValidateBytes(body, snip.Options{Level: snip.Strict})
	if err != nil {
		return nil, err
	}
	if errs := reportErrors(rep); len(errs) > 0 {
		return nil, temporal.NewNonRetryableApplicationError(fmt.Sprintf("built 837P fails validation: %v", errs), "InvalidBatch", nil)
	}
	return body, nil
}
