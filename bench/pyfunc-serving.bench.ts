/**
 * python_function serving benchmark (issue 13): the seed's scikit-learn model, registered as users
 * register it, served by `mlflow models serve --env-manager local` (its defaults) and by
 * `keel models serve` (its defaults: Python workers behind keel's Node server), and its ONNX twin
 * served natively by keel, in the same run. Single-row `/invocations` requests
 * (`{"inputs": [[...]]}`, as a user sends them to a model without a signature) at 1, 32 and 128
 * connections, several repetitions each; medians with their spread, keel/MLflow ratios. Beside the
 * HTTP figures: the model's own predict time in Python, and the IPC overhead of keel's worker pool
 * measured apart (bench/lib/pyfunc-ipc.ts).
 *
 *   KEEL_BENCH_ONLY=pyfunc npm run bench
 *   node_modules/.bin/tsx bench/pyfunc-serving.bench.ts [--only keel|mlflow]   (after a build)
 *   KEEL_BENCH_PYFUNC_SECONDS=10 KEEL_BENCH_PYFUNC_REPEATS=3 KEEL_BENCH_PYFUNC_CONNECTIONS=1,32,128
 */
import { availableParallelism } from 'node:os'
import { dirname, join } from 'node:path'
import { benchLog, machine, runBench, stopServersOnSignals, writeResults } from './lib/harness.js'
import { type LoadRequest, runLoad } from './lib/load.js'
import { groupCpuSeconds } from './lib/proc.js'
import { measureIpc } from './lib/pyfunc-ipc.js'
import { type SeedModel, measurePredictTime, prepareSeedModel } from './lib/pyfunc-models.js'
import { type Level, type Run, type Target, type TargetResult, renderReport } from './lib/pyfunc-report.js'
import { venvPython } from './lib/python.js'
import {
  REPO_ROOT,
  type ServerHandle,
  keelServeListening,
  startKeel,
  startServer,
  stopAll,
  uvicornListening,
} from './lib/servers.js'
import { checkPredictions, settle } from './lib/serving-workload.js'

const SECONDS = Number(process.env.KEEL_BENCH_PYFUNC_SECONDS ?? 10)
const REPEATS = Number(process.env.KEEL_BENCH_PYFUNC_REPEATS ?? 3)
const CONNECTIONS = (process.env.KEEL_BENCH_PYFUNC_CONNECTIONS ?? '1,32,128').split(',').map(Number)
const WARMUP_SECONDS = 3
/** A server is idle again when single requests answer within this (the model predicts in ~10–20 ms). */
const PREDICT_CALLS = 1000
const IPC_CALLS = 2000

const log = benchLog('pyfunc')

function targets(only: string | undefined): Target[] {
  const n = availableParallelism()
  const keel: Target[] = [
    {
      id: 'keel-pyfunc',
      server: 'keel',
      model: 'pyfunc',
      flags: [],
      // serve-command.ts: --workers defaults to the cores, --python-workers to the cores shared among
      // the Node workers (so one each), batching on. The prediction log is on by default and logs a
      // classifier's probabilities, which costs each request a predict_proba call after predict.
      describe: `defaults: ${n} Node workers, each with 1 Python worker; batching on; prediction log on (labels and probabilities for the log)`,
    },
    {
      id: 'keel-pyfunc-nolog',
      server: 'keel',
      model: 'pyfunc',
      flags: ['--no-prediction-log'],
      describe: 'defaults but --no-prediction-log (contrast: one model call per request)',
    },
    {
      id: 'keel-pyfunc-nobatch',
      server: 'keel',
      model: 'pyfunc',
      flags: ['--no-batching'],
      describe: 'defaults but --no-batching (contrast)',
    },
    {
      id: 'keel-onnx',
      server: 'keel',
      model: 'onnx',
      flags: [],
      describe: `defaults: ${n} Node workers; prediction log on`,
    },
  ]
  const mlflow: Target[] = [
    { id: 'mlflow', server: 'mlflow', model: 'pyfunc', flags: [], describe: 'defaults: 1 uvicorn worker' },
    {
      id: 'mlflow-w2',
      server: 'mlflow',
      model: 'pyfunc',
      flags: ['--workers', '2'],
      describe: '--workers 2 (one per core, contrast)',
    },
  ]
  if (only === 'keel') return keel
  if (only === 'mlflow') return mlflow
  if (only !== undefined) throw new Error(`--only takes keel or mlflow, not ${only}`)
  return [...mlflow, ...keel]
}

function startTarget(t: Target, seed: SeedModel, tracking: ServerHandle): Promise<ServerHandle> {
  const version = t.model === 'onnx' ? seed.onnxVersion : seed.pyfuncVersion
  const uri = `models:/${seed.name}/${version}`
  const python = venvPython()
  const bin = dirname(python)
  // As a user with the venv activated: its bin on PATH (`mlflow models serve` execs `uvicorn` from
  // it), KEEL_PYTHON naming the interpreter keel's --env-manager local uses.
  const env = {
    MLFLOW_TRACKING_URI: tracking.url,
    KEEL_PYTHON: python,
    PATH: `${bin}:${process.env.PATH ?? ''}`,
    MLFLOW_DISABLE_TELEMETRY: 'true',
  }
  if (t.server === 'keel') {
    return startServer({
      name: t.id,
      exe: process.execPath,
      args: () => [
        join(REPO_ROOT, 'packages/server/bin/keel.js'),
        ...['models', 'serve', '-m', uri, '--host', '127.0.0.1', '--port', '0'],
        ...t.flags,
      ],
      listening: keelServeListening,
      readyPath: '/v2/health/ready',
      readyTimeoutMs: 180_000,
      env,
    })
  }
  return startServer({
    name: t.id,
    exe: join(bin, 'mlflow'),
    // `mlflow models serve --port 0` would not listen on port 0 (uvicorn then takes 8000).
    choosePort: true,
    args: (_dir, port) => [
      ...['models', 'serve', '-m', uri, '--env-manager', 'local', '--host', '127.0.0.1', '--port', String(port)],
      ...t.flags,
    ],
    listening: uvicornListening,
    readyPath: '/ping',
    readyTimeoutMs: 180_000,
    env,
  })
}

/** One `/invocations` request per iris row, as a user sends them to the seed's model. */
function requests(rows: readonly (readonly number[])[]): LoadRequest[] {
  return rows.map((row) => ({ method: 'POST', path: '/invocations', body: JSON.stringify({ inputs: [row] }) }))
}

async function benchTarget(t: Target, seed: SeedModel, tracking: ServerHandle): Promise<TargetResult> {
  log(`${t.id} (${t.describe}): starting`)
  const t0 = performance.now()
  const server = await startTarget(t, seed, tracking)
  const readySeconds = (performance.now() - t0) / 1000
  const levels: Level[] = []
  try {
    const reqs = requests(seed.rows)
    await checkPredictions(server.url, 'invocations', reqs, seed.predictions)
    log(`${t.id}: ready in ${readySeconds.toFixed(1)} s; all ${reqs.length} rows answered as the model predicts`)
    const base = { url: server.url, requests: reqs, mode: 'max' as const }
    await runLoad({ ...base, connections: 32, durationS: WARMUP_SECONDS })
    for (const connections of CONNECTIONS) {
      const runs: Run[] = []
      for (let i = 0; i < REPEATS; i++) {
        const waited = await settle(server.url, reqs[0]!)
        if (waited > 1000) log(`${t.id}: ${(waited / 1000).toFixed(1)} s for the previous run's queue to drain`)
        const tracking0 = groupCpuSeconds(tracking.pid)
        const r = await runLoad({ ...base, connections, durationS: SECONDS }, server.pid)
        runs.push({ ...r, trackingCpuS: groupCpuSeconds(tracking.pid) - tracking0 })
        log(
          `${t.id} ${connections} conn #${i + 1}: ${r.throughput.toFixed(0)} req/s, p50 ${r.p50_ms.toFixed(2)} ms, p99 ${r.p99_ms.toFixed(2)} ms${r.non2xx + r.errors > 0 ? `, ${r.non2xx} non-2xx, ${r.errors} errors` : ''}`,
        )
      }
      levels.push({ connections, runs })
    }
  } finally {
    await server.stop()
  }
  return { target: t, readySeconds, levels }
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2)
  const onlyAt = argv.findIndex((a) => a === '--only' || a.startsWith('--only='))
  const only = onlyAt < 0 ? undefined : argv[onlyAt]!.includes('=') ? argv[onlyAt]!.slice(7) : argv[onlyAt + 1]
  const plan = targets(only)
  stopServersOnSignals(log)
  try {
    const tracking = await startKeel()
    log(`tracking server ${tracking.url}`)
    const seed = await prepareSeedModel(tracking, log, PREDICT_CALLS)
    // One server at a time, so that servers never compete with each other for the cores.
    const done: TargetResult[] = []
    for (const t of plan) done.push(await benchTarget(t, seed, tracking))
    // Measured with no server running.
    const predictAfter = measurePredictTime(tracking, seed, PREDICT_CALLS, log)
    const ipc = only === 'mlflow' ? undefined : await measureIpc(IPC_CALLS, log)
    const { text, json } = renderReport({
      seed,
      predictAfter,
      targets: done,
      ipc,
      tracking,
      config: { seconds: SECONDS, repeats: REPEATS, connections: CONNECTIONS, warmupSeconds: WARMUP_SECONDS },
    })
    process.stdout.write(text)
    const file = writeResults('pyfunc-serving', {
      benchmark: 'pyfunc-serving',
      date: new Date().toISOString(),
      machine: machine(),
      ...json,
    })
    log(`results: ${file}`)
  } finally {
    await stopAll()
  }
}

runBench('pyfunc', main)
