import type { Kysely, Transaction } from 'kysely'
import { sql } from 'kysely'
import type { Database } from '../database.js'
import type { DialectOps } from '../dialect.js'

/**
 * Runs `fn` in a transaction that takes the write lock up front (SQLite `BEGIN IMMEDIATE`), so
 * concurrent writers from several processes queue on busy_timeout instead of failing with
 * "database is locked" when a read transaction tries to upgrade.
 */
export async function withWriteTransaction<T>(
  db: Kysely<Database>,
  ops: DialectOps,
  fn: (tx: Kysely<Database>) => Promise<T>,
): Promise<T> {
  return db.connection().execute(async (conn) => {
    await ops.beginWrite(conn as Kysely<unknown>)
    try {
      const result = await fn(conn)
      await sql`COMMIT`.execute(conn)
      return result
    } catch (err) {
      await sql`ROLLBACK`.execute(conn)
      throw err
    }
  })
}

export type Tx = Kysely<Database> | Transaction<Database>

/** A unique or primary-key violation, in SQLite's or PostgreSQL's words. */
export function isUniqueViolation(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false
  const code = (err as { code?: unknown }).code
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === '23505'
}

/** Splits rows into chunks that stay under SQLite's bound-parameter limit. */
export function chunk<T>(items: readonly T[], columnsPerRow: number, maxParams = 30_000): T[][] {
  const size = Math.max(1, Math.floor(maxParams / columnsPerRow))
  const out: T[][] = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}
