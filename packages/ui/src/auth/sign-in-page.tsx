/**
 * The sign-in page (authentication on): user name and password to `keel/auth/sign-in`, which sets
 * the session cookie; then the page the user wanted (`?next=`). A wrong password is said plainly,
 * on the page (the UI's `/ajax-api` never makes the browser pop up its own password box).
 */
import { type FormEvent, useId, useRef, useState } from 'react'
import { Navigate, useNavigate, useSearchParams } from 'react-router'
import { ApiError } from '../api/client'
import { useAuth } from './auth-context'
import { signIn } from './auth-data'
import { BrandMark } from './brand-mark'
import { safeNext } from './require-auth'
import './auth.css'
import '../registry/registry.css'

export function SignInPage() {
  const auth = useAuth()
  const navigate = useNavigate()
  const [params] = useSearchParams()
  const next = safeNext(params.get('next'))
  const id = useId()
  const [username, setUsername] = useState('')
  const [password, setPassword] = useState('')
  const [error, setError] = useState<string | undefined>()
  const [busy, setBusy] = useState(false)
  const passwordRef = useRef<HTMLInputElement>(null)

  if (!auth.authEnabled || auth.user) return <Navigate to={next} replace />

  const submit = async (e: FormEvent) => {
    e.preventDefault()
    setBusy(true)
    setError(undefined)
    try {
      const user = await signIn(username.trim(), password)
      auth.signedIn(user)
      navigate(next, { replace: true })
    } catch (err) {
      setError(
        err instanceof ApiError && err.status === 401
          ? 'Wrong user name or password.'
          : err instanceof ApiError && err.status === 429
            ? `Too many attempts: ${err.message}`
            : `Could not sign in: ${(err as Error).message}`,
      )
      setPassword('')
      passwordRef.current?.focus()
    } finally {
      setBusy(false)
    }
  }

  return (
    <div className="sign-in-screen">
      <header className="topbar">
        <span className="brand">
          <BrandMark /> keel
        </span>
      </header>
      <main className="sign-in-main">
        <form className="panel sign-in-card" onSubmit={submit} aria-labelledby={`${id}-title`} noValidate>
          <h1 id={`${id}-title`}>Sign in to keel</h1>
          {auth.reason === 'expired' && (
            <p className="notice-info" role="status">
              Your session has ended. Sign in again to go back to where you were.
            </p>
          )}
          {auth.reason === 'signed-out' && (
            <p className="notice-info" role="status">
              You are signed out.
            </p>
          )}
          <div className="field">
            <label htmlFor={`${id}-user`}>User name</label>
            <input
              id={`${id}-user`}
              type="text"
              name="username"
              autoComplete="username"
              autoCapitalize="none"
              spellCheck={false}
              value={username}
              onChange={(e) => setUsername(e.target.value)}
              required
              // biome-ignore lint/a11y/noAutofocus: the sign-in page is this form alone, and a user who opens it is there to type their name: the first field is where they expect the cursor
              autoFocus
            />
          </div>
          <div className="field">
            <label htmlFor={`${id}-password`}>Password</label>
            <input
              id={`${id}-password`}
              ref={passwordRef}
              type="password"
              name="password"
              autoComplete="current-password"
              value={password}
              onChange={(e) => setPassword(e.target.value)}
              required
              aria-invalid={error ? true : undefined}
              aria-describedby={error ? `${id}-error` : undefined}
            />
          </div>
          {error && (
            <p className="sign-in-error" id={`${id}-error`} role="alert">
              {error}
            </p>
          )}
          <button
            type="submit"
            className="primary sign-in-submit"
            disabled={busy || username.trim() === '' || password === ''}
          >
            {busy ? 'Signing in…' : 'Sign in'}
          </button>
          <p className="muted small sign-in-help">
            Scripts and the MLflow client use a personal access token (<code>MLFLOW_TRACKING_TOKEN</code>), created here
            after signing in, or <code>MLFLOW_TRACKING_USERNAME</code> and <code>MLFLOW_TRACKING_PASSWORD</code>. Forgot
            your password? An admin can set a new one.
          </p>
        </form>
      </main>
    </div>
  )
}
