/** Roles and the permissions they grant, over SQL. The hidden per-user roles are not listed. */
import { KeelError } from '@keel/contracts'
import { DEFAULT_WORKSPACE, type AuthStore, type Role, type RolePermission } from '../../auth/auth-store.js'
import type { PermissionName, ResourceType } from '../../auth/permissions.js'
import type { DialectOps } from '../dialect.js'
import { isUniqueViolation, withWriteTransaction } from '../sql-util.js'
import { type AuthDb, isUserRoleName, loadRoles, permissionOf } from './auth-rows.js'
import { deleteRoles, notFoundRole, notFoundRolePermission, requireRole } from './auth-writes.js'

export class SqlRoleStore
  implements
    Pick<
      AuthStore,
      | 'createRole'
      | 'getRole'
      | 'listRoles'
      | 'updateRole'
      | 'deleteRole'
      | 'addRolePermission'
      | 'getRolePermission'
      | 'updateRolePermission'
      | 'removeRolePermission'
    >
{
  constructor(
    private readonly db: AuthDb,
    private readonly ops: DialectOps,
  ) {}

  async createRole(name: string, workspace: string, description: string | null): Promise<Role> {
    let id: number
    try {
      id = await withWriteTransaction(this.db, this.ops, async (tx) => {
        const row = await tx
          .insertInto('auth_roles')
          .values({ name, workspace, description })
          .returning('role_id')
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
    return row && (await loadRoles(this.db, [row]))[0]
  }

  async listRoles(workspaces?: readonly string[]): Promise<Role[]> {
    if (workspaces?.length === 0) return []
    let query = this.db.selectFrom('auth_roles').selectAll().orderBy('role_id')
    if (workspaces) query = query.where('workspace', 'in', [...workspaces])
    // the hidden per-user roles hold direct grants: not roles an admin manages
    return loadRoles(
      this.db,
      (await query.execute()).filter((r) => !isUserRoleName(r.name)),
    )
  }

  async updateRole(id: number, change: { readonly name?: string; readonly description?: string }): Promise<Role> {
    try {
      await withWriteTransaction(this.db, this.ops, async (tx) => {
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
    await withWriteTransaction(this.db, this.ops, async (tx) => {
      if ((await deleteRoles(tx, [id])) === 0) throw notFoundRole(id)
    })
  }

  async addRolePermission(
    roleId: number,
    resourceType: ResourceType,
    pattern: string,
    permission: PermissionName,
  ): Promise<RolePermission> {
    try {
      const id = await withWriteTransaction(this.db, this.ops, async (tx) => {
        await requireRole(tx, roleId)
        const row = await tx
          .insertInto('auth_role_permissions')
          .values({ role_id: roleId, resource_type: resourceType, resource_pattern: pattern, permission })
          .returning('role_permission_id')
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

  async getRolePermission(id: number): Promise<RolePermission | undefined> {
    const row = await this.db
      .selectFrom('auth_role_permissions')
      .selectAll()
      .where('role_permission_id', '=', id)
      .executeTakeFirst()
    return row && permissionOf(row)
  }

  async updateRolePermission(id: number, permission: PermissionName): Promise<RolePermission> {
    const result = await withWriteTransaction(this.db, this.ops, (tx) =>
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
    const result = await withWriteTransaction(this.db, this.ops, (tx) =>
      tx.deleteFrom('auth_role_permissions').where('role_permission_id', '=', id).executeTakeFirst(),
    )
    if (Number(result.numDeletedRows) === 0) throw notFoundRolePermission(id)
  }
}
