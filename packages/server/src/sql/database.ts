/**
 * The tables of keel's SQL store, as Kysely sees them. Times are epoch milliseconds; booleans are
 * 0/1 integers (SQLite has no boolean); ids are text except experiments' integer ids, which MLflow
 * exposes as strings.
 */
import type { ColumnType, Generated, Kysely } from 'kysely'
import type { DialectOps } from './dialect.js'

type Int64 = ColumnType<number, number | bigint, number | bigint>

export interface ExperimentsTable {
  experiment_id: Generated<number>
  name: string
  artifact_location: string
  lifecycle_stage: string
  creation_time: Int64
  last_update_time: Int64
}

export interface KeyValueTable {
  key: string
  value: string
}

export interface ExperimentTagsTable extends KeyValueTable {
  experiment_id: number
}

export interface RunsTable {
  run_uuid: string
  name: string
  experiment_id: number
  user_id: string
  status: string
  start_time: Int64
  end_time: Int64 | null
  lifecycle_stage: string
  artifact_uri: string
  deleted_time: Int64 | null
}

export interface RunKeyValueTable extends KeyValueTable {
  run_uuid: string
}

export interface MetricsTable {
  run_uuid: string
  key: string
  value: number
  is_nan: number
  timestamp: Int64
  step: Int64
  model_id: string | null
  dataset_name: string | null
  dataset_digest: string | null
}

/** The latest point of each (run, key): the same columns as the history. */
export type LatestMetricsTable = MetricsTable

export interface DatasetsTable {
  dataset_uuid: string
  experiment_id: number
  name: string
  digest: string
  source_type: string
  source: string
  schema: string | null
  profile: string | null
}

export interface RunDatasetInputsTable {
  run_uuid: string
  dataset_uuid: string
  /** The input's tags (e.g. mlflow.data.context) as a JSON array of {key,value}. */
  tags: string
  /** The `mlflow.data.context` tag (e.g. "training"), which filters match on. */
  context: string | null
}

export interface RunModelIoTable {
  run_uuid: string
  model_id: string
  /** 'input' or 'output'. */
  direction: string
  step: Int64
}

export interface LoggedModelsTable {
  model_id: string
  experiment_id: number
  name: string
  artifact_location: string
  creation_timestamp_ms: Int64
  last_updated_timestamp_ms: Int64
  status: string
  status_message: string | null
  lifecycle_stage: string
  model_type: string | null
  source_run_id: string | null
  creator_id: string | null
}

export interface LoggedModelKeyValueTable extends KeyValueTable {
  model_id: string
}

export interface LoggedModelMetricsTable {
  model_id: string
  key: string
  value: number
  is_nan: number
  timestamp: Int64
  step: Int64
  run_id: string | null
  dataset_name: string | null
  dataset_digest: string | null
}

export interface RegisteredModelsTable {
  name: string
  creation_time: Int64
  last_updated_time: Int64
  description: string | null
  user_id: string | null
}

export interface RegisteredModelTagsTable extends KeyValueTable {
  name: string
}

export interface ModelVersionsTable {
  name: string
  version: number
  creation_time: Int64
  last_updated_time: Int64
  description: string | null
  user_id: string | null
  /** MLflow's stage names, or `Deleted_Internal` for a deleted version (its number stays taken). */
  current_stage: string
  source: string
  storage_location: string
  run_id: string | null
  run_link: string | null
  model_id: string | null
  status: string
  status_message: string | null
  /** JSON of the lineage captured at registration. */
  lineage: string
}

export interface ModelVersionTagsTable extends KeyValueTable {
  name: string
  version: number
}

export interface RegisteredModelAliasesTable {
  name: string
  alias: string
  version: number
}

export interface RegistryEventsTable {
  event_id: Generated<number>
  timestamp: Int64
  actor: string
  kind: string
  name: string
  version: number | null
  alias: string | null
  from_value: string | null
  to_value: string | null
  comment: string | null
  /** 0008: the alias change request an event belongs to */
  request_id: number | null
}

/** 0008: protected aliases. */
export interface AliasProtectionsTable {
  name: string
  alias: string
  require_approval: number
  protected_by: string
  protected_time: Int64
}

/** 0008: requests to move protected aliases. */
export interface AliasChangeRequestsTable {
  request_id: Generated<number>
  name: string
  alias: string
  version: number | null
  requested_by: string
  requested_time: Int64
  comment: string | null
  status: string
  decided_by: string | null
  decided_time: Int64 | null
  decision_comment: string | null
}

export interface Database {
  experiments: ExperimentsTable
  experiment_tags: ExperimentTagsTable
  runs: RunsTable
  tags: RunKeyValueTable
  params: RunKeyValueTable
  metrics: MetricsTable
  latest_metrics: LatestMetricsTable
  datasets: DatasetsTable
  run_dataset_inputs: RunDatasetInputsTable
  run_model_io: RunModelIoTable
  logged_models: LoggedModelsTable
  logged_model_tags: LoggedModelKeyValueTable
  logged_model_params: LoggedModelKeyValueTable
  logged_model_metrics: LoggedModelMetricsTable
  registered_models: RegisteredModelsTable
  registered_model_tags: RegisteredModelTagsTable
  model_versions: ModelVersionsTable
  model_version_tags: ModelVersionTagsTable
  registered_model_aliases: RegisteredModelAliasesTable
  registry_events: RegistryEventsTable
  registered_model_alias_protections: AliasProtectionsTable
  alias_change_requests: AliasChangeRequestsTable
}

/** An open database: the query builder over keel's tables and what differs in its dialect. */
export interface SqlDatabase {
  readonly db: Kysely<Database>
  readonly ops: DialectOps
  /** A short description for logs, e.g. `sqlite:/abs/path/keel.db` (passwords hidden). */
  readonly description: string
  close(): Promise<void>
}
