import { FormEvent, useState } from 'react'
import { DirectoryEntry, directoryTransactions, payerFromDirectory, searchDirectory } from '../api_directory'
import { problemsOf } from '../api_enroll'

// The payer directory search in practice setup (issue 19): which payers
// exist, their payer ID at each clearinghouse, the transactions each
// supports and those it accepts only from enrolled providers. A payer
// added from an entry takes its payer ID at the chosen clearinghouse and
// its enrollment requirement.
export function PayerDirectory({ orgID, known, canWrite, added }: {
  orgID: string; known: string[]; canWrite: boolean; added: () => void
}) {
  const [q, setQ] = useState('')
  const [tx, setTx] = useState('')
  const [items, setItems] = useState<DirectoryEntry[] | null>(null)
  const [error, setError] = useState('')
  const [message, setMessage] = useState('')
  const search = (e?: FormEvent) => {
    e?.preventDefault()
    setError('')
    setMessage('')
    searchDirectory(q, tx)
      .then((l) => setItems(l.items))
      .catch((err) => {
        const p = problemsOf(err)
        setItems(null)
        setError(p.message + (err?.problem?.errors || []).map((f: { parameter?: string; detail: string }) => ` ${f.parameter}: ${f.detail}`).join(';'))
      })
  }
  const add = (entry: DirectoryEntry, clearinghouse: string) => {
    setError('')
    payerFromDirectory(entry.id, orgID, clearinghouse)
      .then((p) => {
        setMessage(`Added payer ${p.name} (${p.payer_id} at ${p.clearinghouse})` + (p.enrollment_required ? ': requires provider enrollment' : ''))
        added()
      })
      .catch((err) => {
        const p = problemsOf(err)
        setError(p.message + Object.entries(p.fields).map(([k, v]) => ` ${k}: ${v}`).join(';'))
      })
  }
  return (
    <section className="card" data-testid="payer-directory" aria-labelledby="payer-directory-h">
      <h2 id="payer-directory-h">Payer directory</h2>
      <form onSubmit={search} role="search">
        <label htmlFor="pd-q">Payer name, alias or payer ID</label>
        <input id="pd-q" type="search" value={q} onChange={(e) => setQ(e.target.value)} data-testid="payer-directory-q" />
        <label htmlFor="pd-tx">Supports</label>
        <select id="pd-tx" value={tx} onChange={(e) => setTx(e.target.value)} data-testid="payer-directory-transaction">
          <option value="">any transaction</option>
          {directoryTransactions.map((t) => <option key={t} value={t}>{t}</option>)}
        </select>
        <button type="submit" data-testid="payer-directory-search">Search</button>
      </form>
      {items && items.length === 0 && <p data-testid="payer-directory-empty">No payer in the directory matches.</p>}
      {items && items.length > 0 && (
        <table data-testid="payer-directory-results">
          <thead>
            <tr><th>Payer</th><th>Payer IDs</th><th>Transactions</th><th>Enrollment required for</th>{canWrite && <th>Add to this organisation</th>}</tr>
          </thead>
          <tbody>
            {items.map((e) => (
              <tr key={e.id} data-testid="payer-directory-row" data-entry={e.id}>
                <td>{e.name}{e.aliases.length > 0 && <small> ({e.aliases.join(', ')})</small>}</td>
                <td data-testid="payer-directory-ids">{e.payer_ids.map((p) => `${p.clearinghouse}: ${p.payer_id}`).join(', ')}</td>
                <td data-testid="payer-directory-transactions">{e.transactions.join(', ')}</td>
                <td data-testid="payer-directory-enrollment">{e.enrollment_required.length ? e.enrollment_required.join(', ') : 'none'}</td>
                {canWrite && (
                  <td>
                    {e.payer_ids.filter((p) => known.length === 0 || known.includes(p.clearinghouse)).map((p) => (
                      <button key={p.clearinghouse} type="button" onClick={() => add(e, p.clearinghouse)} data-testid="payer-directory-add"
                        data-clearinghouse={p.clearinghouse}>
                        Add via {p.clearinghouse}
                      </button>
                    ))}
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {error && <p role="alert" className="error" data-testid="payer-directory-error">{error}</p>}
      <p role="status" aria-live="polite" data-testid="payer-directory-message">{message}</p>
    </section>
  )
}
