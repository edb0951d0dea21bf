import { useEffect, useState } from 'react'
import { ApiError, Remittance, WorkItem, get, money, when } from '../api'

interface Data {
  items: Remittance[]
  next_cursor?: string
  work_queue: WorkItem[]
}

export function Remittances() {
  const [pages, setPages] = useState<string[]>([''])
  const [data, setData] = useState<Data | null>(null)
  const [error, setError] = useState('')
  const cursor = pages[pages.length - 1]
  useEffect(() => {
    get<Data>('/v1/dashboard/remittances?limit=20' + (cursor ? '&cursor=' + encodeURIComponent(cursor) : ''))
      .then(setData)
      .catch((e) => setError(e instanceof ApiError ? e.message : String(e)))
  }, [cursor])
  return (
    <section aria-labelledby="remit-h">
      <h1 id="remit-h" tabIndex={-1}>Remittances</h1>
      {error && <p role="alert" className="error">{error}</p>}
      <h2>Work queue</h2>
      <table className="grid">
        <caption>Open items posting could not match, balance or reconcile</caption>
        <thead><tr><th scope="col">Kind</th><th scope="col">Trace</th><th scope="col">CLP</th><th scope="col">Detail</th><th scope="col">Since</th></tr></thead>
        <tbody>
          {data?.work_queue.map((w) => (
            <tr key={w.id}><td>{w.kind.replace(/_/g, ' ')}</td><td>{w.trace_number}</td><td>{w.seq || '—'}</td><td>{w.detail}</td><td>{when(w.created_at)}</td></tr>
          ))}
          {data && data.work_queue.length === 0 && <tr><td colSpan={5}>The work queue is empty.</td></tr>}
        </tbody>
      </table>
      <h2>Posted 835s</h2>
      {data?.items.map((r) => {
        const charged = r.payments.reduce((s, p) => s + p.charge_cents, 0)
        const paid = r.payments.reduce((s, p) => s + p.paid_cents, 0)
        const adjusted = r.payments.reduce((s, p) => s + p.adjustments.reduce((a, x) => a + x.AmountCents, 0), 0)
        return (
          <table className="grid" key={r.id} data-remittance={r.id}>
            <caption>
              Trace {r.trace_number} from payer {r.payer_id}: paid {money(r.paid_cents)}
              {r.payment_date ? ` on ${r.payment_date}` : ''} · {r.balanced ? 'balanced' : 'NOT balanced'} ·{' '}
              {r.eft_reconciled ? 'EFT reconciled' : 'EFT not reconciled'} · charged {money(charged)}, paid {money(paid)}, adjusted{' '}
              {money(adjusted)}, provider adjustments {money(r.provider_adj_cents)}, balance {money(charged - paid - adjusted)}
            </caption>
            <thead>
              <tr><th scope="col">CLP</th><th scope="col">Claim</th><th scope="col">CLP02</th><th scope="col" className="num">Charge</th>
                <th scope="col" className="num">Paid</th><th scope="col" className="num">Patient</th><th scope="col">Adjustments</th></tr>
            </thead>
            <tbody>
              {r.payments.map((p) => (
                <tr key={p.seq}>
                  <td>{p.seq}</td>
                  <td>{p.claim_id ? <a href={'#/claims/' + p.claim_id}>{p.payer_claim_number || p.claim_id.slice(0, 8)}</a> : 'unmatched'}</td>
                  <td>{p.status_code}</td>
                  <td className="num">{money(p.charge_cents)}</td>
                  <td className="num">{money(p.paid_cents)}</td>
                  <td className="num">{money(p.patient_resp_cents)}</td>
                  <td>{p.adjustments.map((a) => `${a.Group}-${a.Reason} ${money(a.AmountCents)}`).join(', ')}{p.rarcs.length ? ` (${p.rarcs.join(', ')})` : ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )
      })}
      {data && data.items.length === 0 && <p>No remittances yet.</p>}
      <nav className="pager" aria-label="Pages">
        <button type="button" disabled={pages.length < 2} onClick={() => setPages(pages.slice(0, -1))}>Previous page</button>
        <span>Page {pages.length}</span>
        <button type="button" disabled={!data?.next_cursor} onClick={() => data?.next_cursor && setPages([...pages, data.next_cursor])}>Next page</button>
      </nav>
    </section>
  )
}
