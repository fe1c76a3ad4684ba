/**
 * Personal access tokens (authentication on): create one with a name and an expiry, see its
 * secret once (with a copy button), list one's tokens, revoke them. Scripts and the MLflow client
 * use a token as MLFLOW_TRACKING_TOKEN (`Authorization: Bearer`).
 */
import { authApi } from '@keel/contracts'
import { type FormEvent, useId, useRef, useState } from 'react'
import { call, errorMessage } from '../api/client'
import { useApi } from '../api/use-api'
import { useAuth } from '../auth/auth-context'
import { Empty, ErrorBox, Loading } from '../components/states'
import { formatAgo, formatTime } from '../format'
import '../auth/auth.css'
import '../registry/registry.css'

const EXPIRIES = [
  { days: 7, label: '7 days' },
  { days: 30, label: '30 days' },
  { days: 90, label: '90 days' },
  { days: 365, label: '1 year' },
  { days: 730, label: '2 years (the longest)' },
]

interface Token {
  readonly id: string
  readonly name: string
  readonly created: number
  readonly expires: number
  readonly lastUsed?: number
  readonly revoked?: number
}

async function listTokens(signal: AbortSignal): Promise<Token[]> {
  const res = await call(authApi.listTokens, {}, signal)
  return res.tokens
    .map((t) => ({
      id: t.token_id,
      name: t.name,
      created: t.created_time,
      expires: t.expires_time,
      ...(t.last_used_time !== undefined && { lastUsed: t.last_used_time }),
      ...(t.revoked_time !== undefined && { revoked: t.revoked_time }),
    }))
    .sort((a, b) => b.created - a.created)
}

export function TokensPage() {
  const auth = useAuth()
  const tokens = useApi(auth.authEnabled ? `tokens|${auth.user?.username ?? ''}` : null, listTokens)
  const [fresh, setFresh] = useState<{ name: string; secret: string } | undefined>()
  const [actionError, setActionError] = useState<Error | undefined>()

  if (!auth.authEnabled) {
    return (
      <section aria-labelledby="tokens-title">
        <div className="page-head">
          <h1 id="tokens-title">Access tokens</h1>
        </div>
        <Empty title="This server does not ask for credentials">
          Tokens are for servers started with authentication: <code>keel server --app-name basic-auth</code>.
        </Empty>
      </section>
    )
  }

  const revoke = async (t: Token) => {
    if (!window.confirm(`Revoke the token “${t.name}”? Anything using it gets 401 from now on.`)) return
    setActionError(undefined)
    try {
      await call(authApi.revokeToken, { token_id: t.id })
      tokens.reload()
    } catch (e) {
      setActionError(e as Error)
    }
  }

  return (
    <section aria-labelledby="tokens-title" className="tokens-page">
      <div className="page-head">
        <h1 id="tokens-title">Access tokens</h1>
      </div>
      <p className="muted page-intro">
        Personal access tokens let scripts, CI jobs and the MLflow client act as you (
        <strong>{auth.user?.username}</strong>) without your password: set <code>MLFLOW_TRACKING_TOKEN</code>, or send{' '}
        <code>Authorization: Bearer &lt;token&gt;</code>. A token can do what you can, until it expires or you revoke
        it.
      </p>
      {fresh ? (
        <FreshToken name={fresh.name} secret={fresh.secret} onDone={() => setFresh(undefined)} />
      ) : (
        <CreateToken
          onCreated={(name, secret) => {
            setFresh({ name, secret })
            tokens.reload()
          }}
        />
      )}

      <h2 id="token-list-title">Your tokens</h2>
      {actionError && <ErrorBox error={actionError} />}
      {tokens.error && !tokens.data ? (
        <ErrorBox error={tokens.error} onRetry={tokens.reload} />
      ) : !tokens.data ? (
        <Loading what="your tokens" />
      ) : tokens.data.length === 0 ? (
        <Empty title="No tokens yet">
          Create one above for each script or machine, so that each can be revoked on its own.
        </Empty>
      ) : (
        <TokenTable tokens={tokens.data} onRevoke={(t) => void revoke(t)} />
      )}
    </section>
  )
}

function CreateToken({ onCreated }: { onCreated: (name: string, secret: string) => void }) {
  const id = useId()
  const [name, setName] = useState('')
  const [days, setDays] = useState('90')
  const [error, setError] = useState<string | undefined>()
  const [busy, setBusy] = useState(false)
  const submit = async (e: FormEvent) => {
    e.preventDefault()
    setBusy(true)
    setError(undefined)
    try {
      const res = await call(authApi.createToken, { name: name.trim(), expires_in_days: Number(days) })
      setName('')
      onCreated(res.token_info.name, res.token)
    } catch (err) {
      setError(errorMessage(err))
    } finally {
      setBusy(false)
    }
  }
  return (
    <form className="panel token-form" onSubmit={submit} aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`} className="panel-title">
        New token
      </h2>
      <div className="token-form-grid">
        <div className="field">
          <label htmlFor={`${id}-name`}>Name (what it is for)</label>
          <input
            id={`${id}-name`}
            type="text"
            value={name}
            maxLength={256}
            placeholder="e.g. nightly-training on ci-runner-2"
            onChange={(e) => setName(e.target.value)}
            required
          />
        </div>
        <div className="field">
          <label htmlFor={`${id}-expiry`}>Expires after</label>
          <select id={`${id}-expiry`} value={days} onChange={(e) => setDays(e.target.value)}>
            {EXPIRIES.map((x) => (
              <option key={x.days} value={String(x.days)}>
                {x.label}
                {x.days === 90 ? ' (default)' : ''}
              </option>
            ))}
          </select>
        </div>
        <div className="field token-form-submit">
          <button type="submit" className="primary" disabled={busy || name.trim() === ''}>
            {busy ? 'Creating…' : 'Create token'}
          </button>
        </div>
      </div>
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
    </form>
  )
}

/** The secret of a token just created: shown this once, with a copy button. */
function FreshToken({ name, secret, onDone }: { name: string; secret: string; onDone: () => void }) {
  const id = useId()
  const input = useRef<HTMLInputElement>(null)
  const [copied, setCopied] = useState<'yes' | 'no' | undefined>()
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(secret)
      setCopied('yes')
    } catch {
      // No clipboard access (permissions, or not a secure context): select it for Ctrl+C.
      input.current?.select()
      setCopied(document.execCommand('copy') ? 'yes' : 'no')
    }
  }
  return (
    <section className="panel token-fresh" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`} className="panel-title">
        Token “{name}” created
      </h2>
      <p className="token-warning">
        <strong>Copy it now: it won’t be shown again.</strong> keel keeps only a hash of it; if it is lost, revoke it
        and create another.
      </p>
      <div className="secret-row">
        <label className="sr-only" htmlFor={`${id}-secret`}>
          The new token
        </label>
        <input
          id={`${id}-secret`}
          ref={input}
          className="mono secret"
          type="text"
          readOnly
          value={secret}
          onFocus={(e) => e.currentTarget.select()}
          spellCheck={false}
        />
        <button type="button" className="primary" onClick={() => void copy()}>
          Copy
        </button>
        {copied && (
          <span className={copied === 'yes' ? 'field-ok' : 'field-error'} role="status">
            {copied === 'yes' ? 'Copied' : 'Could not copy: it is selected, press Ctrl+C'}
          </span>
        )}
      </div>
      <p className="muted small">
        Use it: <code>export MLFLOW_TRACKING_TOKEN=…</code> (the MLflow client, <code>keel</code> and the SDK read it).
      </p>
      <button type="button" onClick={onDone}>
        Done
      </button>
    </section>
  )
}

function TokenTable({ tokens, onRevoke }: { tokens: readonly Token[]; onRevoke: (t: Token) => void }) {
  const now = Date.now()
  return (
    <table className="table tokens-table" aria-labelledby="token-list-title">
      <thead>
        <tr>
          <th scope="col">Name</th>
          <th scope="col">ID</th>
          <th scope="col">Created</th>
          <th scope="col">Expires</th>
          <th scope="col">Last used</th>
          <th scope="col">Status</th>
          <th scope="col">
            <span className="sr-only">Actions</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {tokens.map((t) => {
          const status = t.revoked !== undefined ? 'revoked' : t.expires <= now ? 'expired' : 'active'
          return (
            <tr key={t.id} className={status === 'active' ? undefined : 'row-deleted'}>
              <td className="token-name">{t.name}</td>
              <td className="mono">{t.id}</td>
              <td title={formatTime(t.created)}>{formatAgo(t.created, now)}</td>
              <td title={formatTime(t.expires)}>
                {status === 'active' ? `in ${inDays(t.expires - now)}` : formatTime(t.expires).slice(0, 10)}
              </td>
              <td title={formatTime(t.lastUsed)}>
                {t.lastUsed ? formatAgo(t.lastUsed, now) : <span className="muted">never</span>}
              </td>
              <td>
                <span
                  className={`badge ${status === 'active' ? 'badge-ok' : status === 'revoked' ? 'badge-danger' : 'badge-muted'}`}
                >
                  {status}
                </span>
                {t.revoked !== undefined && <div className="muted small">{formatAgo(t.revoked, now)}</div>}
              </td>
              <td className="actions">
                {status === 'active' && (
                  <button
                    type="button"
                    className="danger"
                    aria-label={`Revoke token ${t.name}`}
                    onClick={() => onRevoke(t)}
                  >
                    Revoke
                  </button>
                )}
              </td>
            </tr>
          )
        })}
      </tbody>
    </table>
  )
}

function inDays(ms: number): string {
  const days = Math.round(ms / 86_400_000)
  if (days >= 1) return `${days} day${days === 1 ? '' : 's'}`
  const hours = Math.max(1, Math.floor(ms / 3_600_000))
  return `${hours} hour${hours === 1 ? '' : 's'}`
}
