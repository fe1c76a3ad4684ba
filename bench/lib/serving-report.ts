/** The report of bench/serving.bench.ts: tables on stdout, and the results file's JSON. */
import { cpus, loadavg } from 'node:os'
import { machine } from './harness.js'
import type { ServerHandle } from './servers.js'
import type { Config, Measured, Models, TargetResult } from './serving-targets.js'
import { median, round } from './stats.js'
import { fmt, fmtRatio, renderTable } from './table.js'

const GOAL_P99_MS = 5
const GOAL_RATIO = 10

const med = (runs: readonly Measured[], f: (r: Measured) => number): number => median(runs.map(f))
const span = (xs: readonly number[]): [number, number] => [Math.min(...xs), Math.max(...xs)]
const reqs = (r: Measured): number => r.throughput
/** Server CPU microseconds per 2xx answer. */
const cpuUs = (r: Measured): number => (r.serverCpuS * 1e6) / r.ok
const failures = (runs: readonly Measured[]): number => runs.reduce((a, r) => a + r.non2xx + r.errors + r.unanswered, 0)
const sustained = (r: Measured, rate: number): boolean =>
  r.unanswered === 0 && r.non2xx === 0 && r.errors === 0 && r.throughput >= 0.99 * rate

function withSpan(runs: readonly Measured[], f: (r: Measured) => number, digits = 0): string {
  const [lo, hi] = span(runs.map(f))
  return runs.length > 1
    ? `${fmt(med(runs, f), digits)} (${fmt(lo, digits)}–${fmt(hi, digits)})`
    : fmt(med(runs, f), digits)
}

function ratioSpan(keel: readonly Measured[], anchor: readonly Measured[]): string {
  const [klo, khi] = span(keel.map(reqs))
  const [alo, ahi] = span(anchor.map(reqs))
  const mid = fmtRatio(med(keel, reqs) / med(anchor, reqs))
  return keel.length > 1 || anchor.length > 1 ? `${mid} (${fmtRatio(klo / ahi)}–${fmtRatio(khi / alo)})` : mid
}

export function renderServingReport(
  results: readonly TargetResult[],
  m: Models,
  tracking: ServerHandle,
  c: Config,
): string {
  const level = (r: TargetResult | undefined, conns: number) => r?.levels.find((l) => l.connections === conns)?.runs
  const mlflow = results.find((r) => r.target.id === 'mlflow')
  const floor = results.find((r) => r.target.id === 'floor')
  const rows = results.flatMap((r) =>
    r.levels.map((l) => {
      const anchor = level(mlflow, l.connections)
      const base = level(floor, l.connections)
      const vsMlflow = r.target.server !== 'mlflow' && anchor !== undefined ? ratioSpan(l.runs, anchor) : ''
      const vsFloor =
        r.target.server !== 'floor' && base !== undefined
          ? `${fmt((100 * med(l.runs, reqs)) / med(base, reqs), 0)} %`
          : ''
      return [
        r.target.label,
        r.protocol,
        l.connections,
        withSpan(l.runs, reqs),
        fmt(med(l.runs, (x) => x.p50_ms)),
        fmt(med(l.runs, (x) => x.p99_ms)),
        fmt(med(l.runs, cpuUs), 0),
        fmt(med(l.runs, (x) => x.serverCpuS / x.durationS)),
        fmt(med(l.runs, (x) => x.generatorCpuS / x.durationS)),
        fmt(med(l.runs, (x) => x.trackingCpuS / x.durationS)),
        failures(l.runs),
        vsMlflow,
        vsFloor,
      ]
    }),
  )
  const maxTable = renderTable(
    [
      'server',
      'protocol',
      'conns',
      'req/s median (min–max)',
      'p50 ms',
      'p99 ms',
      'CPU µs/req',
      'server cores',
      'gen. cores',
      'tracking cores',
      'failed',
      'vs MLflow defaults',
      'of floor',
    ],
    rows,
  )
  const pacedRows = results
    .filter((r) => r.paced.length > 0)
    .map((r) => {
      const ok = r.paced.filter((x) => sustained(x, c.rate)).length
      const met = ok === r.paced.length && med(r.paced, (x) => x.p99_ms) < GOAL_P99_MS
      return [
        r.target.label,
        r.protocol,
        withSpan(r.paced, reqs),
        fmt(med(r.paced, (x) => x.p50_ms)),
        withSpan(r.paced, (x) => x.p99_ms, 2),
        fmt(med(r.paced, cpuUs), 0),
        fmt(med(r.paced, (x) => x.serverCpuS / x.durationS)),
        fmt(med(r.paced, (x) => x.generatorCpuS / x.durationS)),
        `${ok}/${r.paced.length}`,
        met ? 'MET' : 'NOT MET',
      ]
    })
  const pacedTable = renderTable(
    [
      'server',
      'protocol',
      'achieved req/s',
      'p50 ms',
      'p99 ms median (min–max)',
      'CPU µs/req',
      'server cores',
      'gen. cores',
      'sustained',
      `p99 < ${GOAL_P99_MS} ms`,
    ],
    pacedRows,
  )
  const goals = results
    .filter((r) => r.target.server === 'keel' && r.target.defaults)
    .flatMap((r) =>
      [32, 128].map((conns) => {
        const k = level(r, conns)
        const a = level(mlflow, conns)
        if (k === undefined || a === undefined) return undefined
        const ratio = med(k, reqs) / med(a, reqs)
        return `${r.target.label} ${r.protocol} ${conns} conns: ${fmtRatio(ratio)} MLflow (goal ≥ ${GOAL_RATIO}x: ${ratio >= GOAL_RATIO ? 'MET' : 'NOT MET'})`
      }),
    )
    .filter((x): x is string => x !== undefined)
  const generator = results[0]?.levels[0]?.runs[0]?.generator ?? c.generator
  return (
    `\nServing benchmark: iris random forest (100 trees, depth 5), single-row requests, keep-alive\n` +
    `pinning ${c.pin}: the server side (server under test + keel's tracking server) on cores ${c.serverCores}, the load generator on ${c.generatorCores}\n` +
    (c.keelExtraArgs.length ? `keel models serve run with: ${c.keelExtraArgs.join(' ')}\n` : '') +
    `\n(a) closed loop, max throughput: ${generator} (one thread), ${c.seconds} s per round, median of ${c.rounds} rounds (min–max), after a ${c.warmupSeconds} s warm-up\n${maxTable}\n` +
    `\n(b) ${c.rate.toLocaleString('en-US')} req/s evenly paced, open loop (${c.pacedConnections} connections, latency from each request's due time), ${c.seconds} s per round\n${pacedTable}\n` +
    (goals.length > 0 ? `\n${goals.join('\n')}\n` : '') +
    `\nmodels: ONNX served by keel and MLflow = scikit-learn on all ${m.sklearn.length} rows; keel's native forest = its in-process loadModel().predict on every row (agrees with scikit-learn on ${m.nativeAgreesWithSklearn}/${m.sklearn.length}). MLflow has no v2: keel's v2 rows are compared with its /invocations.\n` +
    `CPU µs/req: CPU of the server's processes per 2xx answer. cores: CPU seconds per second of the run (server process group; the load generator; keel's tracking server receiving keel's prediction log). failed: non-2xx + connection errors + unanswered over the rounds. of floor: req/s as a share of the empty node:http handler's.\n` +
    `machine: ${cpus().length} cpus (${cpus()[0]?.model.trim()}), load ${loadavg()
      .map((x) => x.toFixed(2))
      .join(
        ' ',
      )}; Node ${process.version}; MLflow ${m.versions.mlflow}, scikit-learn ${m.versions['scikit-learn']}; tracking server ${tracking.version}\n`
  )
}

export function servingJson(results: readonly TargetResult[], m: Models, c: Config, started: Date): unknown {
  const r3 = (x: Measured): Record<string, unknown> =>
    Object.fromEntries(Object.entries(x).map(([k, v]) => [k, typeof v === 'number' ? round(v, 3) : v]))
  return {
    benchmark: 'serving',
    started: started.toISOString(),
    date: new Date().toISOString(),
    machine: machine(),
    config: { ...c, goals: { p99Ms: GOAL_P99_MS, ratio: GOAL_RATIO } },
    models: { nativeAgreesWithSklearn: m.nativeAgreesWithSklearn, rows: m.sklearn.length, versions: m.versions },
    results: results.map((r) => ({
      target: r.target,
      protocol: r.protocol,
      levels: r.levels.map((l) => ({ connections: l.connections, runs: l.runs.map(r3) })),
      paced: r.paced.map((x) => ({ ...r3(x), sustained: sustained(x, c.rate) })),
    })),
  }
}
