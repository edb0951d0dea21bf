import { useCallback, useEffect, useState } from 'react'
import { ApiError, RawEDI, Step, Timeline, get, money, pollETag, statusLabel, when } from '../api'
import { ClaimEditor } from './ClaimEditor'
import { Decision } from './Decision'
import { Deviations } from './Deviations'

function EDIView({ claimId, step, canReveal }: { claimId: string; step: Step; canReveal: boolean }) {
  const [open, setOpen] = useState(false)
  const [reveal, setReveal] = useState(false)
  const [raw, setRaw] = useState<RawEDI | null>(null)
  const [error, setError] = useState('')
  const id = `edi-${step.kind.replace(/\W/g, '-')}-${step.n}`
  useEffect(() => {
    if (!open) return
    get<RawEDI>(`/v1/claims/${claimId}/edi?kind=${encodeURIComponent(step.kind)}&n=${step.n}${reveal ? '&reveal=true' : ''}`)
      .then((r) => {
        setRaw(r)
        setError('')
      })
      .catch((e) => setError(e instanceof ApiError ? e.message : String(e)))
  }, [open, reveal, claimId, step.kind, step.n])
  return (
    <div className="edi">
      <button type="button" aria-expanded={open} aria-controls={id} onClick={() => setOpen(!open)}>
        {open ? 'Hide' : 'Show'} {step.kind} segments
      </button>
      {open && canReveal && (
        <label className="inline">
          <input type="checkbox" checked={reveal} onChange={(e) => setReveal(e.target.checked)} /> Reveal patient data (audited)
        </label>
      )}
      {open && (
        <div id={id}>
          {error && <p role="alert" className="error">{error}</p>}
          {raw && (
            <pre aria-label={`${step.kind} segments${raw.masked ? ', patient data masked' : ''}`} tabIndex={0}>
              {raw.segments.join('\n') || '(no segments for this claim in the file)'}
            </pre>
          )}
        </div>
      )}
    </div>
  )
}

export function ClaimDetail({ id }: { id: string }) {
  const [t, setT] = useState<Timeline | null>(null)
  const [error, setError] = useState('')
  const load = useCallback(() => {
    get<Timeline>('/v1/claims/' + id + '/timeline')
      .then((x) => {
        setT(x)
        setError('')
      })
      .catch((e) => setError(e instanceof ApiError ? e.message : String(e)))
  }, [id])
  // Reload when this claim changes (the summary's ETag for this claim).
  useEffect(() => pollETag(() => '/v1/dashboard/claims/summary?claim_id=' + encodeURIComponent(id), 2000, () => load()), [load, id])

  if (error) return <><h1 tabIndex={-1}>Claim</h1><p role="alert" className="error">{error}</p></>
  if (!t) return <><h1 tabIndex={-1}>Claim</h1><p role="status">Loading…</p></>
  const w = t.workflow
  return (
    <section aria-labelledby="claim-h">
      <p><a href="#/claims">← Back to the worklist</a></p>
      <h1 id="claim-h" tabIndex={-1}>Claim {t.claim.patient_control_number}</h1>
      <dl className="facts">
        <dt>Status</dt>
        <dd><span className={'badge s-' + (w?.status ?? t.claim.status)} data-testid="detail-status" aria-live="polite">
          {statusLabel(w?.status ?? t.claim.status)}</span></dd>
        <dt>Charge</dt>
        <dd>{money(t.claim.total_cents)}</dd>
        {w && (<><dt>Paid</dt><dd>{money(w.paid_cents)}</dd><dt>Attempt</dt><dd>{w.attempt} (frequency {w.frequency_code})</dd></>)}
        {w?.payer_claim_number && (<><dt>Payer claim number</dt><dd>{w.payer_claim_number}</dd></>)}
        {w?.deadline && (<><dt>Filing deadline</dt><dd>{when(w.deadline)}{w.escalated ? ' (escalated)' : ''}</dd></>)}
        <dt>Workflow</dt>
        <dd>{t.workflow_url ? <a href={t.workflow_url} target="_blank" rel="noreferrer">Open in the Temporal UI</a> : 'no link'}
          {t.workflow_error ? ` — ${t.workflow_error}` : ''}</dd>
      </dl>
      {t.payer_parts && t.payer_parts.length > 0 && (
        <section aria-labelledby="parts-h">
          <h2 id="parts-h">Payers</h2>
          <table data-testid="payer-parts">
            <thead>
              <tr><th scope="col">Order</th><th scope="col">Payer</th><th scope="col">Billed</th><th scope="col">Paid</th>
                <th scope="col">Adjustments</th><th scope="col">Patient responsibility</th></tr>
            </thead>
            <tbody>
              {t.payer_parts.map((p) => (
                <tr key={p.seq} data-testid={'payer-part-' + p.responsibility}>
                  <td>{p.responsibility}{p.crossover ? ' (crossover)' : ''}</td>
                  <td>{p.payer_name} ({p.payer_id})</td>
                  {p.adjudicated
                    ? (<><td>{money(p.billed_cents)}</td><td>{money(p.paid_cents)}</td><td>{money(p.adjustment_cents)}</td><td>{money(p.patient_resp_cents)}</td></>)
                    : (<td colSpan={4}>{p.crossover ? 'forwarded by the prior payer; waiting for its 835' : 'billed; waiting for its 835'}</td>)}
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
      {w?.denial && (
        <section aria-labelledby="denial-h">
          <h2 id="denial-h">Denial ({w.denial.category})</h2>
          <ul className="codes">
            {[...w.denial.codes, ...w.denial.rarcs].map((c) => (
              <li key={c.code}><strong>{c.code}</strong> {c.description}</li>
            ))}
          </ul>
        </section>
      )}
      {w && w.problem_codes.length > 0 && (
        <section aria-labelledby="problems-h">
          <h2 id="problems-h">Problems</h2>
          <ul className="codes">{w.problem_codes.map((c) => <li key={c.code}><strong>{c.code}</strong> {c.description}</li>)}</ul>
        </section>
      )}
      {w && t.can_decide && w.allowed_actions.length > 0 && (
        <section aria-labelledby="decide-h">
          <h2 id="decide-h">Decide</h2>
          <Decision claimId={t.claim.id} actions={w.allowed_actions} onDone={load} />
        </section>
      )}
      {w && t.can_decide && (w.allowed_actions.includes('correct') || w.allowed_actions.includes('resubmit')) && (
        <ClaimEditor claimId={t.claim.id} actions={w.allowed_actions} onDone={load} />
      )}
      <section aria-labelledby="steps-h">
        <h2 id="steps-h">EDI exchanges</h2>
        {t.steps.length === 0 && <p>No EDI exchanged yet.</p>}
        <ol className="steps">
          {t.steps.map((s) => (
            <li key={s.kind + s.n} data-kind={s.kind}>
              <div><strong>{s.kind === 'appeal_letter' ? 'appeal letter' : s.kind}</strong> <time dateTime={s.at}>{when(s.at)}</time> — {s.summary}</div>
              {s.codes.length > 0 && (
                <ul className="codes">
                  {s.codes.map((c, i) => <li key={c.code + i}><strong>{c.code}</strong> {c.description}</li>)}
                </ul>
              )}
              {s.raw && <EDIView claimId={t.claim.id} step={s} canReveal={t.can_reveal_phi} />}
            </li>
          ))}
        </ol>
      </section>
      <Deviations list={t.deviations ?? []} headingId="claim-deviations-h" />
      {w && (
        <section aria-labelledby="events-h">
          <h2 id="events-h">Workflow timeline</h2>
          <ol className="events">
            {w.events.map((e, i) => (
              <li key={i}><time dateTime={e.at}>{when(e.at)}</time> <span className={'badge s-' + e.status}>{statusLabel(e.status)}</span> {e.note}</li>
            ))}
          </ol>
        </section>
      )}
      <section aria-labelledby="history-h">
        <h2 id="history-h">Status history</h2>
        <ol className="events">
          {t.claim.history.map((h) => (
            <li key={h.seq}><time dateTime={h.at}>{when(h.at)}</time> {statusLabel(h.status)} {h.reason}{h.actor_name ? ` (${h.actor_name})` : ''}</li>
          ))}
        </ol>
      </section>
    </section>
  )
}
