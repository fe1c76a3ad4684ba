/** Personal access tokens and browser sessions over SQL (one table, told apart by kind). */
import type { AuthStore, StoredToken, TokenKind } from '../../auth/auth-store.js'
import type { DialectOps } from '../dialect.js'
import { withWriteTransaction } from '../sql-util.js'
import { type AuthDb, tokenOf } from './auth-rows.js'

export class SqlTokenStore
  implements Pick<AuthStore, 'createToken' | 'getToken' | 'listTokens' | 'revokeToken' | 'touchToken'>
{
  constructor(
    private readonly db: AuthDb,
    private readonly ops: DialectOps,
  ) {}

  async createToken(token: Omit<StoredToken, 'lastUsedTime' | 'revokedTime'>): Promise<void> {
    await withWriteTransaction(this.db, this.ops, (tx) =>
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
    const result = await withWriteTransaction(this.db, this.ops, (tx) =>
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
    await withWriteTransaction(this.db, this.ops, (tx) =>
      tx.updateTable('auth_tokens').set({ last_used_time: time }).where('token_id', '=', tokenId).execute(),
    )
  }
}
