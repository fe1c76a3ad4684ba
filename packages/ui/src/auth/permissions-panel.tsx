/**
 * Who may do what to one experiment or registered model, for those with MANAGE on it: its grants
 * (direct and through roles), granting a user a permission (replacing their grant there, in one
 * step) and revoking it.
 */
import { type FormEvent, useId, useState } from 'react'
import { useApi } from '../api/use-api'
import { FormFeedback } from '../components/form-feedback'
import { ErrorBox, Loading } from '../components/states'
import { useAction } from '../components/use-action'
import { useAuth } from './auth-context'
import {
  GRANTABLE,
  type GrantableType,
  RESOURCE_LABEL,
  type ResourceGrant,
  grantsOn,
  listUsers,
  revokeGrant,
  setGrant,
} from './auth-data'
import { PermissionChip } from './permission-states'
import { ColumnHeads } from '../components/column-heads'
import './auth.css'
import '../registry/registry.css'

export function PermissionsPanel({
  type,
  id,
  name,
  onClose,
}: {
  type: GrantableType
  id: string
  name: string
  onClose: () => void
}) {
  const auth = useAuth()
  const formId = useId()
  const users = useApi(`users|${auth.user?.username ?? ''}`, (signal) => listUsers(signal))
  const grants = useApi(`grants|${type}|${id}`, (signal) => grantsOn(type, id, signal))
  const [who, setWho] = useState('')
  const [permission, setPermission] = useState<string>('READ')
  const { busy, error, done, run } = useAction()
  const label = RESOURCE_LABEL[type]
  const what = `${label} ‘${name}’`

  const act = (fn: () => Promise<void>, said: string) =>
    run(async () => {
      await fn()
      grants.reload()
      return said
    })
  const grant = (e: FormEvent) => {
    e.preventDefault()
    if (!who) return
    void act(() => setGrant(who, type, id, permission), `${who} now has ${permission} on ${what}.`)
  }
  const revoke = (username: string) =>
    act(() => revokeGrant(username, type, id), `${username}’s grant on ${what} is revoked: the default applies.`)

  const admins = (users.data ?? []).filter((u) => u.isAdmin)
  return (
    <section className="panel permissions-panel" aria-labelledby={`${formId}-title`}>
      <div className="permissions-head">
        <h2 id={`${formId}-title`}>Permissions</h2>
        <span className="muted">on {what}</span>
        <button type="button" className="link-button permissions-close" onClick={onClose}>
          Close
        </button>
      </div>
      <p className="muted small">
        Everyone signed in has <PermissionChip permission={auth.defaultPermission ?? 'READ'} /> (the server’s default)
        unless granted otherwise. READ sees it, USE serves it, EDIT changes it, MANAGE also deletes it and grants; DENY
        shuts someone out. Admins
        {admins.length > 0 && <> ({admins.map((u) => u.username).join(', ')})</>} may do anything.
      </p>

      {grants.error ? (
        <ErrorBox error={grants.error} onRetry={grants.reload} />
      ) : !grants.data ? (
        <Loading what="the grants" />
      ) : grants.data.length === 0 ? (
        <p className="permissions-empty">No one has a grant on this {label}: everyone has the default.</p>
      ) : (
        <GrantsTable grants={grants.data} busy={busy} onRevoke={(u) => void revoke(u)} />
      )}

      <form className="grant-form" onSubmit={grant} aria-label={`Grant a permission on ${what}`}>
        <div className="field">
          <label htmlFor={`${formId}-user`}>User</label>
          <select id={`${formId}-user`} value={who} onChange={(e) => setWho(e.target.value)} required>
            <option value="">{users.data ? 'Choose a user…' : 'Loading users…'}</option>
            {(users.data ?? [])
              .filter((u) => !u.isAdmin)
              .map((u) => (
                <option key={u.username} value={u.username}>
                  {u.username}
                </option>
              ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${formId}-permission`}>Permission</label>
          <select id={`${formId}-permission`} value={permission} onChange={(e) => setPermission(e.target.value)}>
            {GRANTABLE.map((p) => (
              <option key={p} value={p}>
                {p}
              </option>
            ))}
          </select>
        </div>
        <div className="form-row">
          <button type="submit" className="primary" disabled={busy || !who}>
            Grant
          </button>
        </div>
      </form>
      <FormFeedback error={error} done={done} />
    </section>
  )
}

function GrantsTable({
  grants,
  busy,
  onRevoke,
}: {
  grants: readonly ResourceGrant[]
  busy: boolean
  onRevoke: (username: string) => void
}) {
  return (
    <table className="table compact grants-table">
      <caption className="sr-only">Grants on this resource</caption>
      <ColumnHeads columns={['User', 'Permission', 'Granted']} actions />
      <tbody>
        {grants.map((g) => (
          <tr key={`${g.username}|${g.role ?? ''}|${g.wildcard}`}>
            <td className="actor">{g.username}</td>
            <td>
              <PermissionChip permission={g.permission} />
            </td>
            <td className="muted">
              {g.role ? <>through role {g.role}</> : g.wildcard ? 'on every one (*)' : 'directly'}
              {g.role && g.wildcard && ' (*)'}
            </td>
            <td className="actions">
              {!g.role && !g.wildcard && (
                <button
                  type="button"
                  className="danger"
                  disabled={busy}
                  aria-label={`Revoke ${g.username}’s grant`}
                  onClick={() => onRevoke(g.username)}
                >
                  Revoke
                </button>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}
