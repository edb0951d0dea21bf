import { FormEvent, ReactNode, useEffect, useState } from 'react'
import { get } from '../api'
import {
  Enrollment, EnrollmentSet, EnrollmentStatus, Payer, PayerFields, Provider, Transaction, createPayer, createProvider,
  enrollmentStatuses, listEnrollments, listPayers, listProviders, problemsOf, putEnrollment, transactions, updatePayer, updateProvider,
} from '../api_enroll'
import { PayerDirectory } from './PayerDirectory'

// Practice setup's directory (issue 16): the providers and payers staff
// bill with, each payer's clearinghouse route and whether it requires
// enrollment, and each provider's enrollment with each payer per
// transaction. A payer that requires enrollment gets no claim (and no
// eligibility check) for a provider not approved for it: the claim is
// held at scrubbing with the reason.

export interface OrgRow {
  id: string
  name: string
  kind: string
  parent_id?: string
}

// subtree is the organisation and every one below it.
function subtree(orgs: OrgRow[], root: string): Set<string> {
  const out = new Set([root])
  for (let grew = true; grew; ) {
    grew = false
    for (const o of orgs) {
      if (o.parent_id && out.has(o.parent_id) && !out.has(o.id)) {
        out.add(o.id)
        grew = true
      }
    }
  }
  return out
}

// Field is a labelled input with its error beside it.
function Field({ id, label, error, children }: { id: string; label: string; error?: string; children: ReactNode }) {
  return (
    <div>
      <label htmlFor={id}>{label}</label>
      {children}
      {error && <span id={id + '-err'} className="error" data-testid={id + '-error'}>{error}</span>}
    </div>
  )
}

const invalid = (errors: Record<string, string>, k: string, id: string) =>
  errors[k] ? { 'aria-invalid': true as const, 'aria-describedby': id + '-err' } : {}

interface ProviderDraft {
  org_id: string
  first_name: string
  last_name: string
  npi: string
  taxonomy: string
  credentials: string
}

function Providers({ providers, orgs, orgID, canWrite, reload }: {
  providers: Provider[]; orgs: OrgRow[]; orgID: string; canWrite: boolean; reload: () => void
}) {
  const empty: ProviderDraft = { org_id: orgID, first_name: '', last_name: '', npi: '', taxonomy: '', credentials: '' }
  const [editing, setEditing] = useState<string>('') // provider ID; '' adds
  const [draft, setDraft] = useState<ProviderDraft>(empty)
  const [errors, setErrors] = useState<Record<string, string>>({})
  const [message, setMessage] = useState('')
  const [error, setError] = useState('')
  useEffect(() => {
    setEditing('')
    setDraft({ ...empty, org_id: orgID })
    setErrors({})
  }, [orgID])
  const orgName = (id: string) => orgs.find((o) => o.id === id)?.name || id
  const edit = (p: Provider) => {
    setEditing(p.id)
    setDraft({ org_id: p.org_id, first_name: p.first_name, last_name: p.last_name, npi: p.npi, taxonomy: p.taxonomy, credentials: p.credentials.join(', ') })
    setErrors({})
    setMessage('')
  }
  const save = async (e: FormEvent) => {
    e.preventDefault()
    setErrors({})
    setError('')
    setMessage('')
    const credentials = draft.credentials.split(',').map((c) => c.trim()).filter((c) => c !== '')
    const fields = { npi: draft.npi.trim(), first_name: draft.first_name, last_name: draft.last_name, taxonomy: draft.taxonomy.trim(), credentials }
    try {
      const p = editing ? await updateProvider(editing, fields) : await createProvider({ org_id: draft.org_id, ...fields })
      setMessage((editing ? 'Saved ' : 'Added ') + [p.first_name, p.last_name].join(' ').trim() + ' (NPI ' + p.npi + ').')
      setEditing('')
      setDraft({ ...empty, org_id: orgID })
      reload()
    } catch (err) {
      const p = problemsOf(err)
      setErrors(p.fields)
      setError(p.message)
    }
  }
  const input = (k: keyof ProviderDraft, label: string, hint = '', testid?: string) => (
    <Field id={'pv-' + k} label={label} error={errors[k]}>
      <input id={'pv-' + k} value={draft[k]} placeholder={hint} disabled={!canWrite} data-testid={testid}
        {...invalid(errors, k, 'pv-' + k)} onChange={(e) => setDraft({ ...draft, [k]: e.target.value })} />
    </Field>
  )
  return (
    <div className="card" aria-labelledby="providers-h">
      <h2 id="providers-h">Providers</h2>
      {providers.length === 0 ? <p>No providers at this organisation yet.</p> : (
        <table className="grid">
          <thead>
            <tr>
              <th scope="col">Provider</th><th scope="col">NPI</th><th scope="col">Taxonomy</th><th scope="col">Role / credentials</th>
              <th scope="col">Organisation</th>{canWrite && <th scope="col"><span className="sr-only">Edit</span></th>}
            </tr>
          </thead>
          <tbody>
            {providers.map((p) => (
              <tr key={p.id} data-testid="provider-row" data-npi={p.npi}>
                <td>{[p.first_name, p.last_name].join(' ').trim()}</td>
                <td>{p.npi}</td>
                <td>{p.taxonomy}</td>
                <td>{p.credentials.join(', ')}</td>
                <td>{orgName(p.org_id)}</td>
                {canWrite && <td><button type="button" onClick={() => edit(p)} data-testid="provider-edit">Edit</button></td>}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {canWrite && (
        <form onSubmit={save} aria-label={editing ? 'Edit provider' : 'Add provider'} className="filters">
          {!editing && (
            <Field id="pv-org_id" label="Organisation" error={errors.org_id}>
              <select id="pv-org_id" value={draft.org_id} onChange={(e) => setDraft({ ...draft, org_id: e.target.value })}>
                {orgs.filter((o) => subtree(orgs, orgID).has(o.id)).map((o) => <option key={o.id} value={o.id}>{o.name}</option>)}
              </select>
            </Field>
          )}
          {input('first_name', 'First name')}
          {input('last_name', 'Last name')}
          {input('npi', 'NPI', '10 digits', 'provider-npi')}
          {input('taxonomy', 'Taxonomy code', 'such as 207Q00000X', 'provider-taxonomy')}
          {input('credentials', 'Role / credentials', 'MD, NP, … (comma separated)', 'provider-credentials')}
          <div>
            <button type="submit" data-testid="provider-save">{editing ? 'Save provider' : 'Add provider'}</button>
            {editing && <button type="button" onClick={() => { setEditing(''); setDraft({ ...empty, org_id: orgID }); setErrors({}) }}>Cancel</button>}
          </div>
        </form>
      )}
      {error && <p role="alert" className="error">{error}</p>}
      <p role="status" aria-live="polite">{message}</p>
    </div>
  )
}

function Payers({ payers, orgID, known, canWrite, reload }: {
  payers: Payer[]; orgID: string; known: string[]; canWrite: boolean; reload: () => void
}) {
  const empty: PayerFields = { org_id: orgID, payer_id: '', name: '', clearinghouse: known[0] || '', clearinghouse_payer_id: '', enrollment_required: false }
  const [editing, setEditing] = useState('')
  const [draft, setDraft] = useState<PayerFields>(empty)
  const [route, setRoute] = useState<Record<string, string>>({})
  const [errors, setErrors] = useState<Record<string, string>>({})
  const [message, setMessage] = useState('')
  const [error, setError] = useState('')
  useEffect(() => {
    setEditing('')
    setDraft(empty)
    setErrors({})
  }, [orgID, known.join(',')])
  const configured = (c: string) => known.length === 0 || known.includes(c)
  const fail = (err: unknown) => {
    const p = problemsOf(err)
    setErrors(p.fields)
    setError(p.message)
  }
  const saveRoute = async (p: Payer) => {
    setError('')
    setMessage('')
    try {
      await updatePayer(p.id, { clearinghouse: route[p.id] })
      setMessage(p.name + ' is now routed to ' + route[p.id] + '.')
      reload()
    } catch (err) {
      const pr = problemsOf(err)
      setError(pr.fields.clearinghouse || pr.message)
    }
  }
  const edit = (p: Payer) => {
    setEditing(p.id)
    setDraft({ org_id: p.org_id, payer_id: p.payer_id, name: p.name, clearinghouse: p.clearinghouse,
      clearinghouse_payer_id: p.clearinghouse_payer_id, enrollment_required: p.enrollment_required })
    setErrors({})
    setMessage('')
  }
  const save = async (e: FormEvent) => {
    e.preventDefault()
    setErrors({})
    setError('')
    setMessage('')
    try {
      const { org_id: _o, payer_id: _p, ...patch } = draft
      const p = editing ? await updatePayer(editing, patch) : await createPayer({ ...draft, org_id: orgID })
      setMessage((editing ? 'Saved ' : 'Added ') + p.name + ' (' + p.payer_id + '), routed to ' + p.clearinghouse +
        (p.enrollment_required ? '; enrollment required' : '') + '.')
      setEditing('')
      setDraft(empty)
      reload()
    } catch (err) {
      fail(err)
    }
  }
  return (
    <div className="card" aria-labelledby="payers-h">
      <h2 id="payers-h">Payers and clearinghouse routing</h2>
      {payers.length === 0 ? <p>No payers yet.</p> : (
        <table className="grid">
          <thead>
            <tr>
              <th scope="col">Payer</th><th scope="col">Payer ID</th><th scope="col">Clearinghouse</th><th scope="col">Enrollment</th>
              {canWrite && known.length > 0 && <th scope="col">Route to</th>}
              {canWrite && <th scope="col"><span className="sr-only">Edit</span></th>}
            </tr>
          </thead>
          <tbody>
            {payers.map((p) => (
              <tr key={p.id} data-payer={p.payer_id}>
                <td>{p.name}</td>
                <td>{p.payer_id}</td>
                <td data-testid="payer-route">
                  {p.clearinghouse}
                  {!configured(p.clearinghouse) && <strong className="error"> (not configured: its claims are not sent)</strong>}
                </td>
                <td data-testid="payer-enrollment" data-required={p.enrollment_required ? 'true' : 'false'}>
                  {p.enrollment_required ? 'required' : 'not required'}
                </td>
                {canWrite && known.length > 0 && (
                  <td>
                    <select aria-label={'Clearinghouse for ' + p.name} value={route[p.id] || p.clearinghouse}
                      onChange={(e) => setRoute({ ...route, [p.id]: e.target.value })}>
                      {!configured(p.clearinghouse) && <option value={p.clearinghouse}>{p.clearinghouse} (not configured)</option>}
                      {known.map((k) => <option key={k} value={k}>{k}</option>)}
                    </select>{' '}
                    <button type="button" disabled={!route[p.id] || route[p.id] === p.clearinghouse} onClick={() => saveRoute(p)}>
                      Save routing
                    </button>
                  </td>
                )}
                {canWrite && <td><button type="button" onClick={() => edit(p)} data-testid="payer-edit">Edit</button></td>}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {canWrite && (
        <form onSubmit={save} aria-label={editing ? 'Edit payer' : 'Add payer'} className="filters">
          <Field id="py-name" label="Payer name" error={errors.name}>
            <input id="py-name" value={draft.name} data-testid="payer-name" {...invalid(errors, 'name', 'py-name')}
              onChange={(e) => setDraft({ ...draft, name: e.target.value })} />
          </Field>
          <Field id="py-payer_id" label="Payer ID" error={errors.payer_id}>
            <input id="py-payer_id" value={draft.payer_id} disabled={!!editing} data-testid="payer-code" placeholder="as the clearinghouse lists it"
              {...invalid(errors, 'payer_id', 'py-payer_id')} onChange={(e) => setDraft({ ...draft, payer_id: e.target.value.toUpperCase() })} />
          </Field>
          <Field id="py-clearinghouse" label="Clearinghouse" error={errors.clearinghouse}>
            {known.length > 0 ? (
              <select id="py-clearinghouse" value={draft.clearinghouse} data-testid="payer-clearinghouse"
                {...invalid(errors, 'clearinghouse', 'py-clearinghouse')} onChange={(e) => setDraft({ ...draft, clearinghouse: e.target.value })}>
                {!configured(draft.clearinghouse) && <option value={draft.clearinghouse}>{draft.clearinghouse || 'choose…'} (not configured)</option>}
                {known.map((k) => <option key={k} value={k}>{k}</option>)}
              </select>
            ) : (
              <input id="py-clearinghouse" value={draft.clearinghouse} data-testid="payer-clearinghouse"
                {...invalid(errors, 'clearinghouse', 'py-clearinghouse')} onChange={(e) => setDraft({ ...draft, clearinghouse: e.target.value })} />
            )}
          </Field>
          <Field id="py-clearinghouse_payer_id" label="Clearinghouse's payer ID" error={errors.clearinghouse_payer_id}>
            <input id="py-clearinghouse_payer_id" value={draft.clearinghouse_payer_id} placeholder="if it differs"
              {...invalid(errors, 'clearinghouse_payer_id', 'py-clearinghouse_payer_id')}
              onChange={(e) => setDraft({ ...draft, clearinghouse_payer_id: e.target.value })} />
          </Field>
          <div>
            <label>
              <input type="checkbox" checked={draft.enrollment_required} data-testid="payer-enrollment-required"
                onChange={(e) => setDraft({ ...draft, enrollment_required: e.target.checked })} />{' '}
              Requires provider enrollment
            </label>
            {errors.enrollment_required && <span className="error">{errors.enrollment_required}</span>}
          </div>
          <div>
            <button type="submit" data-testid="payer-save">{editing ? 'Save payer' : 'Add payer'}</button>
            {editing && <button type="button" onClick={() => { setEditing(''); setDraft(empty); setErrors({}) }}>Cancel</button>}
          </div>
        </form>
      )}
      {error && <p role="alert" className="error">{error}</p>}
      <p role="status" aria-live="polite">{message}</p>
    </div>
  )
}

const statusLabel = (s: EnrollmentStatus) => enrollmentStatuses.find(([k]) => k === s)?.[1] || s
const txLabel = (t: Transaction) => transactions.find(([k]) => k === t)?.[1] || t

function Enrollments({ orgID, enrollments, providers, payers, known, canWrite, reload }: {
  orgID: string; enrollments: Enrollment[]; providers: Provider[]; payers: Payer[]; known: string[]; canWrite: boolean; reload: () => void
}) {
  const empty = (): EnrollmentSet => ({ provider_id: providers[0]?.id || '', payer_id: payers[0]?.id || '', transaction: '837',
    status: 'not_started', effective_date: '', clearinghouse: '', notes: '' })
  const [draft, setDraft] = useState<EnrollmentSet>(empty)
  const [errors, setErrors] = useState<Record<string, string>>({})
  const [message, setMessage] = useState('')
  const [error, setError] = useState('')
  useEffect(() => {
    setDraft(empty())
    setErrors({})
  }, [orgID, providers.length, payers.length])
  const required = new Set(payers.filter((p) => p.enrollment_required).map((p) => p.id))
  const edit = (e: Enrollment) => {
    setDraft({ provider_id: e.provider_id, payer_id: e.payer_id, transaction: e.transaction, status: e.status,
      effective_date: e.effective_date || '', clearinghouse: e.clearinghouse, notes: e.notes })
    setErrors({})
    setMessage('')
  }
  const save = async (ev: FormEvent) => {
    ev.preventDefault()
    setErrors({})
    setError('')
    setMessage('')
    try {
      const e = await putEnrollment(orgID, draft)
      setMessage(e.provider_name + ' × ' + e.payer_name + ', ' + txLabel(e.transaction) + ': ' + statusLabel(e.status) +
        (e.effective_date ? ' from ' + e.effective_date : '') + '.' +
        (e.released_claims?.length ? ` ${e.released_claims.length} claim(s) held for this enrollment released: they are resubmitted now.` : ''))
      reload()
    } catch (err) {
      const p = problemsOf(err)
      setErrors(p.fields)
      setError(p.message)
    }
  }
  const set = <K extends keyof EnrollmentSet>(k: K, v: EnrollmentSet[K]) => setDraft({ ...draft, [k]: v })
  return (
    <div className="card" aria-labelledby="enroll-h">
      <h2 id="enroll-h">Payer enrollment</h2>
      <p>
        Per provider, payer and transaction. A payer marked “requires provider enrollment” gets no claim from a provider until
        the claims (837) enrollment is approved and in effect on the date of service, and no eligibility check until the 270
        enrollment is: such claims are held at scrubbing with the reason, and are resubmitted automatically once the approval
        covering their date of service is recorded here. An ERA (835) for a provider not enrolled for remittance is posted all
        the same and listed in the remittance work queue.
      </p>
      {enrollments.length === 0 ? <p>No enrollments recorded for this organisation's providers.</p> : (
        <table className="grid">
          <thead>
            <tr>
              <th scope="col">Provider</th><th scope="col">Payer</th><th scope="col">Transaction</th><th scope="col">Status</th>
              <th scope="col">Effective</th><th scope="col">Clearinghouse</th><th scope="col">Notes</th><th scope="col">Updated</th>
              {canWrite && <th scope="col"><span className="sr-only">Edit</span></th>}
            </tr>
          </thead>
          <tbody>
            {enrollments.map((e) => (
              <tr key={e.id} data-testid="enrollment-row" data-status={e.status} data-transaction={e.transaction}
                data-npi={e.provider_npi} data-payer={e.payer_code}>
                <td>{e.provider_name} (NPI {e.provider_npi})</td>
                <td>{e.payer_name} ({e.payer_code})</td>
                <td>{txLabel(e.transaction)}</td>
                <td>
                  {statusLabel(e.status)}
                  {required.has(e.payer_id) && e.status !== 'approved' && e.transaction !== '835' && (
                    <strong className="error"> (held: the payer requires enrollment)</strong>
                  )}
                </td>
                <td>{e.effective_date || '—'}</td>
                <td>{e.clearinghouse}</td>
                <td>{e.notes}</td>
                <td>{e.updated_by_name || ''} {new Date(e.updated_at).toLocaleString('en-US', { dateStyle: 'medium', timeStyle: 'short' })}</td>
                {canWrite && <td><button type="button" onClick={() => edit(e)} data-testid="enrollment-edit">Edit</button></td>}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {canWrite && providers.length > 0 && payers.length > 0 && (
        <form onSubmit={save} aria-label="Set enrollment" className="filters">
          <Field id="en-provider_id" label="Provider" error={errors.provider_id}>
            <select id="en-provider_id" value={draft.provider_id} data-testid="enrollment-provider" {...invalid(errors, 'provider_id', 'en-provider_id')}
              onChange={(e) => set('provider_id', e.target.value)}>
              {providers.map((p) => <option key={p.id} value={p.id}>{[p.first_name, p.last_name].join(' ').trim()} ({p.npi})</option>)}
            </select>
          </Field>
          <Field id="en-payer_id" label="Payer" error={errors.payer_id}>
            <select id="en-payer_id" value={draft.payer_id} data-testid="enrollment-payer" {...invalid(errors, 'payer_id', 'en-payer_id')}
              onChange={(e) => set('payer_id', e.target.value)}>
              {payers.map((p) => <option key={p.id} value={p.id}>{p.name} ({p.payer_id})</option>)}
            </select>
          </Field>
          <Field id="en-transaction" label="Transaction" error={errors.transaction}>
            <select id="en-transaction" value={draft.transaction} data-testid="enrollment-transaction"
              {...invalid(errors, 'transaction', 'en-transaction')} onChange={(e) => set('transaction', e.target.value as Transaction)}>
              {transactions.map(([k, label]) => <option key={k} value={k}>{label}</option>)}
            </select>
          </Field>
          <Field id="en-status" label="Status" error={errors.status}>
            <select id="en-status" value={draft.status} data-testid="enrollment-status" {...invalid(errors, 'status', 'en-status')}
              onChange={(e) => set('status', e.target.value as EnrollmentStatus)}>
              {enrollmentStatuses.map(([k, label]) => <option key={k} value={k}>{label}</option>)}
            </select>
          </Field>
          <Field id="en-effective_date" label="Effective date" error={errors.effective_date}>
            <input id="en-effective_date" type="date" value={draft.effective_date} data-testid="enrollment-effective"
              {...invalid(errors, 'effective_date', 'en-effective_date')} onChange={(e) => set('effective_date', e.target.value)} />
          </Field>
          <Field id="en-clearinghouse" label="Clearinghouse" error={errors.clearinghouse}>
            <select id="en-clearinghouse" value={draft.clearinghouse} data-testid="enrollment-clearinghouse"
              {...invalid(errors, 'clearinghouse', 'en-clearinghouse')} onChange={(e) => set('clearinghouse', e.target.value)}>
              <option value="">the payer's route</option>
              {draft.clearinghouse && !known.includes(draft.clearinghouse) && <option value={draft.clearinghouse}>{draft.clearinghouse}</option>}
              {known.map((k) => <option key={k} value={k}>{k}</option>)}
            </select>
          </Field>
          <Field id="en-notes" label="Notes" error={errors.notes}>
            <input id="en-notes" value={draft.notes} data-testid="enrollment-notes" {...invalid(errors, 'notes', 'en-notes')}
              onChange={(e) => set('notes', e.target.value)} />
          </Field>
          <div>
            <button type="submit" data-testid="enrollment-save">Save enrollment</button>
          </div>
        </form>
      )}
      {error && <p role="alert" className="error">{error}</p>}
      <p role="status" aria-live="polite">{message}</p>
    </div>
  )
}

// Directory is the providers, payers and enrollments of the organisation
// chosen in practice setup (and the organisations below it).
export function Directory({ orgID, orgs, canWriteProviders, canWritePayers }: {
  orgID: string; orgs: OrgRow[]; canWriteProviders: boolean; canWritePayers: boolean
}) {
  const [providers, setProviders] = useState<Provider[]>([])
  const [payers, setPayers] = useState<Payer[]>([])
  const [enrollments, setEnrollments] = useState<Enrollment[]>([])
  const [known, setKnown] = useState<string[]>([])
  const [error, setError] = useState('')
  const load = () => {
    if (!orgID) return
    const mine = subtree(orgs, orgID)
    listProviders().then((ps) => setProviders(ps.filter((p) => mine.has(p.org_id)))).catch((e) => setError(problemsOf(e).message))
    listPayers().then(setPayers).catch((e) => setError(problemsOf(e).message))
    listEnrollments(orgID)
      .then((l) => {
        setEnrollments(l.items)
        setKnown(l.known_clearinghouses)
      })
      .catch(() => {
        setEnrollments([])
        get<{ known_clearinghouses: string[] }>('/v1/dashboard/routing-warnings').then((r) => setKnown(r.known_clearinghouses)).catch(() => {})
      })
  }
  useEffect(load, [orgID, orgs.length])
  return (
    <>
      {error && <p role="alert" className="error">{error}</p>}
      <Providers providers={providers} orgs={orgs} orgID={orgID} canWrite={canWriteProviders} reload={load} />
      <Payers payers={payers} orgID={orgID} known={known} canWrite={canWritePayers} reload={load} />
      <PayerDirectory orgID={orgID} known={known} canWrite={canWritePayers} added={load} />
      <Enrollments orgID={orgID} enrollments={enrollments} providers={providers} payers={payers} known={known}
        canWrite={canWritePayers} reload={load} />
    </>
  )
}
