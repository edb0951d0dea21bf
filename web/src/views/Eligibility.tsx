import { FormEvent, useState } from 'react'
import { ApiError, get } from '../api'

// Eligibility benefits for an appointment's patient. The records API has no
// eligibility endpoint yet (eligibility storage is being built): the view
// says so instead of guessing.
export function Eligibility() {
  const [appt, setAppt] = useState('')
  const [result, setResult] = useState<unknown>(null)
  const [error, setError] = useState('')
  const submit = async (e: FormEvent) => {
    e.preventDefault()
    setError('')
    setResult(null)
    try {
      setResult(await get('/v1/appointments/' + encodeURIComponent(appt) + '/eligibility'))
    } catch (err) {
      if (err instanceof ApiError && err.problem.status === 404 && (err.problem.detail || '').startsWith('no route')) {
        setError('Eligibility results are not served by this claimflow version yet.')
      } else {
        setError(err instanceof ApiError ? err.message : String(err))
      }
    }
  }
  return (
    <section aria-labelledby="elig-h">
      <h1 id="elig-h" tabIndex={-1}>Eligibility</h1>
      <form onSubmit={submit} className="filters">
        <div>
          <label htmlFor="appt">Appointment ID</label>
          <input id="appt" value={appt} required onChange={(e) => setAppt(e.target.value)} />
        </div>
        <button type="submit">Show latest benefits</button>
      </form>
      {error && <p role="alert" className="error">{error}</p>}
      {result !== null && <pre tabIndex={0} aria-label="Latest eligibility result">{JSON.stringify(result, null, 2)}</pre>}
    </section>
  )
}
