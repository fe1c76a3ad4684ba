/**
 * The search benchmark's store on PostgreSQL, built fresh in each run (a database per server and
 * size on the run's throwaway cluster; nothing cached), the same way as on SQLite (search-seed.ts):
 *
 * 1. the server starts on an empty database and creates its own schema (MLflow's migrations, keel's);
 *    through its API the experiment and one template run, with every table's row count before and
 *    after (a table other than runs/tags/params/metrics/latest_metrics, and keel's audit_log, that
 *    changed stops the build);
 * 2. the server stops; one psql session copies every run in (COPY ... FROM STDIN, one transaction)
 *    as copies of the template's rows (search-seed.ts's seedRows), deletes the template run, then
 *    `VACUUM ANALYZE`s the tables written: what autovacuum does by itself a minute after a bulk
 *    insert on a user's server, done at once so that the timing does not depend on when it ran;
 * 3. the server starts again and a sample of runs is read back through the API. That server is the
 *    one timed.
 */
import type { Client } from './http.js'
import { type BenchPostgres, copyText, mlflowStoreUri } from './postgres.js'
import type { SeedRun } from './search-data.js'
import {
  HANDLED,
  makeTemplate,
  type Row,
  type SeedTable,
  type StoreAccess,
  seedColumns,
  seedRows,
  start,
  type Target,
  type Template,
  verifySample,
} from './search-seed.js'
import type { ServerHandle } from './servers.js'

export interface PostgresStore {
  readonly database: string
  readonly experimentId: string
  readonly buildSeconds: number
  /** The server, started on the seeded database and checked. */
  readonly server: ServerHandle
  /** Stops the server and drops the database. */
  remove(): Promise<void>
}

function postgresAccess(pg: BenchPostgres, database: string): StoreAccess {
  const json = (sql: string): Row[] => JSON.parse(pg.sql(database, sql) || '[]') as Row[]
  const hasAudit = (): boolean => pg.sql(database, "SELECT to_regclass('public.audit_log') IS NOT NULL") === 't'
  return {
    counts: () => {
      const out = pg.sql(
        database,
        "SELECT table_name, (xpath('/row/n/text()', query_to_xml(format('SELECT count(*) AS n FROM %I.%I', " +
          "table_schema, table_name), false, true, '')))[1]::text FROM information_schema.tables " +
          "WHERE table_schema = 'public' AND table_type = 'BASE TABLE'",
      )
      return new Map(
        out
          .split('\n')
          .filter(Boolean)
          .map((line) => {
            const [name, n] = line.split('|')
            return [name ?? '', Number(n)] as const
          }),
      )
    },
    maxAuditSeq: () =>
      hasAudit() ? Number(pg.sql(database, 'SELECT COALESCE(MAX(seq), 0) FROM audit_log')) : undefined,
    rowsOf: (table, runId) =>
      json(`SELECT COALESCE(json_agg(t), '[]') FROM ${table} t WHERE run_uuid = '${runId.replace(/'/g, "''")}'`),
    auditAfter: (seq) => json(`SELECT COALESCE(json_agg(t ORDER BY seq), '[]') FROM audit_log t WHERE seq > ${seq}`),
  }
}

/** The psql script: one transaction, a COPY per table (parents first), the template run deleted. */
function* copyScript(template: Template, runs: readonly SeedRun[]): Generator<string> {
  const cols = seedColumns(template)
  const tables: SeedTable[] = [...HANDLED, ...(cols.audit_log.length > 0 ? (['audit_log'] as const) : [])]
  yield 'BEGIN;\n'
  for (const table of tables) {
    yield `COPY ${table} (${cols[table].map((c) => `"${c}"`).join(', ')}) FROM STDIN;\n`
    let chunk: string[] = []
    for (const run of runs) {
      for (const row of seedRows(template, run)[table]) chunk.push(`${row.map(copyText).join('\t')}\n`)
      if (chunk.length >= 20_000) {
        yield chunk.join('')
        chunk = []
      }
    }
    yield `${chunk.join('')}\\.\n`
  }
  const id = template.runId.replace(/'/g, "''")
  for (const table of [...HANDLED].reverse()) yield `DELETE FROM ${table} WHERE run_uuid = '${id}';\n`
  yield 'COMMIT;\n'
}

/** Seeds a fresh database for `target` with `runs` and returns the server started on it. */
export async function seedPostgres(
  target: Target,
  pg: BenchPostgres,
  runs: readonly SeedRun[],
  venvPython: string | undefined,
  connect: (url: string) => Client,
  log: (msg: string) => void,
): Promise<PostgresStore> {
  const started = performance.now()
  const database = `search_${target}_${runs.length}`
  const raw = pg.createDatabase(database)
  const store = { storeUri: target === 'mlflow' ? mlflowStoreUri(raw) : raw }
  const drop = (): void => {
    pg.sql('postgres', `DROP DATABASE IF EXISTS ${database} WITH (FORCE)`)
  }
  try {
    let server = await start(target, store, venvPython)
    let template: Template
    try {
      template = await makeTemplate(server, postgresAccess(pg, database), connect)
    } finally {
      await server.stop()
    }
    await pg.script(database, copyScript(template, runs))
    const tables = [...HANDLED, ...(template.audit.length > 0 ? ['audit_log'] : [])]
    pg.sql(database, `VACUUM ANALYZE ${tables.join(', ')}`)
    log(
      `${target}: copied ${runs.length} runs into PostgreSQL in ${((performance.now() - started) / 1000).toFixed(1)} s; checking through the API`,
    )
    server = await start(target, store, venvPython)
    try {
      await verifySample(connect(server.url), template.experimentId, runs)
    } catch (err) {
      await server.stop()
      throw err
    }
    const running = server
    return {
      database,
      experimentId: template.experimentId,
      buildSeconds: (performance.now() - started) / 1000,
      server: running,
      remove: async () => {
        await running.stop()
        drop()
      },
    }
  } catch (err) {
    drop()
    throw err
  }
}
