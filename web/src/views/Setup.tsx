import { FormEvent, useEffect, useState } from 'react'
import { ApiError, BillingProfile, List, PracticeBilling, RoutingWarning, RunsStarted, get, post, put } from '../api'
import { Directory } from './Directory'

// Practice setup: each organisation's billing profile (its own, inherited
// from its parent by an explicit choice, or none, in which case its claims
// are held), its providers, payers (routing, enrollment required) and
// payer enrollments (Directory.tsx), and the runs staff may start now.

interface Org {
  id: string
  name: string
  kind: string
  parent_id?: string
}

type Fields = Omit<BillingProfile, 'org_id'>

const blank: Fields = {
  name: '', npi: '', tax_id: '', taxonomy: '', address_line1: '', city: '', state: '', zip: '',
  submitter_id: '', contact_name: '', contact_phone: '',
}

const labels: [keyof Fields, string, string][] = [
  ['name', 'Billing provider name', ''],
  ['npi', 'Billing NPI', '10 digits'],
  ['tax_id', 'Tax ID (EIN)', '12-3456789'],
  ['taxonomy', 'Taxonomy code', 'such as 207Q00000X'],
  ['address_line1', 'Street address', 'no PO box'],
  ['city', 'City', ''],
  ['state', 'State', 'two letters, such as NY'],
  ['zip', 'ZIP+4', '9 digits'],
  ['submitter_id', 'Submitter ID', 'assigned by the clearinghouse'],
  ['contact_name', 'Billing contact', ''],
  ['contact_phone', 'Contact phone', '10 digits'],
]

function problemsOf(e: unknown): { message: string; fields: Record<string, string> } {
  if (!(e instanceof ApiError)) return { message: String(e), fields: {} }
  const fields: Record<string, string> = {}
  for (const f of e.problem.errors || []) if (f.pointer) fields[f.pointer.replace(/^\//, '')] = f.detail
  return { message: e.message, fields }
}

export function RoutingWarnings() {
  const [warnings, setWarnings] = useState<RoutingWarning[]>([])
  useEffect(() => {
    get<{ items: RoutingWarning[] }>('/v1/dashboard/routing-warnings').then((r) => setWarnings(r.items)).catch(() => {})
  }, [])
  if (warnings.length === 0) return null
  return (
    <div role="alert" className="notice" data-testid="routing-warnings">
      <strong>Claims that will not be sent:</strong>
      <ul>
        {warnings.map((w) => (
          <li key={w.payer_id}>
            {w.payer_name} ({w.payer_code}): {w.ready_claims} ready claim{w.ready_claims === 1 ? '' : 's'}. {w.message}
          </li>
        ))}
      </ul>
    </div>
  )
}

// RunButtons start the batch and the clearinghouse poll now: for every
// organisation the caller's payers serve, or, given org, a batch of that
// organisation's claims only.
export function RunButtons({ org }: { org?: { id: string; name: string } }) {
  const [busy, setBusy] = useState('')
  const [result, setResult] = useState('')
  const [error, setError] = useState('')
  const start = async (kind: 'submit' | 'check-status') => {
    setBusy(kind)
    setError('')
    setResult('')
    try {
      const r = await post<RunsStarted>('/v1/dashboard/runs/' + kind, org && kind === 'submit' ? { org_id: org.id } : {})
      setResult('Started ' + r.runs.map((x) => x.schedule || x.workflow_id).join(', ') + '. ' + r.scope)
    } catch (e) {
      setError(problemsOf(e).message)
    } finally {
      setBusy('')
    }
  }
  return (
    <div className="inline" role="group" aria-label="Runs">
      <button type="button" onClick={() => start('submit')} disabled={busy !== ''} data-testid="submit-now">
        {busy === 'submit' ? 'Submitting…' : org ? 'Submit ' + org.name + "'s claims now" : 'Submit now'}
      </button>{' '}
      <button type="button" onClick={() => start('check-status')} disabled={busy !== ''} data-testid="check-status-now">
        {busy === 'check-status' ? 'Checking…' : 'Check status now'}
      </button>
      <p role="status" aria-live="polite">{result}</p>
      {error && <p role="alert" className="error">{error}</p>}
    </div>
  )
}

export function Setup({ canWrite, canWriteProviders, canWritePayers, canRun }: {
  canWrite: boolean; canWriteProviders: boolean; canWritePayers: boolean; canRun: boolean
}) {
  const [orgs, setOrgs] = useState<Org[]>([])
  const [orgID, setOrgID] = useState('')
  const [billing, setBilling] = useState<PracticeBilling | null>(null)
  const [draft, setDraft] = useState<Fields>(blank)
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({})
  const [error, setError] = useState('')
  const [saved, setSaved] = useState('')

  useEffect(() => {
    get<List<Org>>('/v1/orgs?limit=200')
      .then((l) => {
        setOrgs(l.items)
        if (l.items.length > 0) setOrgID(l.items[0].id)
      })
      .catch((e) => setError(problemsOf(e).message))
  }, [])

  const show = (pb: PracticeBilling) => {
    setBilling(pb)
    const { org_id: _, ...own } = pb.mode === 'own' && pb.profile ? pb.profile : { ...blank, org_id: '' }
    setDraft(own)
    setFieldErrors({})
  }

  useEffect(() => {
    if (!orgID) return
    setSaved('')
    get<PracticeBilling>('/v1/orgs/' + orgID + '/billing-profile')
      .then(show)
      .catch((e) => setError(problemsOf(e).message))
  }, [orgID])

  const save = async (body: unknown, what: string) => {
    setError('')
    setSaved('')
    try {
      show(await put<PracticeBilling>('/v1/orgs/' + orgID + '/billing-profile', body))
      setSaved(what)
    } catch (e) {
      const p = problemsOf(e)
      setFieldErrors(p.fields)
      setError(p.message)
    }
  }
  const submit = (e: FormEvent) => {
    e.preventDefault()
    save(draft, 'Billing profile saved.')
  }

  return (
    <section aria-labelledby="setup-h">
      <h1 id="setup-h" tabIndex={-1}>Practice setup</h1>
      <RoutingWarnings />
      <div className="filters">
        <div>
          <label htmlFor="s-org">Organisation</label>
          <select id="s-org" value={orgID} onChange={(e) => setOrgID(e.target.value)}>
            {orgs.map((o) => (
              <option key={o.id} value={o.id}>{o.name} ({o.kind.replace('_', ' ')})</option>
            ))}
          </select>
        </div>
      </div>
      {error && <p role="alert" className="error">{error}</p>}
      <p role="status" aria-live="polite">{saved}</p>
      {billing && (
        <div className="card" data-testid="billing-mode" data-mode={billing.mode}>
          <h2>Billing profile</h2>
          {billing.mode === 'own' && <p>{billing.org_name} bills under its own profile.</p>}
          {billing.mode === 'inherited' && billing.inherited_from && (
            <p>
              Inherited from <strong>{billing.inherited_from.name}</strong>: {billing.org_name}'s claims go out as{' '}
              {billing.profile?.name} (NPI {billing.profile?.npi}). Set a profile below to bill under its own.
            </p>
          )}
          {billing.mode === 'missing' && (
            <p role="alert" className="notice">
              No billing profile: this organisation's claims are held. {billing.hold_reason}
            </p>
          )}
          {canRun && billing.mode !== 'missing' && <RunButtons org={{ id: billing.org_id, name: billing.org_name }} />}
          {canWrite && billing.parent_id && billing.mode !== 'inherited' && (
            <button type="button" onClick={() => save({ inherit_from_parent: true }, 'Now inheriting the parent organisation\'s profile.')}>
              Inherit the parent organisation's profile
            </button>
          )}
        </div>
      )}
      {billing && (
        <form onSubmit={submit} aria-label="Billing profile" className="filters">
          {labels.map(([k, label, hint]) => (
            <div key={k}>
              <label htmlFor={'bp-' + k}>{label}</label>
              <input id={'bp-' + k} value={draft[k]} disabled={!canWrite} placeholder={hint}
                aria-invalid={fieldErrors[k] ? true : undefined} aria-describedby={fieldErrors[k] ? 'bp-err-' + k : undefined}
                onChange={(e) => setDraft({ ...draft, [k]: e.target.value })} />
              {fieldErrors[k] && <span id={'bp-err-' + k} className="error">{fieldErrors[k]}</span>}
            </div>
          ))}
          {canWrite && (
            <div>
              <button type="submit">{billing.mode === 'own' ? 'Save profile' : 'Set its own profile'}</button>
            </div>
          )}
        </form>
      )}
      {orgID && <Directory orgID={orgID} orgs={orgs} canWriteProviders={canWriteProviders} canWritePayers={canWritePayers} />}
    </section>
  )
}
