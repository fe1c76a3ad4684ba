/**
 * Serving benchmark: `keel models serve` against `mlflow models serve --env-manager local`, both
 * serving the iris forest (100 trees, depth 5) registered on a keel tracking server, loaded over
 * HTTP from a second process (bench/lib/load-child.ts: autocannon, and an evenly paced open-loop
 * generator) with single-row requests on keep-alive connections.
 *
 * keel serves the keel-native forest and the ONNX export of scikit-learn's forest, each on the MLflow
 * scoring protocol (/invocations) and the Open Inference Protocol v2 (/v2/models/<name>/infer),
 * with its default workers (one per core) and with --workers 1; MLflow serves the same ONNX model
 * version on /invocations (its default single worker, and --workers 2). Each server runs alone,
 * is checked to answer every iris row as expected, warmed up, then measured: (a) max throughput,
 * (b) 5,000 req/s evenly paced, (c) 5,000 req/s with autocannon's overallRate.
 *
 *   KEEL_BENCH_ONLY=serving npm run bench
 *   node_modules/.bin/tsx bench/serving.bench.ts [--only keel|mlflow]     (after npm run build)
 *   KEEL_BENCH_SERVING_SECONDS=3 ...                                        (shorter runs)
 *   KEEL_BENCH_SERVING_KEEL_ARGS=--no-prediction-log ...                    (extra keel serve flags)
 */
import { cpus, loadavg } from 'node:os'
import { dirname, join } from 'node:path'
import { createKeel } from '@keel/sdk'
import { benchLog, machine, runBench, stopServersOnSignals, writeResults } from './lib/harness.js'
import { irisData, trainIrisForest } from './lib/iris.js'
import { type LoadRequest, type LoadSpec, type MeasuredLoad, groupCpuSeconds, runLoad } from './lib/load.js'
import { runPythonJson, venvPython } from './lib/python.js'
import {
  REPO_ROOT,
  type ServerHandle,
  keelServeListening,
  startKeel,
  startServer,
  stopAll,
  uvicornListening,
} from './lib/servers.js'
import { round } from './lib/stats.js'
import {
  type Protocol,
  type V2Metadata,
  checkPredictions,
  invocationRequests,
  v2Requests,
} from './lib/serving-workload.js'
import { fmt, fmtRatio, renderTable } from './lib/table.js'

const SECONDS = Number(process.env.KEEL_BENCH_SERVING_SECONDS ?? 10)
const WARMUP_SECONDS = Math.min(3, SECONDS)
const CONNECTIONS = Number(process.env.KEEL_BENCH_SERVING_CONNECTIONS ?? 32)
const RATE = Number(process.env.KEEL_BENCH_SERVING_RATE ?? 5000)
const PACED_CONNECTIONS = 64 // the open-loop generator's pool: requests wait for an idle one
const GOAL_P99_MS = 5
const GOAL_RATIO = 10
const NATIVE = 'iris-keel'
/** Extra flags for every `keel models serve`, e.g. "--no-prediction-log" (reported with the results). */
const KEEL_EXTRA = (process.env.KEEL_BENCH_SERVING_KEEL_ARGS ?? '').split(/\s+/).filter(Boolean)
const ONNX = 'iris-onnx'

interface Target {
  readonly server: 'keel' | 'mlflow'
  readonly flavor: 'keel-native' | 'onnx'
  /** undefined: the server's default (keel: one per core; MLflow: 1). */
  readonly workers?: number
  readonly protocols: readonly Protocol[]
}

interface Measurement {
  readonly server: string
  readonly flavor: string
  readonly workers: string
  readonly protocol: Protocol
  readonly max: Measured
  readonly paced: Measured
  readonly autocannonRate: Measured
}

type Measured = MeasuredLoad & { readonly trackingCpuS: number }

interface Models {
  readonly columns: string[]
  readonly data: number[][]
  readonly sklearn: number[]
  readonly native: number[]
  readonly nativeAgreesWithSklearn: number
  readonly versions: Record<string, string>
}

const log = benchLog('serving')

function targets(only: string | undefined): Target[] {
  const both: Protocol[] = ['invocations', 'v2']
  const keel: Target[] = [
    { server: 'keel', flavor: 'keel-native', protocols: both },
    { server: 'keel', flavor: 'onnx', protocols: both },
    { server: 'keel', flavor: 'keel-native', workers: 1, protocols: both },
    { server: 'keel', flavor: 'onnx', workers: 1, protocols: both },
  ]
  const mlflow: Target[] = [
    { server: 'mlflow', flavor: 'onnx', protocols: ['invocations'] },
    { server: 'mlflow', flavor: 'onnx', workers: 2, protocols: ['invocations'] },
  ]
  if (only === 'keel') return keel
  if (only === 'mlflow') return mlflow
  if (only !== undefined) throw new Error(`--only takes keel or mlflow, not ${only}`)
  return [...keel, ...mlflow]
}

/** Registers both models on the tracking server and computes the answers every server must give. */
async function registerModels(tracking: ServerHandle): Promise<Models> {
  log("registering the ONNX export of scikit-learn's forest from Python (mlflow.onnx.log_model)")
  const py = runPythonJson<{
    feature_names: string[]
    rows: number[][]
    sklearn_predictions: number[]
    versions: Record<string, string>
  }>('serving_models.py', [ONNX], { MLFLOW_TRACKING_URI: tracking.url })
  log("registering keel's native forest (RandomForestClassifier, 100 trees, depth 5) with @keel/sdk")
  const iris = irisData()
  if (JSON.stringify(iris.featureNames) !== JSON.stringify(py.feature_names))
    throw new Error('keel and scikit-learn name the iris columns differently')
  const keel = createKeel({ trackingUri: tracking.url, lineage: false })
  await keel.setExperiment('serving-bench')
  await keel.withRun({ runName: 'iris-keel' }, (run) =>
    run.logModel(trainIrisForest(iris), { featureNames: iris.featureNames, registeredModelName: NATIVE }),
  )
  const native = await keel.loadModel(`models:/${NATIVE}/1`)
  const nativePredictions = (await native.predict(iris.rows)).map(Number)
  await native.close()
  return {
    columns: iris.featureNames,
    data: py.rows,
    sklearn: py.sklearn_predictions,
    native: nativePredictions,
    nativeAgreesWithSklearn: nativePredictions.filter((p, i) => p === py.sklearn_predictions[i]).length,
    versions: py.versions,
  }
}

function startTarget(t: Target, tracking: ServerHandle): Promise<ServerHandle> {
  const model = t.flavor === 'onnx' ? ONNX : NATIVE
  const workers = t.workers === undefined ? [] : ['--workers', String(t.workers)]
  const env = { MLFLOW_TRACKING_URI: tracking.url }
  if (t.server === 'keel') {
    return startServer({
      name: `keel-serve-${model}`,
      exe: process.execPath,
      args: () => [
        join(REPO_ROOT, 'packages/server/bin/keel.js'),
        'models',
        'serve',
        '-m',
        `models:/${model}/1`,
        '--host',
        '127.0.0.1',
        '--port',
        '0',
        ...workers,
        ...KEEL_EXTRA,
      ],
      listening: keelServeListening,
      readyPath: '/v2/health/ready',
      readyTimeoutMs: 60_000,
      env,
    })
  }
  const bin = dirname(venvPython())
  return startServer({
    name: 'mlflow-models-serve',
    exe: join(bin, 'mlflow'),
    // `mlflow models serve --port 0` would not listen on port 0: it leaves an unset (falsy) port off
    // uvicorn's command line, which then takes 8000. So this one gets a port found free.
    choosePort: true,
    args: (_dir, port) => [
      'models',
      'serve',
      '-m',
      `models:/${model}/1`,
      '--env-manager',
      'local',
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      ...workers,
    ],
    listening: uvicornListening,
    readyPath: '/ping',
    readyTimeoutMs: 180_000,
    // `mlflow models serve` execs `uvicorn`, found on PATH: the venv's.
    env: { ...env, PATH: `${bin}:${process.env.PATH ?? ''}`, MLFLOW_DISABLE_TELEMETRY: 'true' },
  })
}

async function requestsFor(protocol: Protocol, server: ServerHandle, model: string, m: Models): Promise<LoadRequest[]> {
  if (protocol === 'invocations') return invocationRequests(m.columns, m.data)
  const res = await fetch(`${server.url}/v2/models/${encodeURIComponent(model)}`)
  if (!res.ok) throw new Error(`GET /v2/models/${model} -> ${res.status}: ${await res.text()}`)
  return v2Requests((await res.json()) as V2Metadata, m.columns, m.data)
}

async function measure(spec: LoadSpec, server: ServerHandle, tracking: ServerHandle): Promise<Measured> {
  const t0 = groupCpuSeconds(tracking.pid)
  const r = await runLoad(spec, server.pid)
  return { ...r, trackingCpuS: groupCpuSeconds(tracking.pid) - t0 }
}

async function benchTarget(t: Target, tracking: ServerHandle, m: Models): Promise<Measurement[]> {
  const model = t.flavor === 'onnx' ? ONNX : NATIVE
  const label = `${t.server} ${t.flavor} workers=${t.workers ?? 'default'}`
  log(`${label}: starting`)
  const server = await startTarget(t, tracking)
  const out: Measurement[] = []
  try {
    for (const protocol of t.protocols) {
      const requests = await requestsFor(protocol, server, model, m)
      const expected = t.flavor === 'onnx' ? m.sklearn : m.native
      await checkPredictions(server.url, protocol, requests, expected)
      log(
        `${label} ${protocol}: all ${requests.length} rows answered as expected; warm-up ${WARMUP_SECONDS}s, then 3 x ${SECONDS}s`,
      )
      const base = { url: server.url, requests, durationS: SECONDS }
      await runLoad({ ...base, mode: 'max', connections: CONNECTIONS, durationS: WARMUP_SECONDS })
      const max = await measure({ ...base, mode: 'max', connections: CONNECTIONS }, server, tracking)
      const paced = await measure(
        { ...base, mode: 'paced', connections: PACED_CONNECTIONS, rate: RATE },
        server,
        tracking,
      )
      const autocannonRate = await measure(
        { ...base, mode: 'autocannon-rate', connections: CONNECTIONS, rate: RATE },
        server,
        tracking,
      )
      out.push({
        server: t.server,
        flavor: t.flavor,
        workers: String(t.workers ?? (t.server === 'keel' ? `${cpus().length} (default)` : '1 (default)')),
        protocol,
        max,
        paced,
        autocannonRate,
      })
      log(
        `${label} ${protocol}: max ${fmt(max.throughput, 0)} req/s (p99 ${fmt(max.p99_ms)} ms); ${RATE}/s paced: p99 ${fmt(paced.p99_ms)} ms`,
      )
    }
  } finally {
    await server.stop()
  }
  return out
}

const sustained = (r: Measured): boolean =>
  r.unanswered === 0 && r.non2xx === 0 && r.errors === 0 && r.throughput >= 0.99 * RATE
const failures = (r: Measured): string => `${r.non2xx}/${r.errors}${r.unanswered ? `/${r.unanswered} unanswered` : ''}`
const cores = (cpuS: number, r: Measured): string => fmt(cpuS / r.durationS, 2)
/** Server CPU milliseconds per answered request: steadier than req/s when other work shares the cores. */
const cpuPerRequest = (r: Measured): number => (r.serverCpuS * 1000) / r.ok

function report(results: Measurement[], m: Models, tracking: ServerHandle): void {
  const name = (r: Measurement): string => `${r.server} ${r.flavor}`
  const maxTable = renderTable(
    [
      'server',
      'workers',
      'protocol',
      'req/s',
      'p50 ms',
      'p99 ms',
      'non-2xx/err',
      'server CPU ms/req',
      'server cores',
      'generator cores',
      'tracking cores',
    ],
    results.map((r) => [
      name(r),
      r.workers,
      r.protocol,
      fmt(r.max.throughput, 0),
      fmt(r.max.p50_ms),
      fmt(r.max.p99_ms),
      failures(r.max),
      fmt(cpuPerRequest(r.max), 3),
      cores(r.max.serverCpuS, r.max),
      cores(r.max.generatorCpuS, r.max),
      cores(r.max.trackingCpuS, r.max),
    ]),
  )
  const rateTable = renderTable(
    [
      'server',
      'workers',
      'protocol',
      'paced req/s',
      'p50 ms',
      'p99 ms',
      'non-2xx/err',
      'sustained',
      `p99 < ${GOAL_P99_MS} ms`,
      'autocannon -R: req/s',
      'p50 ms',
      'p99 ms',
    ],
    results.map((r) => [
      name(r),
      r.workers,
      r.protocol,
      fmt(r.paced.throughput, 0),
      fmt(r.paced.p50_ms),
      fmt(r.paced.p99_ms),
      failures(r.paced),
      sustained(r.paced) ? 'yes' : 'NO',
      sustained(r.paced) && r.paced.p99_ms < GOAL_P99_MS ? 'MET' : 'NOT MET',
      fmt(r.autocannonRate.throughput, 0),
      fmt(r.autocannonRate.p50_ms),
      fmt(r.autocannonRate.p99_ms),
    ]),
  )
  const anchors = results.filter((r) => r.server === 'mlflow')
  const ratioTable = renderTable(
    [
      'keel',
      'workers',
      'protocol',
      'req/s',
      ...anchors.map((a) => `vs MLflow w=${a.workers}`),
      `goal ≥ ${GOAL_RATIO}x`,
      'CPU/req: MLflow w=1 / keel',
    ],
    results
      .filter((r) => r.server === 'keel')
      .map((r) => {
        const ratios = anchors.map((a) => r.max.throughput / a.max.throughput)
        const cpu = anchors[0] === undefined ? Number.NaN : cpuPerRequest(anchors[0].max) / cpuPerRequest(r.max)
        return [
          r.flavor,
          r.workers,
          r.protocol,
          fmt(r.max.throughput, 0),
          ...ratios.map(fmtRatio),
          ratios[0] === undefined ? 'n/a' : ratios[0] >= GOAL_RATIO ? 'MET' : 'NOT MET',
          fmtRatio(cpu),
        ]
      }),
  )
  process.stdout.write(
    `\nServing benchmark: iris random forest (100 trees, depth 5), single-row requests, keep-alive, load from a second process on the same ${cpus().length} cores\n` +
      (KEEL_EXTRA.length ? `keel models serve run with: ${KEEL_EXTRA.join(' ')}\n` : '') +
      `\n(a) max throughput: autocannon, ${CONNECTIONS} connections, pipelining 1, ${SECONDS} s after a ${WARMUP_SECONDS} s warm-up\n${maxTable}\n` +
      `\n(b) ${RATE.toLocaleString('en-US')} req/s for ${SECONDS} s: evenly paced open loop (${PACED_CONNECTIONS} connections, latency from each request's due time); autocannon overallRate for contrast (per-second bursts)\n${rateTable}\n` +
      `\nkeel / MLflow, max throughput (goal against MLflow's default single worker)\n${ratioTable}\n` +
      `\nmodels: ONNX served by keel and MLflow = scikit-learn on all ${m.sklearn.length} rows; keel's native forest = its in-process loadModel().predict on every row (agrees with scikit-learn on ${m.nativeAgreesWithSklearn}/${m.sklearn.length})\n` +
      `non-2xx/err: non-2xx answers / connection errors. server CPU ms/req: CPU time of the server's processes per answered request. cores: CPU seconds per second of the run (server process group; the load generator; the keel tracking server receiving keel's prediction log).\n` +
      `machine: ${cpus().length} cpus (${cpus()[0]?.model.trim()}), load ${loadavg()
        .map((x) => x.toFixed(2))
        .join(
          ' ',
        )}; Node ${process.version}; MLflow ${m.versions.mlflow}, scikit-learn ${m.versions['scikit-learn']}; tracking server ${tracking.version}\n`,
  )
}

function json(results: Measurement[], m: Models): unknown {
  const r3 = (x: Measured): Record<string, unknown> =>
    Object.fromEntries(Object.entries(x).map(([k, v]) => [k, typeof v === 'number' ? round(v, 3) : v]))
  return {
    benchmark: 'serving',
    date: new Date().toISOString(),
    machine: machine(),
    config: {
      keelServeExtraArgs: KEEL_EXTRA,
      seconds: SECONDS,
      warmupSeconds: WARMUP_SECONDS,
      connections: CONNECTIONS,
      rate: RATE,
      pacedConnections: PACED_CONNECTIONS,
      goals: { p99Ms: GOAL_P99_MS, ratio: GOAL_RATIO },
    },
    models: { nativeAgreesWithSklearn: m.nativeAgreesWithSklearn, rows: m.sklearn.length, versions: m.versions },
    results: results.map((r) => ({
      ...r,
      max: r3(r.max),
      paced: { ...r3(r.paced), sustained: sustained(r.paced) },
      autocannonRate: r3(r.autocannonRate),
    })),
  }
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2)
  const onlyAt = argv.findIndex((a) => a === '--only' || a.startsWith('--only='))
  const only = onlyAt < 0 ? undefined : argv[onlyAt]!.includes('=') ? argv[onlyAt]!.slice(7) : argv[onlyAt + 1]
  const plan = targets(only)
  stopServersOnSignals(log)
  const results: Measurement[] = []
  let models: Models
  let tracking: ServerHandle
  try {
    tracking = await startKeel()
    log(`tracking server ${tracking.url}`)
    models = await registerModels(tracking)
    // One serving process at a time, so that servers never compete with each other for the cores.
    for (const t of plan) results.push(...(await benchTarget(t, tracking, models)))
    report(results, models, tracking)
  } finally {
    await stopAll()
  }
  log(`results: ${writeResults('serving', json(results, models))}`)
}

runBench('serving', main)
