/**
 * Permissions over SQL: each user's direct grants, kept on their hidden `__user_<id>__` role
 * (created on the first grant, as MLflow keeps them), and the grants users hold through any role.
 */
import { KeelError } from '@keel/contracts'
import { DEFAULT_WORKSPACE, type AuthStore, type ResourceGrant } from '../../auth/auth-store.js'
import type { Grant, PermissionName, ResourceType } from '../../auth/permissions.js'
import type { DialectOps } from '../dialect.js'
import { isUniqueViolation, withWriteTransaction } from '../sql-util.js'
import { type AuthDb, isUserRoleName, userRoleName } from './auth-rows.js'
import { hiddenRoleIds, requireUser, userRoleId } from './auth-writes.js'

export class SqlGrantStore
  implements
    Pick<
      AuthStore,
      | 'grantUserPermission'
      | 'revokeUserPermission'
      | 'deleteGrantsForResource'
      | 'renameGrantsForResource'
      | 'listResourceGrants'
      | 'listGrants'
    >
{
  constructor(
    private readonly db: AuthDb,
    private readonly ops: DialectOps,
  ) {}

  async grantUserPermission(
    userId: number,
    resourceType: ResourceType,
    pattern: string,
    permission: PermissionName,
    upsert = false,
  ): Promise<void> {
    const user = await requireUser(this.db, userId)
    try {
      await withWriteTransaction(this.db, this.ops, async (tx) => {
        const roleId = await ownRole(tx, userId)
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

  async revokeUserPermission(userId: number, resourceType: ResourceType, pattern: string): Promise<boolean> {
    return withWriteTransaction(this.db, this.ops, async (tx) => {
      const roleId = await userRoleId(tx, userId)
      if (roleId === undefined) return false
      const result = await tx
        .deleteFrom('auth_role_permissions')
        .where('role_id', '=', roleId)
        .where('resource_type', '=', resourceType)
        .where('resource_pattern', '=', pattern)
        .executeTakeFirst()
      return Number(result.numDeletedRows) > 0
    })
  }

  async deleteGrantsForResource(resourceType: ResourceType, pattern: string): Promise<void> {
    await withWriteTransaction(this.db, this.ops, async (tx) => {
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
    await withWriteTransaction(this.db, this.ops, async (tx) => {
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
}

/**
 * The user's hidden role, created on first use and assigned to them again if it was unassigned
 * (as MLflow's _get_or_create_synthetic_user_role does), so a grant always applies.
 */
async function ownRole(tx: AuthDb, userId: number): Promise<number> {
  let roleId = await userRoleId(tx, userId)
  if (roleId === undefined) {
    const created = await tx
      .insertInto('auth_roles')
      .values({ name: userRoleName(userId), workspace: DEFAULT_WORKSPACE, description: null })
      .returning('role_id')
      .executeTakeFirstOrThrow()
    roleId = Number(created.role_id)
  }
  const assigned = await tx
    .selectFrom('auth_user_roles')
    .select('assignment_id')
    .where('user_id', '=', userId)
    .where('role_id', '=', roleId)
    .executeTakeFirst()
  if (!assigned) await tx.insertInto('auth_user_roles').values({ user_id: userId, role_id: roleId }).execute()
  return roleId
}
