// The claims worklist's search box, sortable column headers, CSV export
// link and saved filters (issue 16). Claims.tsx composes them.

import { FormEvent, MouseEvent, ReactNode, useEffect, useState } from 'react'
import { ApiError } from '../api'
import { SavedFilter, Search, SortKey, deleteSavedFilter, downloadCSV, listSavedFilters, nextOrder, saveFilter } from '../api_search'

const errorText = (e: unknown) => (e instanceof ApiError ? e.message + ((e.problem.errors || []).map((f) => ' (' + (f.pointer || f.parameter) + ': ' + f.detail + ')').join('')) : String(e))

// SearchBox: one query for claim ID, patient control number, payer claim
// number, member ID, patient name or date of service.
export function SearchBox({ value, onSearch }: { value: string; onSearch: (q: string) => void }) {
  const [draft, setDraft] = useState(value)
  useEffect(() => setDraft(value), [value])
  const submit = (e: FormEvent) => {
    e.preventDefault()
    onSearch(draft)
  }
  return (
    <form role="search" className="claim-search" onSubmit={submit} aria-label="Search claims">
      <label htmlFor="claim-search">Search</label>
      <input id="claim-search" data-testid="claim-search" type="search" value={draft} onChange={(e) => setDraft(e.target.value)}
        placeholder="Patient name, claim ID, control number, payer claim number, member ID or date of service"
        aria-describedby="claim-search-help" />
      <button type="submit">Search</button>
      {value && <button type="button" onClick={() => onSearch('')}>Clear</button>}
      <p id="claim-search-help" className="hint">Names and member IDs match exactly (case and punctuation ignored): "Alpha Testpatient" or "Testpatient, Alpha".</p>
    </form>
  )
}

// SortHeader is a column header that sorts the worklist server-side.
export function SortHeader({ column, label, search, onSort, className }: {
  column: SortKey
  label: ReactNode
  search: Search
  onSort: (s: Search) => void
  className?: string
}) {
  const active = search.sort === column
  return (
    <th scope="col" className={className} aria-sort={active ? (search.order === 'asc' ? 'ascending' : 'descending') : 'none'}>
      <button type="button" className="sort" data-testid={'sort-' + column} onClick={() => onSort(nextOrder(search, column))}>
        {label}{active ? (search.order === 'asc' ? ' ▲' : ' ▼') : ''}
      </button>
    </th>
  )
}

// ExportLink downloads the current filter as CSV (every matching row).
export function ExportLink({ path, name, label = 'Export CSV' }: { path: string; name: string; label?: string }) {
  const [error, setError] = useState('')
  const click = (e: MouseEvent) => {
    e.preventDefault()
    setError('')
    downloadCSV(path, name).catch((err) => setError(errorText(err)))
  }
  return (
    <span className="export">
      <a href={path} data-testid="export-csv" onClick={click} download={name}>{label}</a>
      {error && <span role="alert" className="error"> {error}</span>}
    </span>
  )
}

// SavedFilters saves the current query string under a name and applies or
// deletes the user's saved ones.
export function SavedFilters({ current, onApply }: { current: string; onApply: (query: string) => void }) {
  const [items, setItems] = useState<SavedFilter[]>([])
  const [chosen, setChosen] = useState('')
  const [name, setName] = useState('')
  const [error, setError] = useState('')
  const reload = () => listSavedFilters().then(setItems).catch((e) => setError(errorText(e)))
  useEffect(() => {
    reload()
  }, [])
  const save = (e: FormEvent) => {
    e.preventDefault()
    setError('')
    saveFilter(name, current)
      .then((f) => {
        setName('')
        setChosen(f.id)
        return reload()
      })
      .catch((err) => setError(errorText(err)))
  }
  const choose = (id: string) => {
    setChosen(id)
    const f = items.find((x) => x.id === id)
    if (f) onApply(f.query)
  }
  const remove = () => {
    if (!chosen) return
    deleteSavedFilter(chosen)
      .then(() => {
        setChosen('')
        return reload()
      })
      .catch((err) => setError(errorText(err)))
  }
  return (
    <form className="saved-filters" onSubmit={save} aria-label="Saved filters">
      <label htmlFor="saved-filters">Saved filters</label>
      <select id="saved-filters" data-testid="saved-filters" value={chosen} onChange={(e) => choose(e.target.value)}>
        <option value="">Choose…</option>
        {items.map((f) => <option key={f.id} value={f.id}>{f.name}</option>)}
      </select>
      <button type="button" onClick={remove} disabled={!chosen}>Delete</button>
      <label htmlFor="saved-filter-name">Name</label>
      <input id="saved-filter-name" data-testid="saved-filter-name" value={name} maxLength={80} onChange={(e) => setName(e.target.value)} />
      <button type="submit" data-testid="save-filter">Save current filter</button>
      {error && <p role="alert" className="error">{error}</p>}
    </form>
  )
}
