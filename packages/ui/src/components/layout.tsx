/** The frame of every page: the top bar with keel's sections, then the page. */
import { useState } from 'react'
import { NavLink, Outlet } from 'react-router'
import { actingUser, setActingUser } from '../api/user'
import { useAuth } from '../auth/auth-context'
import { UserMenu } from '../auth/user-menu'

export function Layout() {
  const auth = useAuth()
  return (
    <div className="app">
      <header className="topbar">
        <NavLink to="/" className="brand" aria-label="keel home">
          <svg viewBox="0 0 32 32" width="22" height="22" aria-hidden="true">
            <path d="M4 10h24l-4 12H8z" fill="currentColor" />
            <path d="M16 2v8" stroke="currentColor" strokeWidth="2" />
          </svg>
          keel
        </NavLink>
        <nav aria-label="Sections">
          <NavLink to="/" end>
            Experiments
          </NavLink>
          <NavLink to="/models">Models</NavLink>
          <NavLink to="/monitoring">Monitoring</NavLink>
          <NavLink to="/jobs">Jobs</NavLink>
        </nav>
        {auth.authEnabled ? <UserMenu /> : <ActingAs />}
        <a href="/openapi.json" target="_blank" rel="noreferrer">
          API
        </a>
      </header>
      <main className="page">
        <Outlet />
      </main>
    </div>
  )
}

/** "Acting as": the name the registry's audit trail records for changes made here. */
function ActingAs() {
  const [name, setName] = useState(actingUser)
  return (
    <label
      className="acting-as"
      title="Recorded in the registry’s audit trail as who made a change (this server runs without sign-in: keel server --app-name basic-auth turns it on)"
    >
      Acting as
      <input
        value={name}
        placeholder="your name"
        size={12}
        onChange={(e) => {
          setName(e.target.value)
          setActingUser(e.target.value)
        }}
      />
    </label>
  )
}
