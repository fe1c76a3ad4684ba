/**
 * MLflow's model-registry RPCs (model_registry.proto, ModelRegistryService) and keel's registry
 * extensions (`/keel/...`: the audit trail and version lineage). MLflow's paths, fields and
 * defaults; see shared/reference/mlflow-wire-protocol.md §1.3.
 */
import { z } from 'zod'
import { endpoint } from './endpoint.js'
import {
  modelVersionLineageWire,
  modelVersionWire,
  registeredModelWire,
  registryEventWire,
  versionRef,
} from './registry-entities.js'
import { bool, str } from './primitives.js'
import {
  aliasName,
  maxResults,
  modelName,
  modelVersionSearchFilter,
  modelVersionSearchOrderBy,
  pageToken,
  registeredModelSearchFilter,
  registeredModelSearchOrderBy,
  registryTagKey,
  registryTagValue,
  registryTags,
} from './documented.js'
import { LIMITS } from '../limits.js'
import { MODEL_VERSION_STAGES } from '../registry.js'

const empty = z.object({})
const modelRef = { name: modelName }
const versionKey = { name: modelName, version: versionRef }
/** A stage by its name (the service also takes other cases). */
const stage = str.meta({ enum: [...MODEL_VERSION_STAGES] })
const registeredModel = z.object({ registered_model: registeredModelWire })
const modelVersion = z.object({ model_version: modelVersionWire })

export const registryApi = {
  createRegisteredModel: endpoint(
    'POST',
    '/mlflow/registered-models/create',
    'Create a registered model',
    z.object({ name: modelName, tags: registryTags.optional(), description: str.optional() }),
    registeredModel,
  ),
  getRegisteredModel: endpoint(
    'GET',
    '/mlflow/registered-models/get',
    'Get a registered model',
    z.object(modelRef),
    registeredModel,
  ),
  renameRegisteredModel: endpoint(
    'POST',
    '/mlflow/registered-models/rename',
    'Rename a registered model (its versions follow)',
    z.object({ name: modelName, new_name: modelName.optional() }).meta({ required: ['name', 'new_name'] }),
    registeredModel,
  ),
  updateRegisteredModel: endpoint(
    'PATCH',
    '/mlflow/registered-models/update',
    "Update a registered model's description",
    z.object({ name: modelName, description: str.optional() }),
    registeredModel,
  ),
  deleteRegisteredModel: endpoint(
    'DELETE',
    '/mlflow/registered-models/delete',
    'Delete a registered model with its versions and aliases',
    z.object(modelRef),
    empty,
  ),
  searchRegisteredModels: endpoint(
    'GET',
    '/mlflow/registered-models/search',
    'Search registered models with a filter, an order and paging',
    z.object({
      filter: registeredModelSearchFilter.optional(),
      max_results: maxResults(LIMITS.searchRegisteredModelsMaxResults).optional(),
      order_by: registeredModelSearchOrderBy.optional(),
      page_token: pageToken.optional(),
    }),
    z.object({ registered_models: z.array(registeredModelWire).optional(), next_page_token: str.optional() }),
  ),
  getLatestVersions: endpoint(
    'POST',
    '/mlflow/registered-models/get-latest-versions',
    'The newest version of each stage (or of the stages asked for); also served for GET',
    z.object({ name: modelName, stages: z.array(stage).optional() }),
    z.object({ model_versions: z.array(modelVersionWire).optional() }),
  ),
  setRegisteredModelTag: endpoint(
    'POST',
    '/mlflow/registered-models/set-tag',
    'Set a tag on a registered model',
    z.object({ name: modelName, key: registryTagKey, value: registryTagValue }),
    empty,
  ),
  deleteRegisteredModelTag: endpoint(
    'DELETE',
    '/mlflow/registered-models/delete-tag',
    'Delete a tag of a registered model',
    z.object({ name: modelName, key: str }),
    empty,
  ),
  setRegisteredModelAlias: endpoint(
    'POST',
    '/mlflow/registered-models/alias',
    'Point an alias at a version (moving it if it exists); `comment` is a keel extension kept in the audit trail',
    z.object({ name: modelName, alias: aliasName, version: versionRef, comment: str.optional() }),
    empty,
  ),
  deleteRegisteredModelAlias: endpoint(
    'DELETE',
    '/mlflow/registered-models/alias',
    'Delete an alias',
    z.object({ name: modelName, alias: aliasName, comment: str.optional() }),
    empty,
  ),
  getModelVersionByAlias: endpoint(
    'GET',
    '/mlflow/registered-models/alias',
    'The version an alias points at',
    z.object({ name: modelName, alias: str }),
    modelVersion,
  ),
  createModelVersion: endpoint(
    'POST',
    '/mlflow/model-versions/create',
    'Register a new version (READY at once)',
    z.object({
      name: modelName,
      // One of the forms model-source.ts takes: a logged model of this server (when model_id is given, that one).
      source: str.meta({ pattern: '^models:/m-[0-9a-f]{32}$' }),
      run_id: str.optional(),
      tags: registryTags.optional(),
      run_link: str.optional(),
      description: str.optional(),
      model_id: str.optional(),
    }),
    modelVersion,
  ),
  getModelVersion: endpoint(
    'GET',
    '/mlflow/model-versions/get',
    'Get a model version',
    z.object(versionKey),
    modelVersion,
  ),
  updateModelVersion: endpoint(
    'PATCH',
    '/mlflow/model-versions/update',
    "Update a version's description",
    z.object({ ...versionKey, description: str.optional() }),
    modelVersion,
  ),
  transitionModelVersionStage: endpoint(
    'POST',
    '/mlflow/model-versions/transition-stage',
    'Move a version to a stage; `comment` is a keel extension kept in the audit trail',
    z
      .object({ ...versionKey, stage, archive_existing_versions: bool.optional(), comment: str.optional() })
      // Archiving the others applies to the active stages only.
      .meta({
        anyOf: [
          { properties: { stage: { enum: ['Staging', 'Production'] } } },
          { not: { required: ['archive_existing_versions'] } },
          { properties: { archive_existing_versions: { enum: [false, 'false', 'False'] } } },
        ],
      }),
    modelVersion,
  ),
  deleteModelVersion: endpoint(
    'DELETE',
    '/mlflow/model-versions/delete',
    'Delete a model version (and the aliases pointing at it)',
    z.object(versionKey),
    empty,
  ),
  searchModelVersions: endpoint(
    'GET',
    '/mlflow/model-versions/search',
    'Search model versions with a filter, an order and paging',
    z.object({
      filter: modelVersionSearchFilter.optional(),
      max_results: maxResults(LIMITS.searchModelVersionsMaxResults).optional(),
      order_by: modelVersionSearchOrderBy.optional(),
      page_token: pageToken.optional(),
    }),
    z.object({ model_versions: z.array(modelVersionWire).optional(), next_page_token: str.optional() }),
  ),
  getModelVersionDownloadUri: endpoint(
    'GET',
    '/mlflow/model-versions/get-download-uri',
    "The artifact URI of a version's files",
    z.object(versionKey),
    z.object({ artifact_uri: str }),
  ),
  setModelVersionTag: endpoint(
    'POST',
    '/mlflow/model-versions/set-tag',
    'Set a tag on a model version',
    z.object({ ...versionKey, key: registryTagKey, value: registryTagValue }),
    empty,
  ),
  deleteModelVersionTag: endpoint(
    'DELETE',
    '/mlflow/model-versions/delete-tag',
    'Delete a tag of a model version',
    z.object({ ...versionKey, key: str }),
    empty,
  ),
  // ---- keel extensions ----
  searchRegistryEvents: endpoint(
    'GET',
    '/keel/registry/events',
    'The audit trail: stage transitions, alias moves, registrations and deletions, newest first',
    z
      .object({
        name: str.optional(),
        version: versionRef.optional(),
        max_results: maxResults(LIMITS.registryEventsMaxResults).optional(),
        page_token: pageToken.optional(),
      })
      .meta({ dependentRequired: { version: ['name'] } }),
    z.object({ events: z.array(registryEventWire).optional(), next_page_token: str.optional() }),
  ),
  getModelVersionLineage: endpoint(
    'GET',
    '/keel/model-versions/lineage',
    'What a version was made of (run, code, data, params, metrics), captured at registration',
    z.object(versionKey),
    z.object({ lineage: modelVersionLineageWire }),
  ),
} as const
