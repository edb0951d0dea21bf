import { useEffect, useRef, useState } from 'react'
import { call, get, post, statusLabel, when } from '../api'
import { ImportSync, SyncFlag, activeStage, problemText } from '../api_imports'

// EHR syncs (issue 21), as an interface screen: each sync of the caller's
// organisations with its schedule, state, newest pass and next run, and
// Run now / Pause / Resume / Delete (a deleted sync's passes and flags
// stay). Below, the EHR changes its passes flagged instead of applying
// (the record's claim already went out, or the change moves the record):
// staff acknowledge (the claim is being corrected) or dismiss them. Syncs
// refresh every second while a pass runs or was just asked for, every 15
// seconds otherwise; flags (each listing is audited) when a pass ends and
// after a decision. A sync is registered with `claimflow import sync add`
// (the server names are the worker's configuration).

interface Org {
  id: string
  name: string
}

const reasonLabel: Record<string, string> = {
  claim_submitted: 'Claim already sent',
  claim_open: 'Claim open (correct it on the claim)',
  not_applicable: 'Moves the record (patient, provider or date)',
}

const passText = (x: ImportSync) => {
  const p = x.last_pass
  if (!p) return 'No pass yet'
  if (activeStage(p)) return 'Running since ' + when(p.created_at) + ' (' + p.done + '/' + p.total + ')'
  if (p.stage === 'failed') return when(p.created_at) + ': failed' + (p.error ? ': ' + p.error : '')
  return when(p.created_at) + ': ' + p.total + ' records, ' + p.imported + ' new, ' + p.updated + ' updated, ' + p.flagged + ' flagged, ' +
    p.unchanged + ' unchanged, ' + p.invalid + ' invalid, ' + p.failed + ' failed'
}

export function EHRSync({ orgs }: { orgs: Org[] }) {
  const [syncs, setSyncs] = useState<ImportSync[]>([])
  const [flags, setFlags] = useState<SyncFlag[] | null>(null)
  const [status, setStatus] = useState('open')
  const [confirm, setConfirm] = useState('')
  const [error, setError] = useState('')
  const [message, setMessage] = useState('')
  const [askedAt, setAskedAt] = useState(0)
  const passes = useRef('')

  // Only the newest request's answer is shown, as in the other views: a
  // slower answer to an earlier status filter (or an earlier poll) must not
  // replace a newer one.
  const latestFlags = useRef(0)
  const latestSyncs = useRef(0)
  const loadFlags = (st = status) => {
    const n = ++latestFlags.current
    return get<{ items: SyncFlag[] }>('/v1/imports/sync-flags?status=' + (st === 'all' ? '' : st))
      .then((l) => {
        if (n === latestFlags.current) setFlags(l.items)
      })
      .catch((e) => {
        if (n === latestFlags.current) setError(problemText(e))
      })
  }
  const loadSyncs = () => {
    const n = ++latestSyncs.current
    return get<{ items: ImportSync[] }>('/v1/imports/syncs')
      .then((l) => {
        if (n !== latestSyncs.current) return
        setSyncs(l.items)
        // A pass that ended (or a new one) may have raised flags.
        // ('' before the first answer; ' ' when no sync has a pass).
        const key = l.items.map((x) => (x.last_pass ? x.last_pass.id + ':' + x.last_pass.stage : '')).join(',') || ' '
        if (passes.current !== '' && key !== passes.current) loadFlags()
        passes.current = key
      })
      .catch((e) => {
        if (n === latestSyncs.current) setError(problemText(e))
      })
  }

  useEffect(() => {
    loadSyncs()
  }, [])
  useEffect(() => {
    loadFlags(status)
  }, [status])

  const running = syncs.some((x) => x.last_pass && activeStage(x.last_pass))
  const fast = running || Date.now() - askedAt < 30000
  useEffect(() => {
    const t = window.setInterval(loadSyncs, fast ? 1000 : 15000)
    return () => window.clearInterval(t)
  }, [fast, status])

  const act = async (x: ImportSync, verb: 'run' | 'pause' | 'resume' | 'delete') => {
    setError('')
    setMessage('')
    setConfirm('')
    try {
      if (verb === 'delete') await call<ImportSync>('DELETE', '/v1/imports/syncs/' + x.id)
      else await post<ImportSync>('/v1/imports/syncs/' + x.id + '/' + verb, {})
      if (verb === 'run') setAskedAt(Date.now())
      setMessage(
        {
          run: 'A pass of the sync from ' + x.server + ' was started.',
          pause: 'The sync from ' + x.server + ' is paused: no pass runs until it is resumed.',
          resume: 'The sync from ' + x.server + ' is resumed.',
          delete: 'The sync from ' + x.server + ' is deleted; its passes and flags stay.',
        }[verb],
      )
      await loadSyncs()
    } catch (err) {
      setError(problemText(err))
    }
  }

  const resolve = async (f: SyncFlag, st: 'acknowledged' | 'dismissed') => {
    setError('')
    setMessage('')
    try {
      await post<SyncFlag>('/v1/imports/sync-flags/' + f.id, { status: st })
      setMessage('The change to ' + f.resource_type + ' ' + f.source_id + ' is ' + st + '.')
      await loadFlags()
    } catch (err) {
      setError(problemText(err))
    }
  }

  const orgName = (id: string) => orgs.find((o) => o.id === id)?.name || id
  return (
    <>
      <section aria-labelledby="syncs-h" data-testid="import-syncs">
        <h2 id="syncs-h">Syncs</h2>
        {error && <p role="alert" className="error" data-testid="sync-error">{error}</p>}
        {message && <p role="status" data-testid="sync-message">{message}</p>}
        <table className="grid">
          <caption>
            Appointments and encounters pulled from your EHR (FHIR R4) on a schedule{fast ? ' (refreshing while a pass runs)' : ''}
          </caption>
          <thead>
            <tr>
              <th scope="col">Source</th>
              <th scope="col">Organisation</th>
              <th scope="col">Schedule</th>
              <th scope="col">State</th>
              <th scope="col">Last pass</th>
              <th scope="col">Next run</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {syncs.length === 0 && (
              <tr>
                <td colSpan={7}>No syncs. Register one with claimflow import sync add.</td>
              </tr>
            )}
            {syncs.map((x) => (
              <tr key={x.id} data-testid="sync-row" data-sync={x.id} data-state={x.state}>
                <td>{x.server}</td>
                <td>{orgName(x.org_id)}</td>
                <td>Every {x.every.replace(/0s$/, '').replace(/h0m$/, 'h')}</td>
                <td data-testid="sync-state">
                  <span className={'badge s-' + x.state}>{x.state === 'paused' ? 'Paused' : 'Active'}</span>
                  {x.paused_at ? ' since ' + when(x.paused_at) : ''}
                  {x.last_error ? <span className="error"> Last pass failed: {x.last_error}</span> : null}
                </td>
                <td data-testid="sync-last-pass">{passText(x)}</td>
                <td data-testid="sync-next">{x.state === 'active' ? when(x.next_run_at) : 'Paused'}</td>
                <td>
                  {x.state === 'active' && (
                    <>
                      <button type="button" data-testid="sync-run" onClick={() => act(x, 'run')}>Run now</button>{' '}
                      <button type="button" data-testid="sync-pause" onClick={() => act(x, 'pause')}>Pause</button>{' '}
                    </>
                  )}
                  {x.state === 'paused' && (
                    <>
                      <button type="button" data-testid="sync-resume" onClick={() => act(x, 'resume')}>Resume</button>{' '}
                    </>
                  )}
                  {confirm === x.id ? (
                    <>
                      <button type="button" data-testid="sync-delete-confirm" onClick={() => act(x, 'delete')}>
                        Delete the sync from {x.server}
                      </button>{' '}
                      <button type="button" onClick={() => setConfirm('')}>Keep it</button>
                    </>
                  ) : (
                    <button type="button" data-testid="sync-delete" onClick={() => setConfirm(x.id)}>Delete</button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>

      <section aria-labelledby="sync-flags-h" data-testid="sync-flags">
        <h2 id="sync-flags-h">EHR changes flagged</h2>
        <p className="hint">
          Changes in the EHR to a record whose claim already went out are not applied: correct the claim if needed, then acknowledge
          the change, or dismiss it.
        </p>
        <div className="filters">
          <div>
            <label htmlFor="sync-flags-status">Show</label>
            <select id="sync-flags-status" data-testid="sync-flags-status" value={status} onChange={(e) => setStatus(e.target.value)}>
              <option value="open">Open</option>
              <option value="acknowledged">Acknowledged</option>
              <option value="dismissed">Dismissed</option>
              <option value="all">All</option>
            </select>
          </div>
        </div>
        <table className="grid">
          <caption>EHR changes, newest first</caption>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Record</th>
              <th scope="col">Changed</th>
              <th scope="col">Claim</th>
              <th scope="col">Why not applied</th>
              <th scope="col">Status</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {flags === null && (
              <tr>
                <td colSpan={7}>Loading…</td>
              </tr>
            )}
            {flags !== null && flags.length === 0 && (
              <tr>
                <td colSpan={7} data-testid="sync-flags-empty">No {status === 'all' ? '' : status + ' '}EHR changes.</td>
              </tr>
            )}
            {(flags || []).map((f) => (
              <tr key={f.id} data-testid="sync-flag" data-flag={f.id} data-status={f.status}>
                <td>{when(f.created_at)}</td>
                <td>{f.resource_type} {f.source_id}</td>
                <td data-testid="sync-flag-fields">{f.fields.map(statusLabel).join(', ')}</td>
                <td data-testid="sync-flag-claim">
                  {f.claim_id ? (
                    <>
                      <a href={'#/claims/' + f.claim_id}>Claim {f.claim_id.slice(0, 8)}</a>{' '}
                      <span className="badge">{statusLabel(f.claim_status || '')}</span>
                    </>
                  ) : (
                    'No claim'
                  )}
                </td>
                <td>{reasonLabel[f.reason] || f.reason}</td>
                <td data-testid="sync-flag-status">
                  {f.status}
                  {f.resolved_at ? ' ' + when(f.resolved_at) : ''}
                </td>
                <td>
                  {f.status === 'open' && (
                    <>
                      <button type="button" data-testid="sync-flag-ack" onClick={() => resolve(f, 'acknowledged')}>Acknowledge</button>{' '}
                      <button type="button" data-testid="sync-flag-dismiss" onClick={() => resolve(f, 'dismissed')}>Dismiss</button>
                    </>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </>
  )
}
