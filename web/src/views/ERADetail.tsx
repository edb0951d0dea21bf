import { useEffect, useState } from 'react'
import { ApiError, money } from '../api'
import { ERA, ERAAdjustment, ERAClaim, eobPath, getERA, openEOB } from '../api_era'
import { Deviations } from './Deviations'

const methods: Record<string, string> = { ACH: 'ACH (EFT)', CHK: 'Check', BOP: 'Financial institution option', FWT: 'Wire transfer', NON: 'No payment' }

function Adjustments({ list }: { list: ERAAdjustment[] }) {
  if (list.length === 0) return <>—</>
  return (
    <ul className="codes" aria-label="Adjustments">
      {list.map((a, i) => (
        <li key={i}><strong>{a.code}</strong> {money(a.amount_cents)} {a.description}</li>
      ))}
    </ul>
  )
}

function ClaimRows({ era, c, onError }: { era: ERA; c: ERAClaim; onError: (e: unknown) => void }) {
  const patient = c.claim_id === '' ? 'unmatched' : c.patient_masked ? 'hidden' : c.patient_name
  return (
    <tbody data-era-claim-group={c.seq}>
      <tr data-testid="era-claim" data-claim-id={c.claim_id} data-seq={c.seq}>
        <th scope="row">{c.patient_control_number}</th>
        <td>{patient}</td>
        <td>{c.claim_id ? <a href={'#/claims/' + c.claim_id}>{c.claim_id.slice(0, 8)}</a> : 'unmatched'}</td>
        <td>{c.payer_claim_number}</td>
        <td>{c.status_code}</td>
        <td className="num">{money(c.charge_cents)}</td>
        <td className="num" title={c.allowed_source === 'lines_amt_b6' ? 'sum of the lines\u2019 AMT*B6' : 'billed less CO adjustments'}>
          {money(c.allowed_cents)}{c.allowed_source === 'charge_minus_co' ? '*' : ''}
        </td>
        <td className="num" data-testid="era-claim-paid">{money(c.paid_cents)}</td>
        <td className="num">{money(c.patient_resp_cents)}</td>
        <td>
          <Adjustments list={c.adjustments} />
          {c.rarcs.length > 0 && (
            <ul className="codes" aria-label="Remarks">
              {c.rarcs.map((r, i) => <li key={i}><strong>{r.code}</strong> {r.description}</li>)}
            </ul>
          )}
        </td>
        <td>
          {c.claim_id && (
            <a href={eobPath(era.id, c.claim_id)} data-testid="eob-pdf-claim"
              onClick={(e) => { e.preventDefault(); openEOB(era.id, c.claim_id).catch(onError) }}>EOB</a>
          )}
        </td>
      </tr>
      {c.lines.map((l) => (
        <tr key={l.line} className="era-line" data-testid="era-line">
          <td />
          <td colSpan={4}>
            Line {l.line}: {l.procedure}{l.modifiers.length ? ':' + l.modifiers.join(':') : ''} × {l.units || '1'}
            {l.service_date ? ` on ${l.service_date}` : ''}
          </td>
          <td className="num">{money(l.charge_cents)}</td>
          <td className="num">{money(l.allowed_cents)}{l.allowed_source === 'charge_minus_co' ? '*' : ''}</td>
          <td className="num">{money(l.paid_cents)}</td>
          <td />
          <td>
            <Adjustments list={l.adjustments} />
            {l.rarcs.length > 0 && (
              <ul className="codes" aria-label="Line remarks">
                {l.rarcs.map((r, i) => <li key={i}><strong>{r.code}</strong> {r.description}</li>)}
              </ul>
            )}
          </td>
          <td />
        </tr>
      ))}
    </tbody>
  )
}

export function ERADetail({ id }: { id: string }) {
  const [era, setERA] = useState<ERA | null>(null)
  const [error, setError] = useState('')
  const fail = (e: unknown) => setError(e instanceof ApiError ? e.message : String(e))
  useEffect(() => {
    getERA(id).then(setERA).catch(fail)
  }, [id])
  return (
    <section aria-labelledby="era-h" data-testid="era-detail">
      <h1 id="era-h" tabIndex={-1}>ERA {era?.trace_number}</h1>
      <p><a href="#/remittances">Back to remittances</a></p>
      {error && <p role="alert" className="error">{error}</p>}
      {era && (
        <>
          <dl className="facts">
            <dt>Payer</dt><dd>{era.payer_name || era.payer_id} ({era.payer_id})</dd>
            <dt>Trace number (TRN02)</dt><dd data-testid="era-trace">{era.trace_number}</dd>
            <dt>Payment method</dt><dd>{methods[era.payment_method] || era.payment_method || '—'}</dd>
            <dt>Payment date</dt><dd>{era.payment_date || '—'}</dd>
            <dt>{era.shared ? 'Paid on your claims' : 'Total paid (BPR02)'}</dt><dd data-testid="era-paid">{money(era.paid_cents)}</dd>
            <dt>Provider adjustments (PLB)</dt><dd>{money(era.provider_adj_cents)}</dd>
            <dt>Balanced</dt><dd>{era.balanced ? 'yes' : 'no'}</dd>
          </dl>
          {era.shared && <p className="notice">This payment also covers other organisations&rsquo; claims; only yours are shown.</p>}
          {!era.details_recorded && <p className="notice">Posted before service lines were recorded: lines and PLB details are not available; allowed amounts are billed less CO adjustments.</p>}
          <p>
            <a href={eobPath(era.id)} data-testid="eob-pdf" onClick={(e) => { e.preventDefault(); openEOB(era.id).catch(fail) }}>Print EOB</a>
          </p>
          {era.provider_adjustments.length > 0 && (
            <table className="grid">
              <caption>Provider adjustments</caption>
              <thead><tr><th scope="col">Reason</th><th scope="col">Reference</th><th scope="col">Fiscal period</th><th scope="col" className="num">Amount</th></tr></thead>
              <tbody>
                {era.provider_adjustments.map((p, i) => (
                  <tr key={i}><td>{p.reason}</td><td>{p.reference}</td><td>{p.fiscal_period}</td><td className="num">{money(p.amount_cents)}</td></tr>
                ))}
              </tbody>
            </table>
          )}
          <table className="grid">
            <caption>Claims paid by this 835 (* allowed derived as billed less CO adjustments)</caption>
            <thead>
              <tr><th scope="col">PCN</th><th scope="col">Patient</th><th scope="col">Claim</th><th scope="col">Payer claim</th><th scope="col">CLP02</th>
                <th scope="col" className="num">Billed</th><th scope="col" className="num">Allowed</th><th scope="col" className="num">Paid</th>
                <th scope="col" className="num">Patient resp.</th><th scope="col">Adjustments and remarks</th><th scope="col">Print</th></tr>
            </thead>
            {era.claims.map((c) => <ClaimRows key={c.seq} era={era} c={c} onError={fail} />)}
          </table>
          {era.claims.length === 0 && <p>No claim payments of this 835 are visible to you.</p>}
          <Deviations list={era.deviations ?? []} headingId="era-deviations-h" />
        </>
      )}
    </section>
  )
}
