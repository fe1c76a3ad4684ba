/**
 * The auth tables (migration 0007) as the auth store sees them (through `withTables`), and the
 * conversions from their rows to the store's entities. A user's direct grants sit on their hidden
 * `__user_<id>__` role in the default workspace, as MLflow keeps them.
 */
import type { ColumnType, Generated, Kysely, Selectable } from 'kysely'
import type { Role, RolePermission, StoredToken, StoredUser, TokenKind } from '../../auth/auth-store.js'
import type { PermissionName, ResourceType } from '../../auth/permissions.js'
import type { Database } from '../database.js'

type Int64 = ColumnType<number, number | bigint, number | bigint>

interface UsersTable {
  user_id: Generated<number>
  username: string
  password_hash: string
  is_admin: number
  created_time: Int64
}

interface RolesTable {
  role_id: Generated<number>
  name: string
  workspace: string
  description: string | null
}

interface RolePermissionsTable {
  role_permission_id: Generated<number>
  role_id: number
  resource_type: string
  resource_pattern: string
  permission: string
}

interface UserRolesTable {
  assignment_id: Generated<number>
  user_id: number
  role_id: number
}

interface TokensTable {
  token_id: string
  user_id: number
  kind: string
  name: string
  secret_hash: string
  created_time: Int64
  expires_time: Int64
  last_used_time: Int64 | null
  revoked_time: Int64 | null
}

type AuthTables = {
  auth_users: UsersTable
  auth_roles: RolesTable
  auth_role_permissions: RolePermissionsTable
  auth_user_roles: UserRolesTable
  auth_tokens: TokensTable
}
export type AuthDb = Kysely<AuthTables>

/** The database seen through the auth tables. */
export const authTables = (db: Kysely<Database>): AuthDb => db.withTables<AuthTables>() as unknown as AuthDb

/** The hidden role holding a user's direct grants (MLflow's synthetic role name). */
export const userRoleName = (userId: number): string => `__user_${userId}__`
export const isUserRoleName = (name: string): boolean => /^__user_\d+__$/.test(name)

export const userOf = (r: Selectable<UsersTable>): StoredUser => ({
  id: Number(r.user_id),
  username: r.username,
  passwordHash: r.password_hash,
  isAdmin: r.is_admin === 1,
  createdTime: Number(r.created_time),
})

export const permissionOf = (r: Selectable<RolePermissionsTable>): RolePermission => ({
  id: Number(r.role_permission_id),
  roleId: Number(r.role_id),
  resourceType: r.resource_type as ResourceType,
  resourcePattern: r.resource_pattern,
  permission: r.permission as PermissionName,
})

export const tokenOf = (r: Selectable<TokensTable>): StoredToken => ({
  tokenId: r.token_id,
  userId: Number(r.user_id),
  kind: r.kind as TokenKind,
  name: r.name,
  secretHash: r.secret_hash,
  createdTime: Number(r.created_time),
  expiresTime: Number(r.expires_time),
  lastUsedTime: r.last_used_time === null ? null : Number(r.last_used_time),
  revokedTime: r.revoked_time === null ? null : Number(r.revoked_time),
})

/** Roles with their permissions, in the order of `rows`. */
export async function loadRoles(db: AuthDb, rows: readonly Selectable<RolesTable>[]): Promise<Role[]> {
  if (rows.length === 0) return []
  const ids = rows.map((r) => Number(r.role_id))
  const perms = (
    await db
      .selectFrom('auth_role_permissions')
      .selectAll()
      .where('role_id', 'in', ids)
      .orderBy('role_permission_id')
      .execute()
  ).map(permissionOf)
  return rows.map((r) => ({
    id: Number(r.role_id),
    name: r.name,
    workspace: r.workspace,
    description: r.description,
    permissions: perms.filter((p) => p.roleId === Number(r.role_id)),
  }))
}
