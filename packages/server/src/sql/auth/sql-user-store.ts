/** Users over SQL; deleting one takes their hidden role, direct grants, assignments and tokens along. */
import { KeelError } from '@keel/contracts'
import type { AuthStore, StoredUser } from '../../auth/auth-store.js'
import type { DialectOps } from '../dialect.js'
import { isUniqueViolation, withWriteTransaction } from '../sql-util.js'
import { type AuthDb, userOf, userRoleName } from './auth-rows.js'
import { deleteRoles, notFoundUser } from './auth-writes.js'

export class SqlUserStore
  implements Pick<AuthStore, 'createUser' | 'getUser' | 'getUserById' | 'listUsers' | 'updateUser' | 'deleteUser'>
{
  constructor(
    private readonly db: AuthDb,
    private readonly ops: DialectOps,
  ) {}

  async createUser(username: string, passwordHash: string, isAdmin: boolean, time: number): Promise<StoredUser> {
    try {
      await withWriteTransaction(this.db, this.ops, (tx) =>
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
      const result = await withWriteTransaction(this.db, this.ops, (tx) =>
        tx.updateTable('auth_users').set(set).where('username', '=', username).executeTakeFirst(),
      )
      if (Number(result.numUpdatedRows) === 0) throw notFoundUser(username)
    }
    const user = await this.getUser(username)
    if (!user) throw notFoundUser(username)
    return user
  }

  async deleteUser(username: string): Promise<void> {
    await withWriteTransaction(this.db, this.ops, async (tx) => {
      const user = await tx
        .selectFrom('auth_users')
        .select('user_id')
        .where('username', '=', username)
        .executeTakeFirst()
      if (!user) throw notFoundUser(username)
      const id = Number(user.user_id)
      const own = await tx.selectFrom('auth_roles').select('role_id').where('name', '=', userRoleName(id)).execute()
      const ownIds = own.map((r) => Number(r.role_id))
      await deleteRoles(tx, ownIds)
      await tx.deleteFrom('auth_user_roles').where('user_id', '=', id).execute()
      await tx.deleteFrom('auth_tokens').where('user_id', '=', id).execute()
      await tx.deleteFrom('auth_users').where('user_id', '=', id).execute()
    })
  }
}
