import { FormEvent, useCallback, useEffect, useState } from 'react'
import { ApiError, money } from '../api'
import { Deposit, DepositRemittance, Org, Reconciliation, createDeposit, getDeposits, getOrgs, getRemittancesWithoutDeposit, matchDeposit, unmatchDeposit } from '../api_era'

const statusLabel: Record<string, string> = { matched: 'matched', mismatch: 'amount mismatch', unmatched: 'no 835 yet' }

// cents parses "1,234.56" (dollars) into cents; NaN when it is not an amount.
function cents(s: string): number {
  const v = s.replace(/[$,\s]/g, '')
  if (!/^\d+(\.\d{1,2})?$/.test(v)) return NaN
  const [d, c = ''] = v.split('.')
  return Number(d) * 100 + Number((c + '00').slice(0, 2))
}

function problemText(err: unknown): string {
  if (err instanceof ApiError) {
    const fields = (err.problem.errors || []).map((f) => `${(f.pointer || f.parameter || '').replace(/^\//, '')} ${f.detail}`)
    return fields.length ? fields.join('; ') : err.message
  }
  return String(err)
}

function DepositForm({ orgs, onSaved }: { orgs: Org[]; onSaved: (d: Deposit) => void }) {
  const [org, setOrg] = useState('')
  const [amount, setAmount] = useState('')
  const [date, setDate] = useState('')
  const [reference, setReference] = useState('')
  const [note, setNote] = useState('')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState('')
  useEffect(() => {
    if (!org && orgs.length) setOrg(orgs[0].id)
  }, [orgs, org])
  const submit = async (e: FormEvent) => {
    e.preventDefault()
    setError('')
    const c = cents(amount)
    if (Number.isNaN(c)) {
      setError('amount must be a dollar amount such as 1234.56')
      return
    }
    setBusy(true)
    try {
      onSaved(await createDeposit({ org_id: org, amount_cents: c, deposited_on: date, reference, note }))
      setAmount('')
      setReference('')
      setNote('')
    } catch (err) {
      setError(problemText(err))
    } finally {
      setBusy(false)
    }
  }
  return (
    <form onSubmit={submit} aria-label="Record a bank deposit" className="deposit-form">
      {orgs.length > 1 && (
        <div>
          <label htmlFor="dep-org">Organisation</label>
          <select id="dep-org" data-testid="deposit-org" value={org} onChange={(e) => setOrg(e.target.value)}>
            {orgs.map((o) => <option key={o.id} value={o.id}>{o.name}</option>)}
          </select>
        </div>
      )}
      <div>
        <label htmlFor="dep-amount">Amount ($)</label>
        <input id="dep-amount" data-testid="deposit-amount" inputMode="decimal" required value={amount} onChange={(e) => setAmount(e.target.value)} />
      </div>
      <div>
        <label htmlFor="dep-date">Deposit date</label>
        <input id="dep-date" data-testid="deposit-date" type="date" required value={date} onChange={(e) => setDate(e.target.value)} />
      </div>
      <div>
        <label htmlFor="dep-ref">Reference / trace number (as on the bank statement)</label>
        <input id="dep-ref" data-testid="deposit-reference" required maxLength={80} value={reference} onChange={(e) => setReference(e.target.value)} />
      </div>
      <div>
        <label htmlFor="dep-note">Note</label>
        <input id="dep-note" data-testid="deposit-note" maxLength={2000} value={note} onChange={(e) => setNote(e.target.value)} />
      </div>
      <button type="submit" data-testid="deposit-save" disabled={busy}>Save deposit</button>
      {error && <p role="alert" className="error" data-testid="deposit-error">{error}</p>}
    </form>
  )
}

export function Deposits({ canWrite }: { canWrite: boolean }) {
  const [rec, setRec] = useState<Reconciliation | null>(null)
  const [orgs, setOrgs] = useState<Org[]>([])
  const [error, setError] = useState('')
  const [announce, setAnnounce] = useState('')
  const [matching, setMatching] = useState<Record<string, string>>({})
  const [unplaced, setUnplaced] = useState<DepositRemittance[]>([])
  const [unplacedCursor, setUnplacedCursor] = useState('')
  // load reads the first page of both lists again (after a change).
  const load = useCallback(() => {
    getDeposits()
      .then((r) => {
        setRec(r)
        setUnplaced(r.remittances_without_deposit)
        setUnplacedCursor(r.remittances_without_deposit_next_cursor || '')
      })
      .catch((e) => setError(problemText(e)))
  }, [])
  const moreDeposits = () => {
    if (!rec?.next_cursor) return
    getDeposits(rec.next_cursor)
      .then((r) => setRec({ ...rec, items: [...rec.items, ...r.items], next_cursor: r.next_cursor }))
      .catch((e) => setError(problemText(e)))
  }
  const moreUnplaced = () => {
    if (!unplacedCursor) return
    getRemittancesWithoutDeposit(unplacedCursor)
      .then((l) => {
        setUnplaced([...unplaced, ...l.items])
        setUnplacedCursor(l.next_cursor || '')
      })
      .catch((e) => setError(problemText(e)))
  }
  useEffect(() => {
    load()
    if (canWrite) getOrgs().then((l) => setOrgs(l.items)).catch((e) => setError(problemText(e)))
  }, [load, canWrite])
  const saved = (d: Deposit) => {
    setAnnounce(`Deposit ${d.reference} recorded: ${statusLabel[d.status]}`)
    load()
  }
  const act = async (f: () => Promise<Deposit>) => {
    setError('')
    try {
      const d = await f()
      setAnnounce(`Deposit ${d.reference}: ${statusLabel[d.status]}`)
      load()
    } catch (err) {
      setError(problemText(err))
    }
  }
  return (
    <section aria-labelledby="dep-h">
      <h1 id="dep-h" tabIndex={-1}>Deposits</h1>
      <p className="sr-only" role="status" aria-live="polite">{announce}</p>
      {error && <p role="alert" className="error">{error}</p>}
      {canWrite && <DepositForm orgs={orgs} onSaved={saved} />}
      <table className="grid" data-testid="deposits">
        <caption>Bank deposits reconciled with 835s by trace number and amount</caption>
        <thead>
          <tr><th scope="col">Date</th><th scope="col">Reference</th><th scope="col" className="num">Deposit</th><th scope="col" className="num">835s</th>
            <th scope="col" className="num">Difference</th><th scope="col">Status</th><th scope="col">835s matched</th>
            {canWrite && <th scope="col">Match by hand</th>}</tr>
        </thead>
        <tbody>
          {rec?.items.map((d) => (
            <tr key={d.id} data-testid="deposit-row" data-status={d.status} data-deposit={d.id}>
              <td>{d.deposited_on}</td>
              <td>{d.reference}{d.note ? <small> — {d.note}</small> : null}</td>
              <td className="num">{money(d.amount_cents)}</td>
              <td className="num">{money(d.remittances_cents)}</td>
              <td className="num" data-testid="deposit-difference">{d.difference_cents === 0 ? '—' : money(d.difference_cents)}</td>
              <td>{statusLabel[d.status]}{d.manual ? ' (by hand)' : ''}</td>
              <td>
                <ul className="codes">
                  {d.remittances.map((r) => (
                    <li key={r.remittance_id}>
                      <a href={'#/remittances/' + r.remittance_id}>{r.trace_number}</a> {money(r.amount_cents)}
                      {canWrite && (
                        <> <button type="button" data-testid="deposit-unmatch" onClick={() => act(() => unmatchDeposit(d.id, r.remittance_id))}
                          aria-label={`Unmatch 835 ${r.trace_number} from deposit ${d.reference}`}>Unmatch</button></>
                      )}
                    </li>
                  ))}
                </ul>
              </td>
              {canWrite && (
                <td>
                  {unplaced.length > 0 && (
                    <>
                      <label className="sr-only" htmlFor={'m-' + d.id}>835 to match to deposit {d.reference}</label>
                      <select id={'m-' + d.id} data-testid="deposit-match-select" value={matching[d.id] || ''}
                        onChange={(e) => setMatching({ ...matching, [d.id]: e.target.value })}>
                        <option value="">Choose an 835…</option>
                        {unplaced.map((r) => <option key={r.remittance_id} value={r.remittance_id}>{r.trace_number} {money(r.amount_cents)}</option>)}
                      </select>{' '}
                      <button type="button" data-testid="deposit-match" disabled={!matching[d.id]}
                        onClick={() => act(() => matchDeposit(d.id, matching[d.id]))}>Match</button>
                    </>
                  )}
                </td>
              )}
            </tr>
          ))}
          {rec && rec.items.length === 0 && <tr><td colSpan={canWrite ? 8 : 7}>No deposits recorded.</td></tr>}
        </tbody>
      </table>
      {rec?.next_cursor && <button type="button" data-testid="deposits-more" onClick={moreDeposits}>More deposits</button>}
      <table className="grid" data-testid="remittances-without-deposit">
        <caption>835s without a deposit</caption>
        <thead><tr><th scope="col">Trace</th><th scope="col">Payer</th><th scope="col">Payment date</th><th scope="col" className="num">Amount</th></tr></thead>
        <tbody>
          {unplaced.map((r) => (
            <tr key={r.remittance_id} data-testid="era-without-deposit" data-status="unmatched">
              <td><a href={'#/remittances/' + r.remittance_id}>{r.trace_number}</a></td><td>{r.payer_id}</td><td>{r.payment_date}</td>
              <td className="num">{money(r.amount_cents)}</td>
            </tr>
          ))}
          {rec && unplaced.length === 0 && <tr><td colSpan={4}>Every 835 has its deposit.</td></tr>}
        </tbody>
      </table>
      {unplacedCursor && <button type="button" data-testid="remittances-without-deposit-more" onClick={moreUnplaced}>More 835s</button>}
    </section>
  )
}
