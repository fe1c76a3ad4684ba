/** Options and results of `TrackingClient` methods (camelCase; the client maps them to the wire). */
import type { RunStatus, ViewType } from '@keel/contracts'
import type { ParamsInput, TagsInput } from './inputs.js'

export interface SearchExperimentsOptions {
  readonly filter?: string
  readonly maxResults?: number
  readonly orderBy?: readonly string[]
  readonly viewType?: ViewType
  readonly pageToken?: string
}

export interface CreateRunOptions {
  /** Defaults to the server's default experiment ("0"). */
  readonly experimentId?: string
  readonly runName?: string
  /** Epoch ms; defaults to now. */
  readonly startTime?: number
  readonly tags?: TagsInput
  /** Defaults to the `mlflow.user` tag, as MLflow does. */
  readonly userId?: string
}

export interface UpdateRunOptions {
  readonly status?: RunStatus
  readonly endTime?: number
  readonly runName?: string
}

export interface SearchRunsOptions {
  readonly experimentIds: readonly string[]
  readonly filter?: string
  readonly runViewType?: ViewType
  readonly maxResults?: number
  readonly orderBy?: readonly string[]
  readonly pageToken?: string
}

export interface LogMetricOptions {
  readonly timestamp?: number
  readonly step?: number
  readonly modelId?: string
  readonly datasetName?: string
  readonly datasetDigest?: string
}

export interface MetricHistoryIntervalOptions {
  readonly startStep?: number
  readonly endStep?: number
  readonly maxResults?: number
}

export interface CreateLoggedModelOptions {
  readonly name?: string
  readonly modelType?: string
  readonly sourceRunId?: string
  readonly params?: ParamsInput
  readonly tags?: TagsInput
}

export interface SearchLoggedModelsOptions {
  readonly experimentIds: readonly string[]
  readonly filter?: string
  readonly datasets?: readonly { readonly datasetName: string; readonly datasetDigest?: string }[]
  readonly maxResults?: number
  readonly orderBy?: readonly {
    readonly fieldName: string
    readonly ascending?: boolean
    readonly datasetName?: string
    readonly datasetDigest?: string
  }[]
  readonly pageToken?: string
}

export interface ServerInfo {
  readonly storeType?: string
  readonly workspacesEnabled: boolean
}
