// The appeals worklist and appeal letters (GET /v1/dashboard/appeals,
// POST /v1/claims/{id}/appeal-letter, GET .../appeal-letters[/{id}.pdf]).
import { ApiError, Code, List, Problem, get, getToken, post } from './api'

export interface AppealRow {
  claim_id: string
  org_id: string
  status: string
  patient_control_number: string
  payer_claim_number: string
  payer_id: string
  payer_name: string
  patient_name?: string
  patient_masked: boolean
  date_of_service: string
  billed_cents: number
  paid_cents: number
  open_cents: number
  denial_category: string
  denial_codes: Code[]
  denial_rarcs: Code[]
  deadline: string | null
  days_left: number | null
  overdue: boolean
  appeal_level: number
  appeal_state: 'not_filed' | 'filed' | 'decided'
  appeal_filed_at?: string
  letters: number
  last_letter_at?: string
}

export interface AppealLetter {
  id: string
  claim_id: string
  created_by?: string
  created_by_name?: string
  created_at: string
  reason: string
  bytes: number
}

export interface AppealFilter {
  status?: string
  payerId?: string
  withinDays?: string
}

export function listAppeals(f: AppealFilter): Promise<List<AppealRow>> {
  const q = new URLSearchParams()
  if (f.status) q.set('status', f.status)
  if (f.payerId) q.set('payer_id', f.payerId)
  if (f.withinDays) q.set('within_days', f.withinDays)
  const s = q.toString()
  return get<List<AppealRow>>('/v1/dashboard/appeals' + (s ? '?' + s : ''))
}

export function createAppealLetter(claimId: string, reason: string, contactName: string, attachmentsNote: string): Promise<AppealLetter> {
  return post<AppealLetter>('/v1/claims/' + claimId + '/appeal-letter', { reason, contact_name: contactName, attachments_note: attachmentsNote })
}

export function listAppealLetters(claimId: string): Promise<List<AppealLetter>> {
  return get<List<AppealLetter>>('/v1/claims/' + claimId + '/appeal-letters')
}

// appealLetterURL fetches a letter's PDF with the session token (a plain
// link would carry none) and returns an object URL to open or save.
export async function appealLetterURL(claimId: string, letterId: string): Promise<string> {
  const h: Record<string, string> = { Accept: 'application/pdf' }
  const t = getToken()
  if (t) h.Authorization = 'Bearer ' + t
  const res = await fetch('/v1/claims/' + claimId + '/appeal-letters/' + letterId + '.pdf', { headers: h })
  if (!res.ok) {
    let p: Problem = { type: 'about:blank', title: res.statusText, status: res.status }
    try {
      p = await res.json()
    } catch {
      /* not JSON */
    }
    throw new ApiError(p)
  }
  return URL.createObjectURL(await res.blob())
}

export const appealStateLabel: Record<AppealRow['appeal_state'], string> = {
  not_filed: 'not filed',
  filed: 'filed',
  decided: 'decided',
}
