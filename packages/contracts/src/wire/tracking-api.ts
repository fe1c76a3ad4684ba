/**
 * MLflow's tracking RPCs (service.proto, MlflowService) as keel serves them. Field names, defaults
 * and required fields follow the proto; see shared/reference/mlflow-messages.txt.
 */
import { z } from 'zod'
import { VIEW_TYPES } from '../entities.js'
import { endpoint } from './endpoint.js'
import {
  datasetInputWire,
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
import { bool, double, int64, keyValueList, protoEnum, str } from './primitives.js'

const empty = z.object({})
const viewType = protoEnum(VIEW_TYPES)
/** Runs are named by `run_id`, or by the legacy `run_uuid` that the Python client also sends. */
const runRef = { run_id: str.optional(), run_uuid: str.optional() }

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
    z.object({ name: str, artifact_location: str.optional(), tags: keyValueList.optional() }),
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
      max_results: int64.optional(),
      page_token: str.optional(),
      filter: str.optional(),
      order_by: z.array(str).optional(),
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
    z.object({ experiment_id: str, new_name: str.optional() }),
    empty,
  ),
  setExperimentTag: endpoint(
    'POST',
    '/mlflow/experiments/set-experiment-tag',
    'Set a tag on an experiment',
    z.object({ experiment_id: str, key: str, value: str }),
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
      run_name: str.optional(),
      start_time: int64.optional(),
      tags: keyValueList.optional(),
    }),
    z.object({ run: runWire }),
  ),
  updateRun: endpoint(
    'POST',
    '/mlflow/runs/update',
    'Update a run: status, end time, name',
    z.object({ ...runRef, status: runStatus.optional(), end_time: int64.optional(), run_name: str.optional() }),
    z.object({ run_info: runInfoWire }),
  ),
  deleteRun: endpoint('POST', '/mlflow/runs/delete', 'Soft-delete a run', z.object({ run_id: str }), empty),
  restoreRun: endpoint('POST', '/mlflow/runs/restore', 'Restore a deleted run', z.object({ run_id: str }), empty),
  getRun: endpoint('GET', '/mlflow/runs/get', 'Get a run', z.object(runRef), z.object({ run: runWire })),
  searchRuns: endpoint(
    'POST',
    '/mlflow/runs/search',
    'Search runs with a filter, an order and paging',
    z.object({
      experiment_ids: z.array(str).optional(),
      filter: str.optional(),
      run_view_type: viewType.optional(),
      max_results: int64.optional(),
      order_by: z.array(str).optional(),
      page_token: str.optional(),
    }),
    z.object({ runs: z.array(runWire).optional(), next_page_token: str.optional() }),
  ),
  logMetric: endpoint(
    'POST',
    '/mlflow/runs/log-metric',
    'Log one metric value',
    z.object({
      ...runRef,
      key: str,
      value: double,
      timestamp: int64,
      step: int64.optional(),
      model_id: str.optional(),
      dataset_name: str.optional(),
      dataset_digest: str.optional(),
    }),
    empty,
  ),
  logParam: endpoint(
    'POST',
    '/mlflow/runs/log-parameter',
    'Log a parameter (immutable once logged)',
    z.object({ ...runRef, key: str, value: str }),
    empty,
  ),
  setTag: endpoint('POST', '/mlflow/runs/set-tag', 'Set a tag on a run', z.object({ ...runRef, key: str, value: str }), empty),
  deleteTag: endpoint('POST', '/mlflow/runs/delete-tag', 'Delete a tag of a run', z.object({ run_id: str, key: str }), empty),
  logBatch: endpoint(
    'POST',
    '/mlflow/runs/log-batch',
    'Log metrics, params and tags in one request',
    z.object({
      run_id: str,
      metrics: z.array(metricWire).optional(),
      params: keyValueList.optional(),
      tags: keyValueList.optional(),
    }),
    empty,
  ),
  logInputs: endpoint(
    'POST',
    '/mlflow/runs/log-inputs',
    'Record the datasets (and models) a run used',
    z.object({
      run_id: str,
      datasets: z.array(datasetInputWire).optional(),
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
    z.object({ ...runRef, model_json: str }),
    empty,
  ),
  getMetricHistory: endpoint(
    'GET',
    '/mlflow/metrics/get-history',
    'All values of one metric of a run',
    z.object({ ...runRef, metric_key: str, page_token: str.optional(), max_results: int64.optional() }),
    z.object({ metrics: z.array(metricWire).optional(), next_page_token: str.optional() }),
  ),
  getMetricHistoryBulkInterval: endpoint(
    'GET',
    '/mlflow/metrics/get-history-bulk-interval',
    'Values of one metric over several runs, sampled over a step interval',
    z.object({
      run_ids: z.array(str),
      metric_key: str,
      start_step: int64.optional(),
      end_step: int64.optional(),
      max_results: int64.optional(),
    }),
    z.object({ metrics: z.array(metricWire).optional() }),
  ),
  listArtifacts: endpoint(
    'GET',
    '/mlflow/artifacts/list',
    "List a run's artifacts",
    z.object({ ...runRef, path: str.optional(), page_token: str.optional() }),
    z.object({ root_uri: str.optional(), files: z.array(fileInfoWire).optional(), next_page_token: str.optional() }),
  ),
  createLoggedModel: endpoint(
    'POST',
    '/mlflow/logged-models',
    'Create a logged model (MLflow 3 model logging)',
    z.object({
      experiment_id: str,
      name: str.optional(),
      model_type: str.optional(),
      source_run_id: str.optional(),
      params: keyValueList.optional(),
      tags: keyValueList.optional(),
    }),
    z.object({ model: loggedModelWire }),
  ),
  finalizeLoggedModel: endpoint(
    'PATCH',
    '/mlflow/logged-models/{model_id}',
    'Mark a logged model ready (or failed)',
    z.object({ model_id: str, status: loggedModelStatus }),
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
    z.object({
      experiment_ids: z.array(str).optional(),
      filter: str.optional(),
      datasets: z.array(z.object({ dataset_name: str, dataset_digest: str.optional() })).optional(),
      max_results: int64.optional(),
      order_by: z
        .array(
          z.object({
            field_name: str,
            ascending: bool.optional(),
            dataset_name: str.optional(),
            dataset_digest: str.optional(),
          }),
        )
        .optional(),
      page_token: str.optional(),
    }),
    z.object({ models: z.array(loggedModelWire).optional(), next_page_token: str.optional() }),
  ),
  setLoggedModelTags: endpoint(
    'PATCH',
    '/mlflow/logged-models/{model_id}/tags',
    'Set tags on a logged model',
    z.object({ model_id: str, tags: keyValueList.optional() }),
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
    z.object({ model_id: str, params: keyValueList.optional() }),
    empty,
  ),
  listLoggedModelArtifacts: endpoint(
    'GET',
    '/mlflow/logged-models/{model_id}/artifacts/directories',
    "List a logged model's artifacts",
    z.object({ model_id: str, artifact_directory_path: str.optional(), page_token: str.optional() }),
    z.object({ root_uri: str.optional(), files: z.array(fileInfoWire).optional(), next_page_token: str.optional() }),
  ),
  serverInfo: endpoint(
    'GET',
    '/mlflow/server-info',
    'What kind of store the server runs on',
    empty,
    z.object({ store_type: str.nullable().optional(), workspaces_enabled: bool.optional() }),
    3,
  ),
} as const

export type TrackingApi = typeof trackingApi
