/**
 * The core of a conversion, on a model folder already on disk: convert it to ONNX in its Python
 * environment, then check the ONNX model (loaded with keel's ONNX flavor, the path that will serve
 * it) against the original (loaded through keel's python_function flavor: MLflow's pyfunc in a
 * worker, started while the script converts) on the model's input example and the rows given.
 * Registering the result is the caller's: `convertModelToOnnx` through the REST API, or keel
 * server's conversion at registration through its services.
 */
import { KeelError } from '@keel/contracts'
import type { ModelInput } from '../enforce.js'
import { type LoadedModel, loadModelDir } from '../load-model.js'
import { readMLmodel } from '../mlmodel.js'
import type { PythonEnv, PythonEnvOptions } from '../python/environment.js'
import { type CheckedRows, type ConversionCheck, comparePredictions, describeDifferences, rowCount } from './compare.js'
import {
  type ConvertibleFlavor,
  type OnnxValueInfo,
  type PythonConversion,
  converterEnv,
  convertibleFlavor,
  runConversion,
} from './python-convert.js'

export const DEFAULT_TOLERANCE = 1e-5

export interface ConvertAndCheckOptions {
  /** Names the model in messages (`models:/NAME/VERSION`, a path). */
  readonly label: string
  /** Where the ONNX model is saved (a folder that must not exist). */
  readonly outputDir: string
  /** Rows to compare the models on, besides the model's input example (and to infer input types from, when the model has no signature or example). */
  readonly rows?: ModelInput
  /** Where the rows came from, for the report (default `the rows given`; the CLI gives the file's name). */
  readonly rowsSource?: string
  /** Relative and absolute tolerance for numbers (default 1e-5: ONNX runs in float32). */
  readonly tolerance?: number
  /** The Python environment: `local` (it must have the converters) or one built with them (`virtualenv`, `uv`). */
  readonly python?: PythonEnvOptions
  /** Progress, a line at a time. */
  readonly onProgress?: (line: string) => void
}

export interface CheckedConversion {
  readonly flavor: ConvertibleFlavor
  readonly conversion: PythonConversion
  readonly check: ConversionCheck
  readonly env: PythonEnv
}

/** The converted model disagrees with the original: nothing was registered. */
export class ConversionMismatchError extends KeelError {
  constructor(
    readonly check: ConversionCheck,
    label: string,
  ) {
    const where = check.sources.map((s) => `${s.rows} from ${s.source}`).join(', ')
    super(
      'INVALID_STATE',
      `The ONNX conversion of '${label}' does not match the original on ${check.mismatchedRows} of ${check.rows} rows ` +
        `(${where}; tolerance ${check.tolerance}, max abs diff ${check.maxAbsDiff.toPrecision(3)}): not registered.\n` +
        describeDifferences(check)
          .map((line) => `  ${line}`)
          .join('\n'),
    )
  }
}

async function predictions(model: LoadedModel, input: ModelInput): Promise<CheckedRows['original']> {
  const values = await model.predict(input)
  const probabilities = model.predictProba === undefined ? undefined : await model.predictProba(input)
  return { values, ...(probabilities !== undefined && { probabilities }) }
}

const describeInputs = (inputs: readonly OnnxValueInfo[]): string =>
  inputs.map((i) => `${i.name} ${i.type}[${(i.shape ?? []).map((d) => d ?? 'N').join(', ')}]`).join(', ')

/**
 * Converts the model in `sourceDir` to ONNX in `options.outputDir` and checks it; a mismatch is a
 * `ConversionMismatchError`. Cheap refusals (a flavor keel does not convert, nothing to check on,
 * a bad tolerance) come before any Python starts.
 */
export async function convertAndCheck(sourceDir: string, options: ConvertAndCheckOptions): Promise<CheckedConversion> {
  const { label, rows } = options
  const progress = options.onProgress ?? (() => undefined)
  const tolerance = options.tolerance ?? DEFAULT_TOLERANCE
  if (!Number.isFinite(tolerance) || tolerance < 0)
    throw KeelError.invalid(`The tolerance must be a number >= 0, got ${tolerance}`)
  if (rows !== undefined && rowCount(rows) === 0)
    throw KeelError.invalid('The rows to check the conversion on are empty')
  const mlmodel = await readMLmodel(sourceDir)
  const flavor = convertibleFlavor(mlmodel, label)
  if (mlmodel.savedInputExampleInfo === undefined && rows === undefined)
    throw KeelError.invalid(
      `Nothing to check the conversion of '${label}' on: the model has no input example (log it with one, or give rows: keel models convert --rows FILE)`,
    )
  const pythonOptions = options.python ?? {}
  const env = await converterEnv(sourceDir, flavor, {
    ...pythonOptions,
    onProgress: pythonOptions.onProgress ?? progress,
  })
  progress(`Converting ${label} (${flavor} flavor) to ONNX with ${env.python}`)
  const opened: LoadedModel[] = []
  try {
    const [converting, loading] = await Promise.allSettled([
      runConversion(env, sourceDir, options.outputDir, flavor, rows),
      loadModelDir(sourceDir, label, {}, { python: env.python, envManager: 'local', workers: 1 }),
    ])
    if (loading.status === 'fulfilled') opened.push(loading.value)
    if (converting.status === 'rejected') throw converting.reason
    if (loading.status === 'rejected') throw loading.reason
    const conversion = converting.value
    const original = loading.value
    progress(
      `Converted ${conversion.estimator} with ${conversion.converter.name} ${conversion.converter.version}; ` +
        `inputs from the ${conversion.inputsFrom}: ${describeInputs(conversion.inputs)}`,
    )
    const converted = await loadModelDir(options.outputDir, `${label} (ONNX)`)
    opened.push(converted)
    if (converted.flavor !== 'onnx')
      throw new KeelError('INTERNAL_ERROR', `The converted model loaded with the ${converted.flavor} flavor, not onnx`)

    const sets: { source: string; input: ModelInput }[] = []
    if (original.inputExample !== undefined) sets.push({ source: 'the input example', input: original.inputExample })
    if (rows !== undefined) sets.push({ source: options.rowsSource ?? 'the rows given', input: rows })
    progress(
      `Checking the ONNX model against the original on ${sets.map((s) => `${rowCount(s.input)} rows of ${s.source}`).join(' and ')}`,
    )
    const checked: CheckedRows[] = []
    for (const set of sets)
      checked.push({
        ...set,
        original: await predictions(original, set.input),
        converted: await predictions(converted, set.input),
      })
    const check = comparePredictions(checked, converted.task ?? conversion.task, tolerance)
    if (check.mismatchedRows > 0) throw new ConversionMismatchError(check, label)
    return { flavor, conversion, check, env }
  } finally {
    for (const model of opened) await model.close().catch(() => undefined)
  }
}

/** The lineage tags of a registered conversion (`keel.converted_from`, `keel.conversion`, the check). */
export function conversionTags(sourceVersion: string, checked: CheckedConversion): Record<string, string> {
  const { conversion, check } = checked
  return {
    'keel.converted_from': sourceVersion,
    'keel.conversion': 'onnx',
    'keel.conversion.converter': `${conversion.converter.name} ${conversion.converter.version}`,
    'keel.conversion.source_flavor': checked.flavor,
    'keel.conversion.rows_checked': String(check.rows),
    'keel.conversion.max_abs_diff': String(check.maxAbsDiff),
    'keel.conversion.tolerance': String(check.tolerance),
  }
}

/** The description line of a registered conversion. */
export function conversionDescription(sourceVersion: string, checked: CheckedConversion): string {
  const { conversion, check } = checked
  return (
    `ONNX conversion of ${sourceVersion} (${checked.flavor} ${conversion.estimator}, ${conversion.converter.name} ` +
    `${conversion.converter.version}): checked on ${check.rows} rows, max abs diff ${check.maxAbsDiff.toPrecision(3)} ` +
    `(tolerance ${check.tolerance})`
  )
}
