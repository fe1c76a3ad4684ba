/**
 * Tracking ingestion benchmark: keel vs stock MLflow, each started as a user starts it (defaults:
 * `keel server`, and `mlflow server` with its 4 uvicorn workers), same raw REST calls, a fresh store
 * each, one server at a time on the same machine, in one run.
 *
 *   node_modules/.bin/tsx bench/tracking-ingest.bench.ts [--only keel|mlflow] [--backend sqlite|postgres]
 *   KEEL_BENCH_INGEST_ROUNDS=5 KEEL_BENCH_INGEST_SECONDS=2 ...   (rounds per case, seconds per round)
 *
 * `--backend postgres`: one throwaway PostgreSQL cluster for the run (durable: PostgreSQL's defaults),
 * a fresh database per server, and then "two replicas vs one": two `keel server` processes on one
 * database with the clients split across them, against one server (KEEL_BENCH_REPLICAS=0 skips it).
 * KEEL_BENCH_PG_STATEMENTS=1 also counts the SQL statements per request (pg_stat_statements).
 *
 * Cases: 1 and 4 clients (each a training script logging its own run: log-batch requests one after
 * the other on its own keep-alive connection) x batches of 10, 100 and 1,000 metrics. Each case is
 * a warm-up round, then rounds of a fixed duration; reported: metrics/s (median and min-max over the
 * rounds), p50/p99 per request (medians over the rounds), the server's CPU per 1,000 metrics (its
 * whole process group; PostgreSQL's beside it), keel/MLflow ratios. Then sequential log-metric round
 * trips, and the resident memory of each server (all its processes) idle and after the workload.
 */
import { benchLog, runBench, stopServersOnSignals, writeResults } from './lib/harness.js'
import { Client } from './lib/http.js'
import { type CaseResult, runCase } from './lib/ingest-cases.js'
import { type IngestReport, replicaTable, report, type TargetResult } from './lib/ingest-report.js'
import { batchBody, createExperiment, createRun, logMetricRoundTrips } from './lib/ingest-workload.js'
import { trackingArgs } from './lib/tracking-args.js'
import {
  type Backend,
  type BenchPostgres,
  mlflowStoreUri,
  resetStatements,
  startBenchPostgres,
  statementsSince,
} from './lib/postgres.js'
import { groupMemory, waitQuiet } from './lib/proc.js'
import { venvPython } from './lib/python.js'
import { startKeel, startMlflow, stopAll, type ServerHandle } from './lib/servers.js'
import { fmt } from './lib/table.js'

type Target = 'keel' | 'mlflow'

const CLIENTS = [1, 4] as const
const SIZES = [10, 100, 1000] as const
const ROUND_TRIPS = { keel: { count: 2000, warmup: 200 }, mlflow: { count: 300, warmup: 30 } } as const
/** Two replicas vs one: these cases (clients x metrics per batch). */
const REPLICA_CASES = [
  [4, 100],
  [4, 1000],
  [8, 1000],
] as const

function numberEnv(name: string, fallback: number): number {
  const raw = process.env[name]
  const value = raw === undefined ? fallback : Number(raw)
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, got ${raw}`)
  return value
}

interface Args {
  targets: Target[]
  backend: Backend
  rounds: number
  seconds: number
}

function parseArgs(input: readonly string[]): Args {
  const { targets, backend } = trackingArgs(input, 'tracking-ingest.bench.ts')
  return {
    targets,
    backend,
    rounds: Math.round(numberEnv('KEEL_BENCH_INGEST_ROUNDS', 5)),
    seconds: numberEnv('KEEL_BENCH_INGEST_SECONDS', 2),
  }
}

const log = benchLog('tracking-ingest')

function logCase(label: string, r: CaseResult): void {
  const db = r.databaseCpuMsPer1k === undefined ? '' : `, PostgreSQL CPU ${fmt(r.databaseCpuMsPer1k)} ms/1k`
  log(
    `  ${label}${r.clients} client(s) x ${r.size}: ${fmt(r.metricsPerSecond.median, 0)} metrics/s ` +
      `(${fmt(r.metricsPerSecond.min, 0)}-${fmt(r.metricsPerSecond.max, 0)}), p50 ${fmt(r.p50Ms)} ms, ` +
      `p99 ${fmt(r.p99Ms)} ms, server CPU ${fmt(r.serverCpuMsPer1k)} ms/1k metrics${db}, ` +
      `${fmt(r.coresBusy)} cores busy, load ${fmt(Math.max(...r.loadavg), 1)}`,
  )
}

/** A store for a server: a fresh SQLite file in its folder, or a fresh database on the cluster. */
const storeFor = (pg: BenchPostgres | undefined, name: string, target: Target): { storeUri?: string } => {
  if (!pg) return {}
  const uri = pg.createDatabase(name)
  return { storeUri: target === 'mlflow' ? mlflowStoreUri(uri) : uri }
}

const start = (target: Target, pg: BenchPostgres | undefined, database: string): Promise<ServerHandle> =>
  target === 'keel'
    ? startKeel({ requestLog: true, ...storeFor(pg, database, target) }) // its default, as MLflow's uvicorn logs each request
    : startMlflow(venvPython(), storeFor(pg, database, target))

/** With pg_stat_statements: the statements one client's log-batch requests run, per request. */
async function statementProfile(
  pg: BenchPostgres,
  database: string,
  server: ServerHandle,
  experimentId: string,
): Promise<NonNullable<TargetResult['statementsPerRequest']>> {
  const out: NonNullable<TargetResult['statementsPerRequest']> = {}
  const c = new Client(server.url, 1)
  try {
    for (const size of SIZES) {
      const runId = await createRun(c, experimentId, `statements-${size}`)
      const requests = 100
      resetStatements(pg)
      for (let i = 0; i < requests; i++)
        await c.send('POST', '/api/2.0/mlflow/runs/log-batch', batchBody(runId, i, size))
      const rows = statementsSince(pg, database)
      const calls = rows.reduce((a, r) => a + r.calls, 0)
      const execMs = rows.reduce((a, r) => a + r.execMs, 0)
      const planMs = rows.reduce((a, r) => a + r.planMs, 0)
      out[String(size)] = {
        perRequest: calls / requests,
        execMsPerRequest: execMs / requests,
        planMsPerRequest: planMs / requests,
        top: rows.slice(0, 12).map((r) => ({
          calls: r.calls / requests,
          execMs: r.execMs / requests,
          planMs: r.planMs / requests,
          query: r.query.slice(0, 160),
        })),
      }
      log(
        `  per log-batch of ${size}: ${fmt(calls / requests, 1)} statements, PostgreSQL ${fmt(execMs / requests)} ms executing, ${fmt(planMs / requests)} ms planning`,
      )
      for (const r of rows.slice(0, 8))
        log(
          `    ${fmt(r.calls / requests, 2)} x, exec ${fmt(r.execMs / requests, 3)} ms, plan ${fmt(r.planMs / requests, 3)} ms: ${r.query.slice(0, 120)}`,
        )
    }
  } finally {
    c.close()
  }
  return out
}

async function benchTarget(target: Target, args: Args, pg: BenchPostgres | undefined): Promise<TargetResult> {
  log(`starting ${target}${target === 'mlflow' ? ' (its first start runs migrations: up to 2 min)' : ''}`)
  const database = `ingest_${target}`
  const server = await start(target, pg, database)
  try {
    log(`${target} ${server.version} ready at ${server.url}`)
    const setup = new Client(server.url, 1)
    const experimentId = await createExperiment(setup, 'bench-ingest')
    // Idle: started, answered a few requests, and no longer busy (mlflow server keeps starting
    // processes for a while after it first answers); measured before any timed round.
    const quietAfterStartMs = await waitQuiet(server.pid)
    const idle = groupMemory(server.pid)
    log(
      `${target}: idle after ${fmt(quietAfterStartMs / 1000, 1)} s: RSS ${fmt(idle.rssMb, 1)} MB, PSS ${fmt(idle.pssMb, 1)} MB, ` +
        `${idle.processes} process(es): ${idle.commands.join(' | ')}`,
    )
    const one = { label: target, servers: [server], experimentId, ...(pg && { databaseCpuMs: pg.cpuMs }) }
    const cases: CaseResult[] = []
    for (const clients of CLIENTS) {
      for (const size of SIZES) {
        const [r] = await runCase([one], clients, size, args.rounds, args.seconds)
        if (r) cases.push(r)
        if (r) logCase('', r)
      }
    }
    const plan = ROUND_TRIPS[target]
    log(`${target}: ${plan.count} sequential log-metric calls (after ${plan.warmup} warm-up)`)
    const rtRun = await createRun(setup, experimentId, 'round-trip')
    const logMetric = await logMetricRoundTrips(setup, rtRun, plan.count, plan.warmup)
    setup.close()
    const after = groupMemory(server.pid)
    log(
      `${target}: after the workload RSS ${fmt(after.rssMb, 1)} MB, PSS ${fmt(after.pssMb, 1)} MB (${after.processes} process(es))`,
    )
    const statements =
      pg && process.env.KEEL_BENCH_PG_STATEMENTS === '1'
        ? await statementProfile(pg, database, server, experimentId)
        : undefined
    return {
      version: server.version,
      command: server.command,
      cases,
      logMetric,
      quietAfterStartMs,
      memory: { idle, after },
      ...(statements && { statementsPerRequest: statements }),
    }
  } finally {
    await server.stop()
  }
}

/** Two keel servers on one database (clients split across them) against one, rounds in turn. */
async function benchReplicas(args: Args, pg: BenchPostgres): Promise<IngestReport['replicas']> {
  log('two replicas vs one: starting 1 + 2 keel servers, each setup on its own database')
  const oneUri = pg.createDatabase('replicas_one')
  const twoUri = pg.createDatabase('replicas_two')
  const single = await startKeel({ requestLog: true, storeUri: oneUri })
  const pair = [
    await startKeel({ requestLog: true, storeUri: twoUri }),
    await startKeel({ requestLog: true, storeUri: twoUri }),
  ]
  try {
    const experiment = async (s: ServerHandle): Promise<string> => {
      const c = new Client(s.url, 1)
      try {
        return await createExperiment(c, 'bench-replicas')
      } finally {
        c.close()
      }
    }
    const setups = [
      { label: '1 replica', servers: [single], experimentId: await experiment(single), databaseCpuMs: pg.cpuMs },
      {
        label: '2 replicas',
        servers: pair,
        experimentId: await experiment(pair[0] as ServerHandle),
        databaseCpuMs: pg.cpuMs,
      },
    ]
    const cases = []
    for (const [clients, size] of REPLICA_CASES) {
      const [one, two] = await runCase(setups, clients, size, args.rounds, args.seconds)
      if (!one || !two) continue
      logCase('1 replica:  ', one)
      logCase('2 replicas: ', two)
      cases.push({ clients, size, one, two })
    }
    return { version: single.version, cases }
  } finally {
    await Promise.all([single, ...pair].map((s) => s.stop()))
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2))
  stopServersOnSignals(log)
  const results: Partial<Record<Target, TargetResult>> = {}
  let pg: BenchPostgres | undefined
  let replicas: IngestReport['replicas'] | undefined
  let replicasError: string | undefined
  try {
    if (args.backend === 'postgres') {
      pg = await startBenchPostgres(
        process.env.KEEL_BENCH_PG_STATEMENTS === '1'
          ? { shared_preload_libraries: 'pg_stat_statements', 'pg_stat_statements.track_planning': 'on' }
          : {},
      )
      log(`PostgreSQL ${pg.version} on port ${pg.cluster.port} (durable: fsync and full_page_writes on)`)
    }
    // One server at a time, so they never compete for the (few) cores.
    for (const t of args.targets) results[t] = await benchTarget(t, args, pg)
    if (pg && args.targets.includes('keel') && process.env.KEEL_BENCH_REPLICAS !== '0') {
      try {
        replicas = await benchReplicas(args, pg)
      } catch (err) {
        // The comparison with MLflow is reported even if this part fails.
        replicasError = err instanceof Error ? err.message : String(err)
        log(`two replicas vs one FAILED: ${replicasError}`)
      }
    }
  } finally {
    await stopAll()
    pg?.destroy()
  }
  const out = report({
    results,
    backend: args.backend,
    ...(pg && { postgresVersion: pg.version }),
    rounds: args.rounds,
    seconds: args.seconds,
    config: { clients: CLIENTS, sizes: SIZES, roundTrips: ROUND_TRIPS, replicaCases: REPLICA_CASES },
    ...(replicas && { replicas }),
    ...(replicasError !== undefined && { replicasError }),
  })
  if (replicas) replicaTable(replicas)
  const name = args.backend === 'sqlite' ? 'tracking-ingest' : 'tracking-ingest-postgres'
  console.log(`results: ${writeResults(name, out)}`)
}

runBench('tracking-ingest', main)
