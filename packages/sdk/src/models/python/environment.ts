/**
 * The Python a model's workers run in, chosen as MLflow's `--env-manager` chooses it:
 * - `local`: the interpreter keel is told to use ($KEEL_PYTHON, else python3), checked once per process
 *   for what the worker imports (mlflow, numpy, pandas);
 * - `virtualenv`: a venv built (`python -m venv`, pip) from the model's python_env.yaml and
 *   requirements.txt, cached by hash (env-build.ts says how);
 * - `uv`: the same built with `uv venv` and `uv pip install`.
 * keel never downloads a Python: the base interpreter, or a `python3.X` on PATH, must match the
 * major.minor the model asks for.
 */
import { homedir } from 'node:os'
import { join, resolve } from 'node:path'
import { KeelError } from '@keel/contracts'
import { readMLmodel } from '../mlmodel.js'
import { virtualEnvFor } from './env-build.js'
import { checkImports } from './env-python.js'
import { missingPython } from './env-tools.js'

export type EnvManager = 'local' | 'virtualenv' | 'uv'
export const ENV_MANAGERS: readonly EnvManager[] = ['local', 'virtualenv', 'uv']

export interface PythonEnvOptions {
  /** Default 'local'. */
  readonly envManager?: EnvManager
  /** `local`'s interpreter, and the base interpreter of the others (default: $KEEL_PYTHON, else `python3`). */
  readonly python?: string
  /** Where built environments are cached (default: $KEEL_PYTHON_ENV_CACHE, else ~/.cache/keel/python-envs). */
  readonly cacheDir?: string
  /** Packages to install beside the model's requirements (e.g. the ONNX converters). */
  readonly extraPackages?: readonly string[]
  /** Progress of a long build, a line at a time. */
  readonly onProgress?: (line: string) => void
}

export interface PythonEnv {
  /** The interpreter to run. */
  readonly python: string
  readonly manager: EnvManager
  /** The environment's folder, for the managers that build one. */
  readonly envDir?: string
}

/** The interpreter named by the options or the environment. */
export function basePython(options: PythonEnvOptions = {}): string {
  return options.python ?? process.env.KEEL_PYTHON ?? 'python3'
}

/** Where built environments go: $KEEL_PYTHON_ENV_CACHE, else ~/.cache/keel/python-envs. */
export function defaultEnvCacheDir(): string {
  const fromEnv = process.env.KEEL_PYTHON_ENV_CACHE
  return fromEnv !== undefined && fromEnv !== '' ? fromEnv : join(homedir(), '.cache', 'keel', 'python-envs')
}

/** The Python that runs the model in `modelDir` under `options.envManager`, built (and cached) when needed. */
export async function pythonEnvFor(modelDir: string, options: PythonEnvOptions = {}): Promise<PythonEnv> {
  const manager = options.envManager ?? 'local'
  if (!ENV_MANAGERS.includes(manager))
    throw KeelError.invalid(`--env-manager must be one of ${ENV_MANAGERS.join(', ')}, not '${String(manager)}'`)
  if (manager === 'local') return localEnv(modelDir, options)
  return virtualEnvFor(modelDir, manager, {
    python: basePython(options),
    cacheDir: resolve(options.cacheDir ?? defaultEnvCacheDir()),
    extraPackages: options.extraPackages ?? [],
    onProgress: options.onProgress ?? (() => undefined),
  })
}

async function localEnv(modelDir: string, options: PythonEnvOptions): Promise<PythonEnv> {
  const python = basePython(options)
  const check = await checkImports(python)
  const version = await readMLmodel(modelDir).then(
    (mlmodel) => mlmodel.mlflowVersion,
    () => undefined,
  )
  if (check.ok) {
    const mlflow = check.versions.mlflow ?? '?'
    const saved = version !== undefined && version !== mlflow ? `; the model was saved with mlflow ${version}` : ''
    options.onProgress?.(`Using ${python} (Python ${check.pythonVersion}, mlflow ${mlflow}${saved})`)
    return { python, manager: 'local' }
  }
  if (check.missing) throw missingPython('local', python)
  const pin = version === undefined ? 'mlflow' : `mlflow==${version}`
  throw new KeelError(
    'INVALID_STATE',
    `--env-manager local: the Python '${python}' cannot run the model's workers: ${check.error}. Install what ` +
      `they need there (\`${python} -m pip install ${pin}\`, which brings numpy and pandas), set KEEL_PYTHON ` +
      "(or --python) to a Python that has them, or let keel build the model's environment with " +
      '--env-manager virtualenv (or uv).',
  )
}
