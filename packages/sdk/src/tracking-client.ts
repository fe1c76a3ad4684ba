/**
 * `TrackingClient`: MLflow's `MlflowClient` in TypeScript, one method per tracking endpoint. It takes
 * and returns camelCase entities of `@keel/contracts`; the snake_case wire stays inside.
 */
import {
  type DatasetInput,
  type Experiment,
  type FileInfo,
  KeelError,
  LIMITS,
  type LoggedModel,
  type LoggedModelStatus,
  type Metric,
  type ModelInput,
  type ModelOutput,
  type Page,
  type Run,
  type RunInfo,
  datasetToWire,
  experimentFromWire,
  fileInfoFromWire,
  loggedModelFromWire,
  metricFromWire,
  metricToWire,
  runFromWire,
  runInfoFromWire,
  trackingApi as api,
} from '@keel/contracts'
import { splitBatch } from './batch.js'
import { HttpClient, type HttpOptions } from './http.js'
import {
  type LogBatchInput,
  type ParamValue,
  type ParamsInput,
  type TagsInput,
  toKeyValues,
  toMetric,
} from './inputs.js'
import type {
  CreateLoggedModelOptions,
  CreateRunOptions,
  LogMetricOptions,
  MetricHistoryIntervalOptions,
  SearchExperimentsOptions,
  SearchLoggedModelsOptions,
  SearchRunsOptions,
  ServerInfo,
  UpdateRunOptions,
} from './tracking-options.js'

const page = <W, T>(items: readonly W[] | undefined, convert: (w: W) => T, token?: string): Page<T> =>
  token ? { items: (items ?? []).map(convert), nextPageToken: token } : { items: (items ?? []).map(convert) }

export class TrackingClient {
  readonly http: HttpClient

  /** Takes HTTP options (tracking URI, auth, retries, timeouts) or an existing `HttpClient`. */
  constructor(options: HttpOptions | HttpClient = {}) {
    this.http = options instanceof HttpClient ? options : new HttpClient(options)
  }

  // ---- experiments ----

  /** Creates an experiment and returns its id. */
  async createExperiment(name: string, options: { artifactLocation?: string; tags?: TagsInput } = {}): Promise<string> {
    const tags = toKeyValues(options.tags)
    const res = await this.http.call(api.createExperiment, {
      name,
      artifact_location: options.artifactLocation,
      ...(tags.length > 0 && { tags }),
    })
    return res.experiment_id
  }

  async getExperiment(experimentId: string): Promise<Experiment> {
    return experimentFromWire((await this.http.call(api.getExperiment, { experiment_id: experimentId })).experiment)
  }

  /** The experiment of that name, deleted ones included; undefined when there is none. */
  async getExperimentByName(name: string): Promise<Experiment | undefined> {
    try {
      return experimentFromWire((await this.http.call(api.getExperimentByName, { experiment_name: name })).experiment)
    } catch (error) {
      if (error instanceof KeelError && error.code === 'RESOURCE_DOES_NOT_EXIST') return undefined
      throw error
    }
  }

  async searchExperiments(options: SearchExperimentsOptions = {}): Promise<Page<Experiment>> {
    const { filter, maxResults, orderBy, viewType, pageToken } = options
    const res = await this.http.call(api.searchExperiments, {
      filter,
      max_results: maxResults,
      order_by: orderBy && [...orderBy],
      view_type: viewType,
      page_token: pageToken,
    })
    return page(res.experiments, experimentFromWire, res.next_page_token)
  }

  async deleteExperiment(experimentId: string): Promise<void> {
    await this.http.call(api.deleteExperiment, { experiment_id: experimentId })
  }

  async restoreExperiment(experimentId: string): Promise<void> {
    await this.http.call(api.restoreExperiment, { experiment_id: experimentId })
  }

  async renameExperiment(experimentId: string, newName: string): Promise<void> {
    await this.http.call(api.updateExperiment, { experiment_id: experimentId, new_name: newName })
  }

  async setExperimentTag(experimentId: string, key: string, value: string): Promise<void> {
    await this.http.call(api.setExperimentTag, { experiment_id: experimentId, key, value })
  }

  async deleteExperimentTag(experimentId: string, key: string): Promise<void> {
    await this.http.call(api.deleteExperimentTag, { experiment_id: experimentId, key })
  }

  // ---- runs ----

  async createRun(options: CreateRunOptions = {}): Promise<Run> {
    const tags = toKeyValues(options.tags)
    const res = await this.http.call(api.createRun, {
      experiment_id: options.experimentId,
      user_id: options.userId ?? tags.find((t) => t.key === 'mlflow.user')?.value,
      run_name: options.runName,
      start_time: options.startTime ?? Date.now(),
      tags,
    })
    return runFromWire(res.run)
  }

  async getRun(runId: string): Promise<Run> {
    return runFromWire((await this.http.call(api.getRun, { run_id: runId })).run)
  }

  async updateRun(runId: string, options: UpdateRunOptions): Promise<RunInfo> {
    const { status, endTime, runName } = options
    const res = await this.http.call(api.updateRun, { run_id: runId, status, end_time: endTime, run_name: runName })
    return runInfoFromWire(res.run_info)
  }

  async deleteRun(runId: string): Promise<void> {
    await this.http.call(api.deleteRun, { run_id: runId })
  }

  async restoreRun(runId: string): Promise<void> {
    await this.http.call(api.restoreRun, { run_id: runId })
  }

  /** One page of runs; see `searchAllRuns` to walk every page. */
  async searchRuns(options: SearchRunsOptions): Promise<Page<Run>> {
    const { experimentIds, filter, runViewType, maxResults, orderBy, pageToken } = options
    const res = await this.http.call(api.searchRuns, {
      experiment_ids: [...experimentIds],
      filter,
      run_view_type: runViewType,
      max_results: maxResults,
      order_by: orderBy && [...orderBy],
      page_token: pageToken,
    })
    return page(res.runs, runFromWire, res.next_page_token)
  }

  /** Every page of a search, in order: `for await (const { items } of client.searchAllRuns(q))`. */
  async *searchAllRuns(options: Omit<SearchRunsOptions, 'pageToken'>): AsyncGenerator<Page<Run>, void, undefined> {
    let pageToken: string | undefined
    do {
      const result = await this.searchRuns({ ...options, ...(pageToken !== undefined && { pageToken }) })
      yield result
      pageToken = result.nextPageToken
    } while (pageToken)
  }

  /** Logs any number of metrics, params and tags, in as many log-batch requests as the limits need. */
  async logBatch(runId: string, input: LogBatchInput): Promise<void> {
    const now = Date.now()
    const batch = {
      metrics: (input.metrics ?? []).map((m) => toMetric(m, now)),
      params: toKeyValues(input.params),
      tags: toKeyValues(input.tags),
    }
    for (const chunk of splitBatch(batch)) {
      await this.http.call(api.logBatch, {
        run_id: runId,
        metrics: chunk.metrics.map(metricToWire),
        params: [...chunk.params],
        tags: [...chunk.tags],
      })
    }
  }

  async logMetric(runId: string, key: string, value: number, options: LogMetricOptions = {}): Promise<void> {
    const {
      step,
      timestamp,
      model_id,
      dataset_name,
      dataset_digest,
      value: wireValue,
    } = metricToWire(toMetric({ key, value, ...options }))
    await this.http.call(api.logMetric, {
      run_id: runId,
      key,
      value: wireValue,
      timestamp,
      step,
      model_id,
      dataset_name,
      dataset_digest,
    })
  }

  async logParam(runId: string, key: string, value: ParamValue): Promise<void> {
    await this.http.call(api.logParam, { run_id: runId, key, value: String(value) })
  }

  async setTag(runId: string, key: string, value: string): Promise<void> {
    await this.http.call(api.setTag, { run_id: runId, key, value })
  }

  async deleteTag(runId: string, key: string): Promise<void> {
    await this.http.call(api.deleteTag, { run_id: runId, key })
  }

  /** Records the datasets (and models) a run used. */
  async logInputs(runId: string, datasets: readonly DatasetInput[], models: readonly ModelInput[] = []): Promise<void> {
    await this.http.call(api.logInputs, {
      run_id: runId,
      datasets: datasets.map((d) => ({ tags: toKeyValues(d.tags), dataset: datasetToWire(d.dataset) })),
      ...(models.length > 0 && { models: models.map((m) => ({ model_id: m.modelId })) }),
    })
  }

  /** Records the models a run produced. */
  async logOutputs(runId: string, models: readonly ModelOutput[]): Promise<void> {
    await this.http.call(api.logOutputs, {
      run_id: runId,
      models: models.map((m) => ({ model_id: m.modelId, step: m.step })),
    })
  }

  /** Records an MLflow 2.x `MLmodel` description (legacy `log-model`). */
  async logModel(runId: string, model: Readonly<Record<string, unknown>>): Promise<void> {
    await this.http.call(api.logModel, { run_id: runId, model_json: JSON.stringify(model) })
  }

  /** Every value of one metric of a run (all pages). */
  async getMetricHistory(runId: string, key: string): Promise<Metric[]> {
    const metrics: Metric[] = []
    let pageToken: string | undefined
    do {
      const res = await this.http.call(api.getMetricHistory, {
        run_id: runId,
        metric_key: key,
        max_results: LIMITS.metricHistoryMaxResults,
        page_token: pageToken,
      })
      for (const m of res.metrics ?? []) metrics.push(metricFromWire(m))
      pageToken = res.next_page_token
    } while (pageToken)
    return metrics
  }

  /** Values of one metric over several runs (at most 100), sampled over a step interval. */
  async getMetricHistoryBulkInterval(
    runIds: readonly string[],
    key: string,
    options: MetricHistoryIntervalOptions = {},
  ): Promise<Metric[]> {
    const res = await this.http.call(api.getMetricHistoryBulkInterval, {
      run_ids: [...runIds],
      metric_key: key,
      start_step: options.startStep,
      end_step: options.endStep,
      max_results: options.maxResults,
    })
    return (res.metrics ?? []).map(metricFromWire)
  }

  /** The artifacts of a run directly under `path` (all pages), with paths relative to the run's root. */
  async listArtifacts(runId: string, path?: string): Promise<FileInfo[]> {
    return this.listAll((pageToken) =>
      this.http.call(api.listArtifacts, { run_id: runId, path, page_token: pageToken }),
    )
  }

  // ---- logged models (MLflow 3) ----

  async createLoggedModel(experimentId: string, options: CreateLoggedModelOptions = {}): Promise<LoggedModel> {
    const params = toKeyValues(options.params)
    const res = await this.http.call(api.createLoggedModel, {
      experiment_id: experimentId,
      name: options.name,
      model_type: options.modelType,
      source_run_id: options.sourceRunId,
      params: params.slice(0, LIMITS.paramsPerBatch),
      tags: toKeyValues(options.tags),
    })
    const model = loggedModelFromWire(res.model)
    if (params.length > LIMITS.paramsPerBatch)
      await this.logLoggedModelParams(model.info.modelId, params.slice(LIMITS.paramsPerBatch))
    return model
  }

  /** Marks a logged model `LOGGED_MODEL_READY` (or `LOGGED_MODEL_UPLOAD_FAILED`). */
  async finalizeLoggedModel(modelId: string, status: LoggedModelStatus): Promise<LoggedModel> {
    return loggedModelFromWire((await this.http.call(api.finalizeLoggedModel, { model_id: modelId, status })).model)
  }

  async getLoggedModel(modelId: string, options: { allowDeleted?: boolean } = {}): Promise<LoggedModel> {
    const res = await this.http.call(api.getLoggedModel, { model_id: modelId, allow_deleted: options.allowDeleted })
    return loggedModelFromWire(res.model)
  }

  async deleteLoggedModel(modelId: string): Promise<void> {
    await this.http.call(api.deleteLoggedModel, { model_id: modelId })
  }

  async searchLoggedModels(options: SearchLoggedModelsOptions): Promise<Page<LoggedModel>> {
    const res = await this.http.call(api.searchLoggedModels, {
      experiment_ids: [...options.experimentIds],
      filter: options.filter,
      datasets: options.datasets?.map((d) => ({ dataset_name: d.datasetName, dataset_digest: d.datasetDigest })),
      max_results: options.maxResults,
      order_by: options.orderBy?.map((o) => ({
        field_name: o.fieldName,
        ascending: o.ascending,
        dataset_name: o.datasetName,
        dataset_digest: o.datasetDigest,
      })),
      page_token: options.pageToken,
    })
    return page(res.models, loggedModelFromWire, res.next_page_token)
  }

  async setLoggedModelTags(modelId: string, tags: TagsInput): Promise<void> {
    await this.http.call(api.setLoggedModelTags, { model_id: modelId, tags: toKeyValues(tags) })
  }

  async deleteLoggedModelTag(modelId: string, key: string): Promise<void> {
    await this.http.call(api.deleteLoggedModelTag, { model_id: modelId, tag_key: key })
  }

  /** Logs params of a logged model, in requests of at most 100. */
  async logLoggedModelParams(modelId: string, params: ParamsInput): Promise<void> {
    const all = toKeyValues(params)
    for (let i = 0; i < all.length; i += LIMITS.paramsPerBatch) {
      await this.http.call(api.logLoggedModelParams, {
        model_id: modelId,
        params: all.slice(i, i + LIMITS.paramsPerBatch),
      })
    }
  }

  /** The artifacts of a logged model directly under `path` (all pages). */
  async listLoggedModelArtifacts(modelId: string, path?: string): Promise<FileInfo[]> {
    return this.listAll((pageToken) =>
      this.http.call(api.listLoggedModelArtifacts, {
        model_id: modelId,
        artifact_directory_path: path,
        page_token: pageToken,
      }),
    )
  }

  /** What kind of store the server runs on (`/api/3.0/mlflow/server-info`). */
  async getServerInfo(): Promise<ServerInfo> {
    const res = await this.http.call(api.serverInfo, {})
    return res.store_type == null
      ? { workspacesEnabled: res.workspaces_enabled ?? false }
      : { storeType: res.store_type, workspacesEnabled: res.workspaces_enabled ?? false }
  }

  private async listAll(
    fetchPage: (pageToken?: string) => Promise<{
      files?: Parameters<typeof fileInfoFromWire>[0][] | undefined
      next_page_token?: string | undefined
    }>,
  ): Promise<FileInfo[]> {
    const files: FileInfo[] = []
    let pageToken: string | undefined
    do {
      const res = await fetchPage(pageToken)
      for (const f of res.files ?? []) files.push(fileInfoFromWire(f))
      pageToken = res.next_page_token
    } while (pageToken)
    return files
  }
}
