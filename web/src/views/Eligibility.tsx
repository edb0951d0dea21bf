import { FormEvent, useEffect, useState } from 'react'
import { ApiError, Deviation, List, get, money, when } from '../api'
import { Deviations } from './Deviations'

interface Benefits {
  active: boolean
  plan?: string
  insurance_type?: string
  deductible_cents?: number
  deductible_remaining_cents?: number
  out_of_pocket_cents?: number
  out_of_pocket_remaining_cents?: number
  copay_cents?: number
  coinsurance?: string
}

interface Check {
  trace_number: string
  appointment_id: string
  mode: string
  status: string
  reject_codes: string[]
  reject_reasons: { code: string; description: string }[]
  benefits?: Benefits
  checked_at: string
  deviations?: Deviation[]
}

interface Appointment {
  id: string
  starts_at: string
  status: string
  visit_type?: string
}

const amount = (c?: number) => (c === undefined || c === null ? '—' : money(c))

// The latest eligibility check (270/271) of an appointment's patient:
// coverage status and benefits, and the deviations from the 271 guide the
// tolerant inbound check found in its responses. Needs appointment:read;
// benefits are PHI and every read is audited.
export function Eligibility() {
  const [appts, setAppts] = useState<Appointment[]>([])
  const [appt, setAppt] = useState('')
  const [check, setCheck] = useState<Check | null>(null)
  const [error, setError] = useState('')
  useEffect(() => {
    get<List<Appointment>>('/v1/appointments?limit=50')
      .then((l) => setAppts(l.items))
      .catch(() => {})
  }, [])
  const submit = async (e: FormEvent) => {
    e.preventDefault()
    setError('')
    setCheck(null)
    try {
      setCheck(await get<Check>('/v1/dashboard/eligibility?appointment_id=' + encodeURIComponent(appt)))
    } catch (err) {
      if (err instanceof ApiError && err.problem.status === 404) setError('No eligibility check is stored for this appointment yet.')
      else if (err instanceof ApiError && err.problem.status === 403) setError('Your role may not read appointments (appointment:read).')
      else setError(err instanceof ApiError ? err.message : String(err))
    }
  }
  const b = check?.benefits
  return (
    <section aria-labelledby="elig-h">
      <h1 id="elig-h" tabIndex={-1}>Eligibility</h1>
      <form onSubmit={submit} className="filters">
        {appts.length > 0 && (
          <div>
            <label htmlFor="appt-pick">Recent appointment</label>
            <select id="appt-pick" value={appt} onChange={(e) => setAppt(e.target.value)}>
              <option value="">Choose…</option>
              {appts.map((a) => (
                <option key={a.id} value={a.id}>{when(a.starts_at)} · {a.status}{a.visit_type ? ' · ' + a.visit_type : ''}</option>
              ))}
            </select>
          </div>
        )}
        <div>
          <label htmlFor="appt">Appointment ID</label>
          <input id="appt" value={appt} required size={38} onChange={(e) => setAppt(e.target.value)} />
        </div>
        <button type="submit">Show latest benefits</button>
      </form>
      {error && <p role="alert" className="error">{error}</p>}
      {check && (
        <dl className="facts" aria-label="Latest eligibility check">
          <dt>Coverage</dt>
          <dd>{check.status}{check.reject_reasons.length > 0 && (
            <ul className="codes" aria-label="Reject reasons">{check.reject_reasons.map((c) => <li key={c.code}><strong>{c.code}</strong> {c.description}</li>)}</ul>
          )}</dd>
          <dt>Checked</dt>
          <dd>{when(check.checked_at)} ({check.mode}, trace {check.trace_number})</dd>
          {b && (
            <>
              <dt>Plan</dt><dd>{b.plan || '—'}{b.insurance_type ? ` (${b.insurance_type})` : ''}</dd>
              <dt>Deductible</dt><dd>{amount(b.deductible_cents)}, remaining {amount(b.deductible_remaining_cents)}</dd>
              <dt>Out of pocket</dt><dd>{amount(b.out_of_pocket_cents)}, remaining {amount(b.out_of_pocket_remaining_cents)}</dd>
              <dt>Co-pay</dt><dd>{amount(b.copay_cents)}</dd>
              <dt>Co-insurance</dt><dd>{b.coinsurance || '—'}</dd>
            </>
          )}
        </dl>
      )}
      {check && <Deviations list={check.deviations ?? []} headingId="elig-deviations-h" />}
    </section>
  )
}
