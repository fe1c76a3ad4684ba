/** The signed-in user in the top bar (authentication on): their name, their tokens, users for admins, and signing out. */
import { useState } from 'react'
import { NavLink } from 'react-router'
import { useAuth } from './auth-context'
import './auth.css'

export function UserMenu() {
  const auth = useAuth()
  const [busy, setBusy] = useState(false)
  const user = auth.user
  if (!user) return null
  return (
    <fieldset className="user-menu plain" aria-label="Your account">
      <span
        className="user-name"
        title={`Signed in as ${user.username}${user.isAdmin ? ' (an admin: may do anything)' : ''}`}
      >
        <svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true">
          <circle cx="8" cy="5" r="3" fill="currentColor" />
          <path d="M2 15c0-3.3 2.7-5.5 6-5.5s6 2.2 6 5.5z" fill="currentColor" />
        </svg>
        <span className="sr-only">Signed in as </span>
        <span data-testid="signed-in-user">{user.username}</span>
        {user.isAdmin && <span className="badge badge-admin">admin</span>}
      </span>
      <NavLink to="/tokens">Tokens</NavLink>
      {user.isAdmin && <NavLink to="/users">Users</NavLink>}
      <button
        type="button"
        className="sign-out"
        disabled={busy}
        onClick={() => {
          setBusy(true)
          void auth.signOut().finally(() => setBusy(false))
        }}
      >
        Sign out
      </button>
    </fieldset>
  )
}
