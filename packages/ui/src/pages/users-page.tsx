/**
 * Users (admins, authentication on): who may sign in, who is an admin, what each holds; create a
 * user, make one an admin or not, set a new password, delete one. Grants on one experiment or
 * model are given from its page (Permissions).
 */
import { authApi } from '@keel/contracts'
import { type FormEvent, useId, useState } from 'react'
import { call, errorMessage } from '../api/client'
import { useApi } from '../api/use-api'
import { useAuth } from '../auth/auth-context'
import { type UserRow, listUsers } from '../auth/auth-data'
import { PermissionChip, PermissionDenied } from '../auth/permission-states'
import { Empty, ErrorBox, Loading } from '../components/states'
import '../auth/auth.css'
import '../registry/registry.css'

const MIN_PASSWORD = 12

export function UsersPage() {
  const auth = useAuth()
  const me = auth.user
  const users = useApi(me?.isAdmin ? 'users' : null, (signal) => listUsers(signal))
  const [actionError, setActionError] = useState<string | undefined>()
  const [done, setDone] = useState<string | undefined>()
  const [passwordFor, setPasswordFor] = useState<string | undefined>()

  const head = (
    <div className="page-head">
      <h1 id="users-title">Users</h1>
    </div>
  )
  if (!auth.authEnabled) {
    return (
      <section aria-labelledby="users-title">
        {head}
        <Empty title="This server does not ask for credentials">
          Users are for servers started with authentication: <code>keel server --app-name basic-auth</code>.
        </Empty>
      </section>
    )
  }
  if (!me?.isAdmin) {
    return (
      <section aria-labelledby="users-title">
        {head}
        <PermissionDenied message={`Managing users is for admins, and ${me?.username ?? 'you'} is not one.`} />
      </section>
    )
  }

  const note = (said: string) => {
    setActionError(undefined)
    setDone(said)
    users.reload()
  }
  const act = async (fn: () => Promise<unknown>, said: string) => {
    setActionError(undefined)
    setDone(undefined)
    try {
      await fn()
      note(said)
    } catch (e) {
      setActionError(errorMessage(e))
    }
  }
  const setAdmin = (u: UserRow, isAdmin: boolean) =>
    act(
      () => call(authApi.updateUserAdmin, { username: u.username, is_admin: isAdmin }),
      isAdmin ? `${u.username} is now an admin.` : `${u.username} is no longer an admin.`,
    )
  const remove = (u: UserRow) => {
    if (
      !window.confirm(`Delete the user ${u.username}? Their grants and tokens go with them; what they created stays.`)
    )
      return
    void act(() => call(authApi.deleteUser, { username: u.username }), `${u.username} is deleted.`)
  }

  return (
    <section aria-labelledby="users-title" className="users-page">
      {head}
      <p className="muted page-intro">
        Admins may do anything. Everyone else has <PermissionChip permission={auth.defaultPermission ?? 'READ'} /> on
        every experiment and model unless granted more (or less) on its page, under Permissions; whoever creates one
        gets MANAGE on it.
      </p>
      <CreateUser onCreated={(name) => note(`${name} can sign in now.`)} />
      {actionError && (
        <p className="field-error" role="alert">
          {actionError}
        </p>
      )}
      {done && (
        <p className="field-ok" role="status">
          {done}
        </p>
      )}
      {users.error && !users.data ? (
        <ErrorBox error={users.error} onRetry={users.reload} />
      ) : !users.data ? (
        <Loading what="users" />
      ) : (
        <table className="table users-table">
          <caption className="sr-only">Users</caption>
          <thead>
            <tr>
              <th scope="col">User</th>
              <th scope="col">Role</th>
              <th scope="col">Grants</th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {users.data.map((u) => {
              const self = u.username === me.username
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
                  <td>
                    {u.isAdmin ? <span className="muted">everything</span> : <UserGrants username={u.username} />}
                  </td>
                  <td className="actions">
                    {passwordFor === u.username ? (
                      <SetPassword
                        username={u.username}
                        onCancel={() => setPasswordFor(undefined)}
                        onSet={() => {
                          setPasswordFor(undefined)
                          note(`${u.username}’s password is changed.`)
                        }}
                      />
                    ) : (
                      <>
                        {!self && (
                          <button
                            type="button"
                            onClick={() => void setAdmin(u, !u.isAdmin)}
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
                            onClick={() => remove(u)}
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
      )}
    </section>
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
      {rows.map((p, i) => (
        <li key={i}>
          <span className="muted">{p.resource_type.replace('_', ' ')}</span>{' '}
          <span className="mono">{p.resource_pattern}</span> <PermissionChip permission={p.permission} />
          {!/^__user_\d+__$/.test(p.role_name) && <span className="muted small"> via {p.role_name}</span>}
        </li>
      ))}
    </ul>
  )
}

function CreateUser({ onCreated }: { onCreated: (name: string) => void }) {
  const id = useId()
  const [username, setUsername] = useState('')
  const [password, setPassword] = useState('')
  const [error, setError] = useState<string | undefined>()
  const [busy, setBusy] = useState(false)
  const submit = async (e: FormEvent) => {
    e.preventDefault()
    if (password.length < MIN_PASSWORD) return setError(`A password has at least ${MIN_PASSWORD} characters.`)
    setBusy(true)
    setError(undefined)
    try {
      await call(authApi.createUser, { username: username.trim(), password })
      setUsername('')
      setPassword('')
      onCreated(username.trim())
    } catch (err) {
      setError(errorMessage(err))
    } finally {
      setBusy(false)
    }
  }
  return (
    <form className="panel user-form" onSubmit={submit} aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`} className="panel-title">
        New user
      </h2>
      <div className="token-form-grid">
        <div className="field">
          <label htmlFor={`${id}-name`}>User name</label>
          <input
            id={`${id}-name`}
            type="text"
            autoComplete="off"
            value={username}
            onChange={(e) => setUsername(e.target.value)}
            required
          />
        </div>
        <div className="field">
          <label htmlFor={`${id}-password`}>Password (at least {MIN_PASSWORD} characters)</label>
          <input
            id={`${id}-password`}
            type="password"
            autoComplete="new-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            required
          />
        </div>
        <div className="field token-form-submit">
          <button type="submit" className="primary" disabled={busy || username.trim() === '' || password === ''}>
            Create user
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

function SetPassword({ username, onSet, onCancel }: { username: string; onSet: () => void; onCancel: () => void }) {
  const [password, setPassword] = useState('')
  const [error, setError] = useState<string | undefined>()
  const submit = async (e: FormEvent) => {
    e.preventDefault()
    if (password.length < MIN_PASSWORD) return setError(`At least ${MIN_PASSWORD} characters.`)
    try {
      await call(authApi.updateUserPassword, { username, password })
      onSet()
    } catch (err) {
      setError(errorMessage(err))
    }
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
        autoFocus
      />
      <button type="submit" className="primary">
        Save
      </button>
      <button type="button" onClick={onCancel}>
        Cancel
      </button>
      {error && (
        <span className="field-error" role="alert">
          {error}
        </span>
      )}
    </form>
  )
}
