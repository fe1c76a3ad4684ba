/**
 * What the auth store's parts share: the lookups their writes start from (a user, a role, a user's
 * hidden role, all the hidden roles), deleting roles with their grants and assignments, and the
 * not-found errors.
 */
import { KeelError } from '@keel/contracts'
import { DEFAULT_WORKSPACE } from '../../auth/auth-store.js'
import { type AuthDb, isUserRoleName, userRoleName } from './auth-rows.js'

export const notFoundUser = (username: string) => KeelError.notFound(`User with username=${username} not found`)
export const notFoundUserId = (id: number) => KeelError.notFound(`User with id=${id} not found`)
export const notFoundRole = (id: number) => KeelError.notFound(`Role with id=${id} not found`)
export const notFoundRolePermission = (id: number) => KeelError.notFound(`Role permission with id=${id} not found`)

/** The user with that id, or not found. */
export async function requireUser(db: AuthDb, userId: number): Promise<{ username: string }> {
  const user = await db.selectFrom('auth_users').select('username').where('user_id', '=', userId).executeTakeFirst()
  if (!user) throw notFoundUserId(userId)
  return user
}

export async function requireRole(db: AuthDb, roleId: number): Promise<void> {
  const row = await db.selectFrom('auth_roles').select('role_id').where('role_id', '=', roleId).executeTakeFirst()
  if (!row) throw notFoundRole(roleId)
}

/** The id of the user's hidden role, if it has been created (on their first direct grant). */
export async function userRoleId(db: AuthDb, userId: number): Promise<number | undefined> {
  const role = await db
    .selectFrom('auth_roles')
    .select('role_id')
    .where('workspace', '=', DEFAULT_WORKSPACE)
    .where('name', '=', userRoleName(userId))
    .executeTakeFirst()
  return role && Number(role.role_id)
}

/** The hidden per-user roles: direct grants live there; roles an admin wrote are never rewritten. */
export async function hiddenRoleIds(db: AuthDb): Promise<number[]> {
  const roles = await db
    .selectFrom('auth_roles')
    .select(['role_id', 'name'])
    .where('workspace', '=', DEFAULT_WORKSPACE)
    .where('name', 'like', '__user_%')
    .execute()
  return roles.filter((r) => isUserRoleName(r.name)).map((r) => Number(r.role_id))
}

/** Deletes the roles with their grants and assignments; returns how many roles there were. */
export async function deleteRoles(tx: AuthDb, ids: readonly number[]): Promise<number> {
  if (ids.length === 0) return 0
  await tx
    .deleteFrom('auth_role_permissions')
    .where('role_id', 'in', [...ids])
    .execute()
  await tx
    .deleteFrom('auth_user_roles')
    .where('role_id', 'in', [...ids])
    .execute()
  const result = await tx
    .deleteFrom('auth_roles')
    .where('role_id', 'in', [...ids])
    .executeTakeFirst()
  return Number(result.numDeletedRows)
}
