// Bulk actions on selected claims (issue 16): POST /v1/dashboard/claims/bulk.
import { post } from './api'

export type BulkAction = 'resubmit' | 'write_off' | 'check_status'

export const bulkActionLabel: Record<BulkAction, string> = {
  resubmit: 'Resubmit',
  write_off: 'Write off',
  check_status: 'Check status (276)',
}

// The most claims one request names (the API answers 422 beyond).
export const maxBulkClaims = 200

export interface BulkResult {
  claim_id: string
  ok: boolean
  status?: string
  inquiry?: string
  problem?: { type: string; title: string; detail: string }
}

export interface BulkAnswer {
  action: BulkAction
  results: BulkResult[]
}

// bulkKey is a random idempotency key: a retried request replays the first
// answer instead of acting twice.
function bulkKey(): string {
  const b = new Uint8Array(16)
  crypto.getRandomValues(b)
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('')
}

export function bulkClaims(action: BulkAction, claimIds: string[], note: string): Promise<BulkAnswer> {
  return post<BulkAnswer>('/v1/dashboard/claims/bulk', { action, claim_ids: claimIds, note }, { 'Idempotency-Key': bulkKey() })
}
