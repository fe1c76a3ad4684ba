// Runs Python (scikit-learn, SciPy, Evidently in the repo's virtualenv, scripts/python-env.mjs) as
// a test oracle: a script reads one JSON document on stdin and prints one JSON document. Each test
// file batches its cases into one call: the interpreter and the imports take seconds to start.
// The one runner for every package's tests (monitoring's test support re-exports it).

import { spawnSync } from 'node:child_process'
import { fileURLToPath, pathToFileURL } from 'node:url'

const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url))

interface PythonEnvModule {
  ensurePythonEnv(opts?: { repoRoot?: string }): string
}

let pythonPath: string | undefined

/** The venv's python, created by scripts/python-env.mjs when missing or stale. */
async function venvPython(): Promise<string> {
  if (pythonPath === undefined) {
    const mod = (await import(pathToFileURL(`${REPO_ROOT}scripts/python-env.mjs`).href)) as PythonEnvModule
    pythonPath = mod.ensurePythonEnv({ repoRoot: REPO_ROOT })
  }
  return pythonPath
}

/** Prelude for oracle scripts: `read()` returns the input; `write(x)` prints it as plain JSON (NaN, ±Infinity as strings). */
const PRELUDE = `
import json, math, sys, warnings
warnings.filterwarnings("ignore")
import numpy as np

def _clean(x):
    if isinstance(x, dict):
        return {str(k): _clean(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_clean(v) for v in x]
    if isinstance(x, np.ndarray):
        return _clean(x.tolist())
    if isinstance(x, (bool, np.bool_)):
        return bool(x)
    if isinstance(x, (np.integer,)):
        return int(x)
    if isinstance(x, (float, np.floating)):
        x = float(x)
        if math.isnan(x): return "NaN"
        if math.isinf(x): return "Infinity" if x > 0 else "-Infinity"
        return x
    if isinstance(x, np.str_):
        return str(x)
    return x

def read():
    return json.load(sys.stdin)

def write(x):
    json.dump(_clean(x), sys.stdout)
`

const SPECIAL: Record<string, number> = {
  NaN: Number.NaN,
  Infinity: Number.POSITIVE_INFINITY,
  '-Infinity': Number.NEGATIVE_INFINITY,
}

/** Runs `script` (after the prelude) with `input` as JSON on stdin; returns its JSON output ("NaN", "±Infinity" as numbers). */
export async function runPython<T>(script: string, input: unknown): Promise<T> {
  const python = await venvPython()
  const r = spawnSync(python, ['-c', `${PRELUDE}\n${script}`], {
    input: JSON.stringify(input),
    encoding: 'utf8',
    maxBuffer: 512 * 1024 * 1024,
  })
  if (r.error) throw r.error
  if (r.status !== 0) throw new Error(`python oracle failed (exit ${r.status}):\n${r.stderr}`)
  return JSON.parse(r.stdout, (_k, v: unknown) => (typeof v === 'string' && v in SPECIAL ? SPECIAL[v] : v)) as T
}

/** |actual − expected| <= rtol·|expected| + atol (relative, so tiny values are checked too); NaN and ±Infinity match only themselves. */
export function close(actual: number, expected: number, rtol = 1e-6, atol = 1e-14): boolean {
  if (Number.isNaN(expected) || Number.isNaN(actual)) return Number.isNaN(expected) && Number.isNaN(actual)
  if (!Number.isFinite(expected) || !Number.isFinite(actual)) return actual === expected
  return Math.abs(actual - expected) <= rtol * Math.abs(expected) + atol
}
