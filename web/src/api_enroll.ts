// Practice setup's directory and payer enrollment (issue 16): providers and
// payers through the /v1 records API, enrollments per organisation.
import { ApiError, List, call, get, post, put } from './api'

export interface Provider {
  id: string
  org_id: string
  npi: string
  first_name: string
  last_name: string
  taxonomy: string
  credentials: string[]
}

export type ProviderFields = Omit<Provider, 'id'>

export interface Payer {
  id: string
  org_id: string
  payer_id: string
  name: string
  clearinghouse: string
  clearinghouse_payer_id: string
  enrollment_required: boolean
}

export type PayerFields = Omit<Payer, 'id'>

export type Transaction = '837' | '835' | '270'
export type EnrollmentStatus = 'not_started' | 'submitted' | 'approved' | 'rejected'

export const transactions: [Transaction, string][] = [
  ['837', 'Claims (837)'],
  ['835', 'Remittance / ERA (835)'],
  ['270', 'Eligibility (270)'],
]

export const enrollmentStatuses: [EnrollmentStatus, string][] = [
  ['not_started', 'Not started'],
  ['submitted', 'Submitted'],
  ['approved', 'Approved'],
  ['rejected', 'Rejected'],
]

export interface Enrollment {
  id: string
  org_id: string
  provider_id: string
  provider_name: string
  provider_npi: string
  payer_id: string
  payer_name: string
  payer_code: string
  transaction: Transaction
  status: EnrollmentStatus
  effective_date?: string
  clearinghouse: string
  notes: string
  updated_by?: string
  updated_by_name?: string
  updated_at: string
  released_claims?: string[]
}

export interface EnrollmentSet {
  provider_id: string
  payer_id: string
  transaction: Transaction
  status: EnrollmentStatus
  effective_date: string
  clearinghouse: string
  notes: string
}

export interface EnrollmentList {
  items: Enrollment[]
  known_clearinghouses: string[]
}

// All pages of a /v1 list (setup lists are short; 200 a page).
async function all<T>(path: string): Promise<T[]> {
  const out: T[] = []
  let cursor = ''
  for (;;) {
    const l = await get<List<T>>(path + '?limit=200' + (cursor ? '&cursor=' + encodeURIComponent(cursor) : ''))
    out.push(...l.items)
    if (!l.next_cursor) return out
    cursor = l.next_cursor
  }
}

export const listProviders = () => all<Provider>('/v1/providers')
export const createProvider = (p: ProviderFields) => post<Provider>('/v1/providers', p)
export const updateProvider = (id: string, p: Partial<Omit<ProviderFields, 'org_id'>>) => call<Provider>('PATCH', '/v1/providers/' + id, p)

export const listPayers = () => all<Payer>('/v1/payers')
export const createPayer = (p: PayerFields) => post<Payer>('/v1/payers', p)
export const updatePayer = (id: string, p: Partial<Omit<PayerFields, 'org_id' | 'payer_id'>>) => call<Payer>('PATCH', '/v1/payers/' + id, p)

export const listEnrollments = (orgID: string) => get<EnrollmentList>('/v1/orgs/' + orgID + '/enrollments')
export const putEnrollment = (orgID: string, e: EnrollmentSet) => put<Enrollment>('/v1/orgs/' + orgID + '/enrollments', e)

// problemsOf splits an API error into its message and its field errors,
// by field name (the JSON pointer without its slash).
export function problemsOf(e: unknown): { message: string; fields: Record<string, string> } {
  if (!(e instanceof ApiError)) return { message: String(e), fields: {} }
  const fields: Record<string, string> = {}
  for (const f of e.problem.errors || []) if (f.pointer) fields[f.pointer.replace(/^\//, '')] = f.detail
  return { message: e.message, fields }
}
