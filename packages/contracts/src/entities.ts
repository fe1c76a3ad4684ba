/**
 * keel's tracking entities, in the shape TypeScript code uses them (camelCase, numbers as numbers).
 * The server's domain code and the SDK share them; the MLflow wire shapes (snake_case) are in
 * `wire/` with converters both ways.
 */

export type LifecycleStage = 'active' | 'deleted'
export const VIEW_TYPES = ['ACTIVE_ONLY', 'DELETED_ONLY', 'ALL'] as const
export type ViewType = (typeof VIEW_TYPES)[number]
export const RUN_STATUSES = ['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED'] as const
export type RunStatus = (typeof RUN_STATUSES)[number]
export const LOGGED_MODEL_STATUSES = [
  'LOGGED_MODEL_STATUS_UNSPECIFIED',
  'LOGGED_MODEL_PENDING',
  'LOGGED_MODEL_READY',
  'LOGGED_MODEL_UPLOAD_FAILED',
] as const
export type LoggedModelStatus = (typeof LOGGED_MODEL_STATUSES)[number]

export interface KeyValue {
  readonly key: string
  readonly value: string
}
export type Tag = KeyValue
export type Param = KeyValue

export interface Experiment {
  readonly experimentId: string
  readonly name: string
  readonly artifactLocation: string
  readonly lifecycleStage: LifecycleStage
  readonly creationTime: number
  readonly lastUpdateTime: number
  readonly tags: readonly Tag[]
}

/** One logged value. `value` may be NaN or ±Infinity, as MLflow allows. Times are epoch ms. */
export interface Metric {
  readonly key: string
  readonly value: number
  readonly timestamp: number
  readonly step: number
  readonly runId?: string | undefined
  readonly modelId?: string | undefined
  readonly datasetName?: string | undefined
  readonly datasetDigest?: string | undefined
}

export interface RunInfo {
  readonly runId: string
  readonly runName: string
  readonly experimentId: string
  readonly userId: string
  readonly status: RunStatus
  readonly startTime: number
  readonly endTime?: number | undefined
  readonly artifactUri: string
  readonly lifecycleStage: LifecycleStage
}

export interface RunData {
  /** The latest value of each metric key (largest step, then timestamp, then value). */
  readonly metrics: readonly Metric[]
  readonly params: readonly Param[]
  readonly tags: readonly Tag[]
}

export interface Dataset {
  readonly name: string
  readonly digest: string
  readonly sourceType: string
  readonly source: string
  readonly schema?: string | undefined
  readonly profile?: string | undefined
}

export interface DatasetInput {
  readonly tags: readonly Tag[]
  readonly dataset: Dataset
}

export interface ModelInput {
  readonly modelId: string
}

export interface ModelOutput {
  readonly modelId: string
  readonly step: number
}

export interface Run {
  readonly info: RunInfo
  readonly data: RunData
  readonly inputs: { readonly datasetInputs: readonly DatasetInput[]; readonly modelInputs: readonly ModelInput[] }
  readonly outputs: { readonly modelOutputs: readonly ModelOutput[] }
}

export interface LoggedModelInfo {
  readonly modelId: string
  readonly experimentId: string
  readonly name: string
  readonly artifactUri: string
  readonly creationTimestampMs: number
  readonly lastUpdatedTimestampMs: number
  readonly status: LoggedModelStatus
  readonly statusMessage?: string | undefined
  readonly creatorId?: string | undefined
  readonly modelType?: string | undefined
  readonly sourceRunId?: string | undefined
  readonly tags: readonly Tag[]
  readonly registrations: readonly { readonly name: string; readonly version: string }[]
}

export interface LoggedModel {
  readonly info: LoggedModelInfo
  readonly data: { readonly params: readonly Param[]; readonly metrics: readonly Metric[] }
}

export interface FileInfo {
  readonly path: string
  readonly isDir: boolean
  readonly fileSize?: number | undefined
}

/** A page of results and the opaque token of the next page (absent on the last page). */
export interface Page<T> {
  readonly items: readonly T[]
  readonly nextPageToken?: string | undefined
}
