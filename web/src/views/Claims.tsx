import { FormEvent, useEffect, useState } from 'react'
import { ApiError, List, get, money, pollETag, statusLabel, when } from '../api'
import { RoutingWarnings, RunButtons } from './Setup'
import { Search, SearchedClaim, defaultSearch, readSearch, searchParams } from '../api_search'
import { ExportLink, SavedFilters, SearchBox, SortHeader } from './ClaimSearch'
import { BulkBar, useSelection } from './BulkBar'

interface Filter {
  status: string
  payer_id: string
  provider_id: string
  from: string
  to: string
  min: string
  max: string
}

const empty: Filter = { status: '', payer_id: '', provider_id: '', from: '', to: '', min: '', max: '' }

const statuses = [
  'scrubbing', 'scrub_failed', 'ready', 'on_hold', 'batched', 'submitted', 'acknowledged', 'rejected', 'accepted', 'paid',
  'partially_paid', 'needs_correction', 'appeal_pending', 'appealed', 'patient_billing', 'written_off',
  'appeal_lapsed', 'resubmitted', 'voided',
]

function query(f: Filter, withStatus: boolean): string {
  const p = new URLSearchParams()
  if (withStatus && f.status) p.set('status', f.status)
  if (f.payer_id) p.set('payer_id', f.payer_id)
  if (f.provider_id) p.set('provider_id', f.provider_id)
  if (f.from) p.set('from', new Date(f.from + 'T00:00:00').toISOString())
  if (f.to) p.set('to', new Date(f.to + 'T00:00:00').toISOString())
  if (f.min) p.set('min_cents', String(Math.round(parseFloat(f.min) * 100)))
  if (f.max) p.set('max_cents', String(Math.round(parseFloat(f.max) * 100)))
  return p.toString()
}

// fromQuery reads a saved filter's query string back into the form.
function fromQuery(p: URLSearchParams): Filter {
  const day = (iso: string | null) => {
    if (!iso) return ''
    const d = new Date(iso)
    return isNaN(d.getTime()) ? '' : [d.getFullYear(), String(d.getMonth() + 1).padStart(2, '0'), String(d.getDate()).padStart(2, '0')].join('-')
  }
  const dollars = (c: string | null) => (c ? (parseInt(c, 10) / 100).toFixed(2) : '')
  return {
    status: p.get('status') || '', payer_id: p.get('payer_id') || '', provider_id: p.get('provider_id') || '',
    from: day(p.get('from')), to: day(p.get('to')), min: dollars(p.get('min_cents')), max: dollars(p.get('max_cents')),
  }
}

// withSearch is the worklist's full query string: the filter, the search
// box query and the sort.
function withSearch(f: Filter, s: Search, withStatus: boolean): string {
  const p = new URLSearchParams(query(f, withStatus))
  searchParams(p, s)
  return p.toString()
}

// byPatient sorts one page by patient name: names are encrypted at rest,
// so the server cannot sort the whole worklist by them.
function byPatient(items: SearchedClaim[], order: 'asc' | 'desc' | ''): SearchedClaim[] {
  if (!order) return items
  const name = (c: SearchedClaim) => (c.patient_masked ? '' : c.patient_name || '')
  const sorted = [...items].sort((a, b) => name(a).localeCompare(name(b)))
  return order === 'asc' ? sorted : sorted.reverse()
}

interface Named {
  id: string
  name?: string
  first_name?: string
  last_name?: string
}

export function Claims({ canRun }: { canRun: boolean }) {
  const [draft, setDraft] = useState<Filter>(empty)
  const [filter, setFilter] = useState<Filter>(empty)
  const [pages, setPages] = useState<string[]>([''])
  const [page, setPage] = useState<List<SearchedClaim> | null>(null)
  const [search, setSearch] = useState<Search>(defaultSearch)
  const [patientOrder, setPatientOrder] = useState<'asc' | 'desc' | ''>('')
  const [counts, setCounts] = useState<{ status: string; count: number }[]>([])
  const [total, setTotal] = useState(0)
  const [error, setError] = useState('')
  const [announce, setAnnounce] = useState('')
  const [version, setVersion] = useState('')
  const [payers, setPayers] = useState<Named[]>([])
  const [providers, setProviders] = useState<Named[]>([])
  const selection = useSelection()

  useEffect(() => {
    get<List<Named>>('/v1/payers?limit=200').then((l) => setPayers(l.items)).catch(() => {})
    get<List<Named>>('/v1/providers?limit=200').then((l) => setProviders(l.items)).catch(() => {})
  }, [])

  const cursor = pages[pages.length - 1]
  useEffect(() => {
    // Only the newest request's answer is shown: a slower answer to an
    // earlier search, sort or page (sorting, then clearing the search at
    // once) must not replace the page asked for last.
    let stale = false
    const q = withSearch(filter, search, true)
    get<List<SearchedClaim>>('/v1/dashboard/claims?limit=25' + (q ? '&' + q : '') + (cursor ? '&cursor=' + encodeURIComponent(cursor) : ''))
      .then((l) => {
        if (stale) return
        setPage(l)
        setError('')
      })
      .catch((e) => {
        if (!stale) setError(e instanceof ApiError ? e.message : String(e))
      })
    return () => {
      stale = true
    }
  }, [filter, search, cursor, version])

  // Live updates: the summary's ETag changes whenever a visible claim does.
  useEffect(() => {
    let first = true
    return pollETag<{ counts: { status: string; count: number }[]; total: number; version: string }>(
      () => '/v1/dashboard/claims/summary?' + withSearch(filter, { ...search, sort: 'created', order: 'desc' }, false),
      3000,
      (s) => {
        setCounts(s.counts)
        setTotal(s.total)
        setVersion(s.version)
        if (!first) setAnnounce('Claims updated at ' + new Date().toLocaleTimeString())
        first = false
      },
    )
  }, [filter, search.q])

  const apply = (e: FormEvent) => {
    e.preventDefault()
    setFilter(draft)
    setPages([''])
  }
  const byStatus = (s: string) => {
    const f = { ...draft, status: s }
    setDraft(f)
    setFilter(f)
    setPages([''])
  }
  const set = (k: keyof Filter) => (e: { target: { value: string } }) => setDraft({ ...draft, [k]: e.target.value })
  const searchFor = (s: Search) => {
    setSearch(s)
    setPages([''])
  }
  const applySaved = (q: string) => {
    const p = new URLSearchParams(q)
    const f = fromQuery(p)
    setDraft(f)
    setFilter(f)
    setSearch(readSearch(p))
    setPages([''])
  }
  const current = withSearch(filter, search, true)

  return (
    <section aria-labelledby="claims-h">
      <h1 id="claims-h" tabIndex={-1}>Claims worklist</h1>
      <RoutingWarnings />
      {canRun && <RunButtons />}
      <p className="sr-only" role="status" aria-live="polite">{announce}</p>
      <div className="counts" role="group" aria-label="Claims per status">
        <button type="button" onClick={() => byStatus('')} aria-pressed={filter.status === ''}>
          All <span className="n">{total}</span>
        </button>
        {counts.map((c) => (
          <button key={c.status} type="button" onClick={() => byStatus(c.status)} aria-pressed={filter.status === c.status}
            data-status={c.status}>
            {statusLabel(c.status)} <span className="n">{c.count}</span>
          </button>
        ))}
      </div>
      <SearchBox value={search.q} onSearch={(q) => searchFor({ ...search, q })} />
      <form className="filters" onSubmit={apply} aria-label="Filter claims">
        <div>
          <label htmlFor="f-status">Status</label>
          <select id="f-status" value={draft.status} onChange={set('status')}>
            <option value="">Any</option>
            {statuses.map((s) => <option key={s} value={s}>{statusLabel(s)}</option>)}
          </select>
        </div>
        <div>
          <label htmlFor="f-payer">Payer</label>
          <select id="f-payer" value={draft.payer_id} onChange={set('payer_id')}>
            <option value="">Any</option>
            {payers.map((p) => <option key={p.id} value={p.id}>{p.name}</option>)}
          </select>
        </div>
        <div>
          <label htmlFor="f-provider">Provider</label>
          <select id="f-provider" value={draft.provider_id} onChange={set('provider_id')}>
            <option value="">Any</option>
            {providers.map((p) => <option key={p.id} value={p.id}>{[p.first_name, p.last_name].filter(Boolean).join(' ')}</option>)}
          </select>
        </div>
        <div>
          <label htmlFor="f-from">Created from</label>
          <input id="f-from" type="date" value={draft.from} onChange={set('from')} />
        </div>
        <div>
          <label htmlFor="f-to">Created before</label>
          <input id="f-to" type="date" value={draft.to} onChange={set('to')} />
        </div>
        <div>
          <label htmlFor="f-min">Amount at least ($)</label>
          <input id="f-min" type="number" min="0" step="0.01" value={draft.min} onChange={set('min')} />
        </div>
        <div>
          <label htmlFor="f-max">Amount at most ($)</label>
          <input id="f-max" type="number" min="0" step="0.01" value={draft.max} onChange={set('max')} />
        </div>
        <button type="submit">Apply filters</button>
      </form>
      <div className="worklist-tools">
        <SavedFilters current={current} onApply={applySaved} />
        <ExportLink path={'/v1/dashboard/claims.csv' + (current ? '?' + current : '')} name="claims.csv" />
      </div>
      {error && <p role="alert" className="error">{error}</p>}
      <BulkBar selection={selection} onDone={() => setVersion('bulk ' + Date.now())}
        label={(id) => page?.items.find((c) => c.id === id)?.patient_control_number || id} />
      <table className="grid">
        <caption>
          Claims{search.q ? ` matching “${search.q}”` : ''}{filter.status ? ` (status ${statusLabel(filter.status)})` : ''}, sorted by{' '}
          {patientOrder ? 'patient name within this page' : { created: 'date created', dos: 'date of service', payer: 'payer', balance: 'balance', status: 'status' }[search.sort]}
        </caption>
        <thead>
          <tr>
            <th scope="col">
              <input type="checkbox" data-testid="select-all" aria-label="Select every claim on this page"
                checked={!!page && page.items.length > 0 && page.items.every((c) => selection.has(c.id))}
                onChange={(e) => selection.setAll(page?.items.map((c) => c.id) ?? [], e.target.checked)} />
            </th>
            <th scope="col">Claim</th>
            <SortHeader column="dos" label="DOS" search={search} onSort={(s) => { setPatientOrder(''); searchFor(s) }} />
            <th scope="col" aria-sort={patientOrder ? (patientOrder === 'asc' ? 'ascending' : 'descending') : 'none'}>
              <button type="button" className="sort" data-testid="sort-patient" title="Names are encrypted: this sorts the shown page only"
                onClick={() => setPatientOrder(patientOrder === 'asc' ? 'desc' : 'asc')}>
                Patient{patientOrder === 'asc' ? ' ▲' : patientOrder === 'desc' ? ' ▼' : ''}
              </button>
              <span className="hint"> (this page only)</span>
            </th>
            <SortHeader column="status" label="Status" search={search} onSort={(s) => { setPatientOrder(''); searchFor(s) }} />
            <SortHeader column="payer" label="Payer" search={search} onSort={(s) => { setPatientOrder(''); searchFor(s) }} />
            <th scope="col">Provider</th>
            <th scope="col" className="num">Charge</th>
            <th scope="col" className="num">Paid</th>
            <SortHeader column="balance" label="Balance" className="num" search={search} onSort={(s) => { setPatientOrder(''); searchFor(s) }} />
            <th scope="col">Attempt</th>
            <SortHeader column="created" label="Created" search={search} onSort={(s) => { setPatientOrder(''); searchFor(s) }} />
          </tr>
        </thead>
        <tbody>
          {page && byPatient(page.items, patientOrder).map((c) => (
            <tr key={c.id} data-claim={c.id} data-claim-id={c.id} data-testid="claim-row">
              <td>
                <input type="checkbox" data-testid="select-claim" data-claim-id={c.id} aria-label={'Select claim ' + c.patient_control_number}
                  checked={selection.has(c.id)} onChange={() => selection.toggle(c.id)} />
              </td>
              <td><a href={'#/claims/' + c.id}>{c.patient_control_number}</a></td>
              <td data-testid="claim-dos">{c.date_of_service}</td>
              <td>{c.patient_masked ? <span className="masked" title="Your role may not see patient data">•••• <span className="sr-only">masked</span></span> : c.patient_name}</td>
              <td><span className={'badge s-' + c.status} data-testid="claim-status">{statusLabel(c.status)}</span></td>
              <td>{c.payer_name}</td>
              <td>{c.provider_name}</td>
              <td className="num">{money(c.total_cents)}</td>
              <td className="num">{money(c.paid_cents)}</td>
              <td className="num" data-testid="claim-balance">{money(c.balance_cents)}</td>
              <td>{c.attempt}</td>
              <td title={'Updated ' + when(c.updated_at)}>{when(c.created_at)}</td>
            </tr>
          ))}
          {page && page.items.length === 0 && (
            <tr><td colSpan={12}>No claims match.</td></tr>
          )}
        </tbody>
      </table>
      <nav className="pager" aria-label="Pages">
        <button type="button" disabled={pages.length < 2} onClick={() => setPages(pages.slice(0, -1))}>Previous page</button>
        <span>Page {pages.length}</span>
        <button type="button" disabled={!page?.next_cursor} onClick={() => page?.next_cursor && setPages([...pages, page.next_cursor])}>
          Next page
        </button>
      </nav>
    </section>
  )
}
