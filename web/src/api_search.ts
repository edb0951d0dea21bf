// Search everywhere in the claims worklist (issue 16): the search and sort
// parameters, CSV exports and saved filters.

import { ApiError, DashClaim, List, Problem, get, getToken, post } from './api'

// A worklist row with the columns the search adds.
export interface SearchedClaim extends DashClaim {
  date_of_service: string
  balance_cents: number
}

// Server-side sort keys; the patient's name is encrypted, so it sorts only
// within the shown page (client side).
export type SortKey = 'created' | 'dos' | 'payer' | 'balance' | 'status'
export type Order = 'asc' | 'desc'

export interface Search {
  q: string
  sort: SortKey
  order: Order
}

export const defaultSearch: Search = { q: '', sort: 'created', order: 'desc' }

// searchParams adds the search box query and the sort to p.
export function searchParams(p: URLSearchParams, s: Search) {
  if (s.q.trim()) p.set('q', s.q.trim())
  if (s.sort !== 'created') p.set('sort', s.sort)
  if (s.order !== (s.sort === 'created' ? 'desc' : 'asc')) p.set('order', s.order)
}

// readSearch takes the search and sort back out of a saved query string.
export function readSearch(p: URLSearchParams): Search {
  const sort = (p.get('sort') || 'created') as SortKey
  return { q: p.get('q') || '', sort, order: (p.get('order') || (sort === 'created' ? 'desc' : 'asc')) as Order }
}

// nextOrder is the order a click on a column header asks for: the other
// direction on the current column, else the column's natural one.
export function nextOrder(s: Search, key: SortKey): Search {
  if (s.sort === key) return { ...s, order: s.order === 'asc' ? 'desc' : 'asc' }
  return { ...s, sort: key, order: key === 'created' || key === 'balance' ? 'desc' : 'asc' }
}

export interface SavedFilter {
  id: string
  name: string
  query: string
  created_at: string
}

export const listSavedFilters = () => get<List<SavedFilter>>('/v1/dashboard/saved-filters').then((l) => l.items)
export const saveFilter = (name: string, query: string) => post<SavedFilter>('/v1/dashboard/saved-filters', { name, query })
// deleteSavedFilter answers 204 without a body (call expects JSON).
export const deleteSavedFilter = (id: string) => send('DELETE', '/v1/dashboard/saved-filters/' + encodeURIComponent(id), 'application/json')

// send makes an authenticated request whose success is not JSON; a failure
// throws the problem as call does.
async function send(method: string, path: string, accept: string): Promise<Response> {
  const h: Record<string, string> = { Accept: accept + ', application/problem+json' }
  const t = getToken()
  if (t) h.Authorization = 'Bearer ' + t
  const res = await fetch(path, { method, headers: h })
  if (!res.ok) {
    let p: Problem = { type: 'about:blank', title: res.statusText, status: res.status }
    try {
      p = await res.json()
    } catch {
      /* not JSON */
    }
    throw new ApiError(p)
  }
  return res
}

// downloadCSV fetches an export with the session's token and hands it to
// the browser as a file (a plain link cannot carry the bearer token).
export async function downloadCSV(path: string, fallbackName: string): Promise<void> {
  const res = await send('GET', path, 'text/csv')
  const blob = await res.blob()
  const name = /filename="([^"]+)"/.exec(res.headers.get('Content-Disposition') || '')?.[1] || fallbackName
  const url = URL.createObjectURL(blob)
  const a = document.createElement('a')
  a.href = url
  a.download = name
  document.body.appendChild(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(url), 10000)
}
