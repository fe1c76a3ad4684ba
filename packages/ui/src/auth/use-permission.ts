/**
 * What the person at this browser may do to one resource, to show only the controls that would
 * work. Without authentication everyone may do everything (as the server treats them); admins may
 * do anything; others get their effective permission from the server (`users/permissions/get` on
 * themselves), re-read as the page refreshes. The server still checks every request.
 */
import { useApi } from '../api/use-api'
import { useAuth } from './auth-context'
import { type GrantableType, allows, myPermission } from './auth-data'

export interface MyPermission {
  /** READ, USE, EDIT, MANAGE, NO_PERMISSIONS or DENY; undefined while unknown or without authentication. */
  readonly permission: string | undefined
  /** Whether to show a control needing `action`: unknown yet means no (it appears once known). */
  can(action: 'read' | 'use' | 'update' | 'delete' | 'manage'): boolean
}

export function useMyPermission(type: GrantableType, id: string, pollMs?: number): MyPermission {
  const auth = useAuth()
  const user = auth.authEnabled ? auth.user : undefined
  const state = useApi(
    user ? `perm|${user.username}|${type}|${id}` : null,
    (signal) => myPermission(user!, type, id, signal),
    pollMs ? { pollMs } : {},
  )
  if (!auth.authEnabled) return { permission: undefined, can: () => true }
  const permission = state.data
  return {
    permission,
    // When the check itself failed, show the controls: the server answers the request anyway.
    can: (action) => (permission !== undefined ? allows(permission, action) : state.error !== undefined),
  }
}
