import { useCallback, useEffect, useRef, useState } from 'react'
import { ApiError, money, post, statusLabel, when } from '../api'
import { AppealRow, appealLetterURL, appealStateLabel, createAppealLetter, listAppeals } from '../api_appeals'

const statusFilters = [
  { value: '', label: 'Everything appealable or appealed' },
  { value: 'appeal_pending,needs_correction', label: 'Not yet appealed' },
  { value: 'appealed', label: 'Appealed, waiting for the payer' },
  { value: 'appeal_lapsed', label: 'Lapsed filing deadlines' },
]

const withinFilters = [
  { value: '', label: 'Any deadline' },
  { value: '7', label: 'Within 7 days' },
  { value: '30', label: 'Within 30 days' },
  { value: '90', label: 'Within 90 days' },
]

// requestKey is a random idempotency key (getRandomValues works outside a
// secure context).
function requestKey(): string {
  const b = new Uint8Array(16)
  crypto.getRandomValues(b)
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('')
}

const problemText = (e: unknown) =>
  e instanceof ApiError
    ? e.problem.title + ': ' + (e.problem.errors?.map((f) => (f.pointer || f.parameter) + ' ' + f.detail).join('; ') || e.problem.detail || '')
    : String(e)

function daysLeftText(a: AppealRow): string {
  if (a.days_left === null) return 'deadline unknown'
  if (a.overdue) return 'overdue by ' + Math.max(1, -a.days_left) + ' day(s)'
  return a.days_left + ' day(s) left'
}

// The appeals worklist: denied claims by filing deadline, each with its
// codes explained, a letter generator and "Mark appeal filed" (the appeal
// decision sent to the claim's workflow with the reason as its note).
export function Appeals({ canAct }: { canAct: boolean }) {
  const [status, setStatus] = useState('')
  const [within, setWithin] = useState('')
  const [rows, setRows] = useState<AppealRow[] | null>(null)
  const [error, setError] = useState('')
  // Only the newest request's answer is shown (a slower answer to an
  // earlier filter must not replace it).
  const latest = useRef(0)
  const load = useCallback(() => {
    const n = ++latest.current
    listAppeals({ status, withinDays: within })
      .then((d) => {
        if (n !== latest.current) return
        setRows(d.items)
        setError('')
      })
      .catch((e) => {
        if (n === latest.current) setError(problemText(e))
      })
  }, [status, within])
  useEffect(() => load(), [load])

  return (
    <section aria-labelledby="appeals-h">
      <h1 id="appeals-h" tabIndex={-1}>Appeals</h1>
      <div className="filters">
        <div>
          <label htmlFor="appeal-status">Show</label>
          <select id="appeal-status" data-testid="appeal-status-filter" value={status} onChange={(e) => setStatus(e.target.value)}>
            {statusFilters.map((g) => <option key={g.value} value={g.value}>{g.label}</option>)}
          </select>
        </div>
        <div>
          <label htmlFor="appeal-within">Deadline</label>
          <select id="appeal-within" data-testid="appeal-within-filter" value={within} onChange={(e) => setWithin(e.target.value)}>
            {withinFilters.map((g) => <option key={g.value} value={g.value}>{g.label}</option>)}
          </select>
        </div>
      </div>
      {error && <p role="alert" className="error">{error}</p>}
      {rows && rows.length === 0 && <p>No claim waits for an appeal.</p>}
      <ul className="cards">
        {rows?.map((a) => <AppealCard key={a.claim_id} a={a} canAct={canAct} onDone={load} />)}
      </ul>
    </section>
  )
}

function AppealCard({ a, canAct, onDone }: { a: AppealRow; canAct: boolean; onDone: () => void }) {
  const [reason, setReason] = useState('')
  const [contact, setContact] = useState('')
  const [attachments, setAttachments] = useState('')
  const [busy, setBusy] = useState(false)
  const [download, setDownload] = useState('')
  const [msg, setMsg] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null)
  const reasonId = 'appeal-reason-' + a.claim_id
  const open = a.status === 'appeal_pending' || a.status === 'needs_correction'

  const generate = async () => {
    setBusy(true)
    setMsg(null)
    try {
      const l = await createAppealLetter(a.claim_id, reason, contact, attachments)
      setDownload(await appealLetterURL(a.claim_id, l.id))
      setMsg({ kind: 'ok', text: 'Appeal letter generated.' })
    } catch (e) {
      setMsg({ kind: 'error', text: problemText(e) })
    } finally {
      setBusy(false)
    }
  }
  const file = async () => {
    setBusy(true)
    setMsg(null)
    try {
      await post('/v1/claims/' + a.claim_id + '/decisions', { action: 'appeal', note: reason }, { 'Idempotency-Key': requestKey() })
      setMsg({ kind: 'ok', text: 'Appeal filed: sent to the claim workflow.' })
      onDone()
    } catch (e) {
      setMsg({ kind: 'error', text: problemText(e) })
    } finally {
      setBusy(false)
    }
  }

  return (
    <li className="card" data-testid="appeal-row" data-claim-id={a.claim_id} data-days-left={a.days_left ?? ''}>
      <h2>
        <a href={'#/claims/' + a.claim_id}>Claim {a.patient_control_number}</a>{' '}
        <span className={'badge s-' + a.status}>{statusLabel(a.status)}</span>
      </h2>
      <p>
        {a.patient_masked ? 'patient masked' : a.patient_name} · {a.payer_name} · service {a.date_of_service} · billed {money(a.billed_cents)} · open {money(a.open_cents)}
      </p>
      <p>
        {a.deadline ? <>Filing deadline <time dateTime={a.deadline}>{when(a.deadline)}</time>: </> : null}
        <strong className={a.overdue ? 'error' : undefined} data-testid="appeal-days-left">{daysLeftText(a)}</strong>
        {' · '}appeal {appealStateLabel[a.appeal_state]}
        {a.appeal_level > 0 ? ' (level ' + a.appeal_level + (a.appeal_filed_at ? ', filed ' + when(a.appeal_filed_at) : '') + ')' : ''}
        {a.letters > 0 ? ' · ' + a.letters + ' letter(s)' : ''}
      </p>
      {a.denial_codes.length + a.denial_rarcs.length > 0 && (
        <ul className="codes" aria-label="Denial codes">
          {[...a.denial_codes, ...a.denial_rarcs].map((c) => <li key={c.code}><strong>{c.code}</strong> {c.description}</li>)}
        </ul>
      )}
      {canAct && open && (
        <div className="decision" role="group" aria-label="Appeal">
          <label htmlFor={reasonId}>Reason for the appeal</label>
          <textarea id={reasonId} data-testid="appeal-reason" value={reason} maxLength={4000} rows={4} onChange={(e) => setReason(e.target.value)} />
          <label htmlFor={reasonId + '-contact'}>Contact name (optional)</label>
          <input id={reasonId + '-contact'} value={contact} maxLength={200} onChange={(e) => setContact(e.target.value)} />
          <label htmlFor={reasonId + '-att'}>Enclosures (optional)</label>
          <input id={reasonId + '-att'} value={attachments} maxLength={1000} onChange={(e) => setAttachments(e.target.value)} />
          <div className="actions">
            <button type="button" data-testid="appeal-letter" disabled={busy || reason.trim() === ''} onClick={generate}>
              Generate letter
            </button>
            <button type="button" data-testid="appeal-file" disabled={busy} onClick={file}>
              Mark appeal filed
            </button>
          </div>
          {download && (
            <p>
              <a data-testid="appeal-letter-download" href={download} download={'appeal-' + a.patient_control_number + '.pdf'}>
                Download the appeal letter (PDF)
              </a>
            </p>
          )}
        </div>
      )}
      {msg && (
        <p role={msg.kind === 'error' ? 'alert' : 'status'} className={msg.kind}>
          {msg.text}
        </p>
      )}
    </li>
  )
}
