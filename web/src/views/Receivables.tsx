import { useEffect, useState } from 'react'
import { AgingRow, ApiError, DenialRate, Grade, Receivables as Data, get, money } from '../api'

// Age is counted from the date of service.
const buckets = [
  { key: 'days_0_30_cents', label: '0–30 days', color: '#2b6cb0' },
  { key: 'days_31_60_cents', label: '31–60 days', color: '#d69e2e' },
  { key: 'days_61_90_cents', label: '61–90 days', color: '#dd6b20' },
  { key: 'days_91_120_cents', label: '91–120 days', color: '#c05621' },
  { key: 'days_over_120_cents', label: '120+ days', color: '#c53030' },
] as const

// The server grades each figure against the benchmarks billing staff work
// to (rcm.Benchmarks: denial rate ≤ 5 % good, 5–10 % watch, > 10 % bad...);
// the colour follows the grade and the word is always written beside it.
const gradeLabel: Record<Grade, string> = { good: 'good', watch: 'watch', bad: 'needs attention' }

function GradeBadge({ grade }: { grade?: Grade }) {
  if (!grade) return <span className="badge">no data</span>
  return <span className={`badge grade-${grade}`}>{gradeLabel[grade]}</span>
}

const pct = (r: number) => `${(r * 100).toFixed(1)} %`

function AgingTable({ rows, caption, first }: { rows: AgingRow[]; caption: string; first: string }) {
  return (
    <table className="grid">
      <caption>{caption}</caption>
      <thead><tr><th scope="col">{first}</th><th scope="col" className="num">Claims</th>{buckets.map((b) => <th key={b.key} scope="col" className="num">{b.label}</th>)}<th scope="col" className="num">Total</th></tr></thead>
      <tbody>
        {rows.map((r) => (
          <tr key={r.payer}><th scope="row">{r.payer}</th><td className="num">{r.claims}</td>{buckets.map((b) => <td key={b.key} className="num">{money(r[b.key] as number)}</td>)}<td className="num">{money(r.total_cents)}</td></tr>
        ))}
      </tbody>
    </table>
  )
}

function DenialTable({ rows, caption, first }: { rows: DenialRate[]; caption: string; first: string }) {
  return (
    <table className="grid">
      <caption>{caption}</caption>
      <thead><tr><th scope="col">{first}</th><th scope="col" className="num">Denied claims</th><th scope="col" className="num">Adjudicated claims</th><th scope="col" className="num">Rate</th><th scope="col">Grade</th></tr></thead>
      <tbody>
        {rows.map((d) => (
          <tr key={d.key}><th scope="row">{d.key}</th><td className="num">{d.denied}</td><td className="num">{d.adjudicated}</td><td className="num">{pct(d.rate)}</td><td><GradeBadge grade={d.grade} /></td></tr>
        ))}
      </tbody>
    </table>
  )
}

// The revenue-cycle figures over the claims with a date of service in the
// period, each with how it is computed.
function Analytics({ a }: { a: Data['analytics'] }) {
  const rows: { key: string; label: string; value: string; how: string }[] = [
    { key: 'clean_claim_rate', label: 'Clean-claim rate', value: pct(a.clean_claim_rate), how: `${a.clean} accepted on first submission without edits or rejections ÷ ${a.submitted} submitted` },
    { key: 'first_pass_resolution_rate', label: 'First-pass resolution rate', value: pct(a.first_pass_resolution_rate), how: `${a.first_pass} paid on first submission ÷ ${a.adjudicated} adjudicated` },
    { key: 'denial_rate', label: 'Denial rate', value: pct(a.denial_rate), how: `${a.denied} denied ÷ ${a.adjudicated} adjudicated` },
    { key: 'days_in_ar', label: 'Days in A/R', value: a.days_in_ar.toFixed(1), how: `${money(a.total_ar_cents)} total A/R ÷ (${money(a.period_charges_cents)} charges ÷ ${a.period_days} days)` },
    { key: 'net_collection_rate', label: 'Net collection rate', value: pct(a.net_collection_rate), how: `${money(a.payments_cents)} payments ÷ (${money(a.period_charges_cents)} charges − ${money(a.contractual_cents)} contractual adjustments)` },
  ]
  return (
    <table className="grid" id="ar-analytics">
      <caption>Claims with a date of service in the last {a.period_days} days</caption>
      <thead><tr><th scope="col">Measure</th><th scope="col" className="num">Value</th><th scope="col">Grade</th><th scope="col">How</th></tr></thead>
      <tbody>
        {rows.map((r) => (
          <tr key={r.key}><th scope="row">{r.label}</th><td className="num">{r.value}</td><td><GradeBadge grade={a.grades[r.key]} /></td><td>{r.how}</td></tr>
        ))}
      </tbody>
    </table>
  )
}

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
      <g transform={`translate(8, ${data.length * rowH + 8})`}>
        {buckets.map((b, i) => (
          <g key={b.key} transform={`translate(${i * 120}, 0)`}>
            <rect width={12} height={12} fill={b.color} />
            <text x={16} y={11}>{b.label}</text>
          </g>
        ))}
      </g>
    </svg>
  )
}

// Two lines over the weeks: denial rate (0–100 %) and average days to
// payment; the table below has the values.
function TrendChart({ data }: { data: Data['trend'] }) {
  const w = 640
  const h = 180
  const pad = 36
  const maxDays = Math.max(1, ...data.map((p) => p.days_to_payment))
  const x = (i: number) => pad + (data.length === 1 ? (w - 2 * pad) / 2 : (i * (w - 2 * pad)) / (data.length - 1))
  const yRate = (r: number) => h - pad - r * (h - 2 * pad)
  const yDays = (d: number) => h - pad - (d / maxDays) * (h - 2 * pad)
  const line = (f: (p: Data['trend'][number]) => number) => data.map((p, i) => `${x(i)},${f(p)}`).join(' ')
  return (
    <svg role="img" aria-labelledby="trend-title" width={w} height={h + 20} className="chart">
      <title id="trend-title">Denial rate and days to payment per week; the table below has the values</title>
      <line x1={pad} y1={h - pad} x2={w - pad} y2={h - pad} stroke="#718096" />
      <polyline points={line((p) => yRate(p.denial_rate))} fill="none" stroke="#c53030" strokeWidth={2} />
      <polyline points={line((p) => yDays(p.days_to_payment))} fill="none" stroke="#2b6cb0" strokeWidth={2} strokeDasharray="6 3" />
      {data.map((p, i) => (
        <g key={p.week}>
          <circle cx={x(i)} cy={yRate(p.denial_rate)} r={3} fill="#c53030" />
          <circle cx={x(i)} cy={yDays(p.days_to_payment)} r={3} fill="#2b6cb0" />
          <text x={x(i)} y={h - pad + 14} textAnchor="middle">{p.week}</text>
        </g>
      ))}
      <text x={pad} y={14}>— denial rate (top = 100 %)</text>
      <text x={pad + 220} y={14} fill="#2b6cb0">- - days to payment (top = {maxDays.toFixed(1)})</text>
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
      {data && <p>Balances aged from the date of service to {data.as_of}.</p>}
      <h2>Payer A/R aging</h2>
      {data && data.aging.length === 0 && <p>No payer balances.</p>}
      {data && data.aging.length > 0 && <AgingChart data={data.aging} />}
      {data && data.aging.length > 0 && (
        <AgingTable rows={data.aging} first="Payer" caption="What each payer still owes (charge − paid − contractual adjustments − patient responsibility), by days since the date of service" />
      )}
      <h2>Patient A/R aging</h2>
      {data && data.patients.total_cents === 0 && <p>No patient balances.</p>}
      {data && data.patients.total_cents > 0 && (
        <AgingTable rows={[data.patients]} first="Patients" caption={`What ${data.patient_count} patient${data.patient_count === 1 ? '' : 's'} owe (patient responsibility − patient payments), by days since the date of service`} />
      )}
      <h2>Revenue-cycle analytics</h2>
      {data && <Analytics a={data.analytics} />}
      <h2>Denials by reason</h2>
      {data && data.analytics.denials_by_reason.length === 0 && <p>No denials.</p>}
      {data && data.analytics.denials_by_reason.length > 0 && (
        <DenialTable rows={data.analytics.denials_by_reason} first="Reason (CARC)" caption="Claims denied with each reason ÷ claims adjudicated" />
      )}
      <h2>Denials by payer</h2>
      {data && data.analytics.denials_by_payer.length > 0 && (
        <DenialTable rows={data.analytics.denials_by_payer} first="Payer" caption="Each payer's denied ÷ adjudicated claims" />
      )}
      <h2>Denial rate and days to payment</h2>
      {data && data.trend.length === 0 && <p>No remittances posted in the last 26 weeks.</p>}
      {data && data.trend.length > 0 && <TrendChart data={data.trend} />}
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
                <td><meter min={0} max={1} low={0.05} high={0.1} optimum={0} value={p.denial_rate} className={`grade-${p.grade}`} aria-label={`Denial rate week of ${p.week}`}>{Math.round(p.denial_rate * 100)}%</meter> {Math.round(p.denial_rate * 100)}% <GradeBadge grade={p.grade} /></td>
                <td className="num">{p.days_to_payment.toFixed(1)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  )
}
