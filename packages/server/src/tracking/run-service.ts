import { randomUUID } from 'node:crypto'
import type { Readable as ByteStream } from 'node:stream'
import {
  KeelError,
  LIMITS,
  type Dataset,
  type FileInfo,
  type KeyValue,
  type Metric,
  type ModelOutput,
  type Page,
  type Run,
  type RunInfo,
  type RunStatus,
  type Tag,
  type ViewType,
} from '@keel/contracts'
import { joinArtifactPath, type ArtifactLocations } from '../artifacts/artifact-locations.js'
import { normalizeArtifactPath } from '../artifacts/safe-path.js'
import { RUN_SEARCH, type Readable, parseFilter, parseOrderBy, readableIds } from '../search/index.js'
import { requireActiveExperiment } from './experiment-service.js'
import { validateMaxResults } from '../paging/max-results.js'
import { decodePageToken, toPage } from '../paging/page-token.js'
import { generateRunName } from './run-names.js'
import type { RunBatch, TrackingStore } from './tracking-store.js'
import {
  fitValue,
  validateBatchLimits,
  validateKey,
  validateMetrics,
  validateNoNul,
  validateUniqueKeys,
  validateUniqueParamKeys,
} from './validation.js'

export interface NewRunRequest {
  readonly experimentId?: string
  readonly userId?: string
  readonly runName?: string
  readonly startTime?: number
  readonly tags?: readonly Tag[]
}

export interface RunSearch {
  readonly experimentIds: readonly string[]
  readonly filter?: string
  readonly orderBy?: readonly string[]
  readonly viewType?: ViewType
  readonly maxResults?: number
  readonly pageToken?: string
  /** The experiments the caller may read (auth): others among experimentIds are left out, as in MLflow. */
  readonly readable?: Readable
}

export interface DatasetInputRequest {
  readonly dataset: Dataset
  readonly tags: readonly Tag[]
}

const RUN_NAME_TAG = 'mlflow.runName'
const USER_TAG = 'mlflow.user'
const LOG_MODEL_HISTORY_TAG = 'mlflow.log-model.history'

export class RunService {
  constructor(
    private readonly store: TrackingStore,
    private readonly artifacts: ArtifactLocations,
    private readonly now: () => number = Date.now,
  ) {}

  async create(request: NewRunRequest): Promise<Run> {
    const experimentId = request.experimentId || '0'
    const experiment = await requireActiveExperiment(this.store, experimentId)
    const tags = this.cleanTags(request.tags ?? [])
    validateUniqueKeys(tags, 'tag')
    if (request.runName) validateNoNul(request.runName, 'run_name')
    const tagName = tags.find((t) => t.key === RUN_NAME_TAG)?.value
    if (request.runName && tagName && request.runName !== tagName) {
      throw KeelError.invalid(
        `Both 'run_name' argument and 'mlflow.runName' tag are specified, but with different values (run_name='${request.runName}', mlflow.runName='${tagName}').`,
      )
    }
    const name = request.runName || tagName || generateRunName()
    const userId = request.userId || tags.find((t) => t.key === USER_TAG)?.value || 'unknown'
    const runId = randomUUID().replaceAll('-', '')
    return this.store.runs.create({
      runId,
      experimentId,
      name,
      userId,
      startTime: request.startTime ?? this.now(),
      artifactUri: `${experiment.artifactLocation.replace(/\/+$/, '')}/${runId}/artifacts`,
      tags: tagName ? tags : [...tags, { key: RUN_NAME_TAG, value: name }],
    })
  }

  async get(runId: string): Promise<Run> {
    const run = await this.store.runs.get(runId)
    if (!run) throw KeelError.notFound(`Run with id=${runId} not found`)
    return run
  }

  async getInfo(runId: string): Promise<RunInfo> {
    const info = await this.store.runs.getInfo(runId)
    if (!info) throw KeelError.notFound(`Run with id=${runId} not found`)
    return info
  }

  async update(runId: string, changes: { status?: RunStatus; endTime?: number; runName?: string }): Promise<RunInfo> {
    if (changes.runName !== undefined) validateNoNul(changes.runName, 'run_name')
    if (changes.endTime !== undefined && changes.endTime < 0) {
      throw KeelError.invalid(
        `Invalid value ${changes.endTime} for parameter 'end_time' supplied: it must be non-negative`,
      )
    }
    return this.store.runs.update(runId, changes)
  }

  async delete(runId: string): Promise<void> {
    await this.store.runs.setLifecycle(runId, 'deleted', this.now())
  }

  async restore(runId: string): Promise<void> {
    await this.store.runs.setLifecycle(runId, 'active', this.now())
  }

  /** The narrow waist: every metric, param and tag write goes through here. */
  async logBatch(runId: string, batch: RunBatch): Promise<void> {
    validateBatchLimits(batch.metrics.length, batch.params.length, batch.tags.length)
    validateMetrics(batch.metrics)
    batch.params.forEach((p) => {
      validateKey(p.key, 'param')
    })
    validateUniqueParamKeys(batch.params)
    await this.store.runs.logBatch(runId, {
      metrics: batch.metrics,
      params: batch.params.map((p) => ({ key: p.key, value: fitValue(p.value, LIMITS.paramValueLength) })),
      tags: this.cleanTags(batch.tags),
    })
  }

  logMetric(runId: string, metric: Metric): Promise<void> {
    return this.logBatch(runId, { metrics: [metric], params: [], tags: [] })
  }

  logParam(runId: string, param: KeyValue): Promise<void> {
    return this.logBatch(runId, { metrics: [], params: [param], tags: [] })
  }

  setTag(runId: string, tag: Tag): Promise<void> {
    return this.logBatch(runId, { metrics: [], params: [], tags: [tag] })
  }

  async deleteTag(runId: string, key: string): Promise<void> {
    await this.store.runs.deleteTag(runId, key)
  }

  async logInputs(runId: string, datasets: readonly DatasetInputRequest[], modelIds: readonly string[]): Promise<void> {
    if (datasets.length > LIMITS.datasetsPerLogInputs) {
      throw KeelError.invalid(
        `Minimum number of datasets exceeded: at most ${LIMITS.datasetsPerLogInputs} per request, got ${datasets.length}`,
      )
    }
    for (const { dataset, tags } of datasets) validateDatasetInput(dataset, tags)
    await this.store.runs.logInputs(runId, datasets, modelIds)
  }

  async logOutputs(runId: string, models: readonly ModelOutput[]): Promise<void> {
    await this.store.runs.logOutputs(runId, models)
  }

  /** MLflow 2.x clients record each logged model in a JSON-list tag. */
  async logModel(runId: string, modelJson: string): Promise<void> {
    let model: unknown
    try {
      model = JSON.parse(modelJson)
    } catch {
      throw KeelError.invalid("Malformed model info. 'model_json' is not valid JSON")
    }
    const required = ['artifact_path', 'flavors', 'utc_time_created', 'run_id']
    const missing = required.filter((k) => typeof model !== 'object' || model === null || !(k in model))
    if (missing.length > 0) throw KeelError.invalid(`Model json is missing mandatory fields: [${missing.join(', ')}]`)
    const run = await this.get(runId)
    const history = run.data.tags.find((t) => t.key === LOG_MODEL_HISTORY_TAG)?.value
    const list: unknown[] = history ? (JSON.parse(history) as unknown[]) : []
    list.push(model)
    await this.setTag(runId, { key: LOG_MODEL_HISTORY_TAG, value: JSON.stringify(list) })
  }

  async metricHistory(
    runId: string,
    key: string,
    options: { maxResults?: number; pageToken?: string },
  ): Promise<Page<Metric>> {
    await this.getInfo(runId)
    const offset = decodePageToken(options.pageToken)
    const limit =
      options.maxResults === undefined
        ? Number.MAX_SAFE_INTEGER
        : validateMaxResults(options.maxResults, 0, Number.MAX_SAFE_INTEGER)
    const result = await this.store.runs.metricHistory(runId, key, { offset, limit: Math.min(limit, 1_000_000_000) })
    return toPage(result.items, offset, result.hasMore)
  }

  /**
   * Up to `maxResults` points per run (default and limit 2,500, as MLflow's), sampled evenly over
   * the run's points in range, its first and last kept (charts). Checked and worded as MLflow's
   * handler and store check it: the range's two ends together and in order (a run it does not
   * know has no points, as in MLflow).
   */
  async metricHistoryBulkInterval(
    runIds: readonly string[],
    key: string,
    range: { startStep?: number; endStep?: number; maxResults?: number },
  ): Promise<Metric[]> {
    if (runIds.length === 0) throw KeelError.invalid("Missing value for required parameter 'run_ids'.")
    if (runIds.length > LIMITS.bulkHistoryMaxRuns) {
      throw KeelError.invalid(
        `GetMetricHistoryBulkInterval request must specify at most ${LIMITS.bulkHistoryMaxRuns} run_ids. Received ${runIds.length} run_ids.`,
      )
    }
    const max = LIMITS.bulkHistoryMaxResults
    const maxResults = range.maxResults ?? max
    if (!Number.isInteger(maxResults) || maxResults < 1 || maxResults > max) {
      throw KeelError.invalid(`max_results must be between 1 and ${max}.`)
    }
    const { startStep, endStep } = range
    if ((startStep === undefined) !== (endStep === undefined)) {
      throw KeelError.invalid('If either start step or end step are specified, both must be specified.')
    }
    if (startStep !== undefined && endStep !== undefined && startStep > endStep) {
      throw KeelError.invalid(
        `end_step must be greater than start_step. Found start_step=${startStep} and end_step=${endStep}.`,
      )
    }
    const points = await this.store.runs.metricHistoryByStep(runIds, key, range)
    const byRun = new Map<string, Metric[]>()
    for (const p of points) {
      const list = byRun.get(p.runId!) ?? []
      list.push(p)
      byRun.set(p.runId!, list)
    }
    return runIds.flatMap((id) => samplePoints(byRun.get(id) ?? [], maxResults))
  }

  async search(query: RunSearch): Promise<Page<Run>> {
    const limit = validateMaxResults(query.maxResults, LIMITS.searchRunsDefaultMaxResults, LIMITS.searchRunsMaxResults)
    const offset = decodePageToken(query.pageToken)
    const filter = parseFilter(query.filter, RUN_SEARCH)
    const experimentIds = readableIds(query.experimentIds, query.readable)
    if (experimentIds.length === 0 && query.experimentIds.length > 0) return { items: [] }
    const result = await this.store.runs.search({
      experimentIds,
      ...(filter ? { filter } : {}),
      orderBy: parseOrderBy(query.orderBy, RUN_SEARCH),
      viewType: query.viewType ?? 'ACTIVE_ONLY',
      offset,
      limit,
    })
    return toPage(result.items, offset, result.hasMore)
  }

  async listArtifacts(runId: string, path: string | undefined): Promise<{ rootUri: string; files: FileInfo[] }> {
    const info = await this.getInfo(runId)
    const location = this.artifacts.resolve(info.artifactUri)
    const base = joinArtifactPath(location.path, path)
    const prefix = path ? `${path.replace(/\/+$/, '')}/` : ''
    const files = (await location.repo.list(base)).map((f) => ({ ...f, path: `${prefix}${f.path}` }))
    return { rootUri: info.artifactUri, files }
  }

  /**
   * One file of the run's artifacts, `path` relative to the run's artifact root (MLflow's
   * `/get-artifact`). The path passes the artifact store's gate: nothing outside the run's root.
   */
  async openArtifact(runId: string, path: string | undefined): Promise<{ stream: ByteStream; size: number }> {
    if (!path) throw KeelError.invalid("Missing value for required parameter 'path'.")
    const relative = normalizeArtifactPath(path)
    if (relative === '') throw KeelError.invalid(`Artifact path refers to a directory, not a file: '${path}'`)
    const info = await this.getInfo(runId)
    const location = this.artifacts.resolve(info.artifactUri)
    return location.repo.get(joinArtifactPath(location.path, relative))
  }

  private cleanTags(tags: readonly Tag[]): Tag[] {
    return tags.map((t) => {
      validateKey(t.key, 'tag')
      // The run's name is kept in this tag: a name never holds NUL.
      if (t.key === RUN_NAME_TAG) validateNoNul(t.value, 'tags.mlflow.runName')
      return { key: t.key, value: fitValue(t.value, LIMITS.tagValueLength) }
    })
  }
}

function validateDatasetInput(dataset: Dataset, tags: readonly Tag[]): void {
  const checks: [string, string | undefined, number][] = [
    ['name', dataset.name, LIMITS.datasetNameLength],
    ['digest', dataset.digest, LIMITS.datasetDigestLength],
    ['source', dataset.source, LIMITS.datasetSourceLength],
    ['schema', dataset.schema, LIMITS.datasetSchemaLength],
    ['profile', dataset.profile, LIMITS.datasetProfileLength],
  ]
  for (const [field, value, limit] of checks) {
    if (value !== undefined && value.length > limit) {
      throw KeelError.invalid(`Dataset ${field} exceeds the maximum length of ${limit} (got ${value.length})`)
    }
  }
  if (dataset.name === '' || dataset.digest === '') throw KeelError.invalid('A dataset needs a name and a digest')
  validateNoNul(dataset.name, 'datasets.dataset.name')
  for (const t of tags) {
    validateNoNul(t.key, 'datasets.tags.key')
    if (t.key.length > LIMITS.inputTagKeyLength || t.value.length > LIMITS.inputTagValueLength) {
      throw KeelError.invalid(
        `Dataset input tag '${t.key.slice(0, 40)}' exceeds the limits (key ${LIMITS.inputTagKeyLength}, value ${LIMITS.inputTagValueLength})`,
      )
    }
  }
}

/**
 * MLflow's sample of a run's points (`_sample_metric_history_single_run` of its SQL store), on
 * points in (step, timestamp, value, is_nan) order: NTILE(maxResults) buckets, the first point of
 * each, and the last point in place of the final sample, so a chart keeps both ends (with
 * maxResults 1, only the last point). Fewer points than maxResults: all of them.
 */
export function samplePoints<T>(points: readonly T[], maxResults: number): T[] {
  const n = points.length
  if (n <= maxResults) return [...points]
  // NTILE(maxResults): the first n mod maxResults buckets hold one point more than the rest.
  const size = Math.floor(n / maxResults)
  const larger = n % maxResults
  const out: T[] = []
  for (let b = 0; b < maxResults; b++) {
    out.push(points[b < larger ? b * (size + 1) : larger * (size + 1) + (b - larger) * size]!)
  }
  out[out.length - 1] = points[n - 1]!
  return out
}
