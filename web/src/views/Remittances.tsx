import { FormEvent, useCallback, useEffect, useRef, useState } from 'react'
import { ApiError, List, Remittance, ResolvedWorkItem, WorkItem, get, money, pollETag, post, resolutionLabel, when } from '../api'
import { ExportLink } from './ClaimSearch'

interface Data {
  items: Remittance[]
  next_cursor?: string
}

const QUEUE_PAGE = 20

function ResolveForm({ item, onDone, onCancel }: { item: WorkItem; onDone: (r: ResolvedWorkItem) => void; onCancel: () => void }) {
  const [resolution, setResolution] = useState('')
  const [note, setNote] = useState('')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState('')
  const first = useRef<HTMLSelectElement>(null)
  useEffect(() => first.current?.focus(), [])
  const submit = async (e: FormEvent) => {
    e.preventDefault()
    setBusy(true)
    setError('')
    try {
      onDone(await post<ResolvedWorkItem>(`/v1/dashboard/remittances/work-queue/${item.id}/resolve`, { resolution, note }))
    } catch (err) {
      if (err instanceof ApiError) {
        const fields = (err.problem.errors || []).map((f) => `${(f.pointer || f.parameter || '').replace(/^\//, '')} ${f.detail}`)
        setError(fields.length ? fields.join('; ') : err.message)
      } else setError(String(err))
      setBusy(false)
    }
  }
  return (
    <form className="resolve" onSubmit={submit} aria-label={`Resolve work item ${item.id}`} data-resolve-form={item.id}>
      <div>
        <label htmlFor={`res-${item.id}`}>Resolution</label>
        <select id={`res-${item.id}`} ref={first} value={resolution} required onChange={(e) => setResolution(e.target.value)}>
          <option value="">Choose…</option>
          {Object.entries(resolutionLabel).map(([v, l]) => <option key={v} value={v}>{l}</option>)}
        </select>
      </div>
      <div>
        <label htmlFor={`res-note-${item.id}`}>Note</label>
        <textarea id={`res-note-${item.id}`} value={note} maxLength={2000} rows={2} onChange={(e) => setNote(e.target.value)} />
      </div>
      <button type="submit" disabled={busy || !resolution}>Save resolution</button>{' '}
      <button type="button" onClick={onCancel}>Cancel</button>
      {error && <p role="alert" className="error">{error}</p>}
    </form>
  )
}

export function Remittances() {
  const [pages, setPages] = useState<string[]>([''])
  const [data, setData] = useState<Data | null>(null)
  const [error, setError] = useState('')
  const [version, setVersion] = useState('')
  const [announce, setAnnounce] = useState('')
  const [queue, setQueue] = useState<WorkItem[] | null>(null)
  const [queueNext, setQueueNext] = useState('')
  const [resolving, setResolving] = useState<string | null>(null)
  const loaded = useRef(QUEUE_PAGE)
  const cursor = pages[pages.length - 1]
  const fail = (e: unknown) => setError(e instanceof ApiError ? e.message : String(e))

  useEffect(() => {
    if (!version) return
    // Only the newest request's answer is shown (a slower answer to an
    // earlier page or version must not replace it).
    let stale = false
    get<Data>('/v1/dashboard/remittances?limit=20' + (cursor ? '&cursor=' + encodeURIComponent(cursor) : ''))
      .then((d) => {
        if (!stale) setData(d)
      })
      .catch((e) => {
        if (!stale) fail(e)
      })
    return () => {
      stale = true
    }
  }, [cursor, version])

  // The work queue from its first item, as many as were loaded (reloaded
  // on every change of the summary's version).
  const loadQueue = useCallback(() => {
    const n = Math.min(200, Math.max(QUEUE_PAGE, loaded.current))
    get<List<WorkItem>>('/v1/dashboard/remittances/work-queue?limit=' + n)
      .then((l) => {
        setQueue(l.items)
        setQueueNext(l.next_cursor || '')
      })
      .catch(fail)
  }, [])
  useEffect(() => {
    if (version) loadQueue()
  }, [version, loadQueue])

  // Live updates: the summary's ETag changes whenever a visible remittance
  // or work item does.
  useEffect(() => {
    let first = true
    return pollETag<{ remittances: number; open_work_items: number; version: string }>(
      () => '/v1/dashboard/remittances/summary',
      3000,
      (s) => {
        setVersion(s.version)
        if (!first) setAnnounce('Remittances updated at ' + new Date().toLocaleTimeString())
        first = false
      },
    )
  }, [])

  const loadMore = () => {
    get<List<WorkItem>>(`/v1/dashboard/remittances/work-queue?limit=${QUEUE_PAGE}&cursor=${encodeURIComponent(queueNext)}`)
      .then((l) => {
        setQueue((q) => {
          const seen = new Set((q || []).map((w) => w.id))
          const all = [...(q || []), ...l.items.filter((w) => !seen.has(w.id))]
          loaded.current = all.length
          return all
        })
        setQueueNext(l.next_cursor || '')
      })
      .catch(fail)
  }
  const resolved = (r: ResolvedWorkItem) => {
    setResolving(null)
    setQueue((q) => (q || []).filter((w) => w.id !== r.id))
    setAnnounce(`Work item ${r.id} resolved: ${resolutionLabel[r.resolution] || r.resolution}`)
    document.getElementById('wq-h')?.focus()
  }

  return (
    <section aria-labelledby="remit-h">
      <h1 id="remit-h" tabIndex={-1}>Remittances</h1>
      <ExportLink path="/v1/dashboard/remittances.csv" name="remittances.csv" />
      <p className="sr-only" role="status" aria-live="polite">{announce}</p>
      {error && <p role="alert" className="error">{error}</p>}
      <h2 id="wq-h" tabIndex={-1}>Work queue</h2>
      <table className="grid" data-work-queue>
        <caption>Open items posting could not match, balance or reconcile</caption>
        <thead>
          <tr><th scope="col">Kind</th><th scope="col">Trace</th><th scope="col">CLP</th><th scope="col">Detail</th><th scope="col">Since</th>
            <th scope="col">Action</th></tr>
        </thead>
        <tbody>
          {queue?.map((w) => (
            <tr key={w.id} data-work-item={w.id}>
              <td>{w.kind.replace(/_/g, ' ')}</td><td>{w.trace_number}</td><td>{w.seq || '—'}</td><td>{w.detail}</td><td>{when(w.created_at)}</td>
              <td>
                {resolving === w.id ? (
                  <ResolveForm item={w} onDone={resolved} onCancel={() => setResolving(null)} />
                ) : (
                  <button type="button" data-resolve={w.id} aria-label={`Resolve work item ${w.id} (${w.kind.replace(/_/g, ' ')}, trace ${w.trace_number})`}
                    onClick={() => setResolving(w.id)}>Resolve</button>
                )}
              </td>
            </tr>
          ))}
          {queue && queue.length === 0 && <tr><td colSpan={6}>The work queue is empty.</td></tr>}
        </tbody>
      </table>
      {queueNext && (
        <p><button type="button" onClick={loadMore}>Load more work items</button></p>
      )}
      <h2>Posted 835s</h2>
      {data && data.items.length > 0 && (
        <table className="grid" data-remittances>
          <caption>Each 835 with the claim payments you see added up; open its ERA for the claim payments, adjustments and remarks</caption>
          <thead>
            <tr><th scope="col">Trace</th><th scope="col">Payer</th><th scope="col">Paid on</th><th scope="col" className="num">Paid</th>
              <th scope="col" className="num">Claims</th><th scope="col" className="num">Charged</th><th scope="col" className="num">Claims paid</th>
              <th scope="col" className="num">Adjusted</th><th scope="col" className="num">Provider adj.</th><th scope="col" className="num">Balance</th>
              <th scope="col">Status</th><th scope="col">ERA</th></tr>
          </thead>
          <tbody>
            {data.items.map((r) => {
              const t = r.totals
              return (
                <tr key={r.id} data-remittance={r.id}>
                  <td>{r.trace_number}</td><td>{r.payer_id}</td><td>{r.payment_date || '—'}</td>
                  <td className="num">{money(r.paid_cents)}</td><td className="num">{t.claim_payments}</td>
                  <td className="num">{money(t.charge_cents)}</td><td className="num">{money(t.paid_cents)}</td>
                  <td className="num">{money(t.adjusted_cents)}</td><td className="num">{money(r.provider_adj_cents)}</td>
                  <td className="num">{money(t.charge_cents - t.paid_cents - t.adjusted_cents)}</td>
                  <td>{r.balanced ? 'balanced' : 'NOT balanced'} · {r.eft_reconciled ? 'EFT reconciled' : 'EFT not reconciled'}</td>
                  <td><a href={'#/remittances/' + r.id} data-testid="era-open" aria-label={`View ERA, trace ${r.trace_number}`}>View ERA</a></td>
                </tr>
              )
            })}
          </tbody>
        </table>
      )}
      {data && data.items.length === 0 && <p>No remittances yet.</p>}
      <nav className="pager" aria-label="Pages">
        <button type="button" disabled={pages.length < 2} onClick={() => setPages(pages.slice(0, -1))}>Previous page</button>
        <span>Page {pages.length}</span>
        <button type="button" disabled={!data?.next_cursor} onClick={() => data?.next_cursor && setPages([...pages, data.next_cursor])}>Next page</button>
      </nav>
    </section>
  )
}
