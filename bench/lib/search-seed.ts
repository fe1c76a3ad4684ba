/**
 * Builds (once per size and schema, then cached) a SQLite store of each server holding the search
 * benchmark's experiment. Seeding 100,000 runs through the REST API takes hours on MLflow, so:
 *
 * 1. the server starts on an empty file and creates its own schema; through its API we create the
 *    experiment and one template run (runs/create, a log-batch of params, a tag and a two-step
 *    metric, runs/update to FINISHED), with the database open read-only beside it to see which
 *    tables that wrote (any table other than runs/tags/params/metrics/latest_metrics is an error);
 * 2. the server stops; in one transaction, every seeded run is inserted as copies of the template's
 *    rows (every column the server wrote, with the run's id, name, times, status and values put in:
 *    the artifact URI has the template's id replaced, the server's own tags such as mlflow.runName
 *    and mlflow.user are kept with the new name), then the template run is deleted;
 * 3. the server starts again on the file and a sample of runs is read back through runs/get and
 *    metrics/get-history and compared with the seeded data.
 *
 * No ANALYZE, no index or pragma the server would not have made itself: the store is what the
 * server's own writes would leave.
 */
import { spawnSync } from 'node:child_process'
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import Database from 'better-sqlite3'
import type { Client } from './http.js'
import { REPO_ROOT, startKeel, startMlflow, type ServerHandle } from './servers.js'
import type { SeedRun } from './search-data.js'

export type Target = 'keel' | 'mlflow'
const API = '/api/2.0/mlflow'
/** Bump when search-data.ts or the way rows are written changes: cached stores are then rebuilt. */
export const SEED_VERSION = 1
export const HANDLED = ['runs', 'tags', 'params', 'metrics', 'latest_metrics'] as const
export type Row = Record<string, unknown>

export function cacheDir(): string {
  const dir = join(REPO_ROOT, 'bench/results/cache')
  mkdirSync(dir, { recursive: true })
  return dir
}

/** What identifies a server's schema: keel's migration files, MLflow's version. */
export function schemaTag(target: Target, venvPython: string | undefined): string {
  if (target === 'keel') {
    const names = readdirSync(join(REPO_ROOT, 'packages/server/src/sql/migrations')).filter((f) => /^\d{4}-/.test(f))
    return `m${names.sort().at(-1)?.slice(0, 4) ?? '0'}`
  }
  const r = spawnSync(join(resolve(venvPython ?? '', '..'), 'mlflow'), ['--version'], { encoding: 'utf8' })
  const version = /(\d+\.\d+\.\d+)/.exec(r.stdout ?? '')?.[1]
  if (!version) throw new Error(`mlflow --version failed: ${r.stderr}`)
  return `v${version}`
}

export interface SeededStore {
  readonly file: string
  readonly experimentId: string
  /** How long building the store took (0 when it came from the cache). */
  readonly buildSeconds: number
}

/** Starts a server on a SQLite file (`dbFile`) or on a store URI (`storeUri`: PostgreSQL). */
export const start = (
  target: Target,
  store: string | { storeUri: string },
  venvPython: string | undefined,
): Promise<ServerHandle> => {
  const on = typeof store === 'string' ? { dbFile: store } : store
  return target === 'keel' ? startKeel(on) : startMlflow(venvPython ?? '', on)
}

/** The cached store for this size, built first if missing. */
export async function seededStore(
  target: Target,
  runs: readonly SeedRun[],
  venvPython: string | undefined,
  connect: (url: string) => Client,
  log: (msg: string) => void,
): Promise<SeededStore> {
  const name = `search-${target}-${runs.length}-s${SEED_VERSION}-${schemaTag(target, venvPython)}`
  const file = join(cacheDir(), `${name}.db`)
  const meta = join(cacheDir(), `${name}.json`)
  if (existsSync(file) && existsSync(meta)) {
    const m = JSON.parse(readFileSync(meta, 'utf8')) as { experimentId: string }
    return { file, experimentId: m.experimentId, buildSeconds: 0 }
  }
  log(`${target}: building the store of ${runs.length} runs (cached in ${file.replace(`${REPO_ROOT}/`, '')})`)
  const started = performance.now()
  const dir = mkdtempSync(join(tmpdir(), 'keel-bench-seed-'))
  try {
    const db = join(dir, `${target}.db`)
    let server = await start(target, db, venvPython)
    let template: Template
    try {
      template = await makeTemplate(server, sqliteAccess(db), connect)
    } finally {
      await server.stop()
    }
    insertRuns(db, template, runs)
    log(
      `${target}: inserted ${runs.length} runs in ${((performance.now() - started) / 1000).toFixed(1)} s; checking through the API`,
    )
    server = await start(target, db, venvPython)
    try {
      await verifySample(connect(server.url), template.experimentId, runs)
    } finally {
      await server.stop()
    }
    checkpoint(db)
    renameSync(db, `${file}.part`)
    renameSync(`${file}.part`, file)
    const buildSeconds = (performance.now() - started) / 1000
    writeFileSync(
      meta,
      `${JSON.stringify({ experimentId: template.experimentId, runs: runs.length, buildSeconds }, null, 2)}\n`,
    )
    return { file, experimentId: template.experimentId, buildSeconds }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** A private copy of a cached store (the server may write to it: WAL, migrations check). */
export function copyStore(store: SeededStore): { file: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'keel-bench-search-'))
  const file = join(dir, 'store.db')
  copyFileSync(store.file, file)
  return { file, remove: () => rmSync(dir, { recursive: true, force: true }) }
}

export interface Template {
  readonly experimentId: string
  readonly runId: string
  readonly rows: Record<(typeof HANDLED)[number], Row[]>
  /** keel's audit log entries of the template's requests (one per write call), copied per run. */
  readonly audit: Row[]
}

/** What the template step reads of a store, synchronously: SQLite through better-sqlite3, PostgreSQL through psql. */
export interface StoreAccess {
  /** Every table's row count. */
  counts(): Map<string, number>
  /** The last audit_log sequence number (keel), or undefined without an audit log. */
  maxAuditSeq(): number | undefined
  /** A table's rows of one run, every column as the server wrote it. */
  rowsOf(table: string, runId: string): Row[]
  /** The audit_log rows after `seq`. */
  auditAfter(seq: number): Row[]
}

function sqliteAccess(dbFile: string): StoreAccess {
  const read = <T>(fn: (db: Database.Database) => T): T => {
    const db = new Database(dbFile, { readonly: true, fileMustExist: true })
    try {
      return fn(db)
    } finally {
      db.close()
    }
  }
  return {
    counts: () =>
      read((db) => {
        const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]
        return new Map(
          tables.map((t) => [t.name, (db.prepare(`SELECT COUNT(*) AS n FROM "${t.name}"`).get() as { n: number }).n]),
        )
      }),
    maxAuditSeq: () =>
      read((db) =>
        db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'audit_log'").get()
          ? (db.prepare('SELECT COALESCE(MAX(seq), 0) AS n FROM audit_log').get() as { n: number }).n
          : undefined,
      ),
    rowsOf: (table, runId) => read((db) => db.prepare(`SELECT * FROM ${table} WHERE run_uuid = ?`).all(runId) as Row[]),
    auditAfter: (seq) => read((db) => db.prepare('SELECT * FROM audit_log WHERE seq > ?').all(seq) as Row[]),
  }
}

/**
 * Creates the experiment and the template run through the server's API, and reads back the rows it
 * wrote. Any table written other than runs/tags/params/metrics/latest_metrics (and keel's audit_log)
 * stops the build: the seeder would not mirror it.
 */
export async function makeTemplate(
  server: ServerHandle,
  access: StoreAccess,
  connect: (url: string) => Client,
): Promise<Template> {
  const c = connect(server.url)
  try {
    const exp = await c.post<{ experiment_id: string }>(`${API}/experiments/create`, { name: 'search-bench' })
    const before = access.counts()
    const auditFrom = access.maxAuditSeq()
    const t0 = 1_700_000_000_000
    const created = await c.post<{ run: { info: { run_id: string } } }>(`${API}/runs/create`, {
      experiment_id: exp.body.experiment_id,
      run_name: 'template-run',
      start_time: t0,
    })
    const runId = created.body.run.info.run_id
    await c.post(`${API}/runs/log-batch`, {
      run_id: runId,
      params: [
        { key: 'alpha', value: '0.1' },
        { key: 'depth', value: '3' },
      ],
      tags: [{ key: 'team', value: 'vision' }],
      metrics: [
        { key: 'loss', value: 0.5, timestamp: t0 + 1000, step: 0 },
        { key: 'loss', value: 0.25, timestamp: t0 + 2000, step: 1 },
      ],
    })
    await c.post(`${API}/runs/update`, { run_id: runId, status: 'FINISHED', end_time: t0 + 5000 })
    const after = access.counts()
    const changed = [...after].filter(([t, n]) => n !== before.get(t)).map(([t]) => t)
    const unhandled = changed.filter((t) => !(HANDLED as readonly string[]).includes(t) && t !== 'audit_log')
    if (unhandled.length > 0)
      throw new Error(`the template run wrote to tables the seeder does not mirror: ${unhandled.join(', ')}`)
    const rows = Object.fromEntries(HANDLED.map((t) => [t, access.rowsOf(t, runId)])) as Template['rows']
    const expected = { runs: 1, params: 2, metrics: 2, latest_metrics: 1 }
    for (const [t, n] of Object.entries(expected))
      if (rows[t as keyof typeof expected].length !== n)
        throw new Error(`template: ${t} has ${rows[t as keyof typeof expected].length} rows, expected ${n}`)
    if (!rows.tags.some((r) => r.key === 'team')) throw new Error('template: no team tag')
    const audit = auditFrom === undefined ? [] : access.auditAfter(auditFrom)
    return { experimentId: exp.body.experiment_id, runId, rows, audit }
  } finally {
    c.close()
  }
}

function inserter(db: Database.Database, table: string, columns: readonly string[]): Database.Statement {
  return db.prepare(
    `INSERT INTO ${table} (${columns.map((c) => `"${c}"`).join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`,
  )
}

export type SeedTable = (typeof HANDLED)[number] | 'audit_log'

/** The columns each table is written with: the template's (audit_log without its serial `seq`). */
export function seedColumns(template: Template): Record<SeedTable, string[]> {
  const cols = (rows: Row[]): string[] => Object.keys(rows[0] as Row)
  const t = template.rows
  return {
    runs: cols(t.runs),
    tags: cols(t.tags),
    params: cols(t.params),
    metrics: cols(t.metrics),
    latest_metrics: cols(t.latest_metrics),
    audit_log: Object.keys(template.audit[0] ?? {}).filter((k) => k !== 'seq'),
  }
}

/**
 * The rows of one seeded run, table by table, each a copy of the template's row of that table (every
 * column as the server wrote it) with the run's id, name, times, status and values put in; values in
 * the order of seedColumns(). The artifact URI gets the run's id, the server's own tags (mlflow.runName,
 * mlflow.user, ...) are kept with the run's name; NaN is value 0 and is_nan 1, as both servers store
 * it (is_nan written as the template wrote it: a number or a boolean); keel's audit log gets the
 * template's entries with the run's id.
 */
export function seedRows(template: Template, run: SeedRun): Record<SeedTable, unknown[][]> {
  const t = template.rows
  const runRow = t.runs[0] as Row
  const metricRow = t.metrics[0] as Row
  const latestRow = t.latest_metrics[0] as Row
  const values = (row: Row, over: Row): unknown[] => Object.keys(row).map((k) => (k in over ? over[k] : row[k]))
  const nanSafe = (v: number, like: Row): { value: number; is_nan: unknown } => {
    const nan = Number.isNaN(v)
    return { value: nan ? 0 : v, is_nan: typeof like.is_nan === 'boolean' ? nan : nan ? 1 : 0 }
  }
  const out: Record<SeedTable, unknown[][]> = {
    runs: [],
    tags: [],
    params: [],
    metrics: [],
    latest_metrics: [],
    audit_log: [],
  }
  const auditCols = Object.keys(template.audit[0] ?? {}).filter((k) => k !== 'seq')
  template.audit.forEach((row, k) => {
    const over: Row = { timestamp_ms: run.startTime + k, request_id: `seed-${run.id}-${k}` }
    for (const col of ['path', 'resource'])
      if (typeof row[col] === 'string') over[col] = (row[col] as string).replaceAll(template.runId, run.id)
    out.audit_log.push(auditCols.map((c) => (c in over ? over[c] : row[c])))
  })
  out.runs.push(
    values(runRow, {
      run_uuid: run.id,
      name: run.name,
      start_time: run.startTime,
      end_time: run.endTime,
      status: run.status,
      artifact_uri: String(runRow.artifact_uri).replace(template.runId, run.id),
    }),
  )
  for (const tag of t.tags.filter((r) => r.key !== 'team'))
    out.tags.push(values(tag, { run_uuid: run.id, ...(tag.key === 'mlflow.runName' && { value: run.name }) }))
  for (const [key, value] of run.tags) out.tags.push(values(t.tags[0] as Row, { run_uuid: run.id, key, value }))
  for (const [key, value] of run.params) out.params.push(values(t.params[0] as Row, { run_uuid: run.id, key, value }))
  for (const m of run.metrics) {
    for (const p of m.points)
      out.metrics.push(
        values(metricRow, {
          run_uuid: run.id,
          key: m.key,
          step: p.step,
          timestamp: p.timestamp,
          ...nanSafe(p.value, metricRow),
        }),
      )
    const last = m.points[m.points.length - 1] as (typeof m.points)[number]
    out.latest_metrics.push(
      values(latestRow, {
        run_uuid: run.id,
        key: m.key,
        step: last.step,
        timestamp: last.timestamp,
        ...nanSafe(last.value, latestRow),
      }),
    )
  }
  return out
}

function insertRuns(dbFile: string, template: Template, runs: readonly SeedRun[]): void {
  const db = new Database(dbFile, { fileMustExist: true })
  try {
    db.pragma('synchronous = OFF') // this connection only; the server sets its own
    const cols = seedColumns(template)
    const order: SeedTable[] = ['audit_log', ...HANDLED]
    const ins = Object.fromEntries(
      order.filter((table) => cols[table].length > 0).map((table) => [table, inserter(db, table, cols[table])]),
    ) as Partial<Record<SeedTable, Database.Statement>>
    const all = db.transaction(() => {
      for (const run of runs) {
        const rows = seedRows(template, run)
        for (const table of order) for (const row of rows[table]) ins[table]?.run(row)
      }
      for (const table of [...HANDLED].reverse())
        db.prepare(`DELETE FROM ${table} WHERE run_uuid = ?`).run(template.runId)
    })
    all()
  } finally {
    db.close()
  }
}

function checkpoint(dbFile: string): void {
  const db = new Database(dbFile, { fileMustExist: true })
  try {
    db.pragma('wal_checkpoint(TRUNCATE)')
  } finally {
    db.close()
  }
}

type ApiRun = {
  info: { run_id: string; run_name: string; status: string; start_time: string | number; end_time?: string | number }
  data: {
    params?: { key: string; value: string }[]
    tags?: { key: string; value: string }[]
    metrics?: { key: string; value: number | string; step: string | number }[]
  }
}

/** Reads ~25 runs (spread over the store) and one metric history back through the API. */
export async function verifySample(c: Client, experimentId: string, runs: readonly SeedRun[]): Promise<void> {
  try {
    const picks = Array.from({ length: 25 }, (_, k) => runs[Math.floor((k * (runs.length - 1)) / 24)] as SeedRun)
    for (const want of picks) {
      const got = (JSON.parse((await c.send('GET', `${API}/runs/get?run_id=${want.id}`)).body) as { run: ApiRun }).run
      const tags = new Map((got.data.tags ?? []).map((x) => [x.key, x.value]))
      const params = new Map((got.data.params ?? []).map((x) => [x.key, x.value]))
      const metrics = new Map((got.data.metrics ?? []).map((x) => [x.key, Number(x.value)]))
      const problems: string[] = []
      if (got.info.run_name !== want.name || tags.get('mlflow.runName') !== want.name) problems.push('name')
      if (
        got.info.status !== want.status ||
        Number(got.info.start_time) !== want.startTime ||
        Number(got.info.end_time) !== want.endTime
      )
        problems.push('info')
      if (params.size !== want.params.length || want.params.some(([k, v]) => params.get(k) !== v))
        problems.push('params')
      if (want.tags.some(([k, v]) => tags.get(k) !== v)) problems.push('tags')
      for (const m of want.metrics) {
        const v = (m.points[m.points.length - 1] as { value: number }).value
        if (!Object.is(metrics.get(m.key), v)) problems.push(`metric ${m.key}`)
      }
      if (metrics.size !== want.metrics.length) problems.push('metric count')
      if (problems.length > 0)
        throw new Error(`seeded run ${want.id} read back wrong (${problems.join(', ')}): ${JSON.stringify(got)}`)
    }
    const deep = runs.find((r) => (r.metrics[0]?.points.length ?? 0) > 3) ?? (runs[0] as SeedRun)
    const m = deep.metrics[0] as SeedRun['metrics'][number]
    const raw = await c.send('GET', `${API}/metrics/get-history?run_id=${deep.id}&metric_key=${m.key}`)
    const h = JSON.parse(raw.body) as { metrics?: { step: string | number }[] }
    if ((h.metrics ?? []).length !== m.points.length)
      throw new Error(`history of ${deep.id}/${m.key}: ${h.metrics?.length} points, expected ${m.points.length}`)
    const listed = await c.post<{ runs?: unknown[] }>(
      `${API}/runs/search`,
      JSON.stringify({ experiment_ids: [experimentId], max_results: 1 }),
    )
    if ((listed.body.runs ?? []).length !== 1) throw new Error('runs/search on the seeded experiment found nothing')
  } finally {
    c.close()
  }
}
