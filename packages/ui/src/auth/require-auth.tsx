/** The gate in front of every page: with authentication on and no one signed in, the sign-in page, keeping the address to return to. */
import type { ReactNode } from 'react'
import { Navigate, useLocation } from 'react-router'
import { useAuth } from './auth-context'

/** Where sign-in returns to: a path of this app only (never another origin, `//host` or `/\host`). */
export function safeNext(next: string | null): string {
  if (!next?.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return '/'
  return next.startsWith('/sign-in') ? '/' : next
}

export function signInPath(next: string | undefined): string {
  return next && next !== '/' ? `/sign-in?next=${encodeURIComponent(next)}` : '/sign-in'
}

export function RequireAuth({ children }: { children: ReactNode }) {
  const auth = useAuth()
  const location = useLocation()
  if (auth.authEnabled && !auth.user) {
    // Signing out starts afresh; a session that ended (or none yet) comes back to this page.
    const next = auth.reason === 'signed-out' ? undefined : `${location.pathname}${location.search}${location.hash}`
    return <Navigate to={signInPath(next)} replace />
  }
  return children
}
