import { registryApi } from '@keel/contracts'
import { type FormEvent, useId, useState } from 'react'
import { call } from '../api/client'
import { FormFeedback } from '../components/form-feedback'
import { useAction } from '../components/use-action'
import { LockIcon } from './alias-approvals'
import { requestAliasChange } from './alias-approvals-data'

/**
 * Set an alias on a version (moving it if it points elsewhere); the server's validation message
 * shows next to the input. An alias whose moves need approval (`needsApproval`) is asked for
 * instead: "Request change" creates a change request that another user approves.
 */
export function AliasForm({
  name,
  version,
  onDone,
  needsApproval,
}: {
  name: string
  version: string
  onDone: () => void
  needsApproval?: (alias: string) => boolean
}) {
  const id = useId()
  const [alias, setAlias] = useState('')
  const [comment, setComment] = useState('')
  const { busy, error, done, run } = useAction()
  const request = needsApproval?.(alias.trim()) === true
  const submit = (e: FormEvent) => {
    e.preventDefault()
    void run(async () => {
      if (request) await requestAliasChange(name, alias.trim(), version, comment.trim())
      else
        await call(registryApi.setRegisteredModelAlias, {
          name,
          alias: alias.trim(),
          version,
          ...(comment.trim() && { comment: comment.trim() }),
        })
      setAlias('')
      setComment('')
      onDone()
      return request
        ? `Requested @${alias.trim()} → v${version}: waiting for another user’s approval`
        : `@${alias.trim()} now points at v${version}`
    })
  }
  return (
    <form className="action-form" onSubmit={submit} aria-label={`Set an alias on version ${version}`}>
      <h4>Set an alias</h4>
      <div className="field">
        <label htmlFor={`${id}-alias`}>Alias</label>
        <input
          id={`${id}-alias`}
          type="text"
          value={alias}
          placeholder="champion"
          required
          onChange={(e) => setAlias(e.target.value)}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? `${id}-alias-error` : undefined}
        />
      </div>
      {request && (
        <p className="approval-hint" id={`${id}-alias-hint`}>
          <LockIcon /> @{alias.trim()} is protected: moving it needs a second user’s approval. Say why; they see your
          comment.
        </p>
      )}
      <div className="field">
        <label htmlFor={`${id}-alias-comment`}>
          {request ? 'Why (the approver sees it; kept in the audit trail)' : 'Comment (kept in the audit trail)'}
        </label>
        <input
          id={`${id}-alias-comment`}
          type="text"
          value={comment}
          placeholder={request ? 'e.g. v2 wins the backtest' : 'optional'}
          onChange={(e) => setComment(e.target.value)}
        />
      </div>
      <div className="form-row">
        <button type="submit" className="primary" disabled={busy || alias.trim() === ''}>
          {request ? 'Request change' : 'Set alias'}
        </button>
        <FormFeedback error={error} done={done} inline errorId={`${id}-alias-error`} />
      </div>
    </form>
  )
}
