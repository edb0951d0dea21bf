-- Inbound deviations (issue 17; migrations/00156): what the router's
-- tolerant SNIP check found in a received file, recorded once per position
-- and code, read through visible_inbound_deviations.

-- name: RecordInboundDeviation :execrows
-- One finding. The claim (resolved by the router through the account the
-- file came through) or the eligibility check gives the organisation; an
-- unknown claim or check links nothing. A finding already recorded (a
-- retried activity) is left as it is.
INSERT INTO inbound_deviations (partner, file_key, set_index, transaction_set, st02, seg_index, seg_pos, seg_id, loop_id,
                                elem, comp, rep, snip_level, ack_kind, code, severity, description, clp_seq,
                                claim_id, eligibility_trace, org_id)
SELECT @partner::text, @file_key::text, @set_index::int, @transaction_set::text, @st02::text, @seg_index::int, @seg_pos::int,
       @seg_id::text, @loop_id::text, @elem::int, @comp::int, @rep::int, @snip_level::int, @ack_kind::text, @code::text,
       @severity::text, @description::text, @clp_seq::int,
       c.id, e.trace_number, coalesce(c.org_id, a.org_id)
FROM (SELECT 1) AS one
LEFT JOIN claims c ON c.id = sqlc.narg(claim_id)::uuid
LEFT JOIN eligibility_checks e ON e.trace_number = sqlc.narg(eligibility_trace)::text
LEFT JOIN appointments a ON a.id = e.appointment_id
ON CONFLICT ON CONSTRAINT inbound_deviations_once DO NOTHING;

-- name: LinkInboundDeviationClaim :execrows
-- Links a recorded finding of an acknowledgment (999, TA1) to a claim it
-- answers (migration 00168), with the claim's organisation; the finding is
-- found by its once-key. An unknown claim links nothing; a link already
-- there (a retried activity) is left as it is.
INSERT INTO inbound_deviation_claims (deviation_id, claim_id, org_id)
SELECT d.id, c.id, c.org_id
FROM inbound_deviations d, claims c
WHERE d.partner = @partner::text AND d.file_key = @file_key::text AND d.seg_index = @seg_index::int
  AND d.elem = @elem::int AND d.comp = @comp::int AND d.rep = @rep::int AND d.ack_kind = @ack_kind::text
  AND d.code = @code::text AND c.id = @claim_id::uuid
ON CONFLICT DO NOTHING;

-- The dashboard: user $actor with permission $perm (claim:read).

-- name: RemittanceDeviations :many
-- The deviations of the transaction set a remittance was posted from that
-- the caller sees (with claim_id, that claim's and those outside any claim).
SELECT d.transaction_set, d.st02, d.set_index, d.seg_index, d.seg_pos, d.seg_id, d.loop_id, d.elem, d.comp, d.rep,
       d.snip_level, d.ack_kind, d.code, d.severity, d.description, d.clp_seq,
       coalesce(d.claim_id::text, '')::text AS claim_id, d.recorded_at
FROM inbound_deviations d
JOIN remittances r ON r.partner = d.partner AND r.file_key = d.file_key AND r.transaction_index = d.set_index
WHERE r.id = @remittance_id::uuid AND d.transaction_set = '835'
  AND (sqlc.narg(claim_id)::uuid IS NULL OR d.claim_id = sqlc.narg(claim_id)::uuid OR d.claim_id IS NULL)
  AND d.id IN (SELECT deviation_id FROM visible_inbound_deviations(sqlc.narg(actor)::uuid, @perm::text))
ORDER BY d.seg_index, d.elem, d.comp, d.rep, d.ack_kind, d.code;

-- name: ClaimDeviations :many
-- The deviations of the files received about a claim (its 835 claim
-- payment, its 277CA, and the 999s and TA1s acknowledging its batch,
-- migration 00168), as the caller sees them, oldest file first.
SELECT d.transaction_set, d.st02, d.set_index, d.seg_index, d.seg_pos, d.seg_id, d.loop_id, d.elem, d.comp, d.rep,
       d.snip_level, d.ack_kind, d.code, d.severity, d.description, d.clp_seq,
       coalesce(d.claim_id::text, '')::text AS claim_id, d.recorded_at
FROM inbound_deviations d
WHERE (d.claim_id = @claim_id::uuid
       OR d.id IN (SELECT l.deviation_id FROM inbound_deviation_claims l WHERE l.claim_id = @claim_id::uuid))
  AND d.id IN (SELECT deviation_id FROM visible_inbound_deviations(sqlc.narg(actor)::uuid, @perm::text))
ORDER BY d.recorded_at, d.file_key, d.seg_index, d.elem, d.comp, d.rep, d.ack_kind, d.code;

-- name: EligibilityDeviations :many
-- The deviations of the 271s answering an eligibility check (batch through
-- the router, real time through the eligibility activity), as the caller
-- sees them, oldest file first.
SELECT d.transaction_set, d.st02, d.set_index, d.seg_index, d.seg_pos, d.seg_id, d.loop_id, d.elem, d.comp, d.rep,
       d.snip_level, d.ack_kind, d.code, d.severity, d.description, d.clp_seq,
       coalesce(d.claim_id::text, '')::text AS claim_id, d.recorded_at
FROM inbound_deviations d
WHERE d.eligibility_trace = @trace::text
  AND d.id IN (SELECT deviation_id FROM visible_inbound_deviations(sqlc.narg(actor)::uuid, @perm::text))
ORDER BY d.recorded_at, d.file_key, d.seg_index, d.elem, d.comp, d.rep, d.ack_kind, d.code;
