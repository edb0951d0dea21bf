import { useEffect, useState } from 'react'
import { ApiError, ClaimVersion, List, get, money, post, when } from '../api'

// requestKey is a random idempotency key (as in Decision).
function requestKey(): string {
  const b = new Uint8Array(16)
  crypto.getRandomValues(b)
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('')
}

interface LineForm {
  code: string
  modifiers: string
  pointers: string
  units: string
  amount: string
}

const list = (s: string) => s.split(',').map((x) => x.trim()).filter((x) => x !== '')

// The claim editor: staff correct a claim waiting for them (its diagnoses,
// lines and member ID) and send it again. The edit is stored as the
// claim's next version (POST /v1/claims/{id}/versions); "Save and
// resubmit" then decides correct (a replacement, after a payer's denial)
// or resubmit (after a scrub failure or a front-end rejection) with the
// same note. Invalid fields come back as problem+json naming them.
export function ClaimEditor({ claimId, actions, onDone }: { claimId: string; actions: string[]; onDone: () => void }) {
  const [versions, setVersions] = useState<ClaimVersion[]>([])
  const [dx, setDx] = useState('')
  const [lines, setLines] = useState<LineForm[]>([])
  const [member, setMember] = useState('')
  const [note, setNote] = useState('')
  const [busy, setBusy] = useState(false)
  const [msg, setMsg] = useState<{ kind: 'ok' | 'error'; text: string; fields?: string[] } | null>(null)
  const action = actions.includes('correct') ? 'correct' : actions.includes('resubmit') ? 'resubmit' : ''

  const load = () =>
    get<List<ClaimVersion>>('/v1/claims/' + claimId + '/versions')
      .then((l) => {
        setVersions(l.items)
        const cur = l.items[l.items.length - 1]
        if (!cur) return
        setDx(cur.diagnoses.join(', '))
        setMember(cur.member_id)
        setLines(cur.charges.map((c) => ({
          code: c.code, modifiers: (c.modifiers ?? []).join(', '), pointers: c.diagnosis_pointers.join(', '),
          units: String(c.units), amount: (c.amount_cents / 100).toFixed(2),
        })))
      })
      .catch((e) => setMsg({ kind: 'error', text: e instanceof ApiError ? e.message : String(e) }))
  useEffect(() => { load() }, [claimId]) // eslint-disable-line react-hooks/exhaustive-deps

  if (!action) return null
  const cur = versions[versions.length - 1]
  const setLine = (i: number, k: keyof LineForm, v: string) => setLines(lines.map((l, j) => (j === i ? { ...l, [k]: v } : l)))

  const save = async () => {
    setBusy(true)
    setMsg(null)
    try {
      const body: Record<string, unknown> = {
        diagnoses: list(dx.toUpperCase()),
        charges: lines.map((l) => ({
          code: l.code.trim().toUpperCase(), modifiers: list(l.modifiers.toUpperCase()),
          diagnosis_pointers: list(l.pointers).map(Number), units: Number(l.units), amount_cents: Math.round(Number(l.amount) * 100),
        })),
        note,
      }
      if (cur && member.trim() !== cur.member_id) body.member_id = member.trim()
      await post('/v1/claims/' + claimId + '/versions', body, { 'Idempotency-Key': requestKey() })
      await post('/v1/claims/' + claimId + '/decisions', { action, note }, { 'Idempotency-Key': requestKey() })
      setMsg({ kind: 'ok', text: 'Saved and sent to the claim workflow (' + (action === 'correct' ? 'corrected claim, frequency 7' : 'resubmitted') + ').' })
      setNote('')
      load()
      onDone()
    } catch (e) {
      if (e instanceof ApiError) {
        setMsg({ kind: 'error', text: e.problem.title + ': ' + (e.problem.detail || ''),
          fields: (e.problem.errors ?? []).map((f) => (f.pointer ?? f.parameter ?? '') + ': ' + f.detail) })
      } else {
        setMsg({ kind: 'error', text: String(e) })
      }
    } finally {
      setBusy(false)
    }
  }

  return (
    <section aria-labelledby="edit-h" className="claim-editor">
      <h2 id="edit-h">Correct the claim</h2>
      <form onSubmit={(e) => { e.preventDefault(); void save() }}>
        <label htmlFor="edit-dx">Diagnoses (ICD-10-CM, comma-separated, in pointer order)</label>
        <input id="edit-dx" name="diagnoses" value={dx} onChange={(e) => setDx(e.target.value)} />
        <label htmlFor="edit-member">Member ID</label>
        <input id="edit-member" name="member_id" value={member} onChange={(e) => setMember(e.target.value)} />
        <table aria-label="Service lines">
          <thead>
            <tr><th>Line</th><th>Procedure</th><th>Modifiers</th><th>Diagnosis pointers</th><th>Units</th><th>Charge ($)</th><th /></tr>
          </thead>
          <tbody>
            {lines.map((l, i) => (
              <tr key={i}>
                <td>{i + 1}</td>
                <td><input aria-label={`Line ${i + 1} procedure`} value={l.code} onChange={(e) => setLine(i, 'code', e.target.value)} size={6} /></td>
                <td><input aria-label={`Line ${i + 1} modifiers`} value={l.modifiers} onChange={(e) => setLine(i, 'modifiers', e.target.value)} size={8} /></td>
                <td><input aria-label={`Line ${i + 1} diagnosis pointers`} value={l.pointers} onChange={(e) => setLine(i, 'pointers', e.target.value)} size={6} /></td>
                <td><input aria-label={`Line ${i + 1} units`} value={l.units} onChange={(e) => setLine(i, 'units', e.target.value)} size={4} inputMode="decimal" /></td>
                <td><input aria-label={`Line ${i + 1} charge`} value={l.amount} onChange={(e) => setLine(i, 'amount', e.target.value)} size={8} inputMode="decimal" /></td>
                <td><button type="button" onClick={() => setLines(lines.filter((_, j) => j !== i))} disabled={lines.length <= 1}>Remove</button></td>
              </tr>
            ))}
          </tbody>
        </table>
        <button type="button" onClick={() => setLines([...lines, { code: '', modifiers: '', pointers: '1', units: '1', amount: '0.00' }])}>Add line</button>
        <label htmlFor="edit-note">Note (kept in the claim's history)</label>
        <textarea id="edit-note" name="note" value={note} onChange={(e) => setNote(e.target.value)} rows={2} required />
        <div className="actions">
          <button type="submit" disabled={busy} data-action="save-resubmit">Save and resubmit</button>
        </div>
      </form>
      {msg && (
        <div role={msg.kind === 'error' ? 'alert' : 'status'} className={msg.kind}>
          <p>{msg.text}</p>
          {msg.fields && msg.fields.length > 0 && <ul>{msg.fields.map((f) => <li key={f}>{f}</li>)}</ul>}
        </div>
      )}
      {versions.length > 1 && (
        <>
          <h3>Edits</h3>
          <ol className="events">
            {versions.slice(1).map((v) => (
              <li key={v.version}>
                <time dateTime={v.created_at}>{when(v.created_at)}</time> version {v.version} by {v.edited_by_name || 'staff'}
                {' — '}{v.diagnoses.join(', ')}; {money(v.total_cents)}{v.note ? ` — ${v.note}` : ''}
              </li>
            ))}
          </ol>
        </>
      )}
    </section>
  )
}
