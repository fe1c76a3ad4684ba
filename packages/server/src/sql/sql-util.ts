import { CompiledQuery, type Kysely, type Transaction } from 'kysely'
import type { Database } from './database.js'
import type { DialectOps, WriteScope } from './dialect.js'

/**
 * Runs `fn` in a transaction that takes the write lock up front (SQLite `BEGIN IMMEDIATE`), so
 * concurrent writers from several processes queue on busy_timeout instead of failing with
 * "database is locked" when a read transaction tries to upgrade. Any view of the database's tables
 * will do (`db.withTables<...>()`, as the auth store sees its own), and `fn` gets the same view.
 */
// Compiled once: a write's commit is on every request's path.
const COMMIT = CompiledQuery.raw('COMMIT')
const ROLLBACK = CompiledQuery.raw('ROLLBACK')

export function withWriteTransaction<DB, T>(
  db: Kysely<DB>,
  ops: DialectOps,
  fn: (tx: Kysely<DB>) => Promise<T>,
): Promise<T> {
  return writeTransaction(db, ops, undefined, fn)
}

/**
 * `withWriteTransaction` for a write confined to one run's rows: on PostgreSQL it holds the write
 * lock in shared mode, so writers to different runs commit side by side, and `fn` must lock the
 * run's row (`ops.rowLocks`) before it reads anything of the run. On SQLite it is the same write
 * transaction as any other.
 */
export function withRunWriteTransaction<DB, T>(
  db: Kysely<DB>,
  ops: DialectOps,
  fn: (tx: Kysely<DB>) => Promise<T>,
): Promise<T> {
  return writeTransaction(db, ops, 'run', fn)
}

/**
 * `withWriteTransaction` for appends to the audit log alone: on PostgreSQL they queue on a lock of
 * their own (numbered in commit order among themselves) instead of the write lock every other
 * write takes. On SQLite it is the same write transaction as any other.
 */
export function withAuditWriteTransaction<DB, T>(
  db: Kysely<DB>,
  ops: DialectOps,
  fn: (tx: Kysely<DB>) => Promise<T>,
): Promise<T> {
  return writeTransaction(db, ops, 'audit', fn)
}

async function writeTransaction<DB, T>(
  db: Kysely<DB>,
  ops: DialectOps,
  scope: WriteScope | undefined,
  fn: (tx: Kysely<DB>) => Promise<T>,
): Promise<T> {
  const result = await db.connection().execute(async (conn) => {
    await ops.beginWrite(conn as Kysely<unknown>, scope)
    try {
      const value = await fn(conn)
      await conn.executeQuery(COMMIT)
      return value
    } catch (err) {
      await conn.executeQuery(ROLLBACK)
      throw err
    }
  })
  await afterWrite(db as Kysely<unknown>, ops)
  return result
}

/**
 * Keeps the planner's statistics in step with the data: refreshed after 1,000 writes, then each
 * time the count of writes grows tenfold (the data changed shape), and at least hourly. Search
 * plans depend on them: with statistics SQLite starts from a param's (key, value) index instead of
 * a metric range over every run.
 */
const statistics = new WeakMap<Kysely<unknown>, { writes: number; nextAt: number; lastAt: number }>()

async function afterWrite(db: Kysely<unknown>, ops: DialectOps): Promise<void> {
  let state = statistics.get(db)
  if (!state) {
    state = { writes: 0, nextAt: 1000, lastAt: Date.now() }
    statistics.set(db, state)
  }
  state.writes++
  if (state.writes < state.nextAt && Date.now() - state.lastAt < 3_600_000) return
  state.nextAt = state.writes * 10
  state.lastAt = Date.now()
  await ops.refreshStatistics(db)
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
