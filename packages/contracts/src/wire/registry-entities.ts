/**
 * MLflow's model-registry messages (model_registry.proto) in proto-JSON, plus keel's audit-trail and
 * lineage messages.
 */
import { z } from 'zod'
import { MODEL_VERSION_STATUSES, REGISTRY_EVENT_KINDS } from '../registry.js'
import { datasetInputWire, metricWire } from './entities.js'
import { bool, int64, keyValueList, protoEnum, str } from './primitives.js'
import { VERSION_NUMBER } from './documented.js'

/** A version number: MLflow sends a string, some clients a number. */
export const versionRef = z.union([str, z.number().int()]).meta(VERSION_NUMBER).transform(String)

export const modelVersionStatus = protoEnum(MODEL_VERSION_STATUSES)

export const modelVersionWire = z.object({
  name: str,
  version: str,
  creation_timestamp: int64.optional(),
  last_updated_timestamp: int64.optional(),
  user_id: str.optional(),
  current_stage: str.optional(),
  description: str.optional(),
  source: str.optional(),
  run_id: str.optional(),
  status: modelVersionStatus.optional(),
  status_message: str.optional(),
  tags: keyValueList.optional(),
  run_link: str.optional(),
  aliases: z.array(str).optional(),
  model_id: str.optional(),
  model_params: keyValueList.optional(),
  model_metrics: z.array(metricWire).optional(),
})

export const registeredModelAliasWire = z.object({ alias: str, version: str })

export const registeredModelWire = z.object({
  name: str,
  creation_timestamp: int64.optional(),
  last_updated_timestamp: int64.optional(),
  user_id: str.optional(),
  description: str.optional(),
  latest_versions: z.array(modelVersionWire).optional(),
  tags: keyValueList.optional(),
  aliases: z.array(registeredModelAliasWire).optional(),
})

export const registryEventWire = z.object({
  event_id: str,
  timestamp: int64,
  actor: str,
  kind: z.enum(REGISTRY_EVENT_KINDS),
  name: str,
  version: str.optional(),
  alias: str.optional(),
  from: str.optional(),
  to: str.optional(),
  comment: str.optional(),
  request_id: str.optional(),
})

export const modelVersionLineageWire = z.object({
  name: str,
  version: str,
  captured_at: int64,
  source: str,
  run_id: str.optional(),
  experiment_id: str.optional(),
  model_id: str.optional(),
  git: z
    .object({ commit: str.optional(), branch: str.optional(), repo_url: str.optional(), dirty: bool.optional() })
    .optional(),
  entry_point: str.optional(),
  datasets: z.array(datasetInputWire).optional(),
  params: keyValueList.optional(),
  metrics: z.array(metricWire).optional(),
})

export type ModelVersionWire = z.input<typeof modelVersionWire>
export type RegisteredModelWire = z.input<typeof registeredModelWire>
export type RegistryEventWire = z.input<typeof registryEventWire>
