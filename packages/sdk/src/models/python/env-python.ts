/**
 * Questions asked of a Python interpreter: which version it is, and whether it can import what the
 * worker needs (mlflow, numpy, pandas). A good answer is cached per interpreter for the process's
 * life (importing mlflow takes seconds); a bad one is not, so a fixed interpreter is seen next time.
 */
import { errnoCode, run } from './env-process.js'

/** What the worker (keel_pyfunc_worker.py) imports. */
export const WORKER_MODULES: readonly string[] = ['mlflow', 'numpy', 'pandas']

export interface Interpreter {
  /** As given (a path or a name on PATH). */
  readonly command: string
  /** `3.11.7`. */
  readonly version: string
  /** The interpreter behind it (a venv's base), real path: what an environment built from it links to. */
  readonly base: string
}

export type ProbeResult =
  | { readonly ok: true; readonly interpreter: Interpreter }
  | { readonly ok: false; readonly missing: boolean; readonly error: string }

const PROBE = [
  'import json, os, sys',
  'base = getattr(sys, "_base_executable", None) or sys.executable',
  'print("KEEL_PROBE " + json.dumps({"version": "%d.%d.%d" % sys.version_info[:3], "base": os.path.realpath(base)}))',
].join('\n')

/** `command`'s version and base interpreter; `missing` when there is no such program. */
export async function probeInterpreter(command: string): Promise<ProbeResult> {
  try {
    const result = await run(command, ['-c', PROBE])
    const line = result.stdout.split('\n').find((l) => l.startsWith('KEEL_PROBE '))
    if (result.code === 0 && line !== undefined) {
      const { version, base } = JSON.parse(line.slice('KEEL_PROBE '.length)) as { version: string; base: string }
      return { ok: true, interpreter: { command, version, base } }
    }
    return { ok: false, missing: false, error: result.lines.slice(-3).join(' ') || `it ended with ${result.code}` }
  } catch (error) {
    return { ok: false, missing: errnoCode(error) === 'ENOENT', error: (error as Error).message }
  }
}

export type ImportCheck =
  | { readonly ok: true; readonly pythonVersion: string; readonly versions: Readonly<Record<string, string>> }
  | {
      readonly ok: false
      /** There is no such program (ENOENT). */
      readonly missing: boolean
      /** The import's failure as Python prints it (`ModuleNotFoundError: No module named 'mlflow'`), or how it failed to run. */
      readonly error: string
    }

const CHECK = [
  'import importlib, json, sys',
  'versions = {}',
  'for name in sys.argv[1:]:',
  '    try:',
  '        module = importlib.import_module(name)',
  '    except BaseException as e:',
  '        print("KEEL_IMPORT_FAILED " + type(e).__name__ + ": " + " ".join(str(e).split()))',
  '        sys.exit(3)',
  '    versions[name] = str(getattr(module, "__version__", "?"))',
  'print("KEEL_IMPORT_OK " + json.dumps({"python": "%d.%d.%d" % sys.version_info[:3], "versions": versions}))',
].join('\n')

const checks = new Map<string, Promise<ImportCheck>>()

async function checkOnce(python: string, modules: readonly string[]): Promise<ImportCheck> {
  let result: Awaited<ReturnType<typeof run>>
  try {
    result = await run(python, ['-c', CHECK, ...modules])
  } catch (error) {
    return { ok: false, missing: errnoCode(error) === 'ENOENT', error: (error as Error).message }
  }
  const lines = result.stdout.split('\n')
  const ok = lines.find((l) => l.startsWith('KEEL_IMPORT_OK '))
  if (result.code === 0 && ok !== undefined) {
    const parsed = JSON.parse(ok.slice('KEEL_IMPORT_OK '.length)) as {
      python: string
      versions: Record<string, string>
    }
    return { ok: true, pythonVersion: parsed.python, versions: parsed.versions }
  }
  const failed = lines.find((l) => l.startsWith('KEEL_IMPORT_FAILED '))
  const error =
    failed?.slice('KEEL_IMPORT_FAILED '.length) ??
    `it did not run (${result.signal ?? `exit code ${result.code}`}): ${result.lines.slice(-3).join(' ')}`
  return { ok: false, missing: false, error }
}

/** Whether `python` can import `modules` (default: the worker's); a success is cached for the process. */
export function checkImports(python: string, modules: readonly string[] = WORKER_MODULES): Promise<ImportCheck> {
  const key = `${python}\0${modules.join(',')}`
  const cached = checks.get(key)
  if (cached !== undefined) return cached
  const check = checkOnce(python, modules).then((verdict) => {
    if (!verdict.ok) checks.delete(key)
    return verdict
  })
  checks.set(key, check)
  return check
}
