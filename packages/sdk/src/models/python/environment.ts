/**
 * The Python a model's workers run in, chosen as MLflow's `--env-manager` chooses it.
 * (`local` only so far: the virtualenv and uv managers come next.)
 */
import { KeelError } from '@keel/contracts'

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

/** The Python that runs the model in `modelDir` under `options.envManager`. */
export async function pythonEnvFor(_modelDir: string, options: PythonEnvOptions = {}): Promise<PythonEnv> {
  const manager = options.envManager ?? 'local'
  if (manager !== 'local') throw new KeelError('NOT_IMPLEMENTED', `--env-manager ${manager} is not implemented yet`)
  return { python: basePython(options), manager }
}
