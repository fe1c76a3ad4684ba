/** One's personal access tokens: name, id, dates, status, and Revoke for the active ones. */
import { formatAgo, formatTime } from '../format'
import { ColumnHeads } from '../components/column-heads'

export interface Token {
  readonly id: string
  readonly name: string
  readonly created: number
  readonly expires: number
  readonly lastUsed?: number
  readonly revoked?: number
}

export function TokenTable({ tokens, onRevoke }: { tokens: readonly Token[]; onRevoke: (t: Token) => void }) {
  const now = Date.now()
  return (
    <table className="table tokens-table" aria-labelledby="token-list-title">
      <ColumnHeads columns={['Name', 'ID', 'Created', 'Expires', 'Last used', 'Status']} actions />
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
