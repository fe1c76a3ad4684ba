/**
 * MLflow's entity messages in proto-JSON (snake_case). These schemas describe responses (for the
 * OpenAPI document and for clients that want to validate what a server sent); servers build the
 * JSON with the converters in `convert.ts`.
 */
import { z } from 'zod'
import { LOGGED_MODEL_STATUSES, RUN_STATUSES } from '../entities.js'
import { bool, double, int64, keyValueList, protoEnum, str } from './primitives.js'

export const lifecycleStage = z.enum(['active', 'deleted'])
export const runStatus = protoEnum(RUN_STATUSES)
export const loggedModelStatus = protoEnum(LOGGED_MODEL_STATUSES, 0)

export const experimentWire = z.object({
  experiment_id: str,
  name: str,
  artifact_location: str.optional(),
  lifecycle_stage: lifecycleStage.optional(),
  last_update_time: int64.optional(),
  creation_time: int64.optional(),
  tags: keyValueList.optional(),
})

export const metricWire = z.object({
  key: str,
  value: double,
  timestamp: int64,
  step: int64.optional(),
  dataset_name: str.optional(),
  dataset_digest: str.optional(),
  model_id: str.optional(),
  run_id: str.optional(),
})

export const runInfoWire = z.object({
  run_id: str,
  run_uuid: str.optional(),
  run_name: str.optional(),
  experiment_id: str,
  user_id: str.optional(),
  status: runStatus.optional(),
  start_time: int64.optional(),
  end_time: int64.optional(),
  artifact_uri: str.optional(),
  lifecycle_stage: lifecycleStage.optional(),
})

export const datasetWire = z.object({
  name: str,
  digest: str,
  source_type: str,
  source: str,
  schema: str.optional(),
  profile: str.optional(),
})

export const datasetInputWire = z.object({
  tags: keyValueList.optional(),
  dataset: datasetWire,
})

export const modelInputWire = z.object({ model_id: str })
export const modelOutputWire = z.object({ model_id: str, step: int64 })

export const runWire = z.object({
  info: runInfoWire,
  data: z
    .object({
      metrics: z.array(metricWire).optional(),
      params: keyValueList.optional(),
      tags: keyValueList.optional(),
    })
    .optional(),
  inputs: z
    .object({
      dataset_inputs: z.array(datasetInputWire).optional(),
      model_inputs: z.array(modelInputWire).optional(),
    })
    .optional(),
  outputs: z.object({ model_outputs: z.array(modelOutputWire).optional() }).optional(),
})

export const loggedModelWire = z.object({
  info: z.object({
    model_id: str,
    experiment_id: str,
    name: str,
    creation_timestamp_ms: int64.optional(),
    last_updated_timestamp_ms: int64.optional(),
    artifact_uri: str.optional(),
    status: loggedModelStatus.optional(),
    creator_id: str.optional(),
    model_type: str.optional(),
    source_run_id: str.optional(),
    status_message: str.optional(),
    tags: keyValueList.optional(),
    registrations: z.array(z.object({ name: str, version: str })).optional(),
  }),
  data: z
    .object({
      params: keyValueList.optional(),
      metrics: z.array(metricWire).optional(),
    })
    .optional(),
})

export const fileInfoWire = z.object({ path: str, is_dir: bool.optional(), file_size: int64.optional() })

export type ExperimentWire = z.input<typeof experimentWire>
export type MetricWire = z.input<typeof metricWire>
export type RunInfoWire = z.input<typeof runInfoWire>
export type RunWire = z.input<typeof runWire>
export type DatasetWire = z.input<typeof datasetWire>
export type LoggedModelWire = z.input<typeof loggedModelWire>
export type FileInfoWire = z.input<typeof fileInfoWire>
