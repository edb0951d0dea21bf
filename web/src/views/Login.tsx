import { FormEvent, useState } from 'react'
import { ApiError, Session, get, post, setToken } from '../api'

export function Login({ onSignedIn }: { onSignedIn: (s: Session) => void }) {
  const [login, setLogin] = useState('')
  const [password, setPassword] = useState('')
  const [totp, setTotp] = useState('')
  const [error, setError] = useState('')
  const [busy, setBusy] = useState(false)

  const submit = async (e: FormEvent) => {
    e.preventDefault()
    setBusy(true)
    setError('')
    try {
      const { token } = await post<{ token: string }>('/v1/auth/login', { login, password, totp })
      setToken(token)
      onSignedIn(await get<Session>('/v1/dashboard/session'))
    } catch (err) {
      setError(err instanceof ApiError ? err.problem.title : 'Sign-in failed')
    } finally {
      setBusy(false)
    }
  }
  return (
    <main className="login" id="main">
      <h1 tabIndex={-1}>Sign in to claimflow billing</h1>
      <form onSubmit={submit} aria-describedby={error ? 'login-error' : undefined}>
        <label htmlFor="login">Login</label>
        <input id="login" name="login" autoComplete="username" required value={login} onChange={(e) => setLogin(e.target.value)} />
        <label htmlFor="password">Password</label>
        <input id="password" name="password" type="password" autoComplete="current-password" required value={password}
          onChange={(e) => setPassword(e.target.value)} />
        <label htmlFor="totp">One-time code</label>
        <input id="totp" name="totp" inputMode="numeric" autoComplete="one-time-code" pattern="[0-9]{6}" required value={totp}
          onChange={(e) => setTotp(e.target.value)} aria-describedby="totp-hint" />
        <small id="totp-hint">The 6-digit code from your authenticator app.</small>
        {error && (
          <p id="login-error" role="alert" className="error">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  )
}
