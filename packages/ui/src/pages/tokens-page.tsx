/**
 * Personal access tokens (authentication on): create one with a name and an expiry, see its
 * secret once (with a copy button), list one's tokens, revoke them. Scripts and the MLflow client
 * use a token as MLFLOW_TRACKING_TOKEN (`Authorization: Bearer`).
 */
import { authApi } from '@keel/contracts'
import { useState } from 'react'
import { call } from '../api/client'
import { useApi } from '../api/use-api'
import { useAuth } from '../auth/auth-context'
import { CreateToken } from '../auth/create-token'
import { FreshToken } from '../auth/fresh-token'
import { type Token, TokenTable } from '../auth/tokens-table'
import { Empty, ErrorBox, Loading } from '../components/states'
import '../auth/auth.css'
import '../registry/registry.css'

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
