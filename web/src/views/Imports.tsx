import { FormEvent, useEffect, useRef, useState } from 'react'
import { get, post, when } from '../api'
import { ImportProblem, ImportRun, activeStage, problemText, uploadImport } from '../api_imports'
import { EHRSync } from './ImportSyncs'
import { downloadCSV } from '../api_search'

// Imports (issue 21): bring a practice's patients and coverage in from
// NDJSON (FHIR Bulk Data) or CSV files. An upload is a dry run by default:
// its report counts the records and names every problem by record and
// field (never a value); staff then commit the dry run, or fix the file
// and upload again. The list refreshes while a run is active. The error
// report (CSV) holds the source records only for users who may read
// patients; the template is the CSV layout. Below them, the EHR syncs
// (ImportSyncs.tsx) and the changes they flagged.

interface Org {
  id: string
  name: string
}

const stageLabel: Record<string, string> = {
  fetch: 'Reading the files',
  validate: 'Validating',
  report: 'Dry run: report ready',
  commit: 'Importing',
  done: 'Done',
  failed: 'Failed',
}


export function Imports({ canImport }: { canImport: boolean }) {
  const [runs, setRuns] = useState<ImportRun[]>([])
  const [orgs, setOrgs] = useState<Org[]>([])
  const [orgID, setOrgID] = useState('')
  const [dryRun, setDryRun] = useState(true)
  const [selected, setSelected] = useState('')
  const [error, setError] = useState('')
  const [message, setMessage] = useState('')
  const [busy, setBusy] = useState(false)
  const files = useRef<HTMLInputElement>(null)

  const reload = () =>
    get<{ items: ImportRun[] }>('/v1/imports')
      .then((l) => setRuns(l.items))
      .catch((e) => setError(problemText(e)))
  useEffect(() => {
    if (!canImport) return
    reload()
    get<{ items: Org[] }>('/v1/orgs?limit=200')
      .then((l) => {
        setOrgs(l.items)
        if (l.items.length > 0) setOrgID(l.items[0].id)
      })
      .catch((e) => setError(problemText(e)))
  }, [canImport])

  // Refresh every second while a run is active.
  const active = runs.some(activeStage)
  useEffect(() => {
    if (!active) return
    const t = window.setInterval(reload, 1000)
    return () => window.clearInterval(t)
  }, [active])

  const upload = async (e: FormEvent) => {
    e.preventDefault()
    setError('')
    setMessage('')
    const picked = Array.from(files.current?.files || [])
    if (picked.length === 0) {
      setError('Choose one or more NDJSON or CSV files.')
      files.current?.focus()
      return
    }
    setBusy(true)
    try {
      const run = await uploadImport(orgID, picked, dryRun)
      setMessage((run.dry_run ? 'Dry run started for ' : 'Import started for ') + run.source_name + '.')
      setSelected(run.id)
      if (files.current) files.current.value = ''
      await reload()
    } catch (err) {
      setError(problemText(err))
    } finally {
      setBusy(false)
    }
  }

  const commit = async (run: ImportRun) => {
    setError('')
    setMessage('')
    try {
      await post<ImportRun>('/v1/imports/' + run.id + '/commit', {})
      setMessage('Committing the dry run of ' + run.source_name + '.')
      await reload()
    } catch (err) {
      setError(problemText(err))
    }
  }

  const download = (path: string, name: string) => {
    setError('')
    downloadCSV(path, name).catch((err) => setError(problemText(err)))
  }

  if (!canImport) {
    return (
      <section aria-labelledby="imports-h" data-testid="imports">
        <h1 id="imports-h" tabIndex={-1}>Imports</h1>
        <p role="status">Importing needs the patient:write permission, which your role does not include.</p>
      </section>
    )
  }
  const current = runs.find((r) => r.id === selected)
  return (
    <section aria-labelledby="imports-h" data-testid="imports">
      <h1 id="imports-h" tabIndex={-1}>Imports</h1>
      {error && <p role="alert" className="error" data-testid="import-error">{error}</p>}
      {message && <p role="status">{message}</p>}

      <form onSubmit={upload} className="filters" data-testid="import-upload" aria-labelledby="import-new-h">
        <h2 id="import-new-h">Import files</h2>
        <div>
          <label htmlFor="import-org">Organisation</label>
          <select id="import-org" value={orgID} onChange={(e) => setOrgID(e.target.value)}>
            {orgs.map((o) => (
              <option key={o.id} value={o.id}>{o.name}</option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor="import-files">NDJSON (FHIR Bulk Data) or CSV files</label>
          <input id="import-files" data-testid="import-files" type="file" multiple accept=".ndjson,.jsonl,.csv" ref={files} />
        </div>
        <div>
          <input id="import-dry-run" data-testid="import-dry-run" type="checkbox" checked={dryRun} onChange={(e) => setDryRun(e.target.checked)} />
          <label htmlFor="import-dry-run">Dry run (validate and report; write nothing)</label>
        </div>
        <button type="submit" data-testid="import-start" disabled={busy}>{dryRun ? 'Start dry run' : 'Import'}</button>
        <button type="button" data-testid="import-template" onClick={() => download('/v1/import/template.csv', 'claimflow-import-template.csv')}>
          Download the CSV template
        </button>
      </form>

      <table data-testid="import-runs">
        <caption>Imports of your organisations, newest first{active ? ' (refreshing while one runs)' : ''}</caption>
        <thead>
          <tr>
            <th scope="col">Files</th>
            <th scope="col">Source</th>
            <th scope="col">Started</th>
            <th scope="col">Stage</th>
            <th scope="col">Progress</th>
            <th scope="col">Valid</th>
            <th scope="col">Invalid</th>
            <th scope="col">Imported</th>
            <th scope="col">Unchanged</th>
            <th scope="col">Failed</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {runs.length === 0 && (
            <tr>
              <td colSpan={11}>No imports yet.</td>
            </tr>
          )}
          {runs.map((r) => (
            <tr key={r.id} data-testid="import-run" data-run={r.id} data-stage={r.stage} data-dry-run={String(r.dry_run)}
              aria-current={r.id === selected ? 'true' : undefined}>
              <td>{r.source_name}</td>
              <td>{r.source.toUpperCase()}{r.dry_run ? ' (dry run)' : ''}</td>
              <td>{r.created_by_name || 'system'}, {when(r.created_at)}</td>
              <td data-testid="import-stage">{stageLabel[r.stage] || r.stage}{r.error ? ': ' + r.error : ''}</td>
              <td data-testid="import-progress">
                <progress max={Math.max(r.total, 1)} value={r.done} aria-label={'Progress of ' + r.source_name} /> {r.done}/{r.total}
              </td>
              <td data-testid="import-valid">{r.valid}</td>
              <td data-testid="import-invalid">{r.invalid}</td>
              <td data-testid="import-imported">{r.imported}</td>
              <td data-testid="import-unchanged">{r.unchanged}</td>
              <td data-testid="import-failed">{r.failed}</td>
              <td>
                <button type="button" data-testid="import-show" onClick={() => setSelected(r.id)}>Report</button>{' '}
                {r.dry_run && r.stage === 'report' && (
                  <button type="button" data-testid="import-commit" onClick={() => commit(r)}>Commit</button>
                )}{' '}
                <button type="button" data-testid="import-errors" onClick={() => download('/v1/imports/' + r.id + '/errors.csv', 'import-errors.csv')}>
                  Error report (CSV)
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <button type="button" onClick={reload}>Refresh</button>
      {current && <Report run={current} />}
      <EHRSync orgs={orgs} />
    </section>
  )
}

// Report lists a run's problems: record, field, problem (never a value).
function Report({ run }: { run: ImportRun }) {
  const [items, setItems] = useState<ImportProblem[] | null>(null)
  const [more, setMore] = useState(false)
  const [error, setError] = useState('')
  const final = !activeStage(run)
  useEffect(() => {
    setItems(null)
    if (!final) return
    get<{ items: ImportProblem[]; next?: number }>('/v1/imports/' + run.id + '/problems?limit=200')
      .then((l) => {
        setItems(l.items)
        setMore(!!l.next)
      })
      .catch((e) => setError(problemText(e)))
  }, [run.id, run.stage, final])
  return (
    <section aria-labelledby="import-report-h" data-testid="import-report" data-run={run.id}>
      <h2 id="import-report-h">Report: {run.source_name}</h2>
      <p data-testid="import-report-counts">
        {run.total} records: {run.valid} valid, {run.invalid} invalid, {run.imported} imported, {run.unchanged} unchanged, {run.failed} failed.
      </p>
      {error && <p role="alert" className="error">{error}</p>}
      {!final && <p role="status">The report is ready when validation ends.</p>}
      {final && items === null && !error && <p role="status">Loading the report…</p>}
      {final && items !== null && (
        <table data-testid="import-problems">
          <caption>Records with problems{more ? ' (the first 200 records; the error report has them all)' : ''}</caption>
          <thead>
            <tr>
              <th scope="col">Record</th>
              <th scope="col">Field</th>
              <th scope="col">Problem</th>
            </tr>
          </thead>
          <tbody>
            {items.length === 0 && (
              <tr>
                <td colSpan={3}>No problems.</td>
              </tr>
            )}
            {items.map((p, i) => (
              <tr key={p.seq + ':' + i} data-testid="import-problem" data-seq={p.seq} data-field={p.field}>
                <td>#{p.seq} {p.resource_type || 'unreadable line'} {p.source_id}</td>
                <td><code>{p.field || '(the whole record)'}</code></td>
                <td>{p.problem}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  )
}
