import { useCallback, useEffect, useState } from 'react'
import { ApiError, List, get, money, post, when } from '../api'

// A patient statement opened after remittance posting, waiting for staff
// to review and release it; nothing reaches the patient before.
export interface StatementAwaiting {
  id: string
  claim_id?: string
  patient_id: string
  practice_name: string
  service_dates: string[]
  amount_cents: number
  created_at: string
}

const day = (d: string) => new Date(d + 'T00:00:00Z').toLocaleDateString('en-US', { dateStyle: 'medium', timeZone: 'UTC' })

export function Statements({ canRelease }: { canRelease: boolean }) {
  const [data, setData] = useState<List<StatementAwaiting> | null>(null)
  const [error, setError] = useState('')
  const [busy, setBusy] = useState('')
  const [released, setReleased] = useState<string[]>([])
  const load = useCallback(() => {
    get<List<StatementAwaiting>>('/v1/dashboard/statements/awaiting-release')
      .then((d) => {
        setData(d)
        setError('')
      })
      .catch((e) => setError(e instanceof ApiError ? e.message : String(e)))
  }, [])
  useEffect(() => {
    load()
    const t = window.setInterval(load, 5000)
    return () => window.clearInterval(t)
  }, [load])

  const release = async (id: string) => {
    setBusy(id)
    try {
      await post('/v1/statements/' + encodeURIComponent(id) + '/release', {})
      setReleased((r) => [...r, id])
      load()
    } catch (e) {
      setError(e instanceof ApiError ? e.message : String(e))
    } finally {
      setBusy('')
    }
  }

  return (
    <section aria-labelledby="statements-h">
      <h1 id="statements-h" tabIndex={-1}>Patient statements awaiting release</h1>
      <p>Review each statement before it is emailed to the patient with a payment link.</p>
      {error && <p role="alert" className="error">{error}</p>}
      {released.length > 0 && <p role="status">Released {released.length} statement{released.length > 1 ? 's' : ''}; the patient is emailed now.</p>}
      {data && data.items.length === 0 && <p>No statement awaits release.</p>}
      {data && data.items.length > 0 && (
        <table className="grid">
          <thead>
            <tr>
              <th scope="col">Practice</th>
              <th scope="col">Date of service</th>
              <th scope="col">Amount</th>
              <th scope="col">Opened</th>
              <th scope="col">Claim</th>
              {canRelease && <th scope="col"><span className="sr-only">Release</span></th>}
            </tr>
          </thead>
          <tbody>
            {data.items.map((s) => (
              <tr key={s.id} data-statement={s.id}>
                <td>{s.practice_name}</td>
                <td>{s.service_dates.map(day).join(', ')}</td>
                <td>{money(s.amount_cents)}</td>
                <td>{when(s.created_at)}</td>
                <td>{s.claim_id ? <a href={'#/claims/' + s.claim_id}>View claim</a> : ''}</td>
                {canRelease && (
                  <td>
                    <button type="button" disabled={busy === s.id} onClick={() => release(s.id)}>
                      Release
                    </button>
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  )
}
