/**
 * MLflow's tracking RPCs (service.proto, MlflowService) as keel serves them. Field names, defaults
 * and required fields follow the proto; see shared/reference/mlflow-messages.txt.
 */
import { z } from 'zod'
import { VIEW_TYPES } from '../entities.js'
import { LIMITS } from '../limits.js'
import { endpoint } from './endpoint.js'
import {
  datasetInputWire,
  datasetWire,
  experimentWire,
  fileInfoWire,
  loggedModelStatus,
  loggedModelWire,
  metricWire,
  modelInputWire,
  modelOutputWire,
  runInfoWire,
  runStatus,
  runWire,
} from './entities.js'
import { bool, double, int64, protoEnum, str } from './primitives.js'
import {
  NO_NUL,
  artifactFolder,
  entityKey,
  entityKeyValues,
  experimentSearchFilter,
  experimentSearchOrderBy,
  experimentTags,
  int64Within,
  keyValues,
  loggedModelSearchFilter,
  maxResults,
  maxUnits,
  nameText,
  nonEmpty,
  nonNegativeInt64,
  pageToken,
  runSearchFilter,
  runSearchOrderBy,
} from './documented.js'

const empty = z.object({})
const viewType = protoEnum(VIEW_TYPES)
/** Runs are named by `run_id`, or by the legacy `run_uuid` that the Python client also sends. */
const runRef = { run_id: nonEmpty.optional(), run_uuid: nonEmpty.optional() }
/** The document's way of saying one of run_id and run_uuid is required (the routes check it). */
const RUN_REF_REQUIRED = { anyOf: [{ required: ['run_id'] }, { required: ['run_uuid'] }] }
const experimentName = nameText(LIMITS.experimentNameLength)
const runName = str.meta({ pattern: NO_NUL })
/** A dataset as log-inputs takes it: MLflow's length limits; name and digest not empty. */
const datasetInputRequest = datasetInputWire.extend({
  tags: keyValues(
    str.meta({ ...maxUnits(LIMITS.inputTagKeyLength), pattern: NO_NUL }),
    str.meta(maxUnits(LIMITS.inputTagValueLength)),
  ).optional(),
  dataset: datasetWire.extend({
    name: str.meta({ minLength: 1, ...maxUnits(LIMITS.datasetNameLength), pattern: NO_NUL }),
    digest: str.meta({ minLength: 1, ...maxUnits(LIMITS.datasetDigestLength) }),
    source: str.meta(maxUnits(LIMITS.datasetSourceLength)),
    schema: str.meta(maxUnits(LIMITS.datasetSchemaLength)).optional(),
    profile: str.meta(maxUnits(LIMITS.datasetProfileLength)).optional(),
  }),
})
/** MLflow 2.x's model info: a JSON object with these fields (documented as one such object). */
const modelJson = str.meta({
  pattern:
    '^\\{"artifact_path": ?"[a-z]{1,10}", ?"flavors": ?\\{\\}, ?"utc_time_created": ?"[0-9: -]{0,26}", ?"run_id": ?"[0-9a-f]{32}"\\}$',
  description: 'The MLmodel as JSON; it must hold artifact_path, flavors, utc_time_created and run_id',
})
const LOGGED_MODEL_ORDER_FIELD =
  '^(?:name|model_id|model_type|status|creation_timestamp|last_updated_timestamp|metrics\\.[a-z][a-z0-9_]{0,19})$'
const metricRequest = metricWire.extend({ key: entityKey, timestamp: nonNegativeInt64 })
const LOGGED_MODEL_NAME = '^[^\\x00/:.%"\']*$'

export const trackingApi = {
  getExperimentByName: endpoint(
    'GET',
    '/mlflow/experiments/get-by-name',
    'Get an experiment by name (deleted ones included)',
    z.object({ experiment_name: str }),
    z.object({ experiment: experimentWire }),
  ),
  createExperiment: endpoint(
    'POST',
    '/mlflow/experiments/create',
    'Create an experiment',
    z.object({
      name: experimentName,
      // Other locations are stored too, but this server lists and serves mlflow-artifacts: ones only (501)
      artifact_location: str.meta({ pattern: '^(?:mlflow-artifacts:/[A-Za-z0-9_-]{1,40})?$' }).optional(),
      tags: experimentTags.optional(),
    }),
    z.object({ experiment_id: str }),
  ),
  getExperiment: endpoint(
    'GET',
    '/mlflow/experiments/get',
    'Get an experiment',
    z.object({ experiment_id: str }),
    z.object({ experiment: experimentWire }),
  ),
  searchExperiments: endpoint(
    'POST',
    '/mlflow/experiments/search',
    'Search experiments with a filter, an order and paging',
    z.object({
      max_results: maxResults(LIMITS.searchExperimentsMaxResults).optional(),
      page_token: pageToken.optional(),
      filter: experimentSearchFilter.optional(),
      order_by: experimentSearchOrderBy.optional(),
      view_type: viewType.optional(),
    }),
    z.object({ experiments: z.array(experimentWire).optional(), next_page_token: str.optional() }),
  ),
  deleteExperiment: endpoint(
    'POST',
    '/mlflow/experiments/delete',
    'Soft-delete an experiment and its runs',
    z.object({ experiment_id: str }),
    empty,
  ),
  restoreExperiment: endpoint(
    'POST',
    '/mlflow/experiments/restore',
    'Restore a deleted experiment and its runs',
    z.object({ experiment_id: str }),
    empty,
  ),
  updateExperiment: endpoint(
    'POST',
    '/mlflow/experiments/update',
    'Rename an experiment',
    z.object({ experiment_id: str, new_name: experimentName.optional() }),
    empty,
  ),
  setExperimentTag: endpoint(
    'POST',
    '/mlflow/experiments/set-experiment-tag',
    'Set a tag on an experiment',
    z.object({ experiment_id: str, key: entityKey, value: str.meta(maxUnits(LIMITS.experimentTagValueLength)) }),
    empty,
  ),
  deleteExperimentTag: endpoint(
    'POST',
    '/mlflow/experiments/delete-experiment-tag',
    'Delete a tag of an experiment',
    z.object({ experiment_id: str, key: str }),
    empty,
  ),
  createRun: endpoint(
    'POST',
    '/mlflow/runs/create',
    'Start a run',
    z.object({
      experiment_id: str.optional(),
      user_id: str.optional(),
      run_name: runName.optional(),
      start_time: int64.optional(),
      tags: entityKeyValues.optional(),
    }),
    z.object({ run: runWire }),
  ),
  updateRun: endpoint(
    'POST',
    '/mlflow/runs/update',
    'Update a run: status, end time, name',
    z
      .object({
        ...runRef,
        status: runStatus.optional(),
        end_time: nonNegativeInt64.optional(),
        run_name: runName.optional(),
      })
      .meta(RUN_REF_REQUIRED),
    z.object({ run_info: runInfoWire }),
  ),
  deleteRun: endpoint('POST', '/mlflow/runs/delete', 'Soft-delete a run', z.object({ run_id: str }), empty),
  restoreRun: endpoint('POST', '/mlflow/runs/restore', 'Restore a deleted run', z.object({ run_id: str }), empty),
  getRun: endpoint(
    'GET',
    '/mlflow/runs/get',
    'Get a run',
    z.object(runRef).meta(RUN_REF_REQUIRED),
    z.object({ run: runWire }),
  ),
  searchRuns: endpoint(
    'POST',
    '/mlflow/runs/search',
    'Search runs with a filter, an order and paging',
    z.object({
      experiment_ids: z.array(str).optional(),
      filter: runSearchFilter.optional(),
      run_view_type: viewType.optional(),
      max_results: maxResults(LIMITS.searchRunsMaxResults).optional(),
      order_by: runSearchOrderBy.optional(),
      page_token: pageToken.optional(),
    }),
    z.object({ runs: z.array(runWire).optional(), next_page_token: str.optional() }),
  ),
  logMetric: endpoint(
    'POST',
    '/mlflow/runs/log-metric',
    'Log one metric value',
    z
      .object({
        ...runRef,
        key: entityKey,
        value: double,
        timestamp: nonNegativeInt64,
        step: int64.optional(),
        model_id: str.optional(),
        dataset_name: str.optional(),
        dataset_digest: str.optional(),
      })
      .meta(RUN_REF_REQUIRED),
    empty,
  ),
  logParam: endpoint(
    'POST',
    '/mlflow/runs/log-parameter',
    'Log a parameter (immutable once logged)',
    z.object({ ...runRef, key: entityKey, value: str }).meta(RUN_REF_REQUIRED),
    empty,
  ),
  setTag: endpoint(
    'POST',
    '/mlflow/runs/set-tag',
    'Set a tag on a run',
    z.object({ ...runRef, key: entityKey, value: str }).meta(RUN_REF_REQUIRED),
    empty,
  ),
  deleteTag: endpoint(
    'POST',
    '/mlflow/runs/delete-tag',
    'Delete a tag of a run',
    z.object({ run_id: str, key: str }),
    empty,
  ),
  logBatch: endpoint(
    'POST',
    '/mlflow/runs/log-batch',
    'Log metrics, params and tags in one request',
    z.object({
      run_id: str,
      // At most 1,000 entities in all (MLflow's limits: 1,000 metrics, 100 params, 100 tags).
      metrics: z
        .array(metricRequest)
        .meta({ maxItems: LIMITS.entitiesPerBatch - LIMITS.paramsPerBatch - LIMITS.tagsPerBatch })
        .optional(),
      params: entityKeyValues.meta({ maxItems: LIMITS.paramsPerBatch }).optional(),
      tags: entityKeyValues.meta({ maxItems: LIMITS.tagsPerBatch }).optional(),
    }),
    empty,
  ),
  logInputs: endpoint(
    'POST',
    '/mlflow/runs/log-inputs',
    'Record the datasets (and models) a run used',
    z.object({
      run_id: str,
      datasets: z.array(datasetInputRequest).meta({ maxItems: LIMITS.datasetsPerLogInputs }).optional(),
      models: z.array(modelInputWire).optional(),
    }),
    empty,
  ),
  logOutputs: endpoint(
    'POST',
    '/mlflow/runs/outputs',
    'Record the models a run produced',
    z.object({ run_id: str, models: z.array(modelOutputWire).optional() }),
    empty,
  ),
  logModel: endpoint(
    'POST',
    '/mlflow/runs/log-model',
    'Record a model logged by an MLflow 2.x client (legacy)',
    z.object({ ...runRef, model_json: modelJson }).meta(RUN_REF_REQUIRED),
    empty,
  ),
  getMetricHistory: endpoint(
    'GET',
    '/mlflow/metrics/get-history',
    'All values of one metric of a run',
    z
      .object({
        ...runRef,
        metric_key: str,
        page_token: pageToken.optional(),
        max_results: int64Within(1, Number.MAX_SAFE_INTEGER).optional(),
      })
      .meta(RUN_REF_REQUIRED),
    z.object({ metrics: z.array(metricWire).optional(), next_page_token: str.optional() }),
  ),
  getMetricHistoryBulkInterval: endpoint(
    'GET',
    '/mlflow/metrics/get-history-bulk-interval',
    'Values of one metric over several runs, sampled over a step interval',
    z.object({
      run_ids: z.array(str).meta({ minItems: 1, maxItems: LIMITS.bulkHistoryMaxRuns }),
      metric_key: str,
      start_step: int64.optional(),
      end_step: int64.optional(),
      max_results: maxResults(LIMITS.bulkHistoryMaxResults).optional(),
    }),
    z.object({ metrics: z.array(metricWire).optional() }),
  ),
  listArtifacts: endpoint(
    'GET',
    '/mlflow/artifacts/list',
    "List a run's artifacts",
    z.object({ ...runRef, path: artifactFolder.optional(), page_token: pageToken.optional() }).meta(RUN_REF_REQUIRED),
    z.object({ root_uri: str.optional(), files: z.array(fileInfoWire).optional(), next_page_token: str.optional() }),
  ),
  createLoggedModel: endpoint(
    'POST',
    '/mlflow/logged-models',
    'Create a logged model (MLflow 3 model logging)',
    z.object({
      experiment_id: nonEmpty,
      name: str.meta({ ...maxUnits(500), pattern: LOGGED_MODEL_NAME }).optional(),
      model_type: str.optional(),
      source_run_id: str.optional(),
      params: entityKeyValues.optional(),
      tags: entityKeyValues.optional(),
    }),
    z.object({ model: loggedModelWire }),
  ),
  finalizeLoggedModel: endpoint(
    'PATCH',
    '/mlflow/logged-models/{model_id}',
    'Mark a logged model ready (or failed)',
    z.object({
      model_id: str,
      status: loggedModelStatus.meta({ enum: ['LOGGED_MODEL_READY', 'LOGGED_MODEL_UPLOAD_FAILED'] }),
    }),
    z.object({ model: loggedModelWire }),
  ),
  getLoggedModel: endpoint(
    'GET',
    '/mlflow/logged-models/{model_id}',
    'Get a logged model',
    z.object({ model_id: str, allow_deleted: bool.optional() }),
    z.object({ model: loggedModelWire }),
  ),
  deleteLoggedModel: endpoint(
    'DELETE',
    '/mlflow/logged-models/{model_id}',
    'Delete a logged model',
    z.object({ model_id: str }),
    empty,
  ),
  searchLoggedModels: endpoint(
    'POST',
    '/mlflow/logged-models/search',
    'Search logged models',
    z
      .object({
        experiment_ids: z.array(str).meta({ minItems: 1 }).optional(),
        filter: loggedModelSearchFilter.optional(),
        datasets: z.array(z.object({ dataset_name: nonEmpty, dataset_digest: str.optional() })).optional(),
        max_results: int64Within(0, LIMITS.searchRunsMaxResults).optional(),
        order_by: z
          .array(
            z.object({
              field_name: str.meta({ pattern: LOGGED_MODEL_ORDER_FIELD }),
              ascending: bool.optional(),
              dataset_name: str.optional(),
              dataset_digest: str.optional(),
            }),
          )
          .optional(),
        page_token: pageToken.optional(),
      })
      .meta({ required: ['experiment_ids'] }),
    z.object({ models: z.array(loggedModelWire).optional(), next_page_token: str.optional() }),
  ),
  setLoggedModelTags: endpoint(
    'PATCH',
    '/mlflow/logged-models/{model_id}/tags',
    'Set tags on a logged model',
    z.object({ model_id: str, tags: entityKeyValues.optional() }),
    z.object({ model: loggedModelWire.optional() }),
  ),
  deleteLoggedModelTag: endpoint(
    'DELETE',
    '/mlflow/logged-models/{model_id}/tags/{tag_key}',
    'Delete a tag of a logged model',
    z.object({ model_id: str, tag_key: str }),
    empty,
  ),
  logLoggedModelParams: endpoint(
    'POST',
    '/mlflow/logged-models/{model_id}/params',
    'Log params of a logged model',
    z.object({ model_id: str, params: entityKeyValues.optional() }),
    empty,
  ),
  listLoggedModelArtifacts: endpoint(
    'GET',
    '/mlflow/logged-models/{model_id}/artifacts/directories',
    "List a logged model's artifacts",
    z.object({ model_id: str, artifact_directory_path: artifactFolder.optional(), page_token: pageToken.optional() }),
    z.object({ root_uri: str.optional(), files: z.array(fileInfoWire).optional(), next_page_token: str.optional() }),
  ),
  serverInfo: endpoint(
    'GET',
    '/mlflow/server-info',
    'What kind of store the server runs on, and whether large artifacts go to it directly in parts',
    empty,
    z.object({
      store_type: str.nullable().optional(),
      workspaces_enabled: bool.optional(),
      multipart_uploads_enabled: bool.optional(),
      multipart_downloads_enabled: bool.optional(),
    }),
    3,
  ),
} as const

export type TrackingApi = typeof trackingApi
