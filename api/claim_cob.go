package api

import (
	"context"

	"github.com/claimflow/claimflow/rcm"
)

// COBRecords reads a claim's payer parts (coordination of benefits);
// package store's *Store provides it.
type COBRecords interface {
	ClaimPayerParts(ctx context.Context, a rcm.Actor, claimID string) ([]rcm.PayerPart, error)
}

// payerParts lists the claim's parts per payer for the claim detail
// (GET /v1/claims/{id}/timeline, payer_parts). Kept beside Records rather
// than in it so that records without COB (none today) show no parts.
func (h *dashboard) payerParts(ctx context.Context, a rcm.Actor, claimID string) ([]rcm.PayerPart, error) {
	r, ok := h.s.records.(COBRecords)
	if !ok {
		return []rcm.PayerPart{}, nil
	}
	return r.ClaimPayerParts(ctx, a, claimID)
}
