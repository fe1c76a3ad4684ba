/**
 * The programs a virtualenv/uv build runs: the Python interpreter (the base one, or the `python3.X` on
 * PATH that the model's python_env.yaml asks for; keel never downloads a Python) and uv.
 */
import { dirname, join } from 'node:path'
import { KeelError } from '@keel/contracts'
import { findExecutable } from './env-process.js'
import { type Interpreter, probeInterpreter } from './env-python.js'

const minor = (version: string): string => version.split('.').slice(0, 2).join('.')

/** The error for a Python that is not there: which, and how to name another. */
export function missingPython(manager: string, python: string): KeelError {
  return new KeelError(
    'INVALID_STATE',
    `--env-manager ${manager}: there is no Python interpreter '${python}' (not found). Set KEEL_PYTHON ` +
      `(or --python) to ${manager === 'local' ? 'a Python that has mlflow, numpy and pandas' : 'a Python 3 interpreter'}, or install python3.`,
  )
}

/**
 * The interpreter to build from: `base` when its major.minor is the one asked for (a patch-level
 * difference is reported and accepted), else `python3.X` from PATH, else an error naming both versions.
 */
export async function chooseInterpreter(
  manager: string,
  base: string,
  wanted: string | undefined,
  source: string,
  progress: (line: string) => void,
): Promise<Interpreter> {
  const probe = await probeInterpreter(base)
  if (!probe.ok) {
    if (probe.missing) throw missingPython(manager, base)
    throw new KeelError('INVALID_STATE', `--env-manager ${manager}: the Python '${base}' did not run: ${probe.error}`)
  }
  const have = probe.interpreter
  if (wanted === undefined) {
    progress(`${source} names no Python version: using Python ${have.version} (${base})`)
    return have
  }
  const wantedParts = wanted.split('.')
  if (wantedParts.length < 2 ? wantedParts[0] === have.version.split('.')[0] : minor(wanted) === minor(have.version)) {
    if (wanted !== have.version && wantedParts.length > 2)
      progress(
        `${source} asks for Python ${wanted}; using Python ${have.version} (${base}): a patch-level difference is fine`,
      )
    return have
  }
  const alternative = `python${minor(wanted)}`
  const found = await findExecutable(alternative)
  if (found !== undefined) {
    const other = await probeInterpreter(found)
    // pyenv's shims are on PATH for every version it has, and fail for those not selected: probe, do not trust.
    if (other.ok && minor(other.interpreter.version) === minor(wanted)) {
      progress(`${source} asks for Python ${wanted}: using ${found} (Python ${other.interpreter.version})`)
      return other.interpreter
    }
  }
  throw new KeelError(
    'INVALID_STATE',
    `--env-manager ${manager}: the model asks for Python ${wanted} (${source}), but the base interpreter ` +
      `'${base}' is Python ${have.version} and no working ${alternative} is on PATH. keel does not download ` +
      `Python versions: install Python ${minor(wanted)} and set KEEL_PYTHON (or --python) to it.`,
  )
}

/** uv: $KEEL_UV, else `uv` on PATH, else the `uv` beside the base interpreter (e.g. in its venv's bin). */
export async function findUv(base: string): Promise<string> {
  const fromEnv = process.env.KEEL_UV
  if (fromEnv !== undefined && fromEnv !== '') {
    const found = await findExecutable(fromEnv)
    if (found === undefined)
      throw new KeelError('INVALID_STATE', `--env-manager uv: KEEL_UV is '${fromEnv}', which is not an executable`)
    return found
  }
  const onPath = await findExecutable('uv')
  if (onPath !== undefined) return onPath
  const python = await findExecutable(base)
  const beside = python === undefined ? undefined : await findExecutable(join(dirname(python), 'uv'))
  if (beside !== undefined) return beside
  throw new KeelError(
    'INVALID_STATE',
    `--env-manager uv needs uv, and there is none (KEEL_UV is not set, no uv on PATH or beside '${base}'). ` +
      `Install it with \`${base} -m pip install uv\` (or see https://docs.astral.sh/uv/), or set KEEL_UV to its path.`,
  )
}
