/**
 * MLflow's validation limits (mlflow/utils/validation.py), shared by the server that enforces them
 * and the SDK that batches below them.
 */
export const LIMITS = {
  metricsPerBatch: 1000,
  paramsPerBatch: 100,
  tagsPerBatch: 100,
  entitiesPerBatch: 1000,
  batchRequestBytes: 1_000_000,
  entityKeyLength: 250,
  paramValueLength: 6000,
  tagValueLength: 8000,
  experimentNameLength: 500,
  experimentTagKeyLength: 250,
  experimentTagValueLength: 5000,
  datasetsPerLogInputs: 1000,
  datasetNameLength: 500,
  datasetDigestLength: 36,
  datasetSourceLength: 65535,
  datasetSchemaLength: 1_048_575,
  datasetProfileLength: 16_777_215,
  inputTagKeyLength: 255,
  inputTagValueLength: 500,
  searchRunsMaxResults: 50_000,
  searchRunsDefaultMaxResults: 1000,
  searchExperimentsMaxResults: 50_000,
  searchLoggedModelsDefaultMaxResults: 50,
  metricHistoryMaxResults: 25_000,
  bulkHistoryMaxRuns: 100,
} as const
