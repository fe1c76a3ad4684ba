/**
 * Users (admins, authentication on): who may sign in, who is an admin, what each holds; create a
 * user, make one an admin or not, set a new password, delete one. Grants on one experiment or
 * model are given from its page (Permissions).
 */
import { authApi } from '@keel/contracts'
import { call } from '../api/client'
import { useApi } from '../api/use-api'
import { useAuth } from '../auth/auth-context'
import { type UserRow, listUsers } from '../auth/auth-data'
import { CreateUser } from '../auth/create-user'
import { PermissionChip, PermissionDenied } from '../auth/permission-states'
import { UsersTable } from '../auth/users-table'
import { FormFeedback } from '../components/form-feedback'
import { Empty, ErrorBox, Loading } from '../components/states'
import { useAction } from '../components/use-action'
import '../auth/auth.css'
import '../registry/registry.css'

export function UsersPage() {
  const auth = useAuth()
  const me = auth.user
  const users = useApi(me?.isAdmin ? 'users' : null, (signal) => listUsers(signal))
  const action = useAction()

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
    action.succeed(said)
    users.reload()
  }
  const act = (fn: () => Promise<unknown>, said: string) =>
    action.run(async () => {
      await fn()
      users.reload()
      return said
    })
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
      <FormFeedback error={action.error} done={action.done} />
      {users.error && !users.data ? (
        <ErrorBox error={users.error} onRetry={users.reload} />
      ) : !users.data ? (
        <Loading what="users" />
      ) : (
        <UsersTable
          users={users.data}
          me={me.username}
          onSetAdmin={(u, isAdmin) => void setAdmin(u, isAdmin)}
          onDelete={remove}
          onPasswordSet={(username) => note(`${username}’s password is changed.`)}
        />
      )}
    </section>
  )
}
