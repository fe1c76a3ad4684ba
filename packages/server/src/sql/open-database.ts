/**
 * Opens the SQL database named by a backend store URI, read as MLflow reads it, and brings its
 * schema up to date.
 */
import { mkdirSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import { CompiledQuery, Kysely, SqliteDialect } from 'kysely'
import { KeelError } from '@keel/contracts'
import type { Database, SqlDatabase } from './database.js'
import { dialectOps } from './dialect.js'
import { migrateToLatest, type MigrationReport } from './migrate.js'
import { openPostgres } from './open-postgres.js'
import { withStatementCache } from './statement-cache.js'

export type { SqlDatabase }

export type StoreLocation = { dialect: 'sqlite'; path: string } | { dialect: 'postgres'; url: string }

/**
 * `sqlite:///relative/path.db` is relative to the working directory, `sqlite:////abs/path.db` is
 * absolute, `sqlite:///:memory:` (or `sqlite://`) is in memory; as in SQLAlchemy and MLflow.
 */
export function parseStoreUri(uri: string, cwd = process.cwd()): StoreLocation {
  const match = /^([a-z][a-z0-9+.-]*):\/\/(.*)$/i.exec(uri)
  if (!match) throw KeelError.invalid(`Invalid backend store URI '${uri}': expected e.g. sqlite:///keel.db`)
  const scheme = match[1]!.toLowerCase()
  const rest = match[2]!
  if (scheme === 'sqlite') {
    if (rest === '' || rest === '/:memory:' || rest === '/') return { dialect: 'sqlite', path: ':memory:' }
    if (!rest.startsWith('/')) throw KeelError.invalid(`Invalid SQLite URI '${uri}': expected sqlite:///path.db`)
    const path = rest.slice(1).split('?')[0]!
    return { dialect: 'sqlite', path: path.startsWith('/') ? path : resolve(cwd, path) }
  }
  if (scheme === 'postgresql' || scheme === 'postgres' || scheme.startsWith('postgresql+')) {
    return { dialect: 'postgres', url: uri }
  }
  throw KeelError.invalid(`Unsupported backend store URI scheme '${scheme}': keel supports sqlite:// and postgresql://`)
}

export interface OpenDatabaseOptions {
  /** Called with what the migrations did (`keel db upgrade` prints it). */
  readonly onMigrated?: (report: MigrationReport) => void
}

export async function openDatabase(uri: string, options: OpenDatabaseOptions = {}): Promise<SqlDatabase> {
  const location = parseStoreUri(uri)
  if (location.dialect === 'postgres') return openPostgres(location.url, options)
  if (location.path !== ':memory:') mkdirSync(dirname(location.path), { recursive: true })
  const sqlite = new BetterSqlite3(location.path)
  // WAL: readers never block the writer, and a committed transaction is in the log before the
  // client is answered, so a killed process loses nothing it acknowledged. busy_timeout makes
  // writers from several processes (--workers) wait for the lock instead of failing.
  sqlite.pragma('journal_mode = WAL')
  sqlite.pragma('synchronous = NORMAL')
  sqlite.pragma('busy_timeout = 10000')
  sqlite.pragma('foreign_keys = ON')
  // A 64 MB page cache (SQLite's default is 2 MB) keeps the indexes a search walks in memory
  // between requests: at 100,000 runs the default cache re-read most pages of each search from the
  // OS. It fills only as pages are read.
  sqlite.pragma('cache_size = -65536')
  const ops = dialectOps('sqlite')
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) })
  // Migrations run in one write transaction: a second process starting on the same new file waits
  // on the write lock (busy_timeout), then finds the schema current; a failed migration leaves the
  // schema as it was.
  await db.executeQuery(CompiledQuery.raw('BEGIN IMMEDIATE'))
  let report: MigrationReport
  try {
    report = await migrateToLatest(db, ops)
    await db.executeQuery(CompiledQuery.raw('COMMIT'))
  } catch (err) {
    await db.executeQuery(CompiledQuery.raw('ROLLBACK')).catch(() => {})
    await db.destroy()
    throw err
  }
  options.onMigrated?.(report)
  return {
    db,
    ops,
    description: `sqlite:${location.path}`,
    close: () => db.destroy(),
  }
}
