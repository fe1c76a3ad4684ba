/** The frame of every page: the top bar with keel's sections, then the page. */
import { NavLink, Outlet } from 'react-router'

export function Layout() {
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
        </nav>
        <a className="topbar-link" href="/openapi.json" target="_blank" rel="noreferrer">
          API
        </a>
      </header>
      <main className="page">
        <Outlet />
      </main>
    </div>
  )
}
