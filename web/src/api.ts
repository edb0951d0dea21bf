// The records API client: bearer session token, problem+json errors.

export interface Problem {
  type: string
  title: string
  status: number
  detail?: string
  request_id?: string
  errors?: { pointer?: string; parameter?: string; detail: string }[]
}

export class ApiError extends Error {
  problem: Problem
  constructor(p: Problem) {
    super(p.detail || p.title)
    this.problem = p
  }
}

const TOKEN_KEY = 'claimflow.session'

export function getToken(): string | null {
  return sessionStorage.getItem(TOKEN_KEY)
}

export function setToken(t: string | null) {
  if (t) sessionStorage.setItem(TOKEN_KEY, t)
  else sessionStorage.removeItem(TOKEN_KEY)
}

let onUnauthenticated: () => void = () => {}
export function whenUnauthenticated(fn: () => void) {
  onUnauthenticated = fn
}

export async function call<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
  const h: Record<string, string> = { Accept: 'application/json', ...headers }
  const t = getToken()
  if (t) h.Authorization = 'Bearer ' + t
  if (body !== undefined) h['Content-Type'] = 'application/json'
  const res = await fetch(path, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body) })
  if (res.status === 401 && path !== '/v1/auth/login') {
    setToken(null)
    onUnauthenticated()
  }
  if (!res.ok) {
    let p: Problem = { type: 'about:blank', title: res.statusText, status: res.status }
    try {
      p = await res.json()
    } catch {
      /* not JSON */
    }
    throw new ApiError(p)
  }
  return (await res.json()) as T
}

export const get = <T>(path: string) => call<T>('GET', path)
export const post = <T>(path: string, body: unknown, headers: Record<string, string> = {}) => call<T>('POST', path, body, headers)
export const put = <T>(path: string, body: unknown) => call<T>('PUT', path, body)

// Practice setup (issue 16, items 2-4).
export interface BillingProfile {
  org_id: string
  name: string
  npi: string
  tax_id: string
  taxonomy: string
  address_line1: string
  city: string
  state: string
  zip: string
  submitter_id: string
  contact_name: string
  contact_phone: string
}

export interface PracticeBilling {
  org_id: string
  org_name: string
  mode: 'own' | 'inherited' | 'missing'
  profile?: BillingProfile
  inherited_from?: { id: string; name: string }
  parent_id?: string
  hold_reason?: string
  updated_at?: string
}

export interface RoutingWarning {
  payer_id: string
  payer_code: string
  payer_name: string
  clearinghouse: string
  ready_claims: number
  message: string
}

export interface RunsStarted {
  kind: string
  runs: { clearinghouse: string; schedule?: string; workflow_id?: string }[]
  scope: string
}

// Polls a URL with If-None-Match; calls onChange only when its ETag changes.
export function pollETag<T>(path: () => string, everyMs: number, onChange: (v: T) => void): () => void {
  let etag = ''
  let stopped = false
  let timer = 0
  const tick = async () => {
    try {
      const h: Record<string, string> = { Accept: 'application/json' }
      const t = getToken()
      if (t) h.Authorization = 'Bearer ' + t
      if (etag) h['If-None-Match'] = etag
      const res = await fetch(path(), { headers: h })
      if (res.status === 200) {
        etag = res.headers.get('ETag') || ''
        onChange((await res.json()) as T)
      }
    } catch {
      /* try again next tick */
    }
    if (!stopped) timer = window.setTimeout(tick, everyMs)
  }
  tick()
  return () => {
    stopped = true
    window.clearTimeout(timer)
  }
}

export interface Session {
  user_id: string
  kind: string
  permissions: string[]
  temporal_ui_url: string
}

export interface DashClaim {
  id: string
  org_id: string
  status: string
  payer_id: string
  payer_name: string
  provider_id: string
  provider_name: string
  patient_control_number: string
  patient_name?: string
  patient_masked: boolean
  total_cents: number
  paid_cents: number
  attempt: number
  created_at: string
  updated_at: string
}

export interface List<T> {
  items: T[]
  next_cursor?: string
}

export interface Code {
  code: string
  description: string
}

export interface WorkflowView {
  status: string
  attempt: number
  frequency_code: string
  payer_claim_number: string
  charge_cents: number
  paid_cents: number
  patient_resp_cents: number
  problems: string[]
  problem_codes: Code[]
  denial?: { category: string; codes: Code[]; rarcs: Code[] }
  deadline?: string
  escalated: boolean
  inquiries: number
  allowed_actions: string[]
  events: { at: string; status: string; note: string }[]
}

export interface Step {
  kind: string
  n: number
  at: string
  summary: string
  accepted?: boolean
  codes: Code[]
  raw: boolean
}

export interface Adjustment {
  Line: number
  Group: string
  Reason: string
  AmountCents: number
}

export interface Posting {
  remittance_id: string
  trace_number: string
  seq: number
  status_code: string
  charge_cents: number
  paid_cents: number
  patient_resp_cents: number
  payer_claim_number: string
  rarcs: string[]
  posted_at: string
  adjustments: Adjustment[]
}

// Deviation is one deviation from its implementation guide that the
// tolerant inbound check found in a received 835/277CA/271 (issue 17): the
// file was routed and posted all the same. Positions and codes only.
export interface Deviation {
  transaction_set: string
  st02: string
  set_index: number
  segment: number
  position: number
  segment_id: string
  loop: string
  element: number
  component: number
  repetition: number
  where: string
  snip_level: number
  kind: string
  code: string
  severity: 'warning' | 'error'
  description: string
  claim_seq?: number
  claim_id?: string
  recorded_at: string
}

// PayerPart is one payer's part of a claim (coordination of benefits).
export interface PayerPart {
  seq: number
  responsibility: 'primary' | 'secondary' | 'tertiary'
  payer_id: string
  payer_name: string
  crossover: boolean
  adjudicated: boolean
  status_code?: string
  billed_cents: number
  paid_cents: number
  adjustment_cents: number
  patient_resp_cents: number
  payment_date?: string
}

export interface Timeline {
  claim: {
    id: string
    org_id: string
    status: string
    total_cents: number
    patient_control_number: string
    history: { seq: number; status: string; reason?: string; actor_id?: string; actor_name?: string; at: string }[]
  }
  workflow: WorkflowView | null
  workflow_error?: string
  steps: Step[]
  postings: Posting[]
  payer_parts?: PayerPart[]
  workflow_url: string
  deviations: Deviation[]
  can_decide: boolean
  can_reveal_phi: boolean
}

// One version of a claim's data: 0 is the encounter as created, each
// staff edit adds the next (GET /v1/claims/{id}/versions).
export interface ClaimVersion {
  claim_id: string
  version: number
  diagnoses: string[]
  charges: { line: number; code: string; modifiers: string[]; diagnosis_pointers: number[]; units: number; amount_cents: number }[]
  member_id: string
  rendering_provider_id: string
  total_cents: number
  edited_by?: string
  edited_by_name?: string
  note?: string
  created_at: string
}

export interface RawEDI {
  kind: string
  n: number
  masked: boolean
  segments: string[]
}

export interface DenialItem {
  claim: DashClaim
  workflow: WorkflowView | null
  workflow_error?: string
  workflow_url: string
}

export interface Remittance {
  id: string
  payer_id: string
  trace_number: string
  paid_cents: number
  provider_adj_cents: number
  balanced: boolean
  balance_problems: string[]
  eft_reconciled: boolean
  payment_date?: string
  created_at: string
  // The claim payments the caller owns, added up (their rows are the ERA
  // view's).
  totals: {
    claim_payments: number
    charge_cents: number
    paid_cents: number
    adjusted_cents: number
  }
}

export interface WorkItem {
  id: string
  remittance_id: string
  trace_number: string
  seq: number
  kind: string
  detail: string
  status: string
  created_at: string
}

export interface ResolvedWorkItem extends WorkItem {
  resolution: string
  note: string
  resolved_by: string
  resolved_at: string
}

export const resolutionLabel: Record<string, string> = {
  posted_manually: 'Posted manually',
  refund_requested: 'Refund requested',
  written_off: 'Written off',
  not_ours: 'Not ours',
  enrollment_followed_up: 'Enrollment followed up',
}

export type Grade = 'good' | 'watch' | 'bad'

export interface AgingRow {
  payer: string
  claims: number
  days_0_30_cents: number
  days_31_60_cents: number
  days_61_90_cents: number
  days_91_120_cents: number
  days_over_120_cents: number
  total_cents: number
}

export interface DenialRate {
  key: string
  denied: number
  adjudicated: number
  rate: number
  grade: Grade
}

// The A/R view (rcm.Receivables; the definitions are in the README's
// dashboard section).
export interface Receivables {
  as_of: string
  aging: AgingRow[]
  patients: AgingRow
  patient_count: number
  analytics: {
    period_days: number
    submitted: number
    clean: number
    clean_claim_rate: number
    adjudicated: number
    first_pass: number
    first_pass_resolution_rate: number
    denied: number
    denial_rate: number
    denials_by_reason: DenialRate[]
    denials_by_payer: DenialRate[]
    total_ar_cents: number
    period_charges_cents: number
    days_in_ar: number
    payments_cents: number
    contractual_cents: number
    net_collection_rate: number
    grades: Partial<Record<string, Grade>>
  }
  trend: { week: string; payments: number; denials: number; denial_rate: number; grade: Grade; days_to_payment: number }[]
}

export const money = (cents: number) =>
  (cents / 100).toLocaleString('en-US', { style: 'currency', currency: 'USD' })

export const when = (iso?: string) => (iso ? new Date(iso).toLocaleString('en-US', { dateStyle: 'medium', timeStyle: 'short' }) : '')

export const statusLabel = (s: string) => s.replace(/_/g, ' ')

export const actionLabel: Record<string, string> = {
  resubmit: 'Resubmit',
  correct: 'Correct and resubmit',
  appeal: 'Appeal',
  write_off: 'Write off',
  void: 'Void',
  hold: 'Hold',
  release: 'Release',
}
