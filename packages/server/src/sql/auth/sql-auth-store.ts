/**
 * The auth store over SQL: users, roles, grants, assignments and tokens (migration 0007). A user's
 * direct grants sit on their hidden `__user_<id>__` role in the default workspace, created on the
 * first grant, as MLflow keeps them.
 */
import { KeelError } from '@keel/contracts'
import { type ColumnType, type Generated, type Kysely, type Selectable } from 'kysely'
import {
  DEFAULT_WORKSPACE,
  type AuthStore,
  type ResourceGrant,
  type Role,
  type RoleAssignment,
  type RolePermission,
  type StoredToken,
  type StoredUser,
  type TokenKind,
} from '../../auth/auth-store.js'
import { type Grant, type PermissionName, type ResourceType } from '../../auth/permissions.js'
import { type Database } from '../database.js'
import { type DialectOps } from '../dialect.js'
import { isUniqueViolation, withWriteTransaction } from '../sql-util.js'

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
type AuthDb = Kysely<AuthTables>

/** The hidden role holding a user's direct grants (MLflow's synthetic role name). */
export const userRoleName = (userId: number): string => `__user_${userId}__`
const isUserRoleName = (name: string): boolean => /^__user_\d+__$/.test(name)

const userOf = (r: Selectable<UsersTable>): StoredUser => ({
  id: Number(r.user_id),
  username: r.username,
  passwordHash: r.password_hash,
  isAdmin: r.is_admin === 1,
  createdTime: Number(r.created_time),
})

const permissionOf = (r: Selectable<RolePermissionsTable>): RolePermission => ({
  id: Number(r.role_permission_id),
  roleId: Number(r.role_id),
  resourceType: r.resource_type as ResourceType,
  resourcePattern: r.resource_pattern,
  permission: r.permission as PermissionName,
})

const tokenOf = (r: Selectable<TokensTable>): StoredToken => ({
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

export class SqlAuthStore implements AuthStore {
  private readonly db: AuthDb

  constructor(
    db: Kysely<Database>,
    private readonly ops: DialectOps,
  ) {
    this.db = db.withTables<AuthTables>() as unknown as AuthDb
  }

  private write<T>(fn: (tx: AuthDb) => Promise<T>): Promise<T> {
    return withWriteTransaction(this.db as unknown as Kysely<Database>, this.ops, (tx) => fn(tx as unknown as AuthDb))
  }

  // ---- users ----

  async createUser(username: string, passwordHash: string, isAdmin: boolean, time: number): Promise<StoredUser> {
    try {
      await this.write((tx) =>
        tx
          .insertInto('auth_users')
          .values({ username, password_hash: passwordHash, is_admin: isAdmin ? 1 : 0, created_time: time })
          .execute(),
      )
    } catch (error) {
      if (isUniqueViolation(error)) throw KeelError.alreadyExists(`User (username=${username}) already exists.`)
      throw error
    }
    return (await this.getUser(username))!
  }

  async getUser(username: string): Promise<StoredUser | undefined> {
    const row = await this.db.selectFrom('auth_users').selectAll().where('username', '=', username).executeTakeFirst()
    return row && userOf(row)
  }

  async getUserById(id: number): Promise<StoredUser | undefined> {
    const row = await this.db.selectFrom('auth_users').selectAll().where('user_id', '=', id).executeTakeFirst()
    return row && userOf(row)
  }

  async listUsers(): Promise<StoredUser[]> {
    return (await this.db.selectFrom('auth_users').selectAll().orderBy('user_id').execute()).map(userOf)
  }

  async updateUser(
    username: string,
    change: { readonly passwordHash?: string; readonly isAdmin?: boolean },
  ): Promise<StoredUser> {
    const set = {
      ...(change.passwordHash !== undefined && { password_hash: change.passwordHash }),
      ...(change.isAdmin !== undefined && { is_admin: change.isAdmin ? 1 : 0 }),
    }
    if (Object.keys(set).length > 0) {
      const result = await this.write((tx) =>
        tx.updateTable('auth_users').set(set).where('username', '=', username).executeTakeFirst(),
      )
      if (Number(result.numUpdatedRows) === 0) throw notFoundUser(username)
    }
    const user = await this.getUser(username)
    if (!user) throw notFoundUser(username)
    return user
  }

  async deleteUser(username: string): Promise<void> {
    await this.write(async (tx) => {
      const user = await tx
        .selectFrom('auth_users')
        .select('user_id')
        .where('username', '=', username)
        .executeTakeFirst()
      if (!user) throw notFoundUser(username)
      const id = Number(user.user_id)
      const own = await tx.selectFrom('auth_roles').select('role_id').where('name', '=', userRoleName(id)).execute()
      const ownIds = own.map((r) => Number(r.role_id))
      if (ownIds.length > 0) {
        await tx.deleteFrom('auth_role_permissions').where('role_id', 'in', ownIds).execute()
        await tx.deleteFrom('auth_user_roles').where('role_id', 'in', ownIds).execute()
        await tx.deleteFrom('auth_roles').where('role_id', 'in', ownIds).execute()
      }
      await tx.deleteFrom('auth_user_roles').where('user_id', '=', id).execute()
      await tx.deleteFrom('auth_tokens').where('user_id', '=', id).execute()
      await tx.deleteFrom('auth_users').where('user_id', '=', id).execute()
    })
  }

  // ---- roles ----

  async createRole(name: string, workspace: string, description: string | null): Promise<Role> {
    let id: number
    try {
      id = await this.write(async (tx) => {
        await tx.insertInto('auth_roles').values({ name, workspace, description }).execute()
        const row = await tx
          .selectFrom('auth_roles')
          .select('role_id')
          .where('workspace', '=', workspace)
          .where('name', '=', name)
          .executeTakeFirstOrThrow()
        return Number(row.role_id)
      })
    } catch (error) {
      if (isUniqueViolation(error))
        throw KeelError.alreadyExists(`Role (name=${name}, workspace=${workspace}) already exists.`)
      throw error
    }
    return (await this.getRole(id))!
  }

  async getRole(id: number): Promise<Role | undefined> {
    const row = await this.db.selectFrom('auth_roles').selectAll().where('role_id', '=', id).executeTakeFirst()
    return row && (await this.withPermissions([row]))[0]
  }

  async listRoles(workspaces?: readonly string[]): Promise<Role[]> {
    if (workspaces?.length === 0) return []
    let query = this.db.selectFrom('auth_roles').selectAll().orderBy('role_id')
    if (workspaces) query = query.where('workspace', 'in', [...workspaces])
    // the hidden per-user roles hold direct grants: not roles an admin manages
    return this.withPermissions((await query.execute()).filter((r) => !isUserRoleName(r.name)))
  }

  private async withPermissions(rows: readonly Selectable<RolesTable>[]): Promise<Role[]> {
    if (rows.length === 0) return []
    const ids = rows.map((r) => Number(r.role_id))
    const perms = (
      await this.db
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

  async updateRole(id: number, change: { readonly name?: string; readonly description?: string }): Promise<Role> {
    try {
      await this.write(async (tx) => {
        const result = await tx
          .updateTable('auth_roles')
          .set({
            ...(change.name !== undefined && { name: change.name }),
            ...(change.description !== undefined && { description: change.description }),
          })
          .where('role_id', '=', id)
          .executeTakeFirst()
        if (Number(result.numUpdatedRows) === 0) throw notFoundRole(id)
      })
    } catch (error) {
      if (isUniqueViolation(error)) {
        const role = await this.getRole(id)
        throw KeelError.alreadyExists(
          `Role with name=${change.name} already exists in workspace=${role?.workspace ?? DEFAULT_WORKSPACE}`,
        )
      }
      throw error
    }
    return (await this.getRole(id))!
  }

  async deleteRole(id: number): Promise<void> {
    await this.write(async (tx) => {
      const result = await tx.deleteFrom('auth_roles').where('role_id', '=', id).executeTakeFirst()
      if (Number(result.numDeletedRows) === 0) throw notFoundRole(id)
      await tx.deleteFrom('auth_role_permissions').where('role_id', '=', id).execute()
      await tx.deleteFrom('auth_user_roles').where('role_id', '=', id).execute()
    })
  }

  async addRolePermission(
    roleId: number,
    resourceType: ResourceType,
    pattern: string,
    permission: PermissionName,
  ): Promise<RolePermission> {
    try {
      const id = await this.write(async (tx) => {
        await this.requireRole(tx, roleId)
        await tx
          .insertInto('auth_role_permissions')
          .values({ role_id: roleId, resource_type: resourceType, resource_pattern: pattern, permission })
          .execute()
        const row = await tx
          .selectFrom('auth_role_permissions')
          .select('role_permission_id')
          .where('role_id', '=', roleId)
          .where('resource_type', '=', resourceType)
          .where('resource_pattern', '=', pattern)
          .executeTakeFirstOrThrow()
        return Number(row.role_permission_id)
      })
      return (await this.getRolePermission(id))!
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw KeelError.alreadyExists(
          `Role permission (role_id=${roleId}, resource_type=${resourceType}, resource_pattern=${pattern}) already exists.`,
        )
      }
      throw error
    }
  }

  private async requireRole(tx: AuthDb, roleId: number): Promise<void> {
    const row = await tx.selectFrom('auth_roles').select('role_id').where('role_id', '=', roleId).executeTakeFirst()
    if (!row) throw notFoundRole(roleId)
  }

  async getRolePermission(id: number): Promise<RolePermission | undefined> {
    const row = await this.db
      .selectFrom('auth_role_permissions')
      .selectAll()
      .where('role_permission_id', '=', id)
      .executeTakeFirst()
    return row && permissionOf(row)
  }

  async updateRolePermission(id: number, permission: PermissionName): Promise<RolePermission> {
    const result = await this.write((tx) =>
      tx
        .updateTable('auth_role_permissions')
        .set({ permission })
        .where('role_permission_id', '=', id)
        .executeTakeFirst(),
    )
    if (Number(result.numUpdatedRows) === 0) throw notFoundRolePermission(id)
    return (await this.getRolePermission(id))!
  }

  async removeRolePermission(id: number): Promise<void> {
    const result = await this.write((tx) =>
      tx.deleteFrom('auth_role_permissions').where('role_permission_id', '=', id).executeTakeFirst(),
    )
    if (Number(result.numDeletedRows) === 0) throw notFoundRolePermission(id)
  }

  async assignRole(userId: number, roleId: number): Promise<RoleAssignment> {
    try {
      await this.write(async (tx) => {
        const user = await tx
          .selectFrom('auth_users')
          .select('user_id')
          .where('user_id', '=', userId)
          .executeTakeFirst()
        if (!user) throw KeelError.notFound(`User with id=${userId} not found`)
        await this.requireRole(tx, roleId)
        await tx.insertInto('auth_user_roles').values({ user_id: userId, role_id: roleId }).execute()
      })
    } catch (error) {
      if (isUniqueViolation(error))
        throw KeelError.alreadyExists(`User role assignment (user_id=${userId}, role_id=${roleId}) already exists`)
      throw error
    }
    const row = await this.db
      .selectFrom('auth_user_roles')
      .selectAll()
      .where('user_id', '=', userId)
      .where('role_id', '=', roleId)
      .executeTakeFirstOrThrow()
    return { id: Number(row.assignment_id), userId, roleId }
  }

  async unassignRole(userId: number, roleId: number): Promise<boolean> {
    const result = await this.write((tx) =>
      tx.deleteFrom('auth_user_roles').where('user_id', '=', userId).where('role_id', '=', roleId).executeTakeFirst(),
    )
    return Number(result.numDeletedRows) > 0
  }

  async listUserRoles(userId: number): Promise<Role[]> {
    const rows = await this.db
      .selectFrom('auth_roles')
      .innerJoin('auth_user_roles', 'auth_user_roles.role_id', 'auth_roles.role_id')
      .selectAll('auth_roles')
      .where('auth_user_roles.user_id', '=', userId)
      .orderBy('auth_roles.role_id')
      .execute()
    return this.withPermissions(rows)
  }

  async listRoleUsers(roleId: number): Promise<RoleAssignment[]> {
    const rows = await this.db
      .selectFrom('auth_user_roles')
      .selectAll()
      .where('role_id', '=', roleId)
      .orderBy('assignment_id')
      .execute()
    return rows.map((r) => ({ id: Number(r.assignment_id), userId: Number(r.user_id), roleId: Number(r.role_id) }))
  }

  // ---- direct grants ----

  async grantUserPermission(
    userId: number,
    resourceType: ResourceType,
    pattern: string,
    permission: PermissionName,
    upsert = false,
  ): Promise<void> {
    const user = await this.getUserById(userId)
    if (!user) throw KeelError.notFound(`User with id=${userId} not found`)
    try {
      await this.write(async (tx) => {
        const roleId = await this.ownRole(tx, userId)
        if (upsert) {
          const result = await tx
            .updateTable('auth_role_permissions')
            .set({ permission })
            .where('role_id', '=', roleId)
            .where('resource_type', '=', resourceType)
            .where('resource_pattern', '=', pattern)
            .executeTakeFirst()
          if (Number(result.numUpdatedRows) > 0) return
        }
        await tx
          .insertInto('auth_role_permissions')
          .values({ role_id: roleId, resource_type: resourceType, resource_pattern: pattern, permission })
          .execute()
      })
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw KeelError.alreadyExists(
          `Permission for user=${user.username} on resource_type=${resourceType}, resource_id=${pattern} already exists.`,
        )
      }
      throw error
    }
  }

  /**
   * The user's hidden role, created on first use and assigned to them again if it was unassigned
   * (as MLflow's _get_or_create_synthetic_user_role does), so a grant always applies.
   */
  private async ownRole(tx: AuthDb, userId: number): Promise<number> {
    const name = userRoleName(userId)
    const find = () =>
      tx
        .selectFrom('auth_roles')
        .select('role_id')
        .where('workspace', '=', DEFAULT_WORKSPACE)
        .where('name', '=', name)
        .executeTakeFirst()
    let role = await find()
    if (!role) {
      await tx.insertInto('auth_roles').values({ name, workspace: DEFAULT_WORKSPACE, description: null }).execute()
      role = await find()
    }
    const roleId = Number(role!.role_id)
    const assigned = await tx
      .selectFrom('auth_user_roles')
      .select('assignment_id')
      .where('user_id', '=', userId)
      .where('role_id', '=', roleId)
      .executeTakeFirst()
    if (!assigned) await tx.insertInto('auth_user_roles').values({ user_id: userId, role_id: roleId }).execute()
    return roleId
  }

  async revokeUserPermission(userId: number, resourceType: ResourceType, pattern: string): Promise<boolean> {
    return this.write(async (tx) => {
      const role = await tx
        .selectFrom('auth_roles')
        .select('role_id')
        .where('workspace', '=', DEFAULT_WORKSPACE)
        .where('name', '=', userRoleName(userId))
        .executeTakeFirst()
      if (!role) return false
      const result = await tx
        .deleteFrom('auth_role_permissions')
        .where('role_id', '=', Number(role.role_id))
        .where('resource_type', '=', resourceType)
        .where('resource_pattern', '=', pattern)
        .executeTakeFirst()
      return Number(result.numDeletedRows) > 0
    })
  }

  async deleteGrantsForResource(resourceType: ResourceType, pattern: string): Promise<void> {
    await this.write(async (tx) => {
      const hidden = await hiddenRoleIds(tx)
      if (hidden.length === 0) return
      await tx
        .deleteFrom('auth_role_permissions')
        .where('resource_type', '=', resourceType)
        .where('resource_pattern', '=', pattern)
        .where('role_id', 'in', hidden)
        .execute()
    })
  }

  async renameGrantsForResource(resourceType: ResourceType, oldPattern: string, newPattern: string): Promise<void> {
    await this.write(async (tx) => {
      const hidden = await hiddenRoleIds(tx)
      if (hidden.length === 0) return
      // A user's stale grant on the new name (granted while no model had it) gives way to the grant
      // that moves with the model; otherwise the move would break the (role, type, pattern) key.
      const moving = tx
        .selectFrom('auth_role_permissions')
        .select('role_id')
        .where('resource_type', '=', resourceType)
        .where('resource_pattern', '=', oldPattern)
        .where('role_id', 'in', hidden)
      await tx
        .deleteFrom('auth_role_permissions')
        .where('resource_type', '=', resourceType)
        .where('resource_pattern', '=', newPattern)
        .where('role_id', 'in', moving)
        .execute()
      await tx
        .updateTable('auth_role_permissions')
        .set({ resource_pattern: newPattern })
        .where('resource_type', '=', resourceType)
        .where('resource_pattern', '=', oldPattern)
        .where('role_id', 'in', hidden)
        .execute()
    })
  }

  async listResourceGrants(resourceType: ResourceType, resourceId: string): Promise<ResourceGrant[]> {
    const rows = await this.db
      .selectFrom('auth_role_permissions as p')
      .innerJoin('auth_user_roles as a', 'a.role_id', 'p.role_id')
      .innerJoin('auth_users as u', 'u.user_id', 'a.user_id')
      .innerJoin('auth_roles as r', 'r.role_id', 'p.role_id')
      .select(['u.username', 'r.name as role_name', 'p.resource_pattern', 'p.permission'])
      .where('p.resource_type', '=', resourceType)
      .where('p.resource_pattern', 'in', [resourceId, '*'])
      .orderBy('u.username')
      .orderBy('p.resource_pattern')
      .orderBy('r.name')
      .execute()
    return rows.map((r) => ({
      username: r.username,
      roleName: isUserRoleName(r.role_name) ? undefined : r.role_name,
      resourcePattern: r.resource_pattern,
      permission: r.permission as PermissionName,
    }))
  }

  async listGrants(userId: number, types: readonly ResourceType[]): Promise<Grant[]> {
    const rows = await this.db
      .selectFrom('auth_role_permissions as p')
      .innerJoin('auth_user_roles as a', 'a.role_id', 'p.role_id')
      .select(['p.resource_type', 'p.resource_pattern', 'p.permission'])
      .where('a.user_id', '=', userId)
      .where('p.resource_type', 'in', [...new Set([...types, 'workspace'])])
      .execute()
    return rows.map((r) => ({
      resourceType: r.resource_type as ResourceType,
      resourcePattern: r.resource_pattern,
      permission: r.permission as PermissionName,
    }))
  }

  // ---- tokens ----

  async createToken(token: Omit<StoredToken, 'lastUsedTime' | 'revokedTime'>): Promise<void> {
    await this.write((tx) =>
      tx
        .insertInto('auth_tokens')
        .values({
          token_id: token.tokenId,
          user_id: token.userId,
          kind: token.kind,
          name: token.name,
          secret_hash: token.secretHash,
          created_time: token.createdTime,
          expires_time: token.expiresTime,
        })
        .execute(),
    )
  }

  async getToken(tokenId: string): Promise<StoredToken | undefined> {
    const row = await this.db.selectFrom('auth_tokens').selectAll().where('token_id', '=', tokenId).executeTakeFirst()
    return row && tokenOf(row)
  }

  async listTokens(userId: number, kind: TokenKind): Promise<StoredToken[]> {
    const rows = await this.db
      .selectFrom('auth_tokens')
      .selectAll()
      .where('user_id', '=', userId)
      .where('kind', '=', kind)
      .orderBy('created_time', 'desc')
      .execute()
    return rows.map(tokenOf)
  }

  async revokeToken(tokenId: string, time: number): Promise<boolean> {
    const result = await this.write((tx) =>
      tx
        .updateTable('auth_tokens')
        .set({ revoked_time: time })
        .where('token_id', '=', tokenId)
        .where('revoked_time', 'is', null)
        .executeTakeFirst(),
    )
    return Number(result.numUpdatedRows) > 0
  }

  async touchToken(tokenId: string, time: number): Promise<void> {
    await this.write((tx) =>
      tx.updateTable('auth_tokens').set({ last_used_time: time }).where('token_id', '=', tokenId).execute(),
    )
  }
}

/** The hidden per-user roles: direct grants live there; roles an admin wrote are never rewritten. */
async function hiddenRoleIds(tx: AuthDb): Promise<number[]> {
  const roles = await tx
    .selectFrom('auth_roles')
    .select(['role_id', 'name'])
    .where('workspace', '=', DEFAULT_WORKSPACE)
    .where('name', 'like', '__user_%')
    .execute()
  return roles.filter((r) => isUserRoleName(r.name)).map((r) => Number(r.role_id))
}

const notFoundUser = (username: string) => KeelError.notFound(`User with username=${username} not found`)
const notFoundRole = (id: number) => KeelError.notFound(`Role with id=${id} not found`)
const notFoundRolePermission = (id: number) => KeelError.notFound(`Role permission with id=${id} not found`)
