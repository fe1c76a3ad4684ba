/**
 * Opens a PostgreSQL database (`postgresql://`, MLflow's `postgresql+psycopg2://` and the like)
 * through a pool of `pg` connections, and brings its schema up to date once, under an advisory
 * lock, however many servers start at the same moment.
 */
import { Kysely, PostgresDialect } from 'kysely'
import pg from 'pg'
import Cursor from 'pg-cursor'
import { KeelError } from '@keel/contracts'
import type { Database, SqlDatabase } from './database.js'
import { dialectOps } from './dialect.js'
import { migrateToLatest, type MigrationReport } from './migrate.js'
import { translatingPool } from './postgres-errors.js'
import { redactStoreUri } from './store-uri.js'

/** int8 (bigint, count(*), bigserial ids) as a JS number: keel's timestamps and ids fit in 2^53. */
const INT8_OID = 20
/** numeric (sum() of integers) as a number too. */
const NUMERIC_OID = 1700

const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8_OID || oid === NUMERIC_OID) return (value: string) => Number(value)
    return pg.types.getTypeParser(oid, format)
  },
} as pg.CustomTypesConfig

/** Any key: the same for every keel server, so that migrations run one server at a time. */
const MIGRATION_LOCK_KEY = 0x6b65656c // 'keel'

/**
 * The connection string `pg` reads: a SQLAlchemy driver suffix (`+psycopg2`, `+psycopg`,
 * `+pg8000`) is dropped, since it names a Python driver, not a different database.
 */
export function postgresConnectionString(uri: string): string {
  return uri.replace(/^(postgres(?:ql)?)(\+[a-z0-9_]+)?:\/\//i, 'postgresql://')
}

export interface OpenPostgresOptions {
  /** Pool size per server process (pg's default is 10). */
  readonly maxConnections?: number
  /** Called with what the migrations did, for `keel db upgrade`. */
  readonly onMigrated?: (report: MigrationReport) => void
}

export async function openPostgres(uri: string, options: OpenPostgresOptions = {}): Promise<SqlDatabase> {
  const description = redactStoreUri(uri)
  const pool = new pg.Pool({
    connectionString: postgresConnectionString(uri),
    max: options.maxConnections ?? 20,
    types,
    // A server that cannot be reached fails the start instead of waiting forever.
    connectionTimeoutMillis: 10_000,
  })
  // An idle connection dropped by the server (a restart) must not crash the process: the pool
  // discards it and the next query opens a new one.
  pool.on('error', () => {})
  const ops = dialectOps('postgres')
  // Every query's errors pass through translatingPool: an unreachable server is a 503.
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: translatingPool(pool), cursor: Cursor }) })
  try {
    const lock = await pool.connect()
    try {
      await lock.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY])
      const report = await migrateToLatest(db, ops)
      options.onMigrated?.(report)
    } finally {
      await lock.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => {})
      lock.release()
    }
  } catch (err) {
    await db.destroy().catch(() => {})
    if (err instanceof KeelError) throw err
    // Not a KeelError: this is the operator's start-up problem, never an answer to a request.
    throw new Error(`Cannot open the PostgreSQL store ${description}: ${connectionProblem(err)}`, { cause: err })
  }
  return { db, ops, description, close: () => db.destroy() }
}

/** What went wrong connecting, in words an operator can act on. */
function connectionProblem(err: unknown): string {
  const e = err as { code?: string; message?: string }
  switch (e.code) {
    case 'ECONNREFUSED':
      return 'connection refused (is PostgreSQL running, and on that host and port?)'
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'the host name does not resolve'
    case '28P01':
    case '28000':
      return `authentication failed (${e.message ?? 'check the user name and password'})`
    case '3D000':
      return `${e.message ?? 'the database does not exist'} (create it first, e.g. createdb)`
    default:
      return e.message ?? String(err)
  }
}
