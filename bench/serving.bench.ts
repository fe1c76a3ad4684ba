/**
 * Serving benchmark: `keel models serve` against `mlflow models serve --env-manager local`, both in
 * their defaults, serving the iris forest (100 trees, depth 5) registered on a keel tracking
 * server, and the floor: an empty `node:http` handler (bench/lib/floor-server.mjs) under the same
 * load. Single-row requests on keep-alive connections.
 *
 * keel serves the keel-native forest and the ONNX export of scikit-learn's forest, each on the MLflow
 * scoring protocol (/invocations) and the Open Inference Protocol v2 (/v2/models/<name>/infer);
 * MLflow serves the same ONNX model version on /invocations (it has no v2). Each server runs alone,
 * is checked to answer every iris row as expected, warmed up, then measured: closed-loop max
 * throughput at 1, 32 and 128 connections (wrk when installed, else autocannon), and an evenly
 * paced open loop at 5,000 req/s (bench/lib/load-child.ts). Every figure is the median of several
 * rounds with the min–max.
 *
 * Pinning (KEEL_BENCH_SERVING_PIN): `shared` (default) pins the load generator to core 1 and leaves
 * every server both cores, as its user would run it (keel's default workers follow the cores it
 * may use; MLflow's onnxruntime sizes its thread pool from the machine); `split` gives the server
 * side (the server and keel's tracking server) core 0 and the generator core 1; `none` pins nothing.
 *
 *   KEEL_BENCH_ONLY=serving npm run bench
 *   node_modules/.bin/tsx bench/serving.bench.ts [--only keel|mlflow|floor]     (after npm run build)
 *   KEEL_BENCH_SERVING_SECONDS=3 KEEL_BENCH_SERVING_ROUNDS=1 ...                 (shorter runs)
 *   KEEL_BENCH_SERVING_TUNED=1 ...                                              (tuned configs beside)
 *   KEEL_BENCH_SERVING_KEEL_ARGS=--no-prediction-log ...                        (extra keel serve flags)
 */
import { createKeel } from '@keel/sdk'
import { benchLog, runBench, stopServersOnSignals, writeResults } from './lib/harness.js'
import { irisData, trainIrisForest } from './lib/iris.js'
import { type LoadRequest, type LoadSpec, runLoad } from './lib/load.js'
import { groupCpuSeconds } from './lib/proc.js'
import { runPythonJson } from './lib/python.js'
import { type ServerHandle, startKeel, stopAll } from './lib/servers.js'
import {
  type Protocol,
  type V2Metadata,
  checkPredictions,
  invocationRequests,
  settle,
  v2Requests,
} from './lib/serving-workload.js'
import { renderServingReport, servingJson } from './lib/serving-report.js'
import {
  type Config,
  type Measured,
  type Models,
  type Target,
  type TargetResult,
  pinGroup,
  startTarget,
  targets,
} from './lib/serving-targets.js'
import { fmt } from './lib/table.js'

const SECONDS = Number(process.env.KEEL_BENCH_SERVING_SECONDS ?? 5)
const ROUNDS = Number(process.env.KEEL_BENCH_SERVING_ROUNDS ?? 3)
const WARMUP_SECONDS = Math.min(3, SECONDS)
const LEVELS = (process.env.KEEL_BENCH_SERVING_CONNECTIONS ?? '1,32,128').split(',').map(Number)
const RATE = Number(process.env.KEEL_BENCH_SERVING_RATE ?? 5000)
const PACED_CONNECTIONS = 64 // the open-loop generator's pool: requests wait for an idle one
const PIN = (process.env.KEEL_BENCH_SERVING_PIN ?? 'shared') as Config['pin']
const GENERATOR = (process.env.KEEL_BENCH_SERVING_GENERATOR ?? 'wrk') as 'wrk' | 'autocannon'
const NATIVE = 'iris-keel'
const ONNX = 'iris-onnx'

const CORES: Record<Config['pin'], { server?: string; generator?: string }> = {
  split: { server: '0', generator: '1' },
  shared: { server: '0,1', generator: '1' },
  none: {},
}

const log = benchLog('serving')

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

async function requestsFor(protocol: Protocol, server: ServerHandle, t: Target, m: Models): Promise<LoadRequest[]> {
  if (protocol === 'invocations') return invocationRequests(m.columns, m.data)
  const res = await fetch(`${server.url}/v2/models/${encodeURIComponent(t.model)}`)
  if (!res.ok) throw new Error(`GET /v2/models/${t.model} -> ${res.status}: ${await res.text()}`)
  return v2Requests((await res.json()) as V2Metadata, m.columns, m.data)
}

async function measure(spec: LoadSpec, server: ServerHandle, tracking: ServerHandle): Promise<Measured> {
  const t0 = groupCpuSeconds(tracking.pid)
  const r = await runLoad(spec, server.pid, {
    generator: GENERATOR,
    ...(CORES[PIN].generator !== undefined && { cores: CORES[PIN].generator }),
  })
  return { ...r, trackingCpuS: groupCpuSeconds(tracking.pid) - t0 }
}

const brief = (r: Measured): string =>
  `${fmt(r.throughput, 0)} req/s, p50 ${fmt(r.p50_ms)} ms, p99 ${fmt(r.p99_ms)} ms${r.non2xx + r.errors + r.unanswered > 0 ? `, ${r.non2xx} non-2xx, ${r.errors} errors, ${r.unanswered} unanswered` : ''}`

async function benchTarget(t: Target, tracking: ServerHandle, m: Models): Promise<TargetResult[]> {
  log(`${t.label}: starting`)
  const server = await startTarget(t, tracking, CORES[PIN].server)
  const out: TargetResult[] = []
  try {
    for (const protocol of t.protocols) {
      const requests = await requestsFor(protocol, server, t, m)
      if (t.flavor !== 'floor')
        await checkPredictions(server.url, protocol, requests, t.flavor === 'onnx' ? m.sklearn : m.native)
      log(`${t.label} ${protocol}: every row answered as expected; warm-up ${WARMUP_SECONDS} s`)
      const base = { url: server.url, requests, durationS: SECONDS }
      await measure({ ...base, mode: 'max', connections: 32, durationS: WARMUP_SECONDS }, server, tracking)
      const levels: { connections: number; runs: Measured[] }[] = []
      for (const connections of LEVELS) {
        const runs: Measured[] = []
        for (let i = 0; i < ROUNDS; i++) {
          const waited = await settle(server.url, requests[0]!)
          if (waited > 1000) log(`${t.label}: ${(waited / 1000).toFixed(1)} s for the previous run's queue to drain`)
          const r = await measure({ ...base, mode: 'max', connections }, server, tracking)
          runs.push(r)
          log(`${t.label} ${protocol} ${connections} conn #${i + 1}: ${brief(r)}`)
        }
        levels.push({ connections, runs })
      }
      const paced: Measured[] = []
      for (let i = 0; t.paced && i < ROUNDS; i++) {
        await settle(server.url, requests[0]!)
        const r = await measure(
          { ...base, mode: 'paced', connections: PACED_CONNECTIONS, rate: RATE },
          server,
          tracking,
        )
        paced.push(r)
        log(`${t.label} ${protocol} paced ${RATE}/s #${i + 1}: ${brief(r)}`)
      }
      out.push({ target: t, protocol, levels, paced })
    }
  } finally {
    await server.stop()
  }
  return out
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2)
  const onlyAt = argv.findIndex((a) => a === '--only' || a.startsWith('--only='))
  const only = onlyAt < 0 ? undefined : argv[onlyAt]!.includes('=') ? argv[onlyAt]!.slice(7) : argv[onlyAt + 1]
  const config: Config = {
    seconds: SECONDS,
    rounds: ROUNDS,
    warmupSeconds: WARMUP_SECONDS,
    levels: LEVELS,
    rate: RATE,
    pacedConnections: PACED_CONNECTIONS,
    pin: PIN,
    serverCores: CORES[PIN].server ?? 'all',
    generatorCores: CORES[PIN].generator ?? 'all',
    generator: GENERATOR,
    keelExtraArgs: (process.env.KEEL_BENCH_SERVING_KEEL_ARGS ?? '').split(/\s+/).filter(Boolean),
  }
  const plan = targets(only, process.env.KEEL_BENCH_SERVING_TUNED === '1', config.keelExtraArgs, { NATIVE, ONNX })
  stopServersOnSignals(log)
  const results: TargetResult[] = []
  let models: Models
  let tracking: ServerHandle
  const started = new Date()
  try {
    tracking = await startKeel()
    if (CORES[PIN].server !== undefined) pinGroup(tracking.pid, CORES[PIN].server)
    log(
      `tracking server ${tracking.url}; pinning ${PIN}: server side on cores ${config.serverCores}, generator on ${config.generatorCores}`,
    )
    models = await registerModels(tracking)
    // One serving process at a time, so that servers never compete with each other for the cores.
    for (const t of plan) results.push(...(await benchTarget(t, tracking, models)))
    process.stdout.write(renderServingReport(results, models, tracking, config))
  } finally {
    await stopAll()
  }
  log(`results: ${writeResults('serving', servingJson(results, models, config, started))}`)
}

runBench('serving', main)
