import { useEffect, useState } from 'react'
import { ApiError, Receivables as Data, get, money } from '../api'

const buckets = [
  { key: 'days_0_30_cents', label: '0–30 days', color: '#2b6cb0' },
  { key: 'days_31_60_cents', label: '31–60 days', color: '#d69e2e' },
  { key: 'days_61_90_cents', label: '61–90 days', color: '#dd6b20' },
  { key: 'days_over_90_cents', label: '90+ days', color: '#c53030' },
] as const

// A stacked bar per payer, drawn as SVG; the same numbers follow as a table
// for screen readers and for exact values.
function AgingChart({ data }: { data: Data['aging'] }) {
  const max = Math.max(1, ...data.map((r) => r.total_cents))
  const rowH = 28
  const w = 640
  const left = 160
  return (
    <svg role="img" aria-labelledby="aging-title" width={w} height={data.length * rowH + 30} className="chart">
      <title id="aging-title">Open balance per payer by age (stacked bars); the table below has the values</title>
      {data.map((r, i) => {
        let x = left
        return (
          <g key={r.payer} transform={`translate(0, ${i * rowH})`}>
            <text x={left - 8} y={18} textAnchor="end">{r.payer}</text>
            {buckets.map((b) => {
              const width = ((r[b.key] as number) / max) * (w - left - 90)
              const el = <rect key={b.key} x={x} y={4} width={width} height={18} fill={b.color} />
              x += width
              return el
            })}
            <text x={x + 6} y={18}>{money(r.total_cents)}</text>
          </g>
        )
      })}
      <g transform={`translate(${left}, ${data.length * rowH + 8})`}>
        {buckets.map((b, i) => (
          <g key={b.key} transform={`translate(${i * 110}, 0)`}>
            <rect width={12} height={12} fill={b.color} />
            <text x={16} y={11}>{b.label}</text>
          </g>
        ))}
      </g>
    </svg>
  )
}

export function Receivables() {
  const [data, setData] = useState<Data | null>(null)
  const [error, setError] = useState('')
  useEffect(() => {
    get<Data>('/v1/dashboard/receivables').then(setData).catch((e) => setError(e instanceof ApiError ? e.message : String(e)))
  }, [])
  return (
    <section aria-labelledby="ar-h">
      <h1 id="ar-h" tabIndex={-1}>Accounts receivable</h1>
      {error && <p role="alert" className="error">{error}</p>}
      <h2>Aging per payer</h2>
      {data && data.aging.length === 0 && <p>No open balances.</p>}
      {data && data.aging.length > 0 && <AgingChart data={data.aging} />}
      {data && data.aging.length > 0 && (
        <table className="grid">
          <caption>Open balance per payer by days since the claim was created</caption>
          <thead><tr><th scope="col">Payer</th>{buckets.map((b) => <th key={b.key} scope="col" className="num">{b.label}</th>)}<th scope="col" className="num">Total</th></tr></thead>
          <tbody>
            {data.aging.map((r) => (
              <tr key={r.payer}><th scope="row">{r.payer}</th>{buckets.map((b) => <td key={b.key} className="num">{money(r[b.key] as number)}</td>)}<td className="num">{money(r.total_cents)}</td></tr>
            ))}
          </tbody>
        </table>
      )}
      <h2>Denial rate and days to payment</h2>
      {data && data.trend.length === 0 && <p>No remittances posted in the last 26 weeks.</p>}
      {data && data.trend.length > 0 && (
        <table className="grid">
          <caption>Per week of posting (last 26 weeks)</caption>
          <thead><tr><th scope="col">Week of</th><th scope="col" className="num">Claim payments</th><th scope="col" className="num">Denials</th><th scope="col">Denial rate</th><th scope="col" className="num">Days to payment</th></tr></thead>
          <tbody>
            {data.trend.map((p) => (
              <tr key={p.week}>
                <th scope="row">{p.week}</th>
                <td className="num">{p.payments}</td>
                <td className="num">{p.denials}</td>
                <td><meter min={0} max={1} value={p.denial_rate} aria-label={`Denial rate week of ${p.week}`}>{Math.round(p.denial_rate * 100)}%</meter> {Math.round(p.denial_rate * 100)}%</td>
                <td className="num">{p.days_to_payment.toFixed(1)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  )
}
