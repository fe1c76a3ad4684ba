/**
 * The models of bench/pyfunc-serving.bench.ts, made as a user makes them: the seed's own scripts
 * (python/seed/train.py, then register.py) with the repo venv's Python against the benchmark's
 * keel tracking server, giving `iris-classifier` version 1 (scikit-learn, flavors python_function
 * and sklearn, no signature); then its ONNX twin, registered as the next version, by
 * `keel models convert` when the CLI has it, else by skl2onnx + mlflow.onnx.log_model
 * (bench/python/pyfunc_serving.py onnx-twin). The report says which.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runPythonJson, venvPython } from './python.js'
import { REPO_ROOT, type ServerHandle } from './servers.js'

export const MODEL_NAME = 'iris-classifier'
const KEEL = join(REPO_ROOT, 'packages/server/bin/keel.js')

export interface PredictTime {
  readonly p50_ms: number
  readonly p99_ms: number
  readonly min_ms: number
  readonly n: number
}

export interface SeedModel {
  readonly name: string
  /** The scikit-learn version the seed registered. */
  readonly pyfuncVersion: string
  readonly onnxVersion: string
  /** How the ONNX twin was made, and how long it took (the user's command, end to end). */
  readonly onnxHow: string
  readonly onnxSeconds: number
  /** train.py + register.py, end to end. */
  readonly seedSeconds: number
  /** The 150 iris rows and the pyfunc model's predictions on them (what every server must answer). */
  readonly rows: number[][]
  readonly predictions: number[]
  /** mlflow.pyfunc.load_model(...).predict on one row, in-process (median of many calls). */
  readonly predictTime: PredictTime
  /** The same on batches of 1, 8, 32, 128 rows (what micro-batching feeds the model). */
  readonly batchPredictTime: Record<string, PredictTime>
  readonly versions: Record<string, string>
}

interface PredictTimeJson {
  readonly has_signature: boolean
  readonly single: PredictTime
  readonly batches: Record<string, PredictTime>
  readonly rows: number[][]
  readonly predictions: number[]
  readonly versions: Record<string, string>
}

/** Runs a program to completion; throws with its output when it fails. */
function run(
  exe: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  cwd: string,
): { stdout: string; seconds: number } {
  const t0 = performance.now()
  const r = spawnSync(exe, args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, MLFLOW_DISABLE_TELEMETRY: 'true', ...env },
    maxBuffer: 64 * 1024 * 1024,
    timeout: 600_000,
  })
  if (r.status !== 0)
    throw new Error(`${[exe, ...args].join(' ')} failed (${r.error?.message ?? `exit ${r.status}`}):\n${r.stderr}`)
  return { stdout: r.stdout, seconds: (performance.now() - t0) / 1000 }
}

/** Whether the built CLI has `keel models convert` (being built alongside this benchmark). */
export function keelHasConvert(): boolean {
  const r = spawnSync(process.execPath, [KEEL, 'models', 'convert', '--help'], { encoding: 'utf8' })
  return r.status === 0 && r.stdout.startsWith('Usage: keel models convert')
}

async function latestVersion(tracking: ServerHandle, name: string): Promise<string> {
  const query = new URLSearchParams({ filter: `name='${name}'`, max_results: '100' })
  const res = await fetch(`${tracking.url}/api/2.0/mlflow/model-versions/search?${query}`)
  if (!res.ok) throw new Error(`model-versions/search -> ${res.status}: ${await res.text()}`)
  const body = (await res.json()) as { model_versions?: { version: string }[] }
  const versions = (body.model_versions ?? []).map((v) => Number(v.version))
  if (versions.length === 0) throw new Error(`${name} has no versions`)
  return String(Math.max(...versions))
}

function predictTimeJson(
  tracking: ServerHandle,
  uri: string,
  calls: number,
  log: (msg: string) => void,
): PredictTimeJson {
  log(`the model's own predict time: mlflow.pyfunc.load_model('${uri}').predict on one row, ${calls} calls`)
  return runPythonJson<PredictTimeJson>('pyfunc_serving.py', ['predict-time', uri, String(calls)], {
    MLFLOW_TRACKING_URI: tracking.url,
  })
}

/** The model's own predict time on one row, measured again (e.g. after the servers, for the drift). */
export function measurePredictTime(
  tracking: ServerHandle,
  seed: SeedModel,
  calls: number,
  log: (msg: string) => void,
): PredictTime {
  return predictTimeJson(tracking, `models:/${seed.name}/${seed.pyfuncVersion}`, calls, log).single
}

/**
 * Trains and registers the seed's model, measures its own predict time, and makes its ONNX twin,
 * all with the repo venv's Python (the interpreter keel's workers use too, through KEEL_PYTHON).
 */
export async function prepareSeedModel(
  tracking: ServerHandle,
  log: (msg: string) => void,
  predictCalls: number,
): Promise<SeedModel> {
  const python = venvPython()
  const env = { MLFLOW_TRACKING_URI: tracking.url, KEEL_PYTHON: python }
  const dir = mkdtempSync(join(tmpdir(), 'keel-bench-pyfunc-seed-'))
  try {
    log('the seed: python/seed/train.py (RandomForestClassifier, 100 trees, depth 5), then register.py')
    const train = run(python, [join(REPO_ROOT, 'python/seed/train.py')], env, dir)
    const register = run(python, [join(REPO_ROOT, 'python/seed/register.py')], env, dir)
    const pyfuncVersion = await latestVersion(tracking, MODEL_NAME)
    log(`registered ${MODEL_NAME} version ${pyfuncVersion} in ${(train.seconds + register.seconds).toFixed(1)} s`)

    const timing = predictTimeJson(tracking, `models:/${MODEL_NAME}/${pyfuncVersion}`, predictCalls, log)
    if (timing.has_signature)
      log('note: the registered model has a signature (the seed logs none); requests still send {"inputs": [[...]]}')

    let onnxHow: string
    let onnxSeconds: number
    if (keelHasConvert()) {
      // The seed logs no input example, so the conversion is checked on the 150 iris rows, given as
      // an MLflow payload (as `keel predict --input` reads it).
      const source = `models:/${MODEL_NAME}/${pyfuncVersion}`
      writeFileSync(join(dir, 'iris.json'), JSON.stringify({ inputs: timing.rows }))
      const argv = ['models', 'convert', '-m', source, '--to', 'onnx', '--rows', 'iris.json']
      log(`the ONNX twin: keel ${argv.join(' ')}`)
      const r = run(process.execPath, [KEEL, ...argv], env, dir)
      onnxHow = `keel ${argv.join(' ')} (the 150 iris rows)`
      onnxSeconds = r.seconds
    } else {
      log('the ONNX twin: keel models convert is not in this build; skl2onnx + mlflow.onnx.log_model instead')
      const t0 = performance.now()
      const twin = runPythonJson<{ how: string; agree: number; rows: number }>(
        'pyfunc_serving.py',
        ['onnx-twin', MODEL_NAME, pyfuncVersion],
        env,
      )
      onnxHow = `${twin.how} (keel models convert not available; agrees on ${twin.agree}/${twin.rows} rows)`
      onnxSeconds = (performance.now() - t0) / 1000
    }
    const onnxVersion = await latestVersion(tracking, MODEL_NAME)
    if (onnxVersion === pyfuncVersion) throw new Error('the ONNX conversion registered no new version')
    log(`ONNX twin: ${MODEL_NAME} version ${onnxVersion} (${onnxSeconds.toFixed(1)} s)`)
    return {
      name: MODEL_NAME,
      pyfuncVersion,
      onnxVersion,
      onnxHow,
      onnxSeconds,
      seedSeconds: train.seconds + register.seconds,
      rows: timing.rows,
      predictions: timing.predictions,
      predictTime: timing.single,
      batchPredictTime: timing.batches,
      versions: timing.versions,
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
