import { useState } from 'react'
import { ApiError, statusLabel } from '../api'
import { BulkAction, BulkResult, bulkActionLabel, bulkClaims, maxBulkClaims } from '../api_bulk'

// Selection is the worklist's checked claims (in the order checked).
export interface Selection {
  ids: string[]
  has: (id: string) => boolean
  toggle: (id: string) => void
  // setAll checks (on) or unchecks every claim of ids (the page's rows).
  setAll: (ids: string[], on: boolean) => void
  clear: () => void
}

export function useSelection(): Selection {
  const [ids, setIds] = useState<string[]>([])
  return {
    ids,
    has: (id) => ids.includes(id),
    toggle: (id) => setIds((cur) => (cur.includes(id) ? cur.filter((x) => x !== id) : [...cur, id])),
    setAll: (page, on) =>
      setIds((cur) => (on ? [...cur, ...page.filter((id) => !cur.includes(id))] : cur.filter((id) => !page.includes(id)))),
    clear: () => setIds([]),
  }
}

const actions: { action: BulkAction; testid: string }[] = [
  { action: 'resubmit', testid: 'bulk-resubmit' },
  { action: 'write_off', testid: 'bulk-write-off' },
  { action: 'check_status', testid: 'bulk-check-status' },
]

// BulkBar acts on the selected claims: resubmit, write off, or check
// status now; each claim answers on its own row of the results table.
export function BulkBar({ selection, label, onDone }: { selection: Selection; label: (id: string) => string; onDone: () => void }) {
  const [note, setNote] = useState('')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState('')
  const [results, setResults] = useState<{ action: BulkAction; rows: BulkResult[]; labels: Record<string, string> } | null>(null)
  const n = selection.ids.length
  const send = async (action: BulkAction) => {
    setBusy(true)
    setError('')
    try {
      const ids = selection.ids
      const labels: Record<string, string> = {}
      ids.forEach((id) => (labels[id] = label(id)))
      const ans = await bulkClaims(action, ids, note)
      setResults({ action, rows: ans.results, labels })
      setNote('')
      selection.clear()
      onDone()
    } catch (e) {
      setError(e instanceof ApiError ? e.problem.title + ': ' + (e.problem.detail || '') +
        (e.problem.errors?.length ? ' (' + e.problem.errors.map((f) => (f.pointer || f.parameter) + ' ' + f.detail).join('; ') + ')' : '') : String(e))
    } finally {
      setBusy(false)
    }
  }
  const okCount = results?.rows.filter((r) => r.ok).length ?? 0
  return (
    <div className="bulk" role="group" aria-label="Bulk actions on selected claims" data-testid="bulk-bar">
      <p data-testid="bulk-selected">{n} claim{n === 1 ? '' : 's'} selected{n > maxBulkClaims ? ` (at most ${maxBulkClaims} at once)` : ''}</p>
      <label htmlFor="bulk-note">Note for the selected claims</label>
      <textarea id="bulk-note" data-testid="bulk-note" value={note} onChange={(e) => setNote(e.target.value)} rows={2} maxLength={2000} />
      <div className="actions">
        {actions.map((a) => (
          <button key={a.action} type="button" data-testid={a.testid} disabled={busy || n === 0 || n > maxBulkClaims}
            onClick={() => send(a.action)}>
            {bulkActionLabel[a.action]}
          </button>
        ))}
        {n > 0 && <button type="button" disabled={busy} onClick={selection.clear}>Clear selection</button>}
      </div>
      {busy && <p role="status">Working on {n} claim{n === 1 ? '' : 's'}…</p>}
      {error && <p role="alert" className="error">{error}</p>}
      {results && (
        <table className="grid" data-testid="bulk-results">
          <caption role="status">
            {bulkActionLabel[results.action]}: {okCount} of {results.rows.length} done
          </caption>
          <thead>
            <tr>
              <th scope="col">Claim</th>
              <th scope="col">Result</th>
              <th scope="col">Status</th>
              <th scope="col">Detail</th>
            </tr>
          </thead>
          <tbody>
            {results.rows.map((r) => (
              <tr key={r.claim_id} data-testid="bulk-result" data-claim-id={r.claim_id} data-ok={String(r.ok)}>
                <td><a href={'#/claims/' + r.claim_id}>{results.labels[r.claim_id] || r.claim_id}</a></td>
                <td className={r.ok ? 'ok' : 'error'}>{r.ok ? 'Done' : r.problem?.title || 'Refused'}</td>
                <td>{r.status ? statusLabel(r.status) : ''}</td>
                <td>{r.ok ? (r.inquiry ? '277: ' + r.inquiry : '') : r.problem?.detail}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  )
}
