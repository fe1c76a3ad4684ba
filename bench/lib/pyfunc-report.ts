/**
 * The report of bench/pyfunc-serving.bench.ts: the measurements' types, the tables printed on
 * stdout (medians over the repetitions with their min–max spread, keel/MLflow ratios, latency at
 * one connection against the model's own predict time, the IPC overhead) and the results file's
 * JSON.
 */
import { cpus, loadavg } from 'node:os'
import type { MeasuredLoad } from './load.js'
import type { IpcResult } from './pyfunc-ipc.js'
import type { PredictTime, SeedModel } from './pyfunc-models.js'
import type { ServerHandle } from './servers.js'
import { median, round } from './stats.js'
import { fmt, fmtRatio, renderTable } from './table.js'

export const GOALS = { pyfuncRatio: 5, onnxRatio: 10, p99OverPredictMs: 2 } as const

export interface Target {
  readonly id: string
  readonly server: 'keel' | 'mlflow'
  readonly model: 'pyfunc' | 'onnx'
  /** The flags beyond the model and the address ([] = the server's defaults). */
  readonly flags: readonly string[]
  /** What the defaults amount to, for the report. */
  readonly describe: string
}

export type Run = MeasuredLoad & { readonly trackingCpuS: number }

export interface Level {
  readonly connections: number
  readonly runs: Run[]
}

export interface TargetResult {
  readonly target: Target
  /** From the start command to the server answering its readiness probe (model download included). */
  readonly readySeconds: number
  readonly levels: Level[]
}

export interface Results {
  readonly seed: SeedModel
  /** The model's own predict time measured again after the servers (seed.predictTime is before). */
  readonly predictAfter: PredictTime
  readonly targets: TargetResult[]
  readonly ipc: IpcResult | undefined
  readonly tracking: ServerHandle
  readonly config: { seconds: number; repeats: number; connections: number[]; warmupSeconds: number }
}

interface Spread {
  readonly median: number
  readonly min: number
  readonly max: number
}

const spread = (xs: readonly number[]): Spread => ({ median: median(xs), min: Math.min(...xs), max: Math.max(...xs) })

/** A level's figures over its repetitions. */
export interface LevelSummary {
  readonly connections: number
  readonly throughput: Spread
  readonly p50_ms: Spread
  readonly p99_ms: Spread
  readonly non2xx: number
  readonly errors: number
  /** Server CPU milliseconds per answered request (median over the repetitions). */
  readonly serverCpuMsPerRequest: number
  /** CPU seconds per second of the run: server process group, load generator, tracking server. */
  readonly serverCores: number
  readonly generatorCores: number
  readonly trackingCores: number
}

export function summarizeLevel(level: Level): LevelSummary {
  const r = level.runs
  return {
    connections: level.connections,
    throughput: spread(r.map((x) => x.throughput)),
    p50_ms: spread(r.map((x) => x.p50_ms)),
    p99_ms: spread(r.map((x) => x.p99_ms)),
    non2xx: r.reduce((n, x) => n + x.non2xx, 0),
    errors: r.reduce((n, x) => n + x.errors, 0),
    serverCpuMsPerRequest: median(r.map((x) => (x.serverCpuS * 1000) / x.ok)),
    serverCores: median(r.map((x) => x.serverCpuS / x.durationS)),
    generatorCores: median(r.map((x) => x.generatorCpuS / x.durationS)),
    trackingCores: median(r.map((x) => x.trackingCpuS / x.durationS)),
  }
}

/** a/b with the range its spreads allow (a.min/b.max .. a.max/b.min). */
interface Ratio {
  readonly median: number
  readonly low: number
  readonly high: number
}
const ratio = (a: Spread, b: Spread): Ratio => ({
  median: a.median / b.median,
  low: a.min / b.max,
  high: a.max / b.min,
})
const fmtRange = (s: Spread, digits = 0): string => `${fmt(s.min, digits)}–${fmt(s.max, digits)}`
const fmtRatioRange = (r: Ratio): string => `${fmtRatio(r.median)} (${fmtRatio(r.low)}–${fmtRatio(r.high)})`
const verdict = (met: boolean | undefined): string => (met === undefined ? 'n/a' : met ? 'MET' : 'NOT MET')

function levelOf(results: Results, id: string, connections: number): LevelSummary | undefined {
  const level = results.targets.find((t) => t.target.id === id)?.levels.find((l) => l.connections === connections)
  return level === undefined ? undefined : summarizeLevel(level)
}

interface RatioRow {
  readonly connections: number
  readonly pyfunc?: Ratio
  readonly onnx?: Ratio
  readonly pyfuncVsW2?: Ratio
  readonly onnxVsW2?: Ratio
  /** keel pyfunc with --no-prediction-log (one model call per request) against MLflow. */
  readonly pyfuncNoLog?: Ratio
}

function ratios(results: Results): RatioRow[] {
  return results.config.connections.map((c) => {
    const anchor = levelOf(results, 'mlflow', c)
    const w2 = levelOf(results, 'mlflow-w2', c)
    const pyfunc = levelOf(results, 'keel-pyfunc', c)
    const onnx = levelOf(results, 'keel-onnx', c)
    const noLog = levelOf(results, 'keel-pyfunc-nolog', c)
    const vs = (a: LevelSummary | undefined, b: LevelSummary | undefined): Ratio | undefined =>
      a === undefined || b === undefined ? undefined : ratio(a.throughput, b.throughput)
    const row: Record<string, unknown> = { connections: c }
    for (const [k, v] of Object.entries({
      pyfunc: vs(pyfunc, anchor),
      onnx: vs(onnx, anchor),
      pyfuncVsW2: vs(pyfunc, w2),
      onnxVsW2: vs(onnx, w2),
      pyfuncNoLog: vs(noLog, anchor),
    }))
      if (v !== undefined) row[k] = v
    return row as unknown as RatioRow
  })
}

/**
 * The model's own predict time for the comparison: the smaller p50 and p99 of its two measurements
 * (before and after the servers), which is the stricter test of what a server adds.
 */
function predictReference(results: Results): { p50_ms: number; p99_ms: number } {
  const both = [results.seed.predictTime, results.predictAfter]
  return { p50_ms: Math.min(...both.map((t) => t.p50_ms)), p99_ms: Math.min(...both.map((t) => t.p99_ms)) }
}

/** Each server's latency at one connection against the model's own predict time. */
function lowLoad(results: Results): { id: string; p50: number; p99: number; overP50: number; overP99: number }[] {
  const predict = predictReference(results)
  return results.targets.flatMap((t) => {
    const l = levelOf(results, t.target.id, 1)
    if (l === undefined) return []
    return [
      {
        id: t.target.id,
        p50: l.p50_ms.median,
        p99: l.p99_ms.median,
        overP50: l.p50_ms.median - predict.p50_ms,
        overP99: l.p99_ms.median - predict.p99_ms,
      },
    ]
  })
}

export function renderReport(results: Results): { text: string; json: Record<string, unknown> } {
  const { seed, config } = results
  const main = renderTable(
    [
      'server',
      'config',
      'conns',
      'req/s',
      'min–max',
      'p50 ms',
      'p99 ms',
      'p99 min–max',
      'non-2xx/err',
      'CPU ms/req',
      'server cores',
      'generator cores',
      'tracking cores',
    ],
    results.targets.flatMap((t) =>
      t.levels.map((level) => {
        const s = summarizeLevel(level)
        return [
          t.target.id,
          t.target.flags.length === 0 ? 'defaults' : t.target.flags.join(' '),
          s.connections,
          fmt(s.throughput.median, 0),
          fmtRange(s.throughput),
          fmt(s.p50_ms.median),
          fmt(s.p99_ms.median),
          fmtRange(s.p99_ms, 1),
          `${s.non2xx}/${s.errors}`,
          fmt(s.serverCpuMsPerRequest, 3),
          fmt(s.serverCores),
          fmt(s.generatorCores),
          fmt(s.trackingCores),
        ]
      }),
    ),
  )
  const ratioRows = ratios(results)
  const ratioTable = renderTable(
    [
      'conns',
      'keel pyfunc / MLflow',
      `≥ ${GOALS.pyfuncRatio}x`,
      'keel ONNX / MLflow',
      `≥ ${GOALS.onnxRatio}x`,
      'pyfunc / MLflow w=2',
      'ONNX / MLflow w=2',
      'pyfunc --no-prediction-log / MLflow',
    ],
    ratioRows.map((r) => [
      r.connections,
      r.pyfunc ? fmtRatioRange(r.pyfunc) : 'n/a',
      verdict(r.pyfunc && r.pyfunc.median >= GOALS.pyfuncRatio),
      r.onnx ? fmtRatioRange(r.onnx) : 'n/a',
      verdict(r.onnx && r.onnx.median >= GOALS.onnxRatio),
      r.pyfuncVsW2 ? fmtRatioRange(r.pyfuncVsW2) : 'n/a',
      r.onnxVsW2 ? fmtRatioRange(r.onnxVsW2) : 'n/a',
      r.pyfuncNoLog ? fmtRatioRange(r.pyfuncNoLog) : 'n/a',
    ]),
  )
  const before = seed.predictTime
  const after = results.predictAfter
  const predict = predictReference(results)
  const low = lowLoad(results)
  const lowTable = renderTable(
    ['server', 'p50 ms', 'p99 ms', 'p50 − predict p50', 'p99 − predict p99', `goal ≤ ${GOALS.p99OverPredictMs} ms`],
    [
      ['model.predict, before the servers', fmt(before.p50_ms), fmt(before.p99_ms), '', '', ''],
      ['model.predict, after the servers', fmt(after.p50_ms), fmt(after.p99_ms), '', '', ''],
      ...low.map((l) => [
        l.id,
        fmt(l.p50),
        fmt(l.p99),
        fmt(l.overP50),
        fmt(l.overP99),
        l.id === 'keel-pyfunc' ? verdict(l.overP99 <= GOALS.p99OverPredictMs) : '',
      ]),
    ],
  )
  const batches = Object.entries(seed.batchPredictTime)
    .map(([n, t]) => `${n} rows ${fmt(t.p50_ms)} ms`)
    .join(', ')
  const ipcTable =
    results.ipc === undefined
      ? '(not measured)'
      : renderTable(
          [
            'input',
            'rows',
            'round trip p50 µs',
            'p99 µs',
            'no-op in-process p50 µs',
            'overhead p50 µs',
            'of which Python in / out µs',
            'Node µs',
            'rest µs',
          ],
          results.ipc.cases.map((c) => [
            c.form,
            c.rows,
            fmt(c.roundTrip.p50, 0),
            fmt(c.roundTrip.p99, 0),
            fmt(c.inProcessP50Us, 0),
            fmt(c.overheadP50Us, 0),
            `${fmt(c.workerInP50Us, 0)} / ${fmt(c.workerOutP50Us, 0)}`,
            fmt(c.nodeP50Us, 0),
            fmt(c.overheadP50Us - c.workerInP50Us - c.workerOutP50Us - c.nodeP50Us, 0),
          ]),
        )
  const ready = results.targets.map((t) => `${t.target.id} ${fmt(t.readySeconds, 1)} s`).join(', ')
  const described = results.targets.map((t) => `  ${t.target.id}: ${t.target.describe}`).join('\n')
  const text =
    `\npython_function serving: the seed's iris RandomForestClassifier (100 trees, depth 5), ${seed.name} version ${seed.pyfuncVersion} ` +
    `(flavors python_function + sklearn, no signature), its ONNX twin version ${seed.onnxVersion}\n` +
    `ONNX twin: ${seed.onnxHow}, ${fmt(seed.onnxSeconds, 1)} s; seed train.py + register.py ${fmt(seed.seedSeconds, 1)} s\n` +
    `requests: single-row POST /invocations {"inputs": [[...]]}, cycling through the 150 iris rows, keep-alive; ` +
    `load from autocannon in one Node process (one thread) on the same ${cpus().length} cores as the server; ` +
    `${config.repeats} × ${config.seconds} s per level after a ${config.warmupSeconds} s warm-up; medians over the repetitions, spread min–max\n` +
    `${described}\n\n` +
    `throughput and latency\n${main}\n\n` +
    `keel / MLflow (default: 1 worker) throughput, ratio of medians (range from the spreads)\n${ratioTable}\n\n` +
    `latency at 1 connection against the model's own predict time: mlflow.pyfunc.load_model(...).predict on one row in Python, ` +
    `${before.n} calls before and after the servers; each server is compared with the smaller p50 and p99 of the two. ` +
    `The same on batches (before): ${batches}\n${lowTable}\n\n` +
    `IPC overhead of keel's Python worker pool (no-op pyfunc through PythonWorkerPool, one request at a time, ` +
    `${results.ipc?.calls ?? 0} calls; overhead = round trip − the no-op's predict in-process; of which, each timed in a loop: ` +
    `Python in = the worker's table into the model's input, out = the output into a table (the no-op returns its input: a DataFrame or an (n, 4) array), ` +
    `Node = encoding the request frame and reading the answer; rest = the pipes, waking the processes, and those steps running colder than in a loop)\n${ipcTable}\n` +
    (results.ipc === undefined
      ? '\n'
      : `transport floor: a ping frame to a worker and its answer, p50 ${fmt(results.ipc.ping.p50, 0)} µs, p99 ${fmt(results.ipc.ping.p99, 0)} µs\n\n`) +
    `ready (start command → readiness probe answers): ${ready}\n` +
    `CPU ms/req: CPU time of the server's process group per answered request; cores: CPU seconds per second (server group, load generator, keel tracking server receiving keel's prediction log)\n` +
    `machine: ${cpus().length} cpus (${cpus()[0]?.model.trim()}), load ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}; Node ${process.version}; ${Object.entries(seed.versions)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}; tracking server ${results.tracking.version}\n`
  const r3 = (x: object): Record<string, unknown> =>
    Object.fromEntries(Object.entries(x).map(([k, v]) => [k, typeof v === 'number' ? round(v, 3) : v]))
  const json = {
    config: { ...config, goals: GOALS },
    model: {
      name: seed.name,
      pyfuncVersion: seed.pyfuncVersion,
      onnxVersion: seed.onnxVersion,
      onnxHow: seed.onnxHow,
      onnxSeconds: round(seed.onnxSeconds, 1),
      seedSeconds: round(seed.seedSeconds, 1),
      predictTime: r3(seed.predictTime),
      batchPredictTime: Object.fromEntries(Object.entries(seed.batchPredictTime).map(([k, v]) => [k, r3(v)])),
      versions: seed.versions,
    },
    targets: results.targets.map((t) => ({
      ...t.target,
      readySeconds: round(t.readySeconds, 1),
      levels: t.levels.map((l) => {
        const s = summarizeLevel(l)
        return {
          ...r3(s),
          throughput: r3(s.throughput),
          p50_ms: r3(s.p50_ms),
          p99_ms: r3(s.p99_ms),
          runs: l.runs.map(r3),
        }
      }),
    })),
    ratios: ratioRows.map((r) =>
      Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'object' ? r3(v) : v])),
    ),
    lowLoad: {
      predictTimeBefore: r3(before),
      predictTimeAfter: r3(after),
      reference: r3(predict),
      servers: low.map(r3),
    },
    ipc: results.ipc && {
      calls: results.ipc.calls,
      cases: results.ipc.cases.map((c) => ({ ...r3(c), roundTrip: r3(c.roundTrip) })),
      pingUs: r3(results.ipc.ping),
    },
  }
  return { text, json }
}
