/**
 * The PostgreSQL server of the `--backend postgres` benchmarks: one throwaway cluster per run
 * (packages/server/test/support/postgres-cluster.ts: initdb/pg_ctl in a temp folder, a free port,
 * as the `postgres` user under root), started durable (PostgreSQL's defaults: fsync and
 * full_page_writes on, shared_buffers 128 MB), as a user's server runs. Each target gets a fresh
 * database. SQL runs through `psql` (the cluster's own client), so the benchmarks need no driver.
 */
import { spawn, spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import {
  type PostgresCluster,
  postgresBinDir,
  startPostgresCluster,
} from '../../packages/server/test/support/postgres-cluster.js'
import { treeCpuMs } from './proc.js'

export type Backend = 'sqlite' | 'postgres'

export interface BenchPostgres {
  readonly cluster: PostgresCluster
  /** PostgreSQL's version (`SHOW server_version`). */
  readonly version: string
  /** The postmaster's pid: the parent of every backend and background worker (each in a session of its own). */
  readonly pid: number
  /** CPU time (user + system) of the whole server: postmaster, backends, WAL writer, autovacuum. */
  cpuMs(): number
  /** Creates an empty database and returns its URI. */
  createDatabase(name: string): string
  /** Runs SQL on a database, returns psql's unaligned output (`-At`). */
  sql(database: string, sql: string): string
  /** Runs a script read from `input` (which may be large: COPY data) in one psql session. */
  script(database: string, input: AsyncIterable<string> | Iterable<string>): Promise<void>
  destroy(): void
}

/** Parses `--backend sqlite|postgres` (also `--backend=postgres`); SQLite unless given. */
export function backendArg(argv: string[]): Backend {
  let backend: Backend = 'sqlite'
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string
    const value = a === '--backend' ? argv[i + 1] : a.startsWith('--backend=') ? a.slice(10) : undefined
    if (value === undefined) continue
    if (value !== 'sqlite' && value !== 'postgres') throw new Error(`--backend takes sqlite or postgres, not ${value}`)
    backend = value
    argv.splice(i, a === '--backend' ? 2 : 1)
    i--
  }
  return backend
}

export async function startBenchPostgres(settings: Readonly<Record<string, string>> = {}): Promise<BenchPostgres> {
  const cluster = await startPostgresCluster({ durable: true, settings })
  const psql = join(postgresBinDir(), 'psql')
  const args = (database: string): string[] => [cluster.uri(database), '-X', '-q', '-v', 'ON_ERROR_STOP=1']
  const sql = (database: string, text: string): string => {
    const r = spawnSync(psql, [...args(database), '-At', '-c', text], { encoding: 'utf8', maxBuffer: 256 << 20 })
    if (r.status !== 0) throw new Error(`psql on ${database} failed: ${r.stderr || r.error?.message}\n${text}`)
    return r.stdout.trimEnd()
  }
  const script = async (database: string, input: AsyncIterable<string> | Iterable<string>): Promise<void> => {
    const child = spawn(psql, [...args(database), '-f', '-'], { stdio: ['pipe', 'ignore', 'pipe'] })
    let stderr = ''
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
    const exited = new Promise<number | null>((resolve, reject) => {
      child.once('error', reject)
      child.once('exit', (code) => resolve(code))
    })
    for await (const chunk of input) {
      if (!child.stdin.write(chunk)) await new Promise((r) => child.stdin.once('drain', r))
    }
    child.stdin.end()
    const code = await exited
    if (code !== 0) throw new Error(`psql script on ${database} failed (exit ${code}): ${stderr}`)
  }
  const pid = Number(readFileSync(join(cluster.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0])
  return {
    cluster,
    version: sql('postgres', 'SHOW server_version'),
    pid,
    cpuMs: () => treeCpuMs(pid),
    createDatabase: (name) => {
      sql('postgres', `CREATE DATABASE ${name}`)
      return cluster.uri(name)
    },
    sql,
    script,
    destroy: () => cluster.destroy(),
  }
}

/** A value as COPY's text format writes it: `\N` for null, backslash escapes, booleans as t/f. */
export function copyText(v: unknown): string {
  if (v === null || v === undefined) return '\\N'
  if (typeof v === 'boolean') return v ? 't' : 'f'
  if (typeof v === 'number') return Number.isNaN(v) ? 'NaN' : String(v)
  return String(v).replace(/[\\\t\n\r]/g, (c) =>
    c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r',
  )
}

/** `pg_stat_statements` (needs `shared_preload_libraries`): statements run in a database, by calls. */
export interface StatementStats {
  readonly calls: number
  /** Time spent executing (planning aside), in ms: PostgreSQL's side of the statement. */
  readonly execMs: number
  /** Time spent planning, in ms (0 unless pg_stat_statements.track_planning is on). */
  readonly planMs: number
  readonly query: string
}

export function statementsSince(pg: BenchPostgres, database: string): StatementStats[] {
  const out = pg.sql(
    'postgres',
    `SELECT s.calls, s.total_exec_time, s.total_plan_time, regexp_replace(s.query, '\\s+', ' ', 'g') FROM pg_stat_statements s ` +
      `JOIN pg_database d ON d.oid = s.dbid WHERE d.datname = '${database}' ORDER BY s.total_exec_time DESC`,
  )
  return out
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [calls, execMs, planMs] = line.split('|', 3)
      return {
        calls: Number(calls),
        execMs: Number(execMs),
        planMs: Number(planMs),
        query: line.split('|').slice(3).join('|'),
      }
    })
}

export function resetStatements(pg: BenchPostgres): void {
  pg.sql('postgres', 'CREATE EXTENSION IF NOT EXISTS pg_stat_statements; SELECT pg_stat_statements_reset()')
}

/**
 * The URI MLflow is given: SQLAlchemy 2.1 (MLflow 3.17's) reads a bare `postgresql://` as its new
 * default driver, psycopg 3, which the venv lacks; the venv has psycopg2-binary, which MLflow's docs
 * name, so MLflow gets the driver suffix its users write (`postgresql+psycopg2://`). keel reads both.
 */
export const mlflowStoreUri = (uri: string): string => uri.replace(/^postgresql:\/\//, 'postgresql+psycopg2://')
