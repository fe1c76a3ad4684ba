/**
 * @keel/sdk: track experiments, runs, metrics, params, tags, datasets and artifacts on keel or any
 * server speaking MLflow's REST API.
 *
 * ```ts
 * import { keel } from '@keel/sdk'
 * await keel.setExperiment('demo')
 * await using run = await keel.startRun({ runName: 'baseline' })
 * run.logParams({ lr: 0.01 })
 * run.logMetric('loss', 0.42, { step: 1 })
 * ```
 */
import { createKeel } from './keel.js'
import type { LoadModelOptions, LoadedModel } from './models/index.js'
import type { LiveSpan } from './tracing/span.js'
import type { TraceOptions, TracedOptions } from './tracing/tracer.js'

export { createKeel, Keel, type KeelOptions, type StartRunOptions } from './keel.js'
export { ActiveRun, ERROR_TAG, type ActiveRunOptions, type RunMetricOptions } from './run.js'
export { TrackingClient } from './tracking-client.js'
export {
  MonitoringClient,
  type DriftReportInput,
  type RemoteDataset,
  type RemoteDriftReportInput,
} from './monitoring-client.js'
export { renderHtmlReport, type DriftReport } from '@keel/monitoring'
export {
  RegistryClient,
  type CreateModelVersionOptions,
  type RegistryEventsOptions,
  type SearchRegistryOptions,
  type VersionRef,
} from './registry-client.js'
export {
  AuthClient,
  type AuditRecord,
  type ResourceGrant,
  type Role,
  type RolePermission,
  type TokenInfo,
  type User,
  type UserPermission,
} from './auth-client.js'
export { PredictionLogClient, splitPredictionBatch, type LogPredictionsOptions } from './prediction-log-client.js'
export { JobClient, type JobFilter } from './job-client.js'
export * from './tracing/index.js'
export type {
  LabelValue,
  LoggedPrediction,
  PredictionDeploymentSummary,
  PredictionLabel,
  PredictionRecord,
  PredictionSearchFilter,
} from '@keel/contracts'
export type * from './tracking-options.js'
export type { LogBatchInput, MetricInput, ParamValue, ParamsInput, TagsInput } from './inputs.js'
export { HttpClient, type HttpOptions, type ResponseOutputOf, type SendInit } from './http.js'
export type { RetryOptions } from './retry.js'
export type { AuthOptions } from './config.js'
export { DEFAULT_TRACKING_URI } from './config.js'
export { isTransient } from './http-errors.js'
export { ArtifactRepository, normalizeArtifactPath, resolveArtifactRepository } from './artifacts.js'
export { type ArtifactStore, HttpArtifactStore, LocalArtifactStore } from './artifact-stores.js'
export { collectLineageTags, type LineageOptions } from './lineage.js'
export { splitBatch, type Batch } from './batch.js'
export { SDK_VERSION } from './version.js'
export { KeelError, type ErrorCode } from '@keel/contracts'
export {
  type ColumnSpec,
  type ColumnType,
  CONVERTIBLE_FLAVORS,
  type CheckedConversion,
  type ConversionCheck,
  ConversionMismatchError,
  type ConvertAndCheckOptions,
  type ConvertToOnnxOptions,
  type ConvertibleFlavor,
  DEFAULT_TOLERANCE,
  conversionDescription,
  conversionTags,
  convertAndCheck,
  type LogDirectoryOptions,
  type LoggedDirectory,
  type OnnxConversion,
  type OnnxValueInfo,
  type RowDifference,
  convertModelToOnnx,
  describeDifferences,
  logModelDirectory,
  ENV_MANAGERS,
  type EnvManager,
  type FlavorName,
  type PredictionValue,
  type PredictOptions,
  type PythonEnv,
  type PythonModelOptions,
  type PythonRuntime,
  type WorkerEvent,
  type WorkerInfo,
  type InputExampleInfo,
  type LoadModelOptions,
  type LoadedModel,
  type LogModelOptions,
  type MLmodel,
  type ModelInfo,
  type ModelInput,
  type ModelRegistry,
  type ModelSignature,
  type ModelVersionRef,
  type ParsedModelUri,
  type Row,
  type SaveModelOptions,
  type Schema,
  type TensorSpec,
  compileInputSchema,
  inferSignature,
  loadModelDir,
  parseMLmodel,
  parseModelUri,
  pythonEnvFor,
  readMLmodel,
  resolveModelUri,
  saveModel,
  serializeMLmodel,
} from './models/index.js'

/** The default instance, configured from the environment on first use. */
export const keel = createKeel()

/**
 * Loads a model with the default instance (see `Keel.loadModel`):
 * `const model = await loadModel('models:/iris-classifier/latest'); await model.predict(rows)`.
 */
export function loadModel(uri: string, options?: LoadModelOptions): Promise<LoadedModel> {
  return keel.loadModel(uri, options)
}

/**
 * Runs `fn` inside a span of the default instance (see `Keel.trace`), like `mlflow.start_span`:
 * `const answer = await trace('agent', async (span) => ..., { spanType: 'AGENT' })`.
 */
export function trace<T>(name: string, fn: (span: LiveSpan) => T, options?: TraceOptions): T {
  return keel.trace(name, fn, options)
}

/** `fn` wrapped so that each call is a span of the default instance, like `@mlflow.trace`. */
export function traced<A extends unknown[], R>(fn: (...args: A) => R, options?: TracedOptions<A>): (...args: A) => R {
  return keel.traced(fn, options)
}
export {
  MonitorClient,
  type AlertRuleOptions,
  type CreateMonitorOptions,
  type UpdateMonitorOptions,
  type WindowFilter,
} from './monitor-client.js'
