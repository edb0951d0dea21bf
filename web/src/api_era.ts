// The ERA/EOB viewer and bank deposits (issue 16): client functions.
import { ApiError, Deviation, List, Problem, get, getToken, post } from './api'

export interface ERAAdjustment {
  group: string
  reason: string
  code: string
  description: string
  amount_cents: number
}

export interface ERARemark {
  code: string
  description: string
}

export interface ERALine {
  line: number
  procedure_qualifier: string
  procedure: string
  modifiers: string[]
  revenue_code?: string
  units: string
  service_date: string
  charge_cents: number
  allowed_cents: number
  allowed_source: 'amt_b6' | 'charge_minus_co'
  paid_cents: number
  adjustments: ERAAdjustment[]
  rarcs: ERARemark[]
}

export interface ERAClaim {
  seq: number
  claim_id: string
  patient_name: string
  patient_masked: boolean
  patient_control_number: string
  payer_claim_number: string
  status_code: string
  charge_cents: number
  allowed_cents: number
  allowed_source: 'lines_amt_b6' | 'charge_minus_co'
  paid_cents: number
  patient_resp_cents: number
  adjustments: ERAAdjustment[]
  adjustments_cents: number
  rarcs: ERARemark[]
  lines_recorded: boolean
  lines: ERALine[]
}

export interface ProviderAdjustment {
  provider_id: string
  fiscal_period: string
  reason: string
  reference: string
  amount_cents: number
}

export interface ERA {
  id: string
  payer_id: string
  payer_name: string
  trace_number: string
  payment_method: string
  payment_date: string
  paid_cents: number
  provider_adj_cents: number
  provider_adjustments: ProviderAdjustment[]
  balanced: boolean
  balance_problems: string[]
  eft_reconciled: boolean
  shared: boolean
  details_recorded: boolean
  created_at: string
  claims: ERAClaim[]
  deviations: Deviation[]
}

export interface DepositRemittance {
  remittance_id: string
  trace_number: string
  payer_id: string
  payment_date: string
  amount_cents: number
}

export type DepositStatus = 'matched' | 'mismatch' | 'unmatched'

export interface Deposit {
  id: string
  org_id: string
  amount_cents: number
  deposited_on: string
  reference: string
  note: string
  manual: boolean
  created_by: string
  created_at: string
  status: DepositStatus
  remittances_cents: number
  difference_cents: number
  remittances: DepositRemittance[]
}

export interface Reconciliation {
  items: Deposit[]
  next_cursor?: string
  remittances_without_deposit: DepositRemittance[]
  remittances_without_deposit_next_cursor?: string
}

export interface DepositInput {
  org_id: string
  amount_cents: number
  deposited_on: string
  reference: string
  note?: string
}

export interface Org {
  id: string
  name: string
  kind: string
}

export const getERA = (id: string, claimID?: string) =>
  get<ERA>('/v1/dashboard/remittances/' + encodeURIComponent(id) + (claimID ? '?claim_id=' + encodeURIComponent(claimID) : ''))

export const eobPath = (id: string, claimID?: string) =>
  '/v1/dashboard/remittances/' + encodeURIComponent(id) + '/eob.pdf' + (claimID ? '?claim_id=' + encodeURIComponent(claimID) : '')

// openEOB fetches the PDF with the session's bearer token (a plain link
// would carry none) and opens it in a new tab for printing.
export async function openEOB(id: string, claimID?: string): Promise<void> {
  const h: Record<string, string> = { Accept: 'application/pdf' }
  const t = getToken()
  if (t) h.Authorization = 'Bearer ' + t
  const res = await fetch(eobPath(id, claimID), { headers: h })
  if (!res.ok) {
    let p: Problem = { type: 'about:blank', title: res.statusText, status: res.status }
    try {
      p = await res.json()
    } catch {
      /* not JSON */
    }
    throw new ApiError(p)
  }
  const url = URL.createObjectURL(await res.blob())
  window.open(url, '_blank', 'noopener')
  setTimeout(() => URL.revokeObjectURL(url), 60000)
}

export const getDeposits = (cursor?: string) =>
  get<Reconciliation>('/v1/dashboard/deposits' + (cursor ? '?cursor=' + encodeURIComponent(cursor) : ''))
export const getRemittancesWithoutDeposit = (cursor: string) =>
  get<List<DepositRemittance>>('/v1/dashboard/deposits/remittances-without-deposit?cursor=' + encodeURIComponent(cursor))
export const createDeposit = (d: DepositInput) => post<Deposit>('/v1/dashboard/deposits', d)
export const matchDeposit = (id: string, remittanceID: string) =>
  post<Deposit>('/v1/dashboard/deposits/' + encodeURIComponent(id) + '/match', { remittance_id: remittanceID })
export const unmatchDeposit = (id: string, remittanceID: string) =>
  post<Deposit>('/v1/dashboard/deposits/' + encodeURIComponent(id) + '/unmatch', { remittance_id: remittanceID })
export const getOrgs = () => get<List<Org>>('/v1/orgs?limit=200')
