/**
 * Converters between keel's entities (camelCase) and MLflow's wire JSON (snake_case). The server
 * uses the `to…Wire` direction for responses, the SDK the `from…Wire` direction for what a server
 * sent (after the response schema has normalised it).
 */
import type { z } from 'zod'
import type { Dataset, DatasetInput, Experiment, FileInfo, LoggedModel, Metric, Run, RunInfo } from '../entities.js'
import type {
  datasetInputWire,
  experimentWire,
  fileInfoWire,
  loggedModelWire,
  metricWire,
  runInfoWire,
  runWire,
} from './entities.js'
import { toWireDouble } from './primitives.js'
import { defined, kv } from './util.js'

export function experimentToWire(e: Experiment) {
  return {
    experiment_id: e.experimentId,
    name: e.name,
    artifact_location: e.artifactLocation,
    lifecycle_stage: e.lifecycleStage,
    last_update_time: e.lastUpdateTime,
    creation_time: e.creationTime,
    tags: kv(e.tags),
  }
}

export function metricToWire(m: Metric) {
  return defined({
    key: m.key,
    value: toWireDouble(m.value),
    timestamp: m.timestamp,
    step: m.step,
    dataset_name: m.datasetName,
    dataset_digest: m.datasetDigest,
    model_id: m.modelId,
    run_id: m.runId,
  })
}

export function runInfoToWire(i: RunInfo) {
  return defined({
    run_id: i.runId,
    run_uuid: i.runId,
    run_name: i.runName,
    experiment_id: i.experimentId,
    user_id: i.userId,
    status: i.status,
    start_time: i.startTime,
    end_time: i.endTime,
    artifact_uri: i.artifactUri,
    lifecycle_stage: i.lifecycleStage,
  })
}

export function datasetToWire(d: Dataset) {
  return defined({
    name: d.name,
    digest: d.digest,
    source_type: d.sourceType,
    source: d.source,
    schema: d.schema,
    profile: d.profile,
  })
}

export function datasetInputToWire(d: DatasetInput) {
  return { tags: kv(d.tags), dataset: datasetToWire(d.dataset) }
}

export function runToWire(r: Run) {
  return {
    info: runInfoToWire(r.info),
    data: { metrics: r.data.metrics.map(metricToWire), params: kv(r.data.params), tags: kv(r.data.tags) },
    inputs: {
      dataset_inputs: r.inputs.datasetInputs.map(datasetInputToWire),
      model_inputs: r.inputs.modelInputs.map((m) => ({ model_id: m.modelId })),
    },
    outputs: { model_outputs: r.outputs.modelOutputs.map((m) => ({ model_id: m.modelId, step: m.step })) },
  }
}

export function loggedModelToWire(m: LoggedModel) {
  const i = m.info
  return {
    info: defined({
      model_id: i.modelId,
      experiment_id: i.experimentId,
      name: i.name,
      creation_timestamp_ms: i.creationTimestampMs,
      last_updated_timestamp_ms: i.lastUpdatedTimestampMs,
      artifact_uri: i.artifactUri,
      status: i.status,
      creator_id: i.creatorId,
      model_type: i.modelType,
      source_run_id: i.sourceRunId,
      status_message: i.statusMessage,
      tags: kv(i.tags),
      registrations: i.registrations.map((r) => ({ name: r.name, version: r.version })),
    }),
    data: { params: kv(m.data.params), metrics: m.data.metrics.map(metricToWire) },
  }
}

export function fileInfoToWire(f: FileInfo) {
  return defined({ path: f.path, is_dir: f.isDir, file_size: f.isDir ? undefined : f.fileSize })
}

// ---- wire → entity (input already normalised by the zod schemas) ----

type Out<S extends z.ZodType> = z.output<S>

export function experimentFromWire(w: Out<typeof experimentWire>): Experiment {
  return {
    experimentId: w.experiment_id,
    name: w.name,
    artifactLocation: w.artifact_location ?? '',
    lifecycleStage: w.lifecycle_stage ?? 'active',
    creationTime: w.creation_time ?? 0,
    lastUpdateTime: w.last_update_time ?? 0,
    tags: w.tags ?? [],
  }
}

export function metricFromWire(w: Out<typeof metricWire>): Metric {
  return defined({
    key: w.key,
    value: w.value,
    timestamp: w.timestamp,
    step: w.step ?? 0,
    runId: w.run_id,
    modelId: w.model_id,
    datasetName: w.dataset_name,
    datasetDigest: w.dataset_digest,
  })
}

export function runInfoFromWire(w: Out<typeof runInfoWire>): RunInfo {
  return defined({
    runId: w.run_id,
    runName: w.run_name ?? '',
    experimentId: w.experiment_id,
    userId: w.user_id ?? '',
    status: w.status ?? 'RUNNING',
    startTime: w.start_time ?? 0,
    endTime: w.end_time,
    artifactUri: w.artifact_uri ?? '',
    lifecycleStage: w.lifecycle_stage ?? 'active',
  })
}

export function datasetInputFromWire(d: Out<typeof datasetInputWire>): DatasetInput {
  return {
    tags: d.tags ?? [],
    dataset: defined({
      name: d.dataset.name,
      digest: d.dataset.digest,
      sourceType: d.dataset.source_type,
      source: d.dataset.source,
      schema: d.dataset.schema,
      profile: d.dataset.profile,
    }),
  }
}

export function runFromWire(w: Out<typeof runWire>): Run {
  const datasetInputs: DatasetInput[] = (w.inputs?.dataset_inputs ?? []).map(datasetInputFromWire)
  return {
    info: runInfoFromWire(w.info),
    data: {
      metrics: (w.data?.metrics ?? []).map(metricFromWire),
      params: w.data?.params ?? [],
      tags: w.data?.tags ?? [],
    },
    inputs: { datasetInputs, modelInputs: (w.inputs?.model_inputs ?? []).map((m) => ({ modelId: m.model_id })) },
    outputs: { modelOutputs: (w.outputs?.model_outputs ?? []).map((m) => ({ modelId: m.model_id, step: m.step })) },
  }
}

export function loggedModelFromWire(w: Out<typeof loggedModelWire>): LoggedModel {
  const i = w.info
  return {
    info: defined({
      modelId: i.model_id,
      experimentId: i.experiment_id,
      name: i.name,
      artifactUri: i.artifact_uri ?? '',
      creationTimestampMs: i.creation_timestamp_ms ?? 0,
      lastUpdatedTimestampMs: i.last_updated_timestamp_ms ?? 0,
      status: i.status ?? 'LOGGED_MODEL_STATUS_UNSPECIFIED',
      statusMessage: i.status_message,
      creatorId: i.creator_id,
      modelType: i.model_type,
      sourceRunId: i.source_run_id,
      tags: i.tags ?? [],
      registrations: i.registrations ?? [],
    }),
    data: { params: w.data?.params ?? [], metrics: (w.data?.metrics ?? []).map(metricFromWire) },
  }
}

export function fileInfoFromWire(w: Out<typeof fileInfoWire>): FileInfo {
  return defined({ path: w.path, isDir: w.is_dir ?? false, fileSize: w.file_size })
}
