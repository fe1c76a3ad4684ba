// Runs scikit-learn (in the repo's Python virtualenv) as a test oracle: a Python script reads one
// JSON document from stdin and prints one JSON document. Each test file batches all its cases
// into a single call because the interpreter and scikit-learn take a second or two to start.

import { spawnSync } from 'node:child_process'
import { fileURLToPath, pathToFileURL } from 'node:url'

const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url))

interface PythonEnvModule {
  ensurePythonEnv(opts?: { repoRoot?: string }): string
}

let pythonPath: string | undefined

/** The venv's python, created by scripts/python-env.mjs when missing or stale. */
export async function sklearnPython(): Promise<string> {
  if (pythonPath === undefined) {
    const href = pathToFileURL(`${REPO_ROOT}scripts/python-env.mjs`).href
    const mod = (await import(href)) as PythonEnvModule
    pythonPath = mod.ensurePythonEnv({ repoRoot: REPO_ROOT })
  }
  return pythonPath
}

/** Prelude for oracle scripts: `read()` returns the input; `write(x)` prints it (NaN -> "NaN"). */
const PRELUDE = `
import json, math, sys, warnings
warnings.filterwarnings("ignore")
import numpy as np

def _clean(x):
    if isinstance(x, dict):
        return {k: _clean(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_clean(v) for v in x]
    if isinstance(x, np.ndarray):
        return _clean(x.tolist())
    if isinstance(x, (np.integer,)):
        return int(x)
    if isinstance(x, (float, np.floating)):
        x = float(x)
        return "NaN" if math.isnan(x) else x
    if isinstance(x, np.str_):
        return str(x)
    return x

def read():
    return json.load(sys.stdin)

def write(x):
    json.dump(_clean(x), sys.stdout)
`

/** Runs `script` (after the prelude) with `input` as JSON on stdin; returns its JSON output ("NaN" -> NaN). */
export async function runSklearn<T>(script: string, input: unknown): Promise<T> {
  const python = await sklearnPython()
  const r = spawnSync(python, ['-c', `${PRELUDE}\n${script}`], {
    input: JSON.stringify(input),
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  })
  if (r.error) throw r.error
  if (r.status !== 0) throw new Error(`scikit-learn oracle failed (exit ${r.status}):\n${r.stderr}`)
  return JSON.parse(r.stdout, (_key, value: unknown) => (value === 'NaN' ? Number.NaN : value)) as T
}

/** |actual - expected| <= 1e-10 + 1e-9 * |expected|; NaN only matches NaN. */
export function closeTo(actual: number, expected: number): boolean {
  if (Number.isNaN(expected) || Number.isNaN(actual)) return Number.isNaN(expected) && Number.isNaN(actual)
  return Math.abs(actual - expected) <= 1e-10 + 1e-9 * Math.abs(expected)
}
