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
import type { RegistryClient } from '../../registry-client.js'
import type { TrackingClient } from '../../tracking-client.js'
import { type ResolvedModel, resolveModelUri } from '../model-uri.js'
import type { ConversionCheck } from './compare.js'
import {
  type CheckedConversion,
  type ConvertAndCheckOptions,
  conversionDescription,
  conversionTags,
  convertAndCheck,
} from './convert-check.js'
import { logModelDirectory } from './log-directory.js'
import type { OnnxValueInfo, PythonConversion } from './python-convert.js'

export interface ConvertToOnnxOptions extends Omit<ConvertAndCheckOptions, 'label' | 'outputDir'> {
  readonly client: TrackingClient
  readonly registry: RegistryClient
  /** Register the converted model under this name (default: the source's registered model). */
  readonly name?: string
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

/** The version a registry URI resolved to, as `models:/NAME/VERSION`. */
const versionUri = (resolved: ResolvedModel): string | undefined =>
  resolved.modelVersion === undefined
    ? undefined
    : `models:/${resolved.modelVersion.name}/${resolved.modelVersion.version}`

async function download(resolved: ResolvedModel, client: TrackingClient, into: string): Promise<string> {
  if (resolved.localDir !== undefined) return resolved.localDir
  return resolveArtifactRepository(resolved.artifactUri!, client.http).downloadArtifacts(resolved.path ?? '', into)
}

/** Converts, checks and (by default) registers; see the module's doc. */
export async function convertModelToOnnx(uri: string, options: ConvertToOnnxOptions): Promise<OnnxConversion> {
  const { client, registry } = options
  const progress = options.onProgress ?? (() => undefined)
  const register = options.register ?? true
  const resolved = await resolveModelUri(uri, { client: () => client, registry: () => registry })
  const sourceVersion = versionUri(resolved)
  if (register && sourceVersion === undefined)
    throw KeelError.invalid(
      `keel converts a registered model version to register its ONNX twin: models:/NAME/VERSION (or @ALIAS, /latest), not '${uri}'`,
    )
  const work = await mkdtemp(join(tmpdir(), 'keel-convert-'))
  try {
    const sourceDir = await download(resolved, client, join(work, 'source'))
    const outDir = options.outputDir ?? join(work, 'onnx')
    const checked = await convertAndCheck(sourceDir, { ...options, label: sourceVersion ?? uri, outputDir: outDir })
    const { conversion, check, env } = checked
    const result: OnnxConversion = {
      source: {
        uri,
        ...(sourceVersion !== undefined && { version: sourceVersion }),
        flavor: checked.flavor,
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
    return { ...result, registered: await registerTwin(options, resolved, sourceVersion!, checked, outDir, progress) }
  } finally {
    await rm(work, { recursive: true, force: true })
  }
}

async function registerTwin(
  options: ConvertToOnnxOptions,
  resolved: ResolvedModel,
  sourceVersion: string,
  checked: CheckedConversion,
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
  const tags = conversionTags(sourceVersion, checked)
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
  const description = conversionDescription(sourceVersion, checked)
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
