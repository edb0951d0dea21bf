import { FormEvent, useEffect, useState } from 'react'
import { ApiError, get, post, when } from '../api'

// Prior authorizations (issue 19): what was asked of each payer (278) and
// where it stands: requested, pended, approved with the payer's number,
// dates and units (and how many units claims used), denied or expired.
// Staff request one for a patient's coverage; its workflow sends the 278
// and follows up a pended review.

interface Authorization {
  id: string
  patient_id: string
  coverage_id: string
  provider_id: string
  codes: string[]
  diagnoses: string[]
  units: number
  service_from: string
  service_to: string
  status: string
  auth_number?: string
  approved_from?: string
  approved_to?: string
  approved_units?: number
  used_units: number
  decision_code?: string
  reason?: string
  updated_at: string
}

const empty = { patient_id: '', coverage_id: '', provider_id: '', codes: '', diagnoses: '', units: '1', service_from: '', service_to: '' }
type Draft = typeof empty

const list = (s: string) => s.split(',').map((c) => c.trim().toUpperCase()).filter((c) => c !== '')

export function Authorizations({ canRequest }: { canRequest: boolean }) {
  const [items, setItems] = useState<Authorization[]>([])
  const [draft, setDraft] = useState<Draft>(empty)
  const [errors, setErrors] = useState<Record<string, string>>({})
  const [error, setError] = useState('')
  const [message, setMessage] = useState('')
  const reload = () =>
    get<{ items: Authorization[] }>('/v1/authorizations')
      .then((l) => setItems(l.items))
      .catch((e) => setError(e instanceof ApiError ? e.message : String(e)))
  useEffect(() => {
    reload()
  }, [])
  const submit = async (e: FormEvent) => {
    e.preventDefault()
    setErrors({})
    setError('')
    setMessage('')
    try {
      const a = await post<Authorization>('/v1/authorizations', {
        patient_id: draft.patient_id.trim(), coverage_id: draft.coverage_id.trim(), provider_id: draft.provider_id.trim(),
        codes: list(draft.codes), diagnoses: list(draft.diagnoses), units: Number(draft.units),
        service_from: draft.service_from, service_to: draft.service_to,
      })
      setMessage('Requested authorization for ' + a.codes.join(', ') + '; the payer is being asked.')
      setDraft(empty)
      reload()
    } catch (err) {
      if (!(err instanceof ApiError)) throw err
      const f: Record<string, string> = {}
      for (const x of err.problem.errors || []) {
        const k = (x.pointer || '').split('/')[1] || ''
        if (k && !f[k]) f[k] = x.detail
      }
      setErrors(f)
      setError(err.message)
    }
  }
  const input = (k: keyof Draft, label: string, type = 'text', hint = '') => (
    <div>
      <label htmlFor={'auth-' + k}>{label}</label>
      <input id={'auth-' + k} data-testid={'auth-' + k} type={type} value={draft[k]} aria-invalid={errors[k] ? true : undefined}
        aria-describedby={errors[k] ? 'auth-' + k + '-err' : undefined} placeholder={hint}
        onChange={(e) => setDraft({ ...draft, [k]: e.target.value })} />
      {errors[k] && <span id={'auth-' + k + '-err'} className="error" data-testid={"auth-" + k + "-error"}>{errors[k]}</span>}
    </div>
  )
  return (
    <section aria-labelledby="auth-h">
      <h1 id="auth-h" tabIndex={-1}>Prior authorizations</h1>
      {error && <p role="alert" className="error">{error}</p>}
      {message && <p role="status">{message}</p>}
      <table data-testid="authorizations">
        <caption>Authorizations, newest first</caption>
        <thead>
          <tr>
            <th scope="col">Services</th>
            <th scope="col">Requested for</th>
            <th scope="col">Status</th>
            <th scope="col">Authorization number</th>
            <th scope="col">Approved</th>
            <th scope="col">Units used</th>
            <th scope="col">Updated</th>
          </tr>
        </thead>
        <tbody>
          {items.length === 0 && (
            <tr>
              <td colSpan={7}>No authorizations yet.</td>
            </tr>
          )}
          {items.map((a) => (
            <tr key={a.id} data-auth={a.id} data-status={a.status}>
              <td>{a.codes.join(', ')}</td>
              <td>{a.service_from} to {a.service_to} · {a.units} units</td>
              <td data-testid="auth-status">
                {a.status}
                {a.decision_code ? ' (' + a.decision_code + (a.reason ? ', reason ' + a.reason : '') + ')' : ''}
              </td>
              <td data-testid="auth-number">{a.auth_number || '—'}</td>
              <td>{a.approved_from ? a.approved_from + ' to ' + a.approved_to : '—'}</td>
              <td>{a.approved_units ? a.used_units + ' of ' + a.approved_units : '—'}</td>
              <td>{when(a.updated_at)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <button type="button" onClick={reload}>Refresh</button>
      {canRequest && (
        <form onSubmit={submit} className="filters" data-testid="auth-request" aria-labelledby="auth-req-h">
          <h2 id="auth-req-h">Request an authorization</h2>
          {input('patient_id', 'Patient ID')}
          {input('coverage_id', 'Coverage ID')}
          {input('provider_id', 'Provider ID')}
          {input('codes', 'Procedure codes', 'text', '72148, 70553')}
          {input('diagnoses', 'Diagnoses (ICD-10-CM)', 'text', 'M54.50')}
          {input('units', 'Units', 'number')}
          {input('service_from', 'From', 'date')}
          {input('service_to', 'Through', 'date')}
          <button type="submit">Request</button>
        </form>
      )}
    </section>
  )
}
