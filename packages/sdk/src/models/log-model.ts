/**
 * Logging a model from a run, the MLflow 3 way: a logged model (`m-…`) is created in the run's
 * experiment with the run as its source, the model directory is uploaded to the logged model's
 * artifact location, the logged model is finalized READY and recorded as an output of the run;
 * optionally a registered model version is created from `models:/<model_id>`.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { KeelError } from '@keel/contracts'
import type { Estimator } from '@keel/ml'
import { resolveArtifactRepository } from '../artifacts.js'
import type { ParamsInput, TagsInput } from '../inputs.js'
import type { TrackingClient } from '../tracking-client.js'
import type { MLmodel } from './mlmodel.js'
import type { ModelRegistry, ModelVersionRef } from './registry.js'
import { type SaveModelOptions, saveModel } from './save-model.js'

export interface LogModelOptions extends Omit<SaveModelOptions, 'runId' | 'modelId' | 'artifactPath'> {
  /** The logged model's name (default `model`): `runs:/<run_id>/<name>` loads it. */
  readonly name?: string
  /** Also register the model under this name (created if absent) as a new version. */
  readonly registeredModelName?: string
  /** The logged model's params (default: the estimator's hyper-parameters that are strings, numbers or booleans). */
  readonly params?: ParamsInput
  readonly tags?: TagsInput
  /** The step recorded with the run's output (default 0). */
  readonly step?: number
  /** The registry to register with (default: the one of the Keel instance that started the run). */
  readonly registry?: ModelRegistry
}

/** What `logModel` created. */
export interface ModelInfo {
  readonly modelId: string
  /** `models:/<model_id>`: load it with `loadModel`. */
  readonly modelUri: string
  readonly name: string
  /** Where the model's files are, e.g. `mlflow-artifacts:/1/models/m-…/artifacts`. */
  readonly artifactUri: string
  readonly runId: string
  readonly experimentId: string
  /** The `MLmodel` uploaded. */
  readonly mlmodel: MLmodel
  /** The version created when `registeredModelName` was given. */
  readonly registeredModelVersion?: ModelVersionRef
}

function estimatorParams(estimator: Estimator): Record<string, string | number | boolean> {
  const params: Record<string, string | number | boolean> = {}
  for (const [key, value] of Object.entries(estimator.params)) {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') params[key] = value
  }
  return params
}

async function register(
  registry: ModelRegistry,
  name: string,
  modelId: string,
  runId: string,
): Promise<ModelVersionRef> {
  try {
    await registry.createRegisteredModel(name)
  } catch (error) {
    if (!(error instanceof KeelError && error.code === 'RESOURCE_ALREADY_EXISTS')) throw error
  }
  return registry.createModelVersion(name, `models:/${modelId}`, { runId, modelId })
}

/**
 * Writes a logged model's files with `write` into a temporary folder named `folder`, uploads them to
 * its artifact location and finalizes it READY (UPLOAD_FAILED, and the error, when any step fails).
 */
export async function uploadLoggedModel<T>(
  client: TrackingClient,
  logged: { readonly modelId: string; readonly artifactUri: string },
  folder: string,
  write: (dir: string) => Promise<T>,
): Promise<T> {
  const tmp = await mkdtemp(join(tmpdir(), 'keel-log-model-'))
  let written: T
  try {
    const dir = join(tmp, folder)
    written = await write(dir)
    await resolveArtifactRepository(logged.artifactUri, client.http).logArtifacts(dir)
  } catch (error) {
    await client.finalizeLoggedModel(logged.modelId, 'LOGGED_MODEL_UPLOAD_FAILED').catch(() => undefined)
    throw error
  } finally {
    await rm(tmp, { recursive: true, force: true })
  }
  await client.finalizeLoggedModel(logged.modelId, 'LOGGED_MODEL_READY')
  return written
}

/** Logs `estimator` as a model of the run; see the module's doc for the steps. */
export async function logModel(
  client: TrackingClient,
  run: { readonly runId: string; readonly experimentId: string },
  estimator: Estimator,
  options: LogModelOptions = {},
): Promise<ModelInfo> {
  const { name = 'model', registeredModelName, registry, step = 0, params, tags, ...save } = options
  if (registeredModelName !== undefined && registry === undefined) {
    throw new KeelError(
      'INVALID_STATE',
      `Registering '${registeredModelName}' needs a model registry client: pass 'registry' in the options`,
    )
  }
  const logged = await client.createLoggedModel(run.experimentId, {
    name,
    sourceRunId: run.runId,
    modelType: estimator.type,
    params: params ?? estimatorParams(estimator),
    ...(tags !== undefined && { tags }),
  })
  const { modelId, artifactUri } = logged.info
  const mlmodel = await uploadLoggedModel(client, logged.info, name.replace(/[^\w.-]+/g, '_') || 'model', (dir) =>
    saveModel(estimator, dir, { ...save, runId: run.runId, modelId, artifactPath: artifactUri }),
  )
  await client.logOutputs(run.runId, [{ modelId, step }])
  const info: ModelInfo = {
    modelId,
    modelUri: `models:/${modelId}`,
    name,
    artifactUri,
    runId: run.runId,
    experimentId: run.experimentId,
    mlmodel,
  }
  if (registeredModelName === undefined) return info
  return { ...info, registeredModelVersion: await register(registry!, registeredModelName, modelId, run.runId) }
}
