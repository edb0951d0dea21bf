// Practice import (issue 21): runs, uploads, the dry-run report, commit.
import { ApiError, Problem, getToken } from './api'

export interface ImportRun {
  id: string
  org_id: string
  created_by?: string
  created_by_name?: string
  source: string
  source_name: string
  dry_run: boolean
  stage: string
  total: number
  done: number
  valid: number
  invalid: number
  imported: number
  unchanged: number
  failed: number
  error?: string
  created_at: string
  updated_at: string
}

// problemText is a refusal as one line: its detail, then each field.
export const problemText = (e: unknown) => {
  if (!(e instanceof ApiError)) return String(e)
  const fields = (e.problem.errors || []).map((f) => (f.pointer || f.parameter || '') + ': ' + f.detail)
  return [e.problem.detail || e.message, ...fields].join(' · ')
}

export interface ImportProblem {
  seq: number
  resource_type: string
  source_id: string
  status: string
  field: string
  problem: string
}

// A run is active while its workflow works: the view refreshes until it
// reaches its report (a dry run), done or failed. An import (not a dry run)
// passes through report on its way to commit.
export const activeStage = (r: ImportRun) =>
  r.stage === 'fetch' || r.stage === 'validate' || r.stage === 'commit' || (r.stage === 'report' && !r.dry_run)

// uploadImport posts the files as multipart/form-data (the browser sets
// the boundary); a refusal throws the problem as call does.
export async function uploadImport(orgID: string, files: File[], dryRun: boolean): Promise<ImportRun> {
  const form = new FormData()
  form.append('org_id', orgID)
  form.append('dry_run', dryRun ? 'true' : 'false')
  for (const f of files) form.append('files', f, f.name)
  const h: Record<string, string> = { Accept: 'application/json' }
  const t = getToken()
  if (t) h.Authorization = 'Bearer ' + t
  const res = await fetch('/v1/imports/upload', { method: 'POST', headers: h, body: form })
  if (!res.ok) {
    let p: Problem = { type: 'about:blank', title: res.statusText, status: res.status }
    try {
      p = await res.json()
    } catch {
      /* not JSON */
    }
    throw new ApiError(p)
  }
  return (await res.json()) as ImportRun
}

// Ongoing EHR sync (issue 21): a sync, its newest pass, and the flags its
// passes raised (EHR changes to records whose claim already went out).
export interface SyncPass extends ImportRun {
  updated: number
  flagged: number
}

export interface ImportSync {
  id: string
  org_id: string
  server: string
  every: string
  state: 'active' | 'paused' | 'deleted'
  high_water?: string
  last_error?: string
  paused_at?: string
  next_run_at?: string
  last_pass?: SyncPass
  created_at: string
}

export interface SyncFlag {
  id: string
  org_id: string
  sync_id: string
  resource_type: string
  source_id: string
  record_id: string
  claim_id?: string
  claim_status?: string
  reason: string
  fields: string[]
  status: 'open' | 'acknowledged' | 'dismissed'
  resolved_at?: string
  created_at: string
}
