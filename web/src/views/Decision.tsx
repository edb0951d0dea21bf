import { useState } from 'react'
import { ApiError, actionLabel, post } from '../api'

// requestKey is a random idempotency key (crypto.randomUUID needs a secure
// context; getRandomValues does not).
function requestKey(): string {
  const b = new Uint8Array(16)
  crypto.getRandomValues(b)
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('')
}

// The staff decisions the claim's workflow accepts now, sent as a
// workflow update; the workflow's refusal comes back as a problem.
export function Decision({ claimId, actions, onDone }: { claimId: string; actions: string[]; onDone: () => void }) {
  const [note, setNote] = useState('')
  const [busy, setBusy] = useState(false)
  const [msg, setMsg] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null)
  const noteId = 'note-' + claimId
  if (actions.length === 0) return <p>No decision is open for this claim.</p>
  const send = async (action: string) => {
    setBusy(true)
    setMsg(null)
    try {
      // One key per click: a retried request replays the first answer
      // instead of deciding twice.
      await post('/v1/claims/' + claimId + '/decisions', { action, note }, { 'Idempotency-Key': requestKey() })
      setMsg({ kind: 'ok', text: actionLabel[action] + ': sent to the claim workflow.' })
      setNote('')
      onDone()
    } catch (e) {
      setMsg({ kind: 'error', text: e instanceof ApiError ? e.problem.title + ': ' + (e.problem.detail || '') : String(e) })
    } finally {
      setBusy(false)
    }
  }
  return (
    <div className="decision" role="group" aria-label="Decision">
      <label htmlFor={noteId}>Note for the decision</label>
      <textarea id={noteId} value={note} onChange={(e) => setNote(e.target.value)} rows={2} />
      <div className="actions">
        {actions.map((a) => (
          <button key={a} type="button" disabled={busy} data-action={a} onClick={() => send(a)}>
            {actionLabel[a] ?? a}
          </button>
        ))}
      </div>
      {msg && (
        <p role={msg.kind === 'error' ? 'alert' : 'status'} className={msg.kind}>
          {msg.text}
        </p>
      )}
    </div>
  )
}
