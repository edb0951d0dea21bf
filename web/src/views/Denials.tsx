import { useCallback, useEffect, useRef, useState } from 'react'
import { ApiError, DenialItem, List, get, money, pollETag, statusLabel, when } from '../api'
import { Decision } from './Decision'
import { ExportLink } from './ClaimSearch'

const groups = [
  { value: '', label: 'Everything waiting for a decision' },
  { value: 'needs_correction,appeal_pending', label: 'Denials (correct or appeal)' },
  { value: 'rejected,scrub_failed', label: 'Rejections (fix and resubmit)' },
  { value: 'appeal_lapsed', label: 'Lapsed filing deadlines' },
]

export function Denials({ canDecide }: { canDecide: boolean }) {
  const [group, setGroup] = useState('')
  const [pages, setPages] = useState<string[]>([''])
  const [data, setData] = useState<List<DenialItem> | null>(null)
  const [error, setError] = useState('')
  const cursor = pages[pages.length - 1]
  // Only the newest request's answer is shown (a slower answer to an
  // earlier group or page must not replace it).
  const latest = useRef(0)
  const load = useCallback(() => {
    const n = ++latest.current
    get<List<DenialItem>>('/v1/dashboard/denials?limit=20' + (group ? '&status=' + group : '') + (cursor ? '&cursor=' + encodeURIComponent(cursor) : ''))
      .then((d) => {
        if (n !== latest.current) return
        setData(d)
        setError('')
      })
      .catch((e) => {
        if (n === latest.current) setError(e instanceof ApiError ? e.message : String(e))
      })
  }, [cursor, group])
  useEffect(() => pollETag(() => '/v1/dashboard/claims/summary', 3000, () => load()), [load])

  return (
    <section aria-labelledby="denials-h">
      <h1 id="denials-h" tabIndex={-1}>Rejections and denials</h1>
      <ExportLink path={'/v1/dashboard/denials.csv' + (group ? '?status=' + group : '')} name="denials.csv" />
      <div className="filters">
        <div>
          <label htmlFor="denial-group">Show</label>
          <select id="denial-group" value={group} onChange={(e) => { setGroup(e.target.value); setPages(['']) }}>
            {groups.map((g) => <option key={g.value} value={g.value}>{g.label}</option>)}
          </select>
        </div>
      </div>
      {error && <p role="alert" className="error">{error}</p>}
      {data && data.items.length === 0 && <p>Nothing waits for a decision.</p>}
      <ul className="cards">
        {data?.items.map((d) => {
          const w = d.workflow
          return (
            <li key={d.claim.id} className="card" data-claim={d.claim.id}>
              <h2>
                <a href={'#/claims/' + d.claim.id}>Claim {d.claim.patient_control_number}</a>{' '}
                <span className={'badge s-' + (w?.status ?? d.claim.status)}>{statusLabel(w?.status ?? d.claim.status)}</span>
              </h2>
              <p>{d.claim.patient_masked ? 'patient masked' : d.claim.patient_name} · {d.claim.payer_name} · {d.claim.provider_name} · {money(d.claim.total_cents)}</p>
              {w?.denial && (
                <ul className="codes" aria-label="Reason codes">
                  {[...w.denial.codes, ...w.denial.rarcs].map((c) => <li key={c.code}><strong>{c.code}</strong> {c.description}</li>)}
                </ul>
              )}
              {w && w.problem_codes.length > 0 && <ul className="codes" aria-label="Problems">{w.problem_codes.map((c) => <li key={c.code}><strong>{c.code}</strong> {c.description}</li>)}</ul>}
              {w?.deadline && <p>Deadline: <time dateTime={w.deadline}>{when(w.deadline)}</time>{w.escalated ? ' (escalated)' : ''}</p>}
              {d.workflow_error && <p>{d.workflow_error}</p>}
              {canDecide && w && <Decision claimId={d.claim.id} actions={w.allowed_actions} onDone={load} />}
              {d.workflow_url && <p><a href={d.workflow_url} target="_blank" rel="noreferrer">Workflow in the Temporal UI</a></p>}
            </li>
          )
        })}
      </ul>
      <nav className="pager" aria-label="Pages">
        <button type="button" disabled={pages.length < 2} onClick={() => setPages(pages.slice(0, -1))}>Previous page</button>
        <span>Page {pages.length}</span>
        <button type="button" disabled={!data?.next_cursor} onClick={() => data?.next_cursor && setPages([...pages, data.next_cursor])}>Next page</button>
      </nav>
    </section>
  )
}
