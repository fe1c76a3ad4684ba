/**
 * Tracking benchmark: keel vs stock MLflow (the anchor), same raw REST workload, same kind of store
 * (a fresh SQLite file per server), same machine, same run. Reports medians and ratios.
 *
 *   npm run bench                                  (builds, then runs every bench/*.bench.ts)
 *   node_modules/.bin/tsx bench/tracking.bench.ts [--only keel|mlflow]
 *   KEEL_BENCH_RUNS=2000 ...                       (fewer seeded runs for search, for a quick look)
 */
import { cpus, loadavg } from 'node:os'
import { benchLog, machine, runBench, stopServersOnSignals, writeResults } from './lib/harness.js'
import { Client } from './lib/http.js'
import { venvPython } from './lib/python.js'
import { REPO_ROOT, startKeel, startMlflow, stopAll, type ServerHandle } from './lib/servers.js'
import { round, type Summary } from './lib/stats.js'
import { fmt, fmtRatio, renderTable, type Cell } from './lib/table.js'
import {
  createExperiment,
  ingest,
  logMetricRoundTrips,
  searchRuns,
  SEARCH_FILTER,
  SEARCH_ORDER,
  type IngestResult,
  type RoundTripResult,
  type SearchResult,
} from './lib/tracking-workload.js'

type Target = 'keel' | 'mlflow'

/** Per-server request counts: MLflow is far slower, so it gets fewer (still enough for a median). */
const PLAN = {
  keel: { ingestRequests: 300, roundTrips: 2000, roundTripWarmup: 200, searches: 50, searchWarmup: 5 },
  mlflow: { ingestRequests: 60, roundTrips: 300, roundTripWarmup: 30, searches: 20, searchWarmup: 3 },
} as const
const CLIENTS = 4
const SEED_IN_FLIGHT = 8
const GOALS = { ingestRatio: 20, searchRatio: 20, logMetricP50Ms: 1 }

interface TargetResult {
  readonly server: { readonly version: string; readonly command: readonly string[] }
  readonly ingest: IngestResult
  readonly logMetric: RoundTripResult
  readonly search: SearchResult
}

function parseArgs(argv: readonly string[]): { targets: Target[]; runs: number } {
  let targets: Target[] = ['keel', 'mlflow']
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    const only = a === '--only' ? argv[++i] : a?.startsWith('--only=') ? a.slice(7) : undefined
    if (only !== undefined) {
      if (only !== 'keel' && only !== 'mlflow') throw new Error(`--only takes keel or mlflow, not ${only}`)
      targets = [only]
    } else if (a !== undefined) {
      throw new Error(`unknown argument ${a} (usage: tracking.bench.ts [--only keel|mlflow])`)
    }
  }
  const runs = Number(process.env.KEEL_BENCH_RUNS ?? 10_000)
  if (!Number.isInteger(runs) || runs < 100)
    throw new Error(`KEEL_BENCH_RUNS must be an integer >= 100, got ${process.env.KEEL_BENCH_RUNS}`)
  return { targets, runs }
}

const log = benchLog('tracking')

async function benchTarget(target: Target, runs: number): Promise<TargetResult> {
  const plan = PLAN[target]
  log(`starting ${target}${target === 'mlflow' ? ' (first start runs migrations: up to 2 min)' : ''}`)
  const server: ServerHandle = target === 'keel' ? await startKeel() : await startMlflow(venvPython())
  try {
    log(`${target} ${server.version} ready at ${server.url}`)
    const setup = new Client(server.url, 1)
    const experimentId = await createExperiment(setup, 'bench-tracking')
    setup.close()

    log(`${target}: log-batch ingestion, ${plan.ingestRequests} x 1000 metrics from ${CLIENTS} clients`)
    const many = new Client(server.url, CLIENTS)
    const ingestResult = await ingest(many, experimentId, plan.ingestRequests, CLIENTS)
    many.close()

    log(`${target}: ${plan.roundTrips} sequential log-metric calls (after ${plan.roundTripWarmup} warm-up)`)
    const one = new Client(server.url, 1)
    const logMetric = await logMetricRoundTrips(one, experimentId, plan.roundTrips, plan.roundTripWarmup)
    one.close()

    log(`${target}: search_runs over ${runs} runs (seeding ${SEED_IN_FLIGHT} in flight)`)
    const seeder = new Client(server.url, SEED_IN_FLIGHT)
    const search = await searchRuns(seeder, runs, SEED_IN_FLIGHT, plan.searches, plan.searchWarmup)
    seeder.close()
    return { server: { version: server.version, command: server.command }, ingest: ingestResult, logMetric, search }
  } finally {
    await server.stop()
  }
}

function roundSummary(s: Summary): Record<string, number> {
  return Object.fromEntries(Object.entries(s).map(([k, v]) => [k, k === 'n' ? v : round(v, 4)]))
}

function report(results: Partial<Record<Target, TargetResult>>, runs: number): Record<string, unknown> {
  const k = results.keel
  const m = results.mlflow
  const ratios = {
    ingest: k && m ? k.ingest.metricsPerSecond / m.ingest.metricsPerSecond : Number.NaN,
    ingestP50: k && m ? m.ingest.latencyMs.p50 / k.ingest.latencyMs.p50 : Number.NaN,
    logMetricP50: k && m ? m.logMetric.latencyMs.p50 / k.logMetric.latencyMs.p50 : Number.NaN,
    searchP50: k && m ? m.search.latencyMs.p50 / k.search.latencyMs.p50 : Number.NaN,
  }
  const status = (ok: boolean | undefined): string => (ok === undefined ? 'n/a' : ok ? 'MET' : 'NOT MET')
  const goals = {
    ingest: status(Number.isNaN(ratios.ingest) ? undefined : ratios.ingest >= GOALS.ingestRatio),
    search: status(Number.isNaN(ratios.searchP50) ? undefined : ratios.searchP50 >= GOALS.searchRatio),
    logMetric: status(k ? k.logMetric.latencyMs.p50 < GOALS.logMetricP50Ms : undefined),
  }
  const n = (x: number | undefined, d = 2): string => (x === undefined ? '-' : fmt(x, d))
  const rows: Cell[][] = [
    [
      'log-batch ingestion, metrics/s',
      n(k?.ingest.metricsPerSecond),
      n(m?.ingest.metricsPerSecond),
      fmtRatio(ratios.ingest),
      `>= ${GOALS.ingestRatio}x`,
      goals.ingest,
    ],
    [
      '  log-batch p50 (ms)',
      n(k?.ingest.latencyMs.p50),
      n(m?.ingest.latencyMs.p50),
      fmtRatio(ratios.ingestP50),
      '',
      '',
    ],
    [
      'log-metric round trip p50 (ms)',
      n(k?.logMetric.latencyMs.p50, 3),
      n(m?.logMetric.latencyMs.p50, 3),
      fmtRatio(ratios.logMetricP50),
      `keel < ${GOALS.logMetricP50Ms} ms`,
      goals.logMetric,
    ],
    ['  log-metric p90 (ms)', n(k?.logMetric.latencyMs.p90, 3), n(m?.logMetric.latencyMs.p90, 3), '', '', ''],
    ['  log-metric p99 (ms)', n(k?.logMetric.latencyMs.p99, 3), n(m?.logMetric.latencyMs.p99, 3), '', '', ''],
    ['  floor: GET /health p50 (ms)', n(k?.logMetric.healthMs.p50, 3), n(m?.logMetric.healthMs.p50, 3), '', '', ''],
    [
      `search_runs p50 (ms), ${runs} runs`,
      n(k?.search.latencyMs.p50),
      n(m?.search.latencyMs.p50),
      fmtRatio(ratios.searchP50),
      `>= ${GOALS.searchRatio}x`,
      goals.search,
    ],
    ['  search_runs p90 (ms)', n(k?.search.latencyMs.p90), n(m?.search.latencyMs.p90), '', '', ''],
    ['  seeding time (s)', n(k?.search.seedSeconds, 1), n(m?.search.seedSeconds, 1), '', '', ''],
  ]
  const title = `Tracking benchmark: keel ${k?.server.version ?? '(skipped)'} vs MLflow ${m?.server.version ?? '(skipped)'}`
  const sizes = (t: Target): string => {
    const r = results[t]
    return r
      ? `${r.ingest.requests} log-batch, ${r.logMetric.latencyMs.n} log-metric, ${r.search.latencyMs.n} searches`
      : 'skipped'
  }
  console.log(`\n${title}`)
  console.log(
    `${cpus().length} CPUs (${cpus()[0]?.model.trim() ?? '?'}), Node ${process.version}, load avg ${loadavg()[0]?.toFixed(1)}; medians of sequential samples, ratio = keel advantage`,
  )
  console.log(`\n${renderTable(['measure', 'keel', 'mlflow', 'ratio', 'goal', 'status'], rows)}\n`)
  console.log(`samples: keel ${sizes('keel')}; mlflow ${sizes('mlflow')}`)
  console.log(
    `search: filter "${SEARCH_FILTER}", order_by ${SEARCH_ORDER.join(',')}, max_results 100; ${k?.search.matching ?? m?.search.matching} of ${runs} runs match`,
  )
  if (m) console.log(`mlflow run as: ${m.server.command.map((a) => a.replace(`${REPO_ROOT}/`, '')).join(' ')}`)
  if (k)
    console.log(
      `keel run as:   node ${k.server.command
        .slice(1)
        .map((a) => a.replace(`${REPO_ROOT}/`, ''))
        .join(' ')}`,
    )

  const json = (r: TargetResult | undefined): unknown =>
    r && {
      ...r,
      ingest: {
        ...r.ingest,
        seconds: round(r.ingest.seconds),
        metricsPerSecond: round(r.ingest.metricsPerSecond, 0),
        latencyMs: roundSummary(r.ingest.latencyMs),
      },
      logMetric: {
        ...r.logMetric,
        latencyMs: roundSummary(r.logMetric.latencyMs),
        healthMs: roundSummary(r.logMetric.healthMs),
      },
      search: { ...r.search, seedSeconds: round(r.search.seedSeconds), latencyMs: roundSummary(r.search.latencyMs) },
    }
  return {
    benchmark: 'tracking',
    date: new Date().toISOString(),
    machine: { ...machine(), platform: `${process.platform}-${process.arch}` },
    config: {
      clients: CLIENTS,
      seedInFlight: SEED_IN_FLIGHT,
      runs,
      plan: PLAN,
      filter: SEARCH_FILTER,
      orderBy: SEARCH_ORDER,
    },
    results: { keel: json(k) ?? null, mlflow: json(m) ?? null },
    ratios: Object.fromEntries(Object.entries(ratios).map(([key, v]) => [key, Number.isNaN(v) ? null : round(v, 2)])),
    goals: { targets: GOALS, status: goals },
  }
}

async function main(): Promise<void> {
  const { targets, runs } = parseArgs(process.argv.slice(2))
  stopServersOnSignals(log)
  const results: Partial<Record<Target, TargetResult>> = {}
  try {
    // One server at a time, so they never compete for the (few) cores.
    for (const t of targets) results[t] = await benchTarget(t, runs)
  } finally {
    await stopAll()
  }
  console.log(`results: ${writeResults('tracking', report(results, runs))}`)
}

runBench('tracking', main)
