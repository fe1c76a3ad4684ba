/**
 * `convertModelToOnnx`: a registered scikit-learn, XGBoost or LightGBM model converted to ONNX (which
 * keel serves in Node, without Python), checked, and registered as a new version with its lineage.
 *
 * 1. The source version's files are downloaded; its flavor picks the converter (skl2onnx for
 *    sklearn, onnxmltools for xgboost and lightgbm).
 * 2. In the model's Python environment (`--env-manager`, with the converters), keel_onnx_convert.py
 *    loads the model with its native flavor, converts it and saves it with mlflow.onnx.save_model.
 *    Meanwhile the original is loaded as keel serves it: MLflow's pyfunc in a Python worker.
 * 3. The converted model is loaded with keel's ONNX flavor (the path that will serve it) and both
 *    predict the model's input example and the rows given: labels must be identical, numbers agree
 *    within the tolerance. A mismatch throws `ConversionMismatchError`, and nothing is registered.
 * 4. The files are logged as a logged model of the source version's run, and registered as a new
 *    version (of the same registered model, or `name`) with tags naming the source and the check.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { KeelError, type ModelVersion } from '@keel/contracts'
import { resolveArtifactRepository } from '../../artifacts.js'
import { type RegistryClient } from '../../registry-client.js'
import { type TrackingClient } from '../../tracking-client.js'
import { type ModelInput } from '../enforce.js'
import { type LoadedModel, loadModelDir } from '../load-model.js'
import { readMLmodel } from '../mlmodel.js'
import { type ResolvedModel, resolveModelUri } from '../model-uri.js'
import { type PythonEnvOptions } from '../python/environment.js'
import { type CheckedRows, type ConversionCheck, comparePredictions, describeDifferences, rowCount } from './compare.js'
import { logModelDirectory } from './log-directory.js'
import {
  type OnnxValueInfo,
  type PythonConversion,
  converterEnv,
  convertibleFlavor,
  runConversion,
} from './python-convert.js'

export const DEFAULT_TOLERANCE = 1e-5

export interface ConvertToOnnxOptions {
  readonly client: TrackingClient
  readonly registry: RegistryClient
  /** Register the converted model under this name (default: the source's registered model). */
  readonly name?: string
  /** Rows to compare the models on, besides the model's input example (and to infer input types from, when the model has no signature or example). */
  readonly rows?: ModelInput
  /** Where the rows came from, for the report (default `the rows given`; the CLI gives the file's name). */
  readonly rowsSource?: string
  /** Relative and absolute tolerance for numbers (default 1e-5: ONNX runs in float32). */
  readonly tolerance?: number
  /** The Python environment: `local` (it must have the converters) or one built with them (`virtualenv`, `uv`). */
  readonly python?: PythonEnvOptions
  /** Progress, a line at a time (environment builds, conversion, check, registration). */
  readonly onProgress?: (line: string) => void
  /** Register the converted model (default true); false converts and checks only (any model URI then). */
  readonly register?: boolean
  /** Where the converted model is saved as well (a folder that must not exist). */
  readonly outputDir?: string
}

export interface OnnxConversion {
  readonly source: {
    readonly uri: string
    /** `models:/NAME/VERSION` for a registered version. */
    readonly version?: string
    readonly flavor: string
    readonly estimator: string
    readonly runId?: string
    readonly modelId?: string
  }
  readonly task: 'classification' | 'regression'
  readonly converter: { readonly name: string; readonly version: string }
  readonly inputsFrom: string
  readonly inputs: readonly OnnxValueInfo[]
  readonly outputs: readonly OnnxValueInfo[]
  readonly opsets: Readonly<Record<string, number>>
  readonly signature: PythonConversion['signature']
  readonly inputExample: PythonConversion['inputExample']
  /** The interpreter that converted it, and how it was chosen. */
  readonly python: { readonly interpreter: string; readonly envManager: string }
  readonly check: ConversionCheck
  readonly registered?: {
    readonly name: string
    readonly version: string
    readonly uri: string
    readonly modelId: string
    readonly runId?: string
    readonly source: string
    readonly tags: Readonly<Record<string, string>>
  }
}

/** The converted model disagrees with the original: nothing was registered. */
export class ConversionMismatchError extends KeelError {
  constructor(
    readonly check: ConversionCheck,
    uri: string,
  ) {
    const where = check.sources.map((s) => `${s.rows} from ${s.source}`).join(', ')
    super(
      'INVALID_STATE',
      `The ONNX conversion of '${uri}' does not match the original on ${check.mismatchedRows} of ${check.rows} rows ` +
        `(${where}; tolerance ${check.tolerance}, max abs diff ${check.maxAbsDiff.toPrecision(3)}): not registered.\n` +
        describeDifferences(check)
          .map((line) => `  ${line}`)
          .join('\n'),
    )
  }
}

/** The version a registry URI resolved to, as `models:/NAME/VERSION`. */
const versionUri = (resolved: ResolvedModel): string | undefined =>
  resolved.modelVersion === undefined
    ? undefined
    : `models:/${resolved.modelVersion.name}/${resolved.modelVersion.version}`

async function download(resolved: ResolvedModel, client: TrackingClient, into: string): Promise<string> {
  if (resolved.localDir !== undefined) return resolved.localDir
  return resolveArtifactRepository(resolved.artifactUri!, client.http).downloadArtifacts(resolved.path ?? '', into)
}

async function predictions(model: LoadedModel, input: ModelInput): Promise<CheckedRows['original']> {
  const values = await model.predict(input)
  const probabilities = model.predictProba === undefined ? undefined : await model.predictProba(input)
  return { values, ...(probabilities !== undefined && { probabilities }) }
}

/** Converts, checks and (by default) registers; see the module's doc. */
export async function convertModelToOnnx(uri: string, options: ConvertToOnnxOptions): Promise<OnnxConversion> {
  const { client, registry, rows } = options
  const progress = options.onProgress ?? (() => undefined)
  const tolerance = options.tolerance ?? DEFAULT_TOLERANCE
  if (!Number.isFinite(tolerance) || tolerance < 0)
    throw KeelError.invalid(`The tolerance must be a number >= 0, got ${tolerance}`)
  if (rows !== undefined && rowCount(rows) === 0)
    throw KeelError.invalid('The rows to check the conversion on are empty')
  const register = options.register ?? true
  const resolved = await resolveModelUri(uri, { client: () => client, registry: () => registry })
  const sourceVersion = versionUri(resolved)
  if (register && sourceVersion === undefined)
    throw KeelError.invalid(
      `keel converts a registered model version to register its ONNX twin: models:/NAME/VERSION (or @ALIAS, /latest), not '${uri}'`,
    )

  const work = await mkdtemp(join(tmpdir(), 'keel-convert-'))
  const opened: LoadedModel[] = []
  try {
    const sourceDir = await download(resolved, client, join(work, 'source'))
    const mlmodel = await readMLmodel(sourceDir)
    const flavor = convertibleFlavor(mlmodel, uri)
    if (mlmodel.savedInputExampleInfo === undefined && rows === undefined)
      throw KeelError.invalid(
        `Nothing to check the conversion of '${uri}' on: the model has no input example; give rows (--rows FILE, CSV or JSON)`,
      )
    const pythonOptions = options.python ?? {}
    const env = await converterEnv(sourceDir, flavor, {
      ...pythonOptions,
      onProgress: pythonOptions.onProgress ?? progress,
    })
    const outDir = options.outputDir ?? join(work, 'onnx')
    progress(`Converting ${sourceVersion ?? uri} (${flavor} flavor) to ONNX with ${env.python}`)
    // The original, as keel serves it (MLflow's pyfunc in a worker), loads while the script converts.
    const [converting, loading] = await Promise.allSettled([
      runConversion(env, sourceDir, outDir, flavor, rows),
      loadModelDir(sourceDir, uri, {}, { python: env.python, envManager: 'local', workers: 1 }),
    ])
    if (loading.status === 'fulfilled') opened.push(loading.value)
    if (converting.status === 'rejected') throw converting.reason
    if (loading.status === 'rejected') throw loading.reason
    const conversion = converting.value
    const original = loading.value
    progress(
      `Converted ${conversion.estimator} with ${conversion.converter.name} ${conversion.converter.version}; ` +
        `inputs from the ${conversion.inputsFrom}: ${conversion.inputs.map((i) => `${i.name} ${i.type}[${(i.shape ?? []).map((d) => d ?? 'N').join(', ')}]`).join(', ')}`,
    )
    const converted = await loadModelDir(outDir, `${uri} (ONNX)`)
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
    if (check.mismatchedRows > 0) throw new ConversionMismatchError(check, sourceVersion ?? uri)

    const result: OnnxConversion = {
      source: {
        uri,
        ...(sourceVersion !== undefined && { version: sourceVersion }),
        flavor,
        estimator: conversion.estimator,
        ...(resolved.runId !== undefined && { runId: resolved.runId }),
        ...(resolved.modelId !== undefined && { modelId: resolved.modelId }),
      },
      task: conversion.task,
      converter: conversion.converter,
      inputsFrom: conversion.inputsFrom,
      inputs: conversion.inputs,
      outputs: conversion.outputs,
      opsets: conversion.opsets,
      signature: conversion.signature,
      inputExample: conversion.inputExample,
      python: { interpreter: env.python, envManager: env.manager },
      check,
    }
    if (!register) return result
    return { ...result, registered: await registerTwin(options, resolved, sourceVersion!, result, outDir, progress) }
  } finally {
    for (const model of opened) await model.close().catch(() => undefined)
    await rm(work, { recursive: true, force: true })
  }
}

/** The lineage of a converted version, as tags. */
function lineageTags(sourceVersion: string, result: OnnxConversion): Record<string, string> {
  return {
    'keel.converted_from': sourceVersion,
    'keel.conversion': 'onnx',
    'keel.conversion.converter': `${result.converter.name} ${result.converter.version}`,
    'keel.conversion.source_flavor': result.source.flavor,
    'keel.conversion.rows_checked': String(result.check.rows),
    'keel.conversion.max_abs_diff': String(result.check.maxAbsDiff),
    'keel.conversion.tolerance': String(result.check.tolerance),
  }
}

async function registerTwin(
  options: ConvertToOnnxOptions,
  resolved: ResolvedModel,
  sourceVersion: string,
  result: OnnxConversion,
  dir: string,
  progress: (line: string) => void,
): Promise<NonNullable<OnnxConversion['registered']>> {
  const { client, registry } = options
  const source = resolved.modelVersion!
  const name = options.name ?? source.name
  const runId = resolved.runId
  const sourceModel = resolved.modelId === undefined ? undefined : await client.getLoggedModel(resolved.modelId)
  const experimentId =
    runId !== undefined ? (await client.getRun(runId)).info.experimentId : sourceModel?.info.experimentId
  if (experimentId === undefined)
    throw new KeelError(
      'INVALID_STATE',
      `Cannot register the ONNX model: ${sourceVersion} has no run or logged model to log the converted files under`,
    )
  const tags = lineageTags(sourceVersion, result)
  progress(
    `Logging the ONNX model${runId === undefined ? '' : ` under run ${runId}`} and registering it as a version of '${name}'`,
  )
  const logged = await logModelDirectory(client, dir, {
    experimentId,
    ...(runId !== undefined && { runId }),
    name: `${sourceModel?.info.name ?? 'model'}-onnx`,
    modelType: 'onnx',
    tags: { 'keel.converted_from': sourceVersion, 'keel.conversion': 'onnx' },
  })
  await createName(registry, name)
  const { check } = result
  const description =
    `ONNX conversion of ${sourceVersion} (${result.source.flavor} ${result.source.estimator}, ${result.converter.name} ` +
    `${result.converter.version}): checked on ${check.rows} rows, max abs diff ${check.maxAbsDiff.toPrecision(3)} ` +
    `(tolerance ${check.tolerance})`
  const version: ModelVersion = await registry.createModelVersion(name, `models:/${logged.modelId}`, {
    modelId: logged.modelId,
    ...(runId !== undefined && { runId }),
    description,
    tags,
  })
  return {
    name,
    version: version.version,
    uri: `models:/${name}/${version.version}`,
    modelId: logged.modelId,
    ...(runId !== undefined && { runId }),
    source: version.source,
    tags,
  }
}

async function createName(registry: RegistryClient, name: string): Promise<void> {
  try {
    await registry.createRegisteredModel(name)
  } catch (error) {
    if (!(error instanceof KeelError && error.code === 'RESOURCE_ALREADY_EXISTS')) throw error
  }
}
