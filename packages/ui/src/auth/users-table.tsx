/** The users page's table: each user's role and grants, and (not for oneself) admin on/off, a new password, delete. */
import { authApi } from '@keel/contracts'
import { type FormEvent, useState } from 'react'
import { call } from '../api/client'
import { useApi } from '../api/use-api'
import { ColumnHeads } from '../components/column-heads'
import { SubmitCancel } from '../components/submit-cancel'
import { useAction } from '../components/use-action'
import type { UserRow } from './auth-data'
import { MIN_PASSWORD } from './create-user'
import { PermissionChip } from './permission-states'
import { focusWhenShown } from '../components/focus-when-shown'

export function UsersTable({
  users,
  me,
  onSetAdmin,
  onDelete,
  onPasswordSet,
}: {
  users: readonly UserRow[]
  /** The signed-in user's name. */
  me: string
  onSetAdmin: (user: UserRow, isAdmin: boolean) => void
  onDelete: (user: UserRow) => void
  onPasswordSet: (username: string) => void
}) {
  const [passwordFor, setPasswordFor] = useState<string | undefined>()
  return (
    <table className="table users-table">
      <caption className="sr-only">Users</caption>
      <ColumnHeads columns={['User', 'Role', 'Grants']} actions />
      <tbody>
        {users.map((u) => {
          const self = u.username === me
          return (
            <tr key={u.username}>
              <td className="actor">
                {u.username}
                {self && <span className="badge badge-muted">you</span>}
              </td>
              <td>
                {u.isAdmin ? (
                  <span className="badge badge-admin-light">admin</span>
                ) : (
                  <span className="muted">user</span>
                )}
              </td>
              <td>{u.isAdmin ? <span className="muted">everything</span> : <UserGrants username={u.username} />}</td>
              <td className="actions">
                {passwordFor === u.username ? (
                  <SetPassword
                    username={u.username}
                    onCancel={() => setPasswordFor(undefined)}
                    onSet={() => {
                      setPasswordFor(undefined)
                      onPasswordSet(u.username)
                    }}
                  />
                ) : (
                  <>
                    {!self && (
                      <button
                        type="button"
                        onClick={() => onSetAdmin(u, !u.isAdmin)}
                        aria-label={u.isAdmin ? `Remove admin from ${u.username}` : `Make ${u.username} an admin`}
                      >
                        {u.isAdmin ? 'Remove admin' : 'Make admin'}
                      </button>
                    )}
                    {!self && (
                      <button
                        type="button"
                        onClick={() => setPasswordFor(u.username)}
                        aria-label={`Set a new password for ${u.username}`}
                      >
                        Set password
                      </button>
                    )}
                    {!self && (
                      <button
                        type="button"
                        className="danger"
                        onClick={() => onDelete(u)}
                        aria-label={`Delete ${u.username}`}
                      >
                        Delete
                      </button>
                    )}
                  </>
                )}
              </td>
            </tr>
          )
        })}
      </tbody>
    </table>
  )
}

/** A user's grants on experiments and models, directly or through roles. */
function UserGrants({ username }: { username: string }) {
  const grants = useApi(`user-grants|${username}`, (signal) => call(authApi.listUserPermissions, { username }, signal))
  if (grants.error) return <span className="field-error small">{grants.error.message}</span>
  if (!grants.data) return <span className="muted">…</span>
  const rows = grants.data.permissions.filter((p) => p.resource_type !== 'workspace' || p.permission !== 'USE')
  if (rows.length === 0) return <span className="muted">the default only</span>
  return (
    <ul className="grant-list">
      {rows.map((p) => (
        <li key={`${p.resource_type}|${p.resource_pattern}|${p.role_name}`}>
          <span className="muted">{p.resource_type.replace('_', ' ')}</span>{' '}
          <span className="mono">{p.resource_pattern}</span> <PermissionChip permission={p.permission} />
          {!/^__user_\d+__$/.test(p.role_name) && <span className="muted small"> via {p.role_name}</span>}
        </li>
      ))}
    </ul>
  )
}

function SetPassword({ username, onSet, onCancel }: { username: string; onSet: () => void; onCancel: () => void }) {
  const [password, setPassword] = useState('')
  const { error, run, fail } = useAction()
  const submit = (e: FormEvent) => {
    e.preventDefault()
    if (password.length < MIN_PASSWORD) return fail(`At least ${MIN_PASSWORD} characters.`)
    void run(async () => {
      await call(authApi.updateUserPassword, { username, password })
      onSet()
    })
  }
  return (
    <form className="inline-form set-password" onSubmit={submit} aria-label={`New password for ${username}`}>
      <label className="sr-only" htmlFor={`password-${username}`}>
        New password for {username}
      </label>
      <input
        id={`password-${username}`}
        type="password"
        autoComplete="new-password"
        placeholder="new password"
        value={password}
        onChange={(e) => setPassword(e.target.value)}
        ref={focusWhenShown}
      />
      <SubmitCancel label="Save" onCancel={onCancel} error={error} />
    </form>
  )
}
