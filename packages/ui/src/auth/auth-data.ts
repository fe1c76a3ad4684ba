/**
 * Auth's data for the UI over the public API (MLflow's basic-auth routes and keel's sign-in and
 * tokens, through the endpoint tables of @keel/contracts), and the pure helpers its pages share.
 */
import { authApi } from '@keel/contracts'
import { call } from '../api/client'

export interface SignedInUser {
  readonly username: string
  readonly isAdmin: boolean
}

/** What the server says on load: whether it asks for credentials, and who this browser is. */
export interface WhoAmI {
  readonly authEnabled: boolean
  readonly user?: SignedInUser
  readonly defaultPermission?: string
}

export async function whoAmI(signal?: AbortSignal): Promise<WhoAmI> {
  const res = await call(authApi.whoAmI, {}, signal)
  return {
    authEnabled: res.auth_enabled,
    ...(res.auth_enabled && res.user && { user: { username: res.user.username, isAdmin: res.user.is_admin } }),
    ...(res.default_permission && { defaultPermission: res.default_permission }),
  }
}

export async function signIn(username: string, password: string): Promise<SignedInUser> {
  const res = await call(authApi.signIn, { username, password })
  return { username: res.user.username, isAdmin: res.user.is_admin }
}

export async function signOut(): Promise<void> {
  await call(authApi.signOut, {})
}

export type GrantableType = 'experiment' | 'registered_model'
export const PERMISSION_LEVELS = ['READ', 'USE', 'EDIT', 'MANAGE'] as const
/** Grantable on a resource: the levels, and DENY (no access even when the default allows it). */
export const GRANTABLE = [...PERMISSION_LEVELS, 'DENY'] as const

const ALLOWS: Record<string, readonly string[]> = {
  READ: ['read'],
  USE: ['read', 'use'],
  EDIT: ['read', 'use', 'update'],
  MANAGE: ['read', 'use', 'update', 'delete', 'manage'],
}
/** Whether a permission (MLflow's names) lets its holder read, use, update, delete or manage. */
export const allows = (permission: string, action: 'read' | 'use' | 'update' | 'delete' | 'manage') =>
  (ALLOWS[permission] ?? []).includes(action)

export const RESOURCE_LABEL: Record<GrantableType, string> = {
  experiment: 'experiment',
  registered_model: 'registered model',
}

/** The caller's effective permission on a resource (MANAGE for admins, who may do anything). */
export async function myPermission(
  me: SignedInUser,
  type: GrantableType,
  id: string,
  signal?: AbortSignal,
): Promise<string> {
  if (me.isAdmin) return 'MANAGE'
  return (
    await call(authApi.getUserPermission, { username: me.username, resource_type: type, resource_id: id }, signal)
  ).permission
}

export interface UserRow {
  readonly username: string
  readonly isAdmin: boolean
}

export async function listUsers(signal?: AbortSignal): Promise<UserRow[]> {
  const res = await call(authApi.listUsers, {}, signal)
  return res.users
    .map((u) => ({ username: u.username, isAdmin: u.is_admin }))
    .sort((a, b) => a.username.localeCompare(b.username))
}

/** A grant someone holds on a resource: directly (their own hidden role) or through a named role. */
export interface ResourceGrant {
  readonly username: string
  readonly permission: string
  /** Undefined for a direct grant; else the role it comes from. */
  readonly role?: string
  /** The grant is on every resource of the type (`*`). */
  readonly wildcard: boolean
}

/** Who holds a grant on one resource (its managers may ask), directly or through a role. */
export async function grantsOn(type: GrantableType, id: string, signal?: AbortSignal): Promise<ResourceGrant[]> {
  const res = await call(authApi.listResourceGrants, { resource_type: type, resource_id: id }, signal)
  return res.grants.map((g) => ({
    username: g.username,
    permission: g.permission,
    ...(g.role_name !== undefined && { role: g.role_name }),
    wildcard: g.resource_pattern === '*',
  }))
}

/** Sets a user's permission on a resource, replacing their direct grant there, in one step. */
export async function setGrant(username: string, type: GrantableType, id: string, permission: string): Promise<void> {
  await call(authApi.setUserPermission, { username, resource_type: type, resource_id: id, permission })
}

export async function revokeGrant(username: string, type: GrantableType, id: string): Promise<void> {
  await call(authApi.revokeUserPermission, { username, resource_type: type, resource_id: id })
}
