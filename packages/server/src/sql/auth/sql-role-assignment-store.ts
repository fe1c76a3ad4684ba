/** Which users hold which roles, over SQL. */
import { KeelError } from '@keel/contracts'
import type { AuthStore, Role, RoleAssignment } from '../../auth/auth-store.js'
import type { DialectOps } from '../dialect.js'
import { isUniqueViolation, withWriteTransaction } from '../sql-util.js'
import { type AuthDb, loadRoles } from './auth-rows.js'
import { requireRole, requireUser } from './auth-writes.js'

export class SqlRoleAssignmentStore
  implements Pick<AuthStore, 'assignRole' | 'unassignRole' | 'listUserRoles' | 'listRoleUsers'>
{
  constructor(
    private readonly db: AuthDb,
    private readonly ops: DialectOps,
  ) {}

  async assignRole(userId: number, roleId: number): Promise<RoleAssignment> {
    try {
      const row = await withWriteTransaction(this.db, this.ops, async (tx) => {
        await requireUser(tx, userId)
        await requireRole(tx, roleId)
        return tx
          .insertInto('auth_user_roles')
          .values({ user_id: userId, role_id: roleId })
          .returning('assignment_id')
          .executeTakeFirstOrThrow()
      })
      return { id: Number(row.assignment_id), userId, roleId }
    } catch (error) {
      if (isUniqueViolation(error))
        throw KeelError.alreadyExists(`User role assignment (user_id=${userId}, role_id=${roleId}) already exists`)
      throw error
    }
  }

  async unassignRole(userId: number, roleId: number): Promise<boolean> {
    const result = await withWriteTransaction(this.db, this.ops, (tx) =>
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
    return loadRoles(this.db, rows)
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
}
