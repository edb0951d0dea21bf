import { useEffect, useRef, useState } from 'react'
import { ApiError, Session, get, getToken, post, setToken, whenUnauthenticated } from './api'
import { Login } from './views/Login'
import { Claims } from './views/Claims'
import { ClaimDetail } from './views/ClaimDetail'
import { Denials } from './views/Denials'
import { Appeals } from './views/Appeals'
import { Remittances } from './views/Remittances'
import { Receivables } from './views/Receivables'
import { Eligibility } from './views/Eligibility'
import { Statements } from './views/Statements'
import { Setup } from './views/Setup'
import { ERADetail } from './views/ERADetail'
import { Deposits } from './views/Deposits'
import { Authorizations } from './views/Authorizations'
import { Imports } from './views/Imports'

// Routes live in the URL fragment (#/claims, #/claims/<id>, ...), so the
// server only serves / and /assets/.
function useRoute(): string[] {
  const parse = () => (window.location.hash.replace(/^#\/?/, '') || 'claims').split('/')
  const [route, setRoute] = useState(parse)
  useEffect(() => {
    const on = () => setRoute(parse())
    window.addEventListener('hashchange', on)
    return () => window.removeEventListener('hashchange', on)
  }, [])
  return route
}

const views = [
  { path: 'claims', label: 'Claims' },
  { path: 'denials', label: 'Rejections and denials' },
  { path: 'appeals', label: 'Appeals' },
  { path: 'remittances', label: 'Remittances' },
  { path: 'deposits', label: 'Deposits' },
  { path: 'eligibility', label: 'Eligibility' },
  { path: 'authorizations', label: 'Authorizations' },
  { path: 'ar', label: 'A/R' },
  { path: 'statements', label: 'Statements' },
  { path: 'setup', label: 'Practice setup' },
  { path: 'imports', label: 'Imports' },
]

export function App() {
  const [session, setSession] = useState<Session | null>(null)
  const [checking, setChecking] = useState(!!getToken())
  const route = useRoute()
  const main = useRef<HTMLElement>(null)

  useEffect(() => {
    whenUnauthenticated(() => setSession(null))
    if (!getToken()) return
    get<Session>('/v1/dashboard/session')
      .then(setSession)
      .catch(() => setToken(null))
      .finally(() => setChecking(false))
  }, [])

  // Move focus to the new view's heading, so keyboard and screen reader
  // users land on it.
  useEffect(() => {
    main.current?.querySelector<HTMLElement>('h1')?.focus()
  }, [route.join('/'), session?.user_id])

  if (checking) return <p role="status">Loading…</p>
  if (!session) return <Login onSignedIn={setSession} />

  const signOut = async () => {
    try {
      await post('/v1/auth/logout', {})
    } catch (e) {
      if (!(e instanceof ApiError)) throw e
    }
    setToken(null)
    setSession(null)
  }
  const can = (p: string) => session.permissions.includes(p)

  let view
  switch (route[0]) {
    case 'claims':
      view = route[1] ? <ClaimDetail id={route[1]} /> : <Claims canRun={can('claim:write')} />
      break
    case 'denials':
      view = <Denials canDecide={can('claim:write')} />
      break
    case 'appeals':
      view = <Appeals canAct={can('claim:write')} />
      break
    case 'remittances':
      view = route[1] ? <ERADetail id={route[1]} /> : <Remittances />
      break
    case 'deposits':
      view = <Deposits canWrite={can('claim:write')} />
      break
    case 'eligibility':
      view = <Eligibility />
      break
    case 'authorizations':
      view = <Authorizations canRequest={can('claim:write')} />
      break
    case 'ar':
      view = <Receivables />
      break
    case 'statements':
      view = <Statements canRelease={can('claim:write')} />
      break
    case 'setup':
      view = <Setup canWrite={can('org:write')} canWriteProviders={can('provider:write')} canWritePayers={can('payer:write')} canRun={can('claim:write')} />
      break
    case 'imports':
      view = <Imports canImport={can('patient:write')} />
      break
    default:
      view = <h1 tabIndex={-1}>Not found</h1>
  }
  return (
    <>
      <a className="skip" href="#main" onClick={(e) => { e.preventDefault(); main.current?.querySelector<HTMLElement>('h1')?.focus() }}>
        Skip to content
      </a>
      <header className="top">
        <span className="brand">claimflow billing</span>
        <nav aria-label="Views">
          <ul>
            {views.map((v) => (
              <li key={v.path}>
                <a href={'#/' + v.path} aria-current={route[0] === v.path ? 'page' : undefined}>
                  {v.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <button type="button" onClick={signOut}>
          Sign out
        </button>
      </header>
      {!can('claim:read') && (
        <p role="alert" className="notice">
          Your role does not include claim:read: the billing views will be empty.
        </p>
      )}
      <main id="main" ref={main}>
        {view}
      </main>
    </>
  )
}
