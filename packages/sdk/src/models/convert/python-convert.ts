/**
 * The Python half of `keel models convert --to onnx`: which flavors convert (and with what), the
 * Python environment that has the converters, and one run of `python/keel_onnx_convert.py`, which
 * loads the model with its native flavor, converts it and saves it with `mlflow.onnx.save_model`.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { KeelError, isErrorCode } from '@keel/contracts'
import type { ModelInput } from '../enforce.js'
import type { MLmodel } from '../mlmodel.js'
import { howItEnded, run } from '../python/env-process.js'
import { type PythonEnv, type PythonEnvOptions, pythonEnvFor } from '../python/environment.js'

export const CONVERT_SCRIPT = fileURLToPath(new URL('../../../python/keel_onnx_convert.py', import.meta.url))

export type ConvertibleFlavor = 'sklearn' | 'xgboost' | 'lightgbm'

interface Converter {
  /** The converter's package, as the result names it. */
  readonly name: string
  /**
   * What `--env-manager virtualenv|uv` installs beside the model's requirements, and `local` is told to install
   * (onnxruntime: mlflow.onnx.save_model imports it).
   */
  readonly packages: readonly string[]
}

const CONVERTERS: Readonly<Record<ConvertibleFlavor, Converter>> = {
  sklearn: { name: 'skl2onnx', packages: ['skl2onnx', 'onnx', 'onnxruntime'] },
  xgboost: {
    name: 'onnxmltools',
    packages: ['onnxmltools', 'onnx', 'onnxruntime'],
  },
  lightgbm: {
    name: 'onnxmltools',
    packages: ['onnxmltools', 'onnx', 'onnxruntime'],
  },
}
export const CONVERTIBLE_FLAVORS = Object.keys(CONVERTERS) as readonly ConvertibleFlavor[]

/** pip's name for a module the script imports. */
const PIP_NAME: Readonly<Record<string, string>> = { sklearn: 'scikit-learn' }

/** The flavor keel converts the model from, or a clear error naming the model's flavors. */
export function convertibleFlavor(mlmodel: MLmodel, uri: string): ConvertibleFlavor {
  const flavor = CONVERTIBLE_FLAVORS.find((f) => Object.hasOwn(mlmodel.flavors, f))
  if (flavor !== undefined) return flavor
  const has = Object.keys(mlmodel.flavors)
  const named = has.filter((f) => f !== 'python_function')
  const what =
    named.length > 0
      ? `flavor${named.length === 1 ? '' : 's'} ${named.map((f) => `'${f}'`).join(', ')}`
      : "flavor 'python_function' (a custom pyfunc model)"
  throw new KeelError(
    'NOT_IMPLEMENTED',
    `Cannot convert '${uri}' to ONNX: cannot convert ${what}; keel converts ${CONVERTIBLE_FLAVORS.join(', ')} models` +
      (has.includes('onnx') ? ' (this one is ONNX already)' : ''),
  )
}

/**
 * The Python that converts: the model's environment built with the converters (virtualenv, uv), or
 * the local interpreter, which must have them already (the script reports a missing one, and
 * `missingConverter` says what to install). Checked by the conversion itself, not beforehand: each
 * Python start imports mlflow, which takes seconds.
 */
export function converterEnv(
  modelDir: string,
  flavor: ConvertibleFlavor,
  options: PythonEnvOptions,
): Promise<PythonEnv> {
  const manager = options.envManager ?? 'local'
  return pythonEnvFor(modelDir, {
    ...options,
    ...(manager !== 'local' && { extraPackages: [...(options.extraPackages ?? []), ...CONVERTERS[flavor].packages] }),
  })
}

/** The error for a Python without the converter (or its library): what is missing, and the pip command. */
export function missingConverter(env: PythonEnv, flavor: ConvertibleFlavor, module: string, error: string): KeelError {
  const pkg = PIP_NAME[module] ?? module
  const install = [...new Set([pkg, ...CONVERTERS[flavor].packages])].join(' ')
  return new KeelError(
    'INVALID_STATE',
    `--env-manager ${env.manager}: the Python '${env.python}' cannot convert ${flavor} models to ONNX: ${error} ` +
      `(the package '${pkg}' is missing). Install it there (\`${env.python} -m pip install ${install}\`)` +
      (env.manager === 'local'
        ? ", or let keel build the model's environment with the converters: --env-manager virtualenv (or uv)."
        : '.'),
  )
}

/** An ONNX input or output of the converted graph. */
export interface OnnxValueInfo {
  readonly name: string
  readonly tensor: boolean
  /** The element type (`float`, `int64`, `string`), or the kind of a non-tensor value. */
  readonly type: string
  /** `null` for a free dimension. */
  readonly shape: readonly (number | null)[] | null
}

/** What the script converted, and how. */
export interface PythonConversion {
  readonly flavor: ConvertibleFlavor
  /** The estimator's class, or a pipeline's steps: `Pipeline(StandardScaler, Ridge)`. */
  readonly estimator: string
  readonly task: 'classification' | 'regression'
  readonly converter: { readonly name: string; readonly version: string }
  /** Where the input types came from: `signature`, `input example`, `rows` or `n_features_in_`. */
  readonly inputsFrom: string
  readonly inputs: readonly OnnxValueInfo[]
  readonly outputs: readonly OnnxValueInfo[]
  /** Opset per domain (`ai.onnx`, `ai.onnx.ml`). */
  readonly opsets: Readonly<Record<string, number>>
  /** The saved model's signature: the source's, one inferred, or none. */
  readonly signature: 'source' | 'inferred' | null
  readonly inputExample: 'source' | 'rows' | null
  readonly mlflowVersion: string
}

type ScriptResult =
  | ({ readonly ok: true } & PythonConversion)
  | { readonly ok: false; readonly code: string; readonly error: string; readonly missing?: string | null }

/**
 * Converts the model in `modelDir` (its `flavor`) to an MLflow ONNX model in `outDir` (which must
 * not exist) with the environment's Python. `rows` are passed for input types when the model has neither a
 * signature nor an input example. `onLine` gets what the script and the converters print.
 */
export async function runConversion(
  env: PythonEnv,
  modelDir: string,
  outDir: string,
  flavor: ConvertibleFlavor,
  rows?: ModelInput,
  onLine?: (line: string) => void,
): Promise<PythonConversion> {
  const work = await mkdtemp(join(tmpdir(), 'keel-onnx-convert-'))
  try {
    const resultPath = join(work, 'result.json')
    const args = [CONVERT_SCRIPT, '--flavor', flavor]
    if (rows !== undefined) {
      const rowsPath = join(work, 'rows.json')
      await writeFile(rowsPath, JSON.stringify({ rows }))
      args.push('--rows', rowsPath)
    }
    args.push(modelDir, outDir, resultPath)
    const ended = await run(env.python, args, {
      env: { ...process.env, PYTHONUNBUFFERED: '1' },
      ...(onLine !== undefined && { onLine }),
    })
    let result: ScriptResult
    try {
      result = JSON.parse(await readFile(resultPath, 'utf8')) as ScriptResult
    } catch {
      throw new KeelError(
        'INTERNAL_ERROR',
        `The ONNX conversion script ended (${howItEnded(ended)}) without a result: ${ended.lines.slice(-5).join(' | ')}`,
      )
    }
    if (!result.ok && typeof result.missing === 'string')
      throw missingConverter(env, flavor, result.missing, result.error)
    if (!result.ok) throw new KeelError(isErrorCode(result.code) ? result.code : 'INTERNAL_ERROR', result.error)
    const { ok: _ok, ...conversion } = result
    return conversion
  } finally {
    await rm(work, { recursive: true, force: true })
  }
}
