/**
 * Opens the SQL database named by a backend store URI, read as MLflow reads it, and brings its
 * schema up to date.
 */
import { mkdirSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import { Kysely, Migrator, SqliteDialect } from 'kysely'
import { KeelError } from '@keel/contracts'
import type { Database } from './database.js'
import { dialectOps, type DialectOps } from './dialect.js'
import { allMigrations } from './migrations/index.js'
import { withStatementCache } from './statement-cache.js'

export interface SqlDatabase {
  readonly db: Kysely<Database>
  readonly ops: DialectOps
  /** A short description for logs, e.g. `sqlite:/abs/path/keel.db`. */
  readonly description: string
  close(): Promise<void>
}

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
  throw KeelError.invalid(
    `Unsupported backend store URI scheme '${scheme}': keel supports sqlite:// (postgresql:// is planned)`,
  )
}

export async function openDatabase(uri: string): Promise<SqlDatabase> {
  const location = parseStoreUri(uri)
  if (location.dialect === 'postgres') {
    throw new KeelError('NOT_IMPLEMENTED', 'PostgreSQL stores are not supported yet; use sqlite:///path.db')
  }
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
  await migrate(db, ops)
  return {
    db,
    ops,
    description: `sqlite:${location.path}`,
    close: () => db.destroy(),
  }
}

async function migrate(db: Kysely<Database>, ops: DialectOps): Promise<void> {
  const migrations = allMigrations(ops)
  const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } })
  const { error, results } = await migrator.migrateToLatest()
  const failed = results?.find((r) => r.status === 'Error')
  if (error) {
    throw new KeelError(
      'INTERNAL_ERROR',
      `Database migration ${failed?.migrationName ?? ''} failed: ${String(error)}`,
      {
        cause: error,
      },
    )
  }
}
