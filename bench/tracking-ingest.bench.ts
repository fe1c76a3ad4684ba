/**
 * Tracking ingestion benchmark: keel vs stock MLflow, each started as a user starts it (defaults:
 * `keel server`, and `mlflow server` with its 4 uvicorn workers), same raw REST calls, a fresh
 * SQLite file each, one server at a time on the same machine, in one run.
 *
 *   node_modules/.bin/tsx bench/tracking-ingest.bench.ts [--only keel|mlflow]
 *   KEEL_BENCH_INGEST_ROUNDS=5 KEEL_BENCH_INGEST_SECONDS=2 ...   (rounds per case, seconds per round)
 *
 * Cases: 1 and 4 clients (each a training script logging its own run: log-batch requests one after
 * the other on its own keep-alive connection) x batches of 10, 100 and 1,000 metrics. Each case is
 * a warm-up round, then rounds of a fixed duration; reported: metrics/s (median and min-max over the
 * rounds), p50/p99 per request (medians over the rounds), the server's CPU per 1,000 metrics (its
 * whole process group), keel/MLflow ratios. Then sequential log-metric round trips, and the
 * resident memory of each server (all its processes) idle and after the workload.
 */
import { loadavg } from 'node:os'
import { benchLog, machine, runBench, stopServersOnSignals, writeResults } from './lib/harness.js'
import { Client } from './lib/http.js'
import {
  createExperiment,
  createRun,
  ingestRound,
  logMetricRoundTrips,
  METRIC_KEYS,
  type IngestRound,
  type RoundTripResult,
} from './lib/ingest-workload.js'
import { type GroupMemory, groupMemory, waitQuiet } from './lib/proc.js'
import { venvPython } from './lib/python.js'
import { REPO_ROOT, startKeel, startMlflow, stopAll, type ServerHandle } from './lib/servers.js'
import { median, round } from './lib/stats.js'
import { fmt, renderTable, type Cell } from './lib/table.js'

type Target = 'keel' | 'mlflow'

const CLIENTS = [1, 4] as const
const SIZES = [10, 100, 1000] as const
const ROUND_TRIPS = { keel: { count: 2000, warmup: 200 }, mlflow: { count: 300, warmup: 30 } } as const
const GOAL_RATIO = 20

interface CaseResult {
  readonly clients: number
  readonly size: number
  readonly rounds: readonly IngestRound[]
  readonly metricsPerSecond: { readonly median: number; readonly min: number; readonly max: number }
  readonly p50Ms: number
  readonly p99Ms: number
  readonly serverCpuMsPer1k: number
  readonly loadavg: readonly number[]
}

interface TargetResult {
  readonly version: string
  readonly command: readonly string[]
  readonly cases: readonly CaseResult[]
  readonly logMetric: RoundTripResult
  /** Waited after start until the server was idle (ms). */
  readonly quietAfterStartMs: number
  readonly memory: { readonly idle: GroupMemory; readonly after: GroupMemory }
}

function numberEnv(name: string, fallback: number): number {
  const raw = process.env[name]
  const value = raw === undefined ? fallback : Number(raw)
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, got ${raw}`)
  return value
}

function parseArgs(argv: readonly string[]): { targets: Target[]; rounds: number; seconds: number } {
  let targets: Target[] = ['keel', 'mlflow']
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    const only = a === '--only' ? argv[++i] : a?.startsWith('--only=') ? a.slice(7) : undefined
    if (only !== undefined) {
      if (only !== 'keel' && only !== 'mlflow') throw new Error(`--only takes keel or mlflow, not ${only}`)
      targets = [only]
    } else if (a !== undefined) {
      throw new Error(`unknown argument ${a} (usage: tracking-ingest.bench.ts [--only keel|mlflow])`)
    }
  }
  return {
    targets,
    rounds: Math.round(numberEnv('KEEL_BENCH_INGEST_ROUNDS', 5)),
    seconds: numberEnv('KEEL_BENCH_INGEST_SECONDS', 2),
  }
}

const log = benchLog('tracking-ingest')

async function runCase(
  server: ServerHandle,
  experimentId: string,
  clients: number,
  size: number,
  rounds: number,
  seconds: number,
): Promise<CaseResult> {
  const c = new Client(server.url, clients)
  try {
    const runIds: string[] = []
    for (let i = 0; i < clients; i++) runIds.push(await createRun(c, experimentId, `ingest-${clients}x${size}-${i}`))
    const next = runIds.map(() => 0)
    await ingestRound(c, server.pid, runIds, next, size, Math.min(seconds, 1)) // warm-up
    const done: IngestRound[] = []
    const loads: number[] = []
    for (let r = 0; r < rounds; r++) {
      done.push(await ingestRound(c, server.pid, runIds, next, size, seconds))
      loads.push(loadavg()[0] ?? Number.NaN)
    }
    const rates = done.map((d) => d.metricsPerSecond)
    const result: CaseResult = {
      clients,
      size,
      rounds: done,
      metricsPerSecond: { median: median(rates), min: Math.min(...rates), max: Math.max(...rates) },
      p50Ms: median(done.map((d) => d.latencyMs.p50)),
      p99Ms: median(done.map((d) => d.latencyMs.p99)),
      serverCpuMsPer1k: median(done.map((d) => d.serverCpuMsPer1k)),
      loadavg: loads,
    }
    log(
      `  ${clients} client(s) x ${size}: ${fmt(result.metricsPerSecond.median, 0)} metrics/s ` +
        `(${fmt(result.metricsPerSecond.min, 0)}-${fmt(result.metricsPerSecond.max, 0)}), p50 ${fmt(result.p50Ms)} ms, ` +
        `p99 ${fmt(result.p99Ms)} ms, server CPU ${fmt(result.serverCpuMsPer1k)} ms/1k metrics, load ${fmt(Math.max(...loads), 1)}`,
    )
    return result
  } finally {
    c.close()
  }
}

async function benchTarget(target: Target, rounds: number, seconds: number): Promise<TargetResult> {
  log(`starting ${target}${target === 'mlflow' ? ' (its first start runs migrations: up to 2 min)' : ''}`)
  const server =
    target === 'keel'
      ? await startKeel({ requestLog: true }) // its default, as MLflow's uvicorn logs each request
      : await startMlflow(venvPython())
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
    const cases: CaseResult[] = []
    for (const clients of CLIENTS) {
      for (const size of SIZES) cases.push(await runCase(server, experimentId, clients, size, rounds, seconds))
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
    return {
      version: server.version,
      command: server.command,
      cases,
      logMetric,
      quietAfterStartMs,
      memory: { idle, after },
    }
  } finally {
    await server.stop()
  }
}

function report(results: Partial<Record<Target, TargetResult>>, rounds: number, seconds: number): unknown {
  const k = results.keel
  const m = results.mlflow
  const rows: Cell[][] = []
  const goals: Record<string, string> = {}
  const rate = (c: CaseResult | undefined): string =>
    c
      ? `${fmt(c.metricsPerSecond.median, 0)} (${fmt(c.metricsPerSecond.min, 0)}-${fmt(c.metricsPerSecond.max, 0)})`
      : '-'
  const ratios: Record<string, number | null> = {}
  for (const clients of CLIENTS) {
    for (const size of SIZES) {
      const kc = k?.cases.find((c) => c.clients === clients && c.size === size)
      const mc = m?.cases.find((c) => c.clients === clients && c.size === size)
      const ratio = kc && mc ? kc.metricsPerSecond.median / mc.metricsPerSecond.median : Number.NaN
      // The spread of the ratio: keel's worst round against MLflow's best, and the other way round.
      const spread =
        kc && mc
          ? `${fmt(kc.metricsPerSecond.min / mc.metricsPerSecond.max, 1)}-${fmt(kc.metricsPerSecond.max / mc.metricsPerSecond.min, 1)}`
          : ''
      ratios[`${clients}x${size}`] = Number.isNaN(ratio) ? null : round(ratio, 2)
      let status = ''
      if (size === 1000 && !Number.isNaN(ratio)) {
        status = ratio >= GOAL_RATIO ? 'MET' : 'NOT MET'
        goals[`${clients} client(s) x 1000`] = status
      }
      rows.push([
        `${clients} x ${size}`,
        rate(kc),
        rate(mc),
        Number.isNaN(ratio) ? '-' : `${fmt(ratio, 1)}x (${spread})`,
        kc && mc ? `${fmt(kc.p50Ms)} / ${fmt(mc.p50Ms)}` : '-',
        kc && mc ? `${fmt(kc.p99Ms)} / ${fmt(mc.p99Ms)}` : '-',
        kc && mc ? `${fmt(kc.serverCpuMsPer1k, 2)} / ${fmt(mc.serverCpuMsPer1k, 1)}` : '-',
        status,
      ])
    }
  }
  console.log(`\nTracking ingestion: keel ${k?.version ?? '(skipped)'} vs MLflow ${m?.version ?? '(skipped)'}`)
  const mach = machine()
  console.log(
    `${mach.cpus} CPUs (${mach.cpuModel ?? '?'}), Node ${mach.node}, load avg ${mach.loadavg.join(' ')}; ` +
      `${rounds} rounds of ${seconds} s per case after a warm-up; ratio = keel / MLflow metrics/s (medians; spread: worst vs best round)`,
  )
  console.log(
    `\n${renderTable(['clients x metrics/batch', 'keel metrics/s', 'mlflow metrics/s', 'ratio', 'p50 ms keel / mlflow', 'p99 ms keel / mlflow', 'server CPU ms/1k metrics', `goal >= ${GOAL_RATIO}x`], rows)}\n`,
  )
  const rt = (r: TargetResult | undefined, f: (x: RoundTripResult) => number): string =>
    r ? fmt(f(r.logMetric), 3) : '-'
  console.log(
    renderTable(
      ['log-metric round trip (ms)', 'keel', 'mlflow'],
      [
        ['p50', rt(k, (x) => x.latencyMs.p50), rt(m, (x) => x.latencyMs.p50)],
        ['p99', rt(k, (x) => x.latencyMs.p99), rt(m, (x) => x.latencyMs.p99)],
        ['floor: GET /health p50', rt(k, (x) => x.healthMs.p50), rt(m, (x) => x.healthMs.p50)],
      ],
    ),
  )
  const mem = (r: TargetResult | undefined, f: (x: TargetResult['memory']) => number, d = 1): string =>
    r ? fmt(f(r.memory), d) : '-'
  console.log(
    `\n${renderTable(
      ['memory (MB, all processes of the server)', 'keel', 'mlflow'],
      [
        ['RSS summed, idle after start', mem(k, (x) => x.idle.rssMb), mem(m, (x) => x.idle.rssMb)],
        ['RSS summed, after the workload', mem(k, (x) => x.after.rssMb), mem(m, (x) => x.after.rssMb)],
        ['PSS summed, idle after start', mem(k, (x) => x.idle.pssMb), mem(m, (x) => x.idle.pssMb)],
        ['PSS summed, after the workload', mem(k, (x) => x.after.pssMb), mem(m, (x) => x.after.pssMb)],
        ['processes', mem(k, (x) => x.after.processes, 0), mem(m, (x) => x.after.processes, 0)],
      ],
    )}\n`,
  )
  const shown = (r: TargetResult | undefined): string =>
    r ? r.command.map((a) => a.replace(`${REPO_ROOT}/`, '')).join(' ') : '(skipped)'
  console.log(`keel run as:   ${shown(k)}`)
  console.log(`mlflow run as: ${shown(m)}`)
  console.log(`metric keys (10 per step): ${METRIC_KEYS.join(', ')}`)
  return {
    benchmark: 'tracking-ingest',
    date: new Date().toISOString(),
    machine: { ...mach, platform: `${process.platform}-${process.arch}` },
    config: { clients: CLIENTS, sizes: SIZES, rounds, seconds, roundTrips: ROUND_TRIPS },
    results: { keel: k ?? null, mlflow: m ?? null },
    ratios,
    goals: { ratio: GOAL_RATIO, status: goals },
  }
}

async function main(): Promise<void> {
  const { targets, rounds, seconds } = parseArgs(process.argv.slice(2))
  stopServersOnSignals(log)
  const results: Partial<Record<Target, TargetResult>> = {}
  try {
    // One server at a time, so they never compete for the (few) cores.
    for (const t of targets) results[t] = await benchTarget(t, rounds, seconds)
  } finally {
    await stopAll()
  }
  console.log(`results: ${writeResults('tracking-ingest', report(results, rounds, seconds))}`)
}

runBench('tracking-ingest', main)
