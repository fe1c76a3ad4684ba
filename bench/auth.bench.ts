/**
 * What authentication costs: log-batch ingestion and single log-metric latency with auth off and
 * on, for keel and for stock MLflow's basic-auth app (the anchor, its shipped configuration: no
 * credential cache), in the same run, one server at a time. With auth on, a plain user (not the
 * admin) logs into an experiment they created, so every request is authenticated and checked
 * against that user's permission.
 *
 *   KEEL_BENCH_ONLY=auth npm run bench
 *   node_modules/.bin/tsx bench/auth.bench.ts [--only keel|mlflow] [--repeats N]
 *
 * Goals (issue 11): keel with auth at most 10% slower than keel without; keel's ratio over MLflow
 * kept with auth on both. Each configuration is measured `--repeats` times (default 3), servers
 * interleaved, and the report gives the median of the repeats with their range.
 */
import { cpus, loadavg } from 'node:os'
import { benchLog, machine, runBench, stopServersOnSignals, writeResults } from './lib/harness.js'
import { Client } from './lib/http.js'
import { venvPython } from './lib/python.js'
import { type AuthOptions, basicAuth, startKeel, startMlflow, stopAll, type ServerHandle } from './lib/servers.js'
import { round } from './lib/stats.js'
import { fmt, fmtRatio, renderTable, type Cell } from './lib/table.js'
import { createExperiment, createRun, logMetricRoundTrips } from './lib/ingest-workload.js'
import { ingest } from './lib/tracking-workload.js'

type Target = 'keel' | 'mlflow'
type Mode = 'off' | 'on'

const PLAN = {
  keel: { ingestRequests: 200, roundTrips: 1500, roundTripWarmup: 200 },
  mlflow: { ingestRequests: 40, roundTrips: 200, roundTripWarmup: 20 },
} as const
const CLIENTS = 4
const ADMIN: AuthOptions = { adminUsername: 'admin', adminPassword: 'bench-admin-password-1' }
const USER = { username: 'bench-user', password: 'bench-user-password-1' }
const GOALS = { keelAuthCostMax: 0.1 }

interface Sample {
  readonly metricsPerSecond: number
  readonly logMetricP50Ms: number
  readonly logMetricP99Ms: number
}

function parseArgs(argv: readonly string[]): { targets: Target[]; repeats: number } {
  let targets: Target[] = ['keel', 'mlflow']
  let repeats = 3
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    if (a === '--only') {
      const only = argv[++i]
      if (only !== 'keel' && only !== 'mlflow') throw new Error(`--only takes keel or mlflow, not ${only}`)
      targets = [only]
    } else if (a === '--repeats') {
      repeats = Number(argv[++i])
      if (!Number.isInteger(repeats) || repeats < 1) throw new Error('--repeats takes a whole number >= 1')
    } else if (a !== undefined) {
      throw new Error(`unknown argument ${a} (usage: auth.bench.ts [--only keel|mlflow] [--repeats N])`)
    }
  }
  return { targets, repeats }
}

const log = benchLog('auth')

/** With auth on, the admin creates the user the workload runs as (MLflow's users/create, on both). */
async function workloadAuthorization(server: ServerHandle, mode: Mode): Promise<string | undefined> {
  if (mode === 'off') return undefined
  const admin = new Client(server.url, 1, basicAuth(ADMIN.adminUsername, ADMIN.adminPassword))
  await admin.post('/api/2.0/mlflow/users/create', { username: USER.username, password: USER.password })
  admin.close()
  return basicAuth(USER.username, USER.password)
}

async function measure(target: Target, mode: Mode, python: () => string): Promise<Sample> {
  const plan = PLAN[target]
  const options = mode === 'on' ? { auth: ADMIN } : {}
  const server = target === 'keel' ? await startKeel(options) : await startMlflow(python(), options)
  try {
    const authorization = await workloadAuthorization(server, mode)
    const setup = new Client(server.url, 1, authorization)
    const experimentId = await createExperiment(setup, `bench-auth-${mode}`)
    setup.close()
    const many = new Client(server.url, CLIENTS, authorization)
    const batch = await ingest(many, experimentId, plan.ingestRequests, CLIENTS)
    many.close()
    const one = new Client(server.url, 1, authorization)
    const rt = await logMetricRoundTrips(
      one,
      await createRun(one, experimentId, 'round-trip'),
      plan.roundTrips,
      plan.roundTripWarmup,
    )
    one.close()
    const sample = {
      metricsPerSecond: batch.metricsPerSecond,
      logMetricP50Ms: rt.latencyMs.p50,
      logMetricP99Ms: rt.latencyMs.p99,
    }
    log(
      `${target} auth ${mode} (${server.version}): ${fmt(sample.metricsPerSecond, 0)} metrics/s, log-metric p50 ${fmt(sample.logMetricP50Ms, 3)} ms`,
    )
    return sample
  } finally {
    await server.stop()
  }
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2
}

interface Spread {
  readonly median: number
  readonly min: number
  readonly max: number
}
const spread = (xs: readonly number[]): Spread => ({ median: median(xs), min: Math.min(...xs), max: Math.max(...xs) })
const show = (s: Spread | undefined, digits: number): string =>
  s === undefined ? '-' : `${fmt(s.median, digits)} (${fmt(s.min, digits)}–${fmt(s.max, digits)})`

async function main(): Promise<void> {
  const { targets, repeats } = parseArgs(process.argv.slice(2))
  stopServersOnSignals(log)
  let python: string | undefined
  const getPython = () => (python ??= venvPython())
  const samples = new Map<string, Sample[]>()
  try {
    // Interleaved, so a slow spell of the shared machine falls on every configuration alike.
    for (let r = 0; r < repeats; r++) {
      for (const target of targets) {
        for (const mode of ['off', 'on'] as const) {
          log(`repeat ${r + 1}/${repeats}: ${target}, auth ${mode}`)
          const key = `${target}:${mode}`
          samples.set(key, [...(samples.get(key) ?? []), await measure(target, mode, getPython)])
        }
      }
    }
  } finally {
    await stopAll()
  }

  const stat = (target: Target, mode: Mode, field: keyof Sample): Spread | undefined => {
    const xs = samples.get(`${target}:${mode}`)
    return xs && spread(xs.map((s) => s[field]))
  }
  const cost = (target: Target, field: keyof Sample, higherIsBetter: boolean): number => {
    const off = stat(target, 'off', field)?.median
    const on = stat(target, 'on', field)?.median
    if (off === undefined || on === undefined) return Number.NaN
    return higherIsBetter ? 1 - on / off : on / off - 1
  }
  const ratio = (mode: Mode, field: keyof Sample, higherIsBetter: boolean): number => {
    const k = stat('keel', mode, field)?.median
    const m = stat('mlflow', mode, field)?.median
    if (k === undefined || m === undefined) return Number.NaN
    return higherIsBetter ? k / m : m / k
  }
  const pct = (x: number) => (Number.isNaN(x) ? '-' : `${x >= 0 ? '+' : ''}${fmt(x * 100, 1)}%`)
  const keelCost = { ingest: cost('keel', 'metricsPerSecond', true), logMetric: cost('keel', 'logMetricP50Ms', false) }
  const ratios = {
    ingestOff: ratio('off', 'metricsPerSecond', true),
    ingestOn: ratio('on', 'metricsPerSecond', true),
    logMetricOff: ratio('off', 'logMetricP50Ms', false),
    logMetricOn: ratio('on', 'logMetricP50Ms', false),
  }
  const met = (ok: boolean | undefined) => (ok === undefined ? 'n/a' : ok ? 'MET' : 'NOT MET')
  const goals = {
    keelIngestCost: met(Number.isNaN(keelCost.ingest) ? undefined : keelCost.ingest <= GOALS.keelAuthCostMax),
    keelLogMetricCost: met(Number.isNaN(keelCost.logMetric) ? undefined : keelCost.logMetric <= GOALS.keelAuthCostMax),
    // Kept: within the noise the cost goal allows (a ratio 1% lower on a shared machine is the same ratio).
    ingestRatioKept: met(
      Number.isNaN(ratios.ingestOn) ? undefined : ratios.ingestOn >= ratios.ingestOff * (1 - GOALS.keelAuthCostMax),
    ),
    logMetricRatioKept: met(
      Number.isNaN(ratios.logMetricOn)
        ? undefined
        : ratios.logMetricOn >= ratios.logMetricOff * (1 - GOALS.keelAuthCostMax),
    ),
  }
  const rows: Cell[][] = [
    [
      'log-batch ingestion, metrics/s',
      show(stat('keel', 'off', 'metricsPerSecond'), 0),
      show(stat('keel', 'on', 'metricsPerSecond'), 0),
      pct(keelCost.ingest),
      show(stat('mlflow', 'off', 'metricsPerSecond'), 0),
      show(stat('mlflow', 'on', 'metricsPerSecond'), 0),
      pct(cost('mlflow', 'metricsPerSecond', true)),
    ],
    [
      'log-metric p50 (ms)',
      show(stat('keel', 'off', 'logMetricP50Ms'), 3),
      show(stat('keel', 'on', 'logMetricP50Ms'), 3),
      pct(keelCost.logMetric),
      show(stat('mlflow', 'off', 'logMetricP50Ms'), 2),
      show(stat('mlflow', 'on', 'logMetricP50Ms'), 2),
      pct(cost('mlflow', 'logMetricP50Ms', false)),
    ],
    [
      'log-metric p99 (ms)',
      show(stat('keel', 'off', 'logMetricP99Ms'), 3),
      show(stat('keel', 'on', 'logMetricP99Ms'), 3),
      pct(cost('keel', 'logMetricP99Ms', false)),
      show(stat('mlflow', 'off', 'logMetricP99Ms'), 2),
      show(stat('mlflow', 'on', 'logMetricP99Ms'), 2),
      pct(cost('mlflow', 'logMetricP99Ms', false)),
    ],
  ]
  console.log(
    '\nAuth benchmark: what authentication costs, keel against MLflow (basic-auth app, shipped configuration)',
  )
  console.log(
    `${cpus().length} CPUs (${cpus()[0]?.model.trim() ?? '?'}), Node ${process.version}, load avg ${loadavg()[0]?.toFixed(1)}; median of ${repeats} repeats (min–max)`,
  )
  console.log(
    `\n${renderTable(['measure', 'keel off', 'keel on', 'keel cost', 'mlflow off', 'mlflow on', 'mlflow cost'], rows)}\n`,
  )
  console.log(
    renderTable(
      ['goal', 'value', 'status'],
      [
        [
          `keel's ingestion cost of auth <= ${GOALS.keelAuthCostMax * 100}%`,
          pct(keelCost.ingest),
          goals.keelIngestCost,
        ],
        [
          `keel's log-metric p50 cost of auth <= ${GOALS.keelAuthCostMax * 100}%`,
          pct(keelCost.logMetric),
          goals.keelLogMetricCost,
        ],
        [
          `keel/MLflow ingestion ratio kept with auth (within ${GOALS.keelAuthCostMax * 100}%)`,
          `${fmtRatio(ratios.ingestOff)} off, ${fmtRatio(ratios.ingestOn)} on`,
          goals.ingestRatioKept,
        ],
        [
          `keel/MLflow log-metric ratio kept with auth (within ${GOALS.keelAuthCostMax * 100}%)`,
          `${fmtRatio(ratios.logMetricOff)} off, ${fmtRatio(ratios.logMetricOn)} on`,
          goals.logMetricRatioKept,
        ],
      ],
    ),
  )
  console.log(
    `\nworkload: ${CLIENTS} clients x log-batch of 1000 metrics (keel ${PLAN.keel.ingestRequests}, mlflow ${PLAN.mlflow.ingestRequests} requests); sequential log-metric (keel ${PLAN.keel.roundTrips}, mlflow ${PLAN.mlflow.roundTrips}); with auth, a non-admin user with HTTP basic auth on every request`,
  )

  const out = {
    benchmark: 'auth',
    date: new Date().toISOString(),
    machine: machine(),
    config: { clients: CLIENTS, plan: PLAN, repeats },
    samples: Object.fromEntries(samples),
    keelCost: { ingest: round(keelCost.ingest, 4), logMetricP50: round(keelCost.logMetric, 4) },
    ratios: Object.fromEntries(Object.entries(ratios).map(([k, v]) => [k, Number.isNaN(v) ? null : round(v, 2)])),
    goals,
  }
  console.log(`results: ${writeResults('auth', out)}`)
}

runBench('auth', main)
