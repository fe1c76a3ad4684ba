/**
 * Protected aliases on a model's page: the pending requests to move one (approve or reject them
 * when someone else asked and one holds MANAGE; withdraw one's own), and the list of protections
 * with protect / unprotect for MANAGE holders. The audit trail records each step.
 */
import type { AliasChangeRequest, AliasProtection } from '@keel/contracts'
import { type FormEvent, useId, useState } from 'react'
import { errorMessage } from '../api/client'
import { FormFeedback } from '../components/form-feedback'
import { useAction } from '../components/use-action'
import { formatAgo, formatTime } from '../format'
import { type Decision, decide, protectAlias, unprotectAlias } from './alias-approvals-data'
import { ColumnHeads } from '../components/column-heads'

export function LockIcon({ title }: { title?: string }) {
  return (
    <svg
      className="alias-lock"
      viewBox="0 0 16 16"
      width="11"
      height="11"
      role={title ? 'img' : undefined}
      aria-hidden={title ? undefined : true}
      aria-label={title}
    >
      <rect x="2.5" y="7" width="11" height="8" rx="1.5" fill="currentColor" />
      <path d="M5 7V5a3 3 0 0 1 6 0v2" fill="none" stroke="currentColor" strokeWidth="1.8" />
    </svg>
  )
}

/**
 * The pending requests to move protected aliases. `me` is who this browser acts as (the signed-in
 * user, or the "Acting as" name without authentication); the server refuses a requester's own approval.
 */
export function AliasRequests({
  requests,
  current,
  me,
  canManage,
  onChanged,
}: {
  requests: readonly AliasChangeRequest[]
  current: ReadonlyMap<string, string>
  me: string
  canManage: boolean
  onChanged: () => void
}) {
  const id = useId()
  if (requests.length === 0) return null
  return (
    <section className="panel alias-requests" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`} className="panel-title">
        Pending alias changes <span className="badge badge-warn">{requests.length}</span>
      </h2>
      <ul className="request-list">
        {requests.map((r) => (
          <AliasRequestItem
            key={r.requestId}
            request={r}
            from={current.get(r.alias)}
            mine={r.requestedBy === me}
            canManage={canManage}
            onChanged={onChanged}
          />
        ))}
      </ul>
    </section>
  )
}

function AliasRequestItem({
  request: r,
  from,
  mine,
  canManage,
  onChanged,
}: {
  request: AliasChangeRequest
  from: string | undefined
  mine: boolean
  canManage: boolean
  onChanged: () => void
}) {
  const id = useId()
  const [comment, setComment] = useState('')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | undefined>()
  const act = async (decision: Decision) => {
    setBusy(true)
    setError(undefined)
    try {
      await decide(r.requestId, decision, comment.trim())
      onChanged()
    } catch (e) {
      setError(errorMessage(e))
      setBusy(false)
    }
  }
  const target = r.version !== undefined ? `v${r.version}` : 'removed'
  return (
    <li className="alias-request" aria-label={`Request to move @${r.alias} to ${target}`}>
      <div className="request-what">
        <LockIcon />
        <span className="alias-name">@{r.alias}</span>{' '}
        <span className="request-move">
          {from ? `v${from}` : <span className="muted">none</span>} →{' '}
          <strong>{r.version !== undefined ? `v${r.version}` : 'remove the alias'}</strong>
        </span>
      </div>
      <div className="request-who">
        requested by <strong className="actor">{r.requestedBy}</strong>{' '}
        <span className="muted" title={formatTime(r.requestedTime)}>
          {formatAgo(r.requestedTime)}
        </span>
        {r.comment ? (
          <span className="request-comment"> — “{r.comment}”</span>
        ) : (
          <span className="muted"> — no comment</span>
        )}
      </div>
      <div className="request-actions">
        {mine ? (
          <>
            <span className="muted small">Your request: another user with MANAGE on this model approves it.</span>
            <button type="button" disabled={busy} onClick={() => void act('cancel')}>
              Cancel request
            </button>
          </>
        ) : canManage ? (
          <>
            <label className="sr-only" htmlFor={`${id}-comment`}>
              Comment on the decision
            </label>
            <input
              id={`${id}-comment`}
              type="text"
              className="decision-comment"
              placeholder="comment (optional)"
              value={comment}
              onChange={(e) => setComment(e.target.value)}
            />
            <button type="button" className="primary" disabled={busy} onClick={() => void act('approve')}>
              Approve
            </button>
            <button type="button" className="danger" disabled={busy} onClick={() => void act('reject')}>
              Reject
            </button>
          </>
        ) : (
          <span className="muted small">Waiting for a user with MANAGE on this model to approve or reject it.</span>
        )}
      </div>
      <FormFeedback error={error} />
    </li>
  )
}

/** The protected aliases of a model; MANAGE holders protect and unprotect them. */
export function ProtectedAliases({
  name,
  protections,
  canManage,
  onChanged,
}: {
  name: string
  protections: readonly AliasProtection[]
  canManage: boolean
  onChanged: () => void
}) {
  const id = useId()
  const [alias, setAlias] = useState('')
  const [approval, setApproval] = useState(true)
  const { busy, error, run: runAction } = useAction()
  const run = (fn: () => Promise<void>) =>
    runAction(async () => {
      await fn()
      onChanged()
    })
  const submit = async (e: FormEvent) => {
    e.preventDefault()
    if (await run(() => protectAlias(name, alias.trim(), approval))) setAlias('')
  }
  if (protections.length === 0 && !canManage) return null
  return (
    <section aria-labelledby={`${id}-title`} className="protected-aliases">
      <h2 id={`${id}-title`}>Protected aliases</h2>
      <p className="muted small">
        Moving a protected alias needs MANAGE on the model; with approval, a second user with MANAGE approves each move.
      </p>
      {protections.length === 0 ? (
        <p className="muted">No alias of this model is protected.</p>
      ) : (
        <table className="table compact protections-table">
          <caption className="sr-only">Protected aliases</caption>
          <ColumnHeads columns={['Alias', 'Moves need', 'Protected']} actions={canManage} />
          <tbody>
            {protections.map((p) => (
              <tr key={p.alias}>
                <td>
                  <LockIcon /> <span className="alias-name">@{p.alias}</span>
                </td>
                <td>
                  {p.requireApproval ? (
                    <span className="badge badge-warn">a second user’s approval</span>
                  ) : (
                    <span className="badge badge-muted">MANAGE</span>
                  )}
                </td>
                <td title={formatTime(p.protectedTime)}>
                  by <span className="actor">{p.protectedBy}</span>{' '}
                  <span className="muted">{formatAgo(p.protectedTime)}</span>
                </td>
                {canManage && (
                  <td className="actions">
                    <button
                      type="button"
                      disabled={busy}
                      aria-label={`Unprotect @${p.alias}`}
                      onClick={() => void run(() => unprotectAlias(name, p.alias))}
                    >
                      Unprotect
                    </button>
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {canManage && (
        <form className="inline-form protect-form" onSubmit={submit} aria-label="Protect an alias">
          <label htmlFor={`${id}-alias`}>Protect alias</label>
          <input
            id={`${id}-alias`}
            type="text"
            value={alias}
            placeholder="champion"
            onChange={(e) => setAlias(e.target.value)}
          />
          <label className="check">
            <input type="checkbox" checked={approval} onChange={(e) => setApproval(e.target.checked)} /> moves need a
            second user’s approval
          </label>
          <button type="submit" disabled={busy || alias.trim() === ''}>
            Protect
          </button>
        </form>
      )}
      <FormFeedback error={error} />
    </section>
  )
}
