// The payer directory (issue 19): shared reference data searched by name,
// alias or payer ID and by transaction; payers made from its entries.
import { get, post } from './api'
import { Payer } from './api_enroll'

export interface DirectoryEntry {
  id: string
  name: string
  aliases: string[]
  payer_ids: { clearinghouse: string; payer_id: string }[]
  transactions: string[]
  enrollment_required: string[]
  source?: string
}

export interface DirectoryList {
  items: DirectoryEntry[]
  transactions: string[]
}

export interface DirectoryPayer extends Payer {
  directory_id: string
  transactions: string[]
  enrollment_required_for: string[]
}

export const directoryTransactions = ['270/271', '276/277', '837P', '837I', '837D', '835', '278']

export function searchDirectory(q: string, transaction: string): Promise<DirectoryList> {
  const p = new URLSearchParams()
  p.set('q', q)
  if (transaction) p.set('transaction', transaction)
  return get<DirectoryList>('/v1/payer-directory?' + p.toString())
}

export const payerFromDirectory = (entryID: string, orgID: string, clearinghouse: string) =>
  post<DirectoryPayer>('/v1/payer-directory/' + encodeURIComponent(entryID) + '/payers', { org_id: orgID, clearinghouse })
