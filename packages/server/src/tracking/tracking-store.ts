/**
 * The tracking store contract: what any backend (SQL today, others later) must do. Stores persist
 * and enforce what must be atomic (param immutability, uniqueness); validation of user input and
 * MLflow's defaults live in the services. Every implementation runs the conformance suite in
 * test/conformance/.
 */
import type {
  Dataset,
  Experiment,
  LoggedModel,
  LoggedModelStatus,
  Metric,
  ModelOutput,
  Param,
  Run,
  RunInfo,
  RunStatus,
  Tag,
  ViewType,
} from '@keel/contracts'
import type { FilterExpr, OrderByClause } from '../search/index.js'

export interface PageRequest {
  readonly offset: number
  readonly limit: number
}

export interface PageResult<T> {
  readonly items: readonly T[]
  readonly hasMore: boolean
}

export interface SearchQuery extends PageRequest {
  readonly filter?: FilterExpr
  readonly orderBy: readonly OrderByClause[]
  readonly viewType: ViewType
}

export interface NewExperiment {
  readonly name: string
  /** Where the experiment's artifacts go; computed from the new id when absent. */
  readonly artifactLocation: string | ((experimentId: string) => string)
  readonly tags: readonly Tag[]
  readonly time: number
}

export interface ExperimentStore {
  /** Throws RESOURCE_ALREADY_EXISTS when the name is taken (by a deleted experiment too). */
  create(input: NewExperiment): Promise<string>
  get(experimentId: string): Promise<Experiment | undefined>
  getByName(name: string): Promise<Experiment | undefined>
  search(query: SearchQuery): Promise<PageResult<Experiment>>
  /** Deleting an experiment deletes its active runs; restoring it restores those runs. */
  setLifecycle(experimentId: string, stage: 'active' | 'deleted', time: number): Promise<void>
  rename(experimentId: string, newName: string, time: number): Promise<void>
  setTag(experimentId: string, tag: Tag): Promise<void>
  deleteTag(experimentId: string, key: string): Promise<void>
  /**
   * The distinct param, metric and tag keys of the experiment's active runs, each sorted; without
   * loading the runs (the UI's column picker over 100,000 runs). Throws RESOURCE_DOES_NOT_EXIST
   * for an unknown experiment.
   */
  keys(experimentId: string): Promise<ExperimentKeys>
}

export interface ExperimentKeys {
  readonly params: readonly string[]
  readonly metrics: readonly string[]
  readonly tags: readonly string[]
}

export interface NewRun {
  readonly runId: string
  readonly experimentId: string
  readonly name: string
  readonly userId: string
  readonly startTime: number
  readonly artifactUri: string
  readonly tags: readonly Tag[]
}

export interface RunBatch {
  readonly metrics: readonly Metric[]
  readonly params: readonly Param[]
  readonly tags: readonly Tag[]
}

export interface RunSearchQuery extends SearchQuery {
  readonly experimentIds: readonly string[]
}

export interface DatasetInputRecord {
  readonly dataset: Dataset
  readonly tags: readonly Tag[]
}

export interface RunStore {
  create(input: NewRun): Promise<Run>
  get(runId: string): Promise<Run | undefined>
  getInfo(runId: string): Promise<RunInfo | undefined>
  update(runId: string, changes: { status?: RunStatus; endTime?: number; runName?: string }): Promise<RunInfo>
  setLifecycle(runId: string, stage: 'active' | 'deleted', time: number): Promise<void>
  /**
   * Writes metrics, params and tags atomically. Re-logging an identical metric point is a no-op
   * (client retries); a param logged again with a different value fails with
   * INVALID_PARAMETER_VALUE and nothing of the batch is written.
   */
  logBatch(runId: string, batch: RunBatch): Promise<void>
  deleteTag(runId: string, key: string): Promise<void>
  logInputs(runId: string, datasets: readonly DatasetInputRecord[], modelIds: readonly string[]): Promise<void>
  logOutputs(runId: string, models: readonly ModelOutput[]): Promise<void>
  /** Values of one metric in (timestamp, step, value) order. */
  metricHistory(runId: string, key: string, page: PageRequest): Promise<PageResult<Metric>>
  /** Values of one metric of several runs with steps in [startStep, endStep], by run then step. */
  metricHistoryByStep(
    runIds: readonly string[],
    key: string,
    range: { startStep?: number; endStep?: number },
  ): Promise<Metric[]>
  search(query: RunSearchQuery): Promise<PageResult<Run>>
}

export interface NewLoggedModel {
  readonly modelId: string
  readonly experimentId: string
  readonly name: string
  readonly artifactLocation: string
  readonly time: number
  readonly modelType?: string
  readonly sourceRunId?: string
  readonly creatorId?: string
  readonly params: readonly Param[]
  readonly tags: readonly Tag[]
}

/** A search-logged-models order term; a metric may be read on one dataset only (MLflow's structured order_by). */
export interface LoggedModelOrderByClause extends OrderByClause {
  readonly datasetName?: string
  readonly datasetDigest?: string
}

export interface LoggedModelSearchQuery extends SearchQuery {
  readonly experimentIds: readonly string[]
  /** Metric filters read only metrics logged on these datasets; if given, models without any such metric are left out. */
  readonly datasets: readonly { name: string; digest?: string }[]
  readonly orderBy: readonly LoggedModelOrderByClause[]
}

/**
 * Logged models (MLflow 3). `get` and `search` see active models only unless asked otherwise; the
 * writes apply to deleted models too, as MLflow's do, and throw RESOURCE_DOES_NOT_EXIST for an
 * unknown id. Metrics arrive through RunStore.logBatch (metrics that carry a model id).
 */
export interface LoggedModelStore {
  /** Creates the model as LOGGED_MODEL_PENDING and active, with its params and tags. */
  create(input: NewLoggedModel): Promise<LoggedModel>
  get(modelId: string, options?: { allowDeleted?: boolean }): Promise<LoggedModel | undefined>
  setStatus(modelId: string, status: LoggedModelStatus, time: number): Promise<void>
  /** Soft delete: the model's lifecycle stage becomes 'deleted'. */
  delete(modelId: string, time: number): Promise<void>
  /** Upserts; the last value of a key repeated in `tags` wins. */
  setTags(modelId: string, tags: readonly Tag[], time: number): Promise<void>
  /** Throws RESOURCE_DOES_NOT_EXIST when the model has no such tag. */
  deleteTag(modelId: string, key: string): Promise<void>
  /** Upserts: logging a key again replaces its value (unlike run params). */
  logParams(modelId: string, params: readonly Param[]): Promise<void>
  search(query: LoggedModelSearchQuery): Promise<PageResult<LoggedModel>>
}

export interface TrackingStore {
  readonly experiments: ExperimentStore
  readonly runs: RunStore
  readonly loggedModels: LoggedModelStore
  /** Creates experiment "0" ("Default") if it does not exist; MLflow clients fall back to it. */
  ensureDefaultExperiment(artifactLocation: string): Promise<void>
  /** `SqlStore`, for /server-info. */
  readonly kind: string
  close(): Promise<void>
}
