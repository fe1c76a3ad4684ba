/**
 * `loadModel`: resolves a model URI, downloads the model directory, reads its `MLmodel`, picks a
 * flavor keel runs (keel, then ONNX) and returns a `LoadedModel` whose `predict` enforces the
 * signature.
 */
import { createHash, randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { KeelError } from '@keel/contracts'
import type { Label } from '@keel/ml'
import { resolveArtifactRepository } from '../artifacts.js'
import type { TrackingClient } from '../tracking-client.js'
import type { ModelInput } from './enforce.js'
import {
  type FlavorName,
  type PredictOptions,
  type PythonModelOptions,
  type PythonRuntime,
  pickFlavor,
} from './flavors/index.js'
import { readInputExample } from './input-example.js'
import { MLMODEL_FILE, type MLmodel, readMLmodel } from './mlmodel.js'
import { type ResolvedModel, resolveModelUri } from './model-uri.js'
import type { ModelRegistry, ModelVersionRef } from './registry.js'
import type { ModelSignature, Schema } from './signature.js'

/** A model ready to predict, whatever its flavor. */
export interface LoadedModel {
  /** The URI it was loaded from. */
  readonly uri: string
  /** The flavor it runs with. */
  readonly flavor: FlavorName
  /** The signature of `MLmodel` (absent when the model was saved without one). */
  readonly signature?: ModelSignature
  /** What `predict` checks rows against: the signature's inputs, else what the flavor knows of the model's inputs. */
  readonly inputSchema: Schema
  /** The parsed `MLmodel`. */
  readonly metadata: MLmodel
  /** The saved input example, in a form `predict` takes. */
  readonly inputExample?: ModelInput
  readonly task?: 'classification' | 'regression'
  /** A classifier's classes (the columns of `predictProba`), when the flavor knows them. */
  readonly classes?: readonly Label[]
  /** The logged model, run and registered version the URI resolved to, when it went through them. */
  readonly modelId?: string
  readonly runId?: string
  readonly modelVersion?: ModelVersionRef
  /**
   * Predicts a batch: rows as objects keyed by column name, rows as arrays in column order, or
   * columns (`{ col: values[] }`). A missing required column, a value of the wrong type or an
   * unknown column is an INVALID_PARAMETER_VALUE `KeelError` naming the column and row.
   * `options.params` are MLflow's inference params, for python_function models.
   */
  predict(input: ModelInput, options?: PredictOptions): Promise<Label[] | number[]>
  /** Class probabilities (classifiers that have them), one row per input row. */
  predictProba?(input: ModelInput): Promise<number[][]>
  /** Predictions and probabilities from one pass (python_function classifiers: one call to a worker instead of two). */
  predictWithProba?(
    input: ModelInput,
    options?: PredictOptions,
  ): Promise<{ predictions: Label[] | number[]; probabilities: number[][] }>
  /** A python_function model's workers. */
  readonly python?: PythonRuntime
  /** Releases native resources (an ONNX session, Python workers). The model cannot predict afterwards. */
  close(): Promise<void>
}

export interface LoadModelOptions {
  /**
   * Keep downloaded models in this folder, one sub-folder per artifact location, and reuse them
   * on the next load (logged models' files do not change once uploaded). Default: a temporary
   * folder removed once the model is loaded.
   */
  readonly cacheDir?: string
  /** The tracking client (default: the Keel instance's). */
  readonly client?: TrackingClient
  /** The registry, for `models:/<name>/…` URIs (default: the Keel instance's). */
  readonly registry?: ModelRegistry
  /**
   * How a python_function model (one with no flavor keel runs in Node) is run: the environment
   * manager (`local`, `virtualenv`, `uv`) and the worker pool. It needs Python with MLflow. `false`
   * refuses such models (their loading runs the model's own code: pickles, custom classes).
   */
  readonly python?: PythonModelOptions | false
}

/** What loading needs from its caller: a tracking client and a registry, made on demand (a local model needs neither). */
export interface LoadContext {
  readonly cacheDir?: string
  readonly python?: PythonModelOptions | false
  readonly client: () => TrackingClient
  readonly registry?: () => ModelRegistry
}

/** Downloads the model into `cacheDir` (reused when already there) or a fresh temporary folder. */
async function download(resolved: ResolvedModel, context: LoadContext): Promise<{ dir: string; temporary?: string }> {
  const artifactUri = resolved.artifactUri!
  const path = resolved.path ?? ''
  const repo = resolveArtifactRepository(artifactUri, context.client().http)
  if (context.cacheDir === undefined) {
    const tmp = await mkdtemp(join(tmpdir(), 'keel-model-'))
    try {
      return { dir: await repo.downloadArtifacts(path, tmp), temporary: tmp }
    } catch (error) {
      await rm(tmp, { recursive: true, force: true })
      throw error
    }
  }
  const key = createHash('sha256').update(`${artifactUri}\n${path}`).digest('hex').slice(0, 24)
  const target = join(context.cacheDir, key)
  if (existsSync(join(target, MLMODEL_FILE))) return { dir: target }
  await mkdir(context.cacheDir, { recursive: true })
  const staging = `${target}.${randomBytes(4).toString('hex')}.part`
  try {
    const downloaded = await repo.downloadArtifacts(path, staging)
    await rename(downloaded, target).catch((error: unknown) => {
      if (!existsSync(join(target, MLMODEL_FILE))) throw error // else: a concurrent load cached it first
    })
  } finally {
    await rm(staging, { recursive: true, force: true })
  }
  return { dir: target }
}

/**
 * Loads the model directory `dir` (already on disk); `uri` names it in the result and in errors.
 * `release` runs when the model is closed (a python_function model's workers read `dir` until then).
 */
export async function loadModelDir(
  dir: string,
  uri: string = dir,
  resolved: ResolvedModel = {},
  python?: PythonModelOptions | false,
  release?: () => Promise<void>,
): Promise<LoadedModel> {
  const mlmodel = await readMLmodel(dir)
  const flavor = pickFlavor(mlmodel, `'${uri}'`, python !== false)
  const model = await flavor.load(dir, mlmodel, mlmodel.flavors[flavor.name]!, python ? { python } : {})
  const inputExample =
    mlmodel.savedInputExampleInfo === undefined ? undefined : await readInputExample(dir, mlmodel.savedInputExampleInfo)
  const { input } = model
  const predictProba = model.predictProba?.bind(model)
  const predictWithProba = model.predictWithProba?.bind(model)
  let closed = false
  const check = (): void => {
    if (closed) throw new KeelError('INVALID_STATE', `The model '${uri}' was closed`)
  }
  return {
    uri,
    flavor: flavor.name,
    ...(mlmodel.signature !== undefined && { signature: mlmodel.signature }),
    inputSchema: input.schema,
    metadata: mlmodel,
    ...(inputExample !== undefined && { inputExample }),
    ...(model.task !== undefined && { task: model.task }),
    ...(model.classes !== undefined && { classes: model.classes }),
    ...((resolved.modelId ?? mlmodel.modelId) !== undefined && { modelId: resolved.modelId ?? mlmodel.modelId }),
    ...((resolved.runId ?? mlmodel.runId) !== undefined && { runId: resolved.runId ?? mlmodel.runId }),
    ...(resolved.modelVersion !== undefined && { modelVersion: resolved.modelVersion }),
    ...(model.python !== undefined && { python: model.python }),
    async predict(rows, options) {
      check()
      return model.predict(input.convert(rows), options)
    },
    ...(predictProba !== undefined && {
      async predictProba(rows: ModelInput) {
        check()
        return predictProba(input.convert(rows))
      },
    }),
    ...(predictWithProba !== undefined && {
      async predictWithProba(rows: ModelInput, options?: PredictOptions) {
        check()
        return predictWithProba(input.convert(rows), options)
      },
    }),
    async close() {
      if (closed) return
      closed = true
      try {
        await model.close?.()
      } finally {
        await release?.()
      }
    },
  }
}

/**
 * Loads the model at `uri` (see `parseModelUri` for the forms) with the first flavor keel runs
 * (keel, ONNX, then python_function in Python workers). A model with none of them is a
 * NOT_IMPLEMENTED `KeelError` listing its flavors.
 */
export async function loadModelWith(uri: string, context: LoadContext): Promise<LoadedModel> {
  const resolved = await resolveModelUri(uri, context)
  if (resolved.localDir !== undefined) {
    if (!existsSync(resolved.localDir))
      throw KeelError.notFound(`Cannot load model '${uri}': '${resolved.localDir}' does not exist`)
    return loadModelDir(resolved.localDir, uri, resolved, context.python)
  }
  const { dir, temporary } = await download(resolved, context)
  // A Python model's workers read its folder while it serves: a temporary download goes with close().
  let kept = false
  const release = temporary === undefined ? undefined : () => rm(temporary, { recursive: true, force: true })
  try {
    const model = await loadModelDir(dir, uri, resolved, context.python, release)
    kept = model.flavor === 'python_function'
    return model
  } catch (error) {
    if (error instanceof KeelError && error.code === 'RESOURCE_DOES_NOT_EXIST' && !error.message.includes(uri)) {
      throw new KeelError(error.code, `Cannot load model '${uri}': ${error.message}`, { cause: error })
    }
    throw error
  } finally {
    if (temporary !== undefined && !kept) await rm(temporary, { recursive: true, force: true })
  }
}
