/**
 * keel's model-registry entities (camelCase), shared by the server's registry domain and the SDK.
 * MLflow's wire shapes are in `wire/registry-*.ts`.
 */
import type { DatasetInput, Metric, Param, Tag } from './entities.js'

/** MLflow's legacy stages, in their canonical spelling (requests may use any case). */
export const MODEL_VERSION_STAGES = ['None', 'Staging', 'Production', 'Archived'] as const
export type ModelVersionStage = (typeof MODEL_VERSION_STAGES)[number]
export const MODEL_VERSION_STATUSES = ['PENDING_REGISTRATION', 'FAILED_REGISTRATION', 'READY'] as const
export type ModelVersionStatus = (typeof MODEL_VERSION_STATUSES)[number]

export interface RegisteredModelAlias {
  readonly alias: string
  readonly version: string
}

export interface RegisteredModel {
  readonly name: string
  readonly creationTimestamp: number
  readonly lastUpdatedTimestamp: number
  readonly userId?: string | undefined
  readonly description?: string | undefined
  /** The newest version of each stage (MLflow's `latest_versions`). */
  readonly latestVersions: readonly ModelVersion[]
  readonly tags: readonly Tag[]
  readonly aliases: readonly RegisteredModelAlias[]
}

export interface ModelVersion {
  readonly name: string
  /** Versions are numbered 1, 2, 3… per model; MLflow sends them as strings. */
  readonly version: string
  readonly creationTimestamp: number
  readonly lastUpdatedTimestamp: number
  readonly userId?: string | undefined
  readonly currentStage: ModelVersionStage
  readonly description?: string | undefined
  /** Where the model was registered from, as given (`runs:/…`, `models:/<model_id>`, `mlflow-artifacts:/…`). */
  readonly source: string
  readonly runId?: string | undefined
  readonly runLink?: string | undefined
  readonly modelId?: string | undefined
  readonly status: ModelVersionStatus
  readonly statusMessage?: string | undefined
  readonly tags: readonly Tag[]
  readonly aliases: readonly string[]
}

/** What the audit trail records. */
export const REGISTRY_EVENT_KINDS = [
  'registered_model_created',
  'registered_model_renamed',
  'registered_model_deleted',
  'model_version_created',
  'model_version_deleted',
  'stage_transition',
  'alias_set',
  'alias_deleted',
  'alias_protected',
  'alias_unprotected',
  'alias_change_requested',
  'alias_change_approved',
  'alias_change_rejected',
  'alias_change_cancelled',
] as const
export type RegistryEventKind = (typeof REGISTRY_EVENT_KINDS)[number]

/**
 * One entry of the registry's audit trail: who did what, when, from what to what. For a stage
 * transition `from`/`to` are stages; for an alias move they are versions (absent when the alias
 * did not exist or was removed); for a rename they are the old and new names.
 */
export interface RegistryEvent {
  readonly eventId: string
  readonly timestamp: number
  readonly actor: string
  readonly kind: RegistryEventKind
  readonly name: string
  readonly version?: string | undefined
  readonly alias?: string | undefined
  readonly from?: string | undefined
  readonly to?: string | undefined
  readonly comment?: string | undefined
  /** The change request an event belongs to (protected aliases). */
  readonly requestId?: string | undefined
}

/**
 * What a model version was made of, captured when it was registered: "model v3 = code abc123 +
 * data v2.3 + these params". Later edits to the run do not change it.
 */
export interface ModelVersionLineage {
  readonly name: string
  readonly version: string
  readonly capturedAt: number
  readonly source: string
  readonly runId?: string | undefined
  readonly experimentId?: string | undefined
  readonly modelId?: string | undefined
  readonly git?:
    | {
        readonly commit?: string | undefined
        readonly branch?: string | undefined
        readonly repoUrl?: string | undefined
        readonly dirty?: boolean | undefined
      }
    | undefined
  /** The run's entry point (`mlflow.source.name`). */
  readonly entryPoint?: string | undefined
  readonly datasets: readonly DatasetInput[]
  readonly params: readonly Param[]
  /** The latest value of each of the run's metrics (and the logged model's) at registration. */
  readonly metrics: readonly Metric[]
}
