/**
 * Logging a model directory that is already on disk (a converted model, a model saved by Python) as
 * an MLflow 3 logged model, the way `logModel` logs an estimator: the logged model is created with
 * its source run, `MLmodel` gets the ids and artifact location MLflow's `log_model` writes, the files
 * are uploaded, the logged model is finalized READY and recorded as an output of the run.
 */
import { cp } from 'node:fs/promises'
import type { TagsInput } from '../../inputs.js'
import type { TrackingClient } from '../../tracking-client.js'
import { uploadLoggedModel } from '../log-model.js'
import { readMLmodel, writeMLmodel } from '../mlmodel.js'

export interface LogDirectoryOptions {
  readonly experimentId: string
  /** The run the logged model comes from (its `source_run_id`, and the run it is an output of). */
  readonly runId?: string
  /** The logged model's name (`runs:/<run_id>/<name>` finds it). */
  readonly name: string
  readonly modelType?: string
  readonly tags?: TagsInput
}

export interface LoggedDirectory {
  readonly modelId: string
  readonly artifactUri: string
}

/** Logs the model directory `dir` (left unchanged: a copy is uploaded) as a logged model. */
export async function logModelDirectory(
  client: TrackingClient,
  dir: string,
  options: LogDirectoryOptions,
): Promise<LoggedDirectory> {
  const logged = await client.createLoggedModel(options.experimentId, {
    name: options.name,
    ...(options.runId !== undefined && { sourceRunId: options.runId }),
    ...(options.modelType !== undefined && { modelType: options.modelType }),
    ...(options.tags !== undefined && { tags: options.tags }),
  })
  const { modelId, artifactUri } = logged.info
  await uploadLoggedModel(client, logged.info, 'model', async (copy) => {
    await cp(dir, copy, { recursive: true })
    const mlmodel = await readMLmodel(copy)
    await writeMLmodel(copy, {
      ...mlmodel,
      artifactPath: artifactUri,
      modelId,
      ...(options.runId !== undefined && { runId: options.runId }),
    })
  })
  if (options.runId !== undefined) await client.logOutputs(options.runId, [{ modelId, step: 0 }])
  return { modelId, artifactUri }
}
