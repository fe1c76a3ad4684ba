/**
 * MLflow 3's logged models: what `mlflow.<flavor>.log_model` creates, uploads into and finalizes,
 * and what `register_model` searches. Validation and MLflow's defaults live here; the store persists.
 */
import { randomUUID } from 'node:crypto'
import {
  KeelError,
  LIMITS,
  type FileInfo,
  type LoggedModel,
  type LoggedModelStatus,
  type Page,
  type Param,
  type Tag,
} from '@keel/contracts'
import { joinArtifactPath, type ArtifactLocations } from '../artifacts/artifact-locations.js'
import { LOGGED_MODEL_SEARCH, parseFilter, readableIds, type FilterExpr, type Readable } from '../search/index.js'
import { requireActiveExperiment } from './experiment-service.js'
import { validateMaxResults } from '../paging/max-results.js'
import { decodePageToken, toPage } from '../paging/page-token.js'
import { generateRunName } from './run-names.js'
import type { LoggedModelOrderByClause, TrackingStore } from './tracking-store.js'
import {
  fitValue,
  requireId,
  validateKey,
  validateNoNul,
  validateUniqueKeys,
  validateUniqueParamKeys,
} from './validation.js'

export interface NewLoggedModelRequest {
  readonly experimentId: string
  readonly name?: string
  readonly modelType?: string
  readonly sourceRunId?: string
  readonly params?: readonly Param[]
  readonly tags?: readonly Tag[]
}

/** One structured order_by entry of search-logged-models, as the wire carries it. */
export interface LoggedModelOrderByRequest {
  readonly fieldName: string
  readonly ascending?: boolean
  readonly datasetName?: string
  readonly datasetDigest?: string
}

export interface LoggedModelSearch {
  readonly experimentIds: readonly string[]
  readonly filter?: string
  readonly datasets?: readonly { readonly name: string; readonly digest?: string }[]
  readonly orderBy?: readonly LoggedModelOrderByRequest[]
  readonly maxResults?: number
  readonly pageToken?: string
  /** The experiments the caller may read (auth): others among experimentIds are left out. */
  readonly readable?: Readable
}

const FINAL_STATUSES: readonly LoggedModelStatus[] = ['LOGGED_MODEL_READY', 'LOGGED_MODEL_UPLOAD_FAILED']
const STATUS_PREFIX = 'LOGGED_MODEL_'
/** Characters MLflow's `_validate_logged_model_name` refuses. */
const BAD_NAME_CHARS = ['/', ':', '.', '%', '"', "'"]
const MODEL_NAME_MAX_LENGTH = 500

/** Attribute names of the structured order_by, mapped to the store's canonical keys. */
const ORDER_ATTRIBUTES: Readonly<Record<string, string>> = {
  ...LOGGED_MODEL_SEARCH.orderBy.attributes,
  creation_timestamp_ms: 'creation_timestamp',
  last_updated_timestamp_ms: 'last_updated_timestamp',
  experiment_id: 'experiment_id',
}

export class LoggedModelService {
  constructor(
    private readonly store: TrackingStore,
    private readonly artifacts: ArtifactLocations,
    private readonly now: () => number = Date.now,
  ) {}

  async create(request: NewLoggedModelRequest): Promise<LoggedModel> {
    const experimentId = requireId(request.experimentId, 'experiment_id')
    if (request.name) validateModelName(request.name)
    const params = cleanParams(request.params ?? [])
    const tags = cleanTags(request.tags ?? [])
    validateUniqueKeys(tags, 'tag')
    const experiment = await requireActiveExperiment(this.store, experimentId)
    // A source run this server does not have is kept as given, as MLflow keeps it (a model logged
    // against a split store, or moved in before its runs).
    const modelId = `m-${randomUUID().replaceAll('-', '')}`
    return this.store.loggedModels.create({
      modelId,
      experimentId,
      name: request.name || generateRunName(),
      artifactLocation: `${experiment.artifactLocation.replace(/\/+$/, '')}/models/${modelId}/artifacts`,
      time: this.now(),
      ...(request.modelType ? { modelType: request.modelType } : {}),
      ...(request.sourceRunId ? { sourceRunId: request.sourceRunId } : {}),
      params,
      tags,
    })
  }

  async get(modelId: string, options: { allowDeleted?: boolean } = {}): Promise<LoggedModel> {
    const model = await this.store.loggedModels.get(modelId, options)
    if (!model) throw notFound(modelId)
    return model
  }

  /** Marks the upload done (READY) or failed; the client calls it once, after uploading. */
  async finalize(modelId: string, status: LoggedModelStatus): Promise<LoggedModel> {
    if (!FINAL_STATUSES.includes(status)) {
      throw KeelError.invalid(
        `Invalid value '${status}' for parameter 'status' supplied: a logged model is finalized as ${FINAL_STATUSES.join(' or ')}`,
      )
    }
    await this.store.loggedModels.setStatus(modelId, status, this.now())
    return this.get(modelId, { allowDeleted: true })
  }

  async delete(modelId: string): Promise<void> {
    await this.store.loggedModels.delete(modelId, this.now())
  }

  async setTags(modelId: string, tags: readonly Tag[]): Promise<LoggedModel> {
    await this.store.loggedModels.setTags(modelId, cleanTags(tags), this.now())
    return this.get(modelId, { allowDeleted: true })
  }

  async deleteTag(modelId: string, key: string): Promise<void> {
    await this.store.loggedModels.deleteTag(modelId, key)
  }

  async logParams(modelId: string, params: readonly Param[]): Promise<void> {
    await this.store.loggedModels.logParams(modelId, cleanParams(params))
  }

  async search(query: LoggedModelSearch): Promise<Page<LoggedModel>> {
    // MLflow requires experiment_ids; requireId throws its missing-parameter error.
    if (query.experimentIds.length === 0) requireId(undefined, 'experiment_ids')
    // 0 is the proto default of an unset max_results.
    const limit = validateMaxResults(
      query.maxResults || undefined,
      LIMITS.searchLoggedModelsDefaultMaxResults,
      LIMITS.searchRunsMaxResults,
    )
    const offset = decodePageToken(query.pageToken)
    const datasets = query.datasets ?? []
    if (datasets.some((d) => !d.name)) {
      throw KeelError.invalid('`dataset_name` in the `datasets` clause must be specified.')
    }
    const parsed = parseFilter(query.filter, LOGGED_MODEL_SEARCH)
    const filter = parsed && normalizeStatus(parsed)
    const experimentIds = readableIds(query.experimentIds, query.readable)
    if (experimentIds.length === 0) return { items: [] }
    const result = await this.store.loggedModels.search({
      experimentIds,
      ...(filter ? { filter } : {}),
      datasets: datasets.map((d) => (d.digest ? { name: d.name, digest: d.digest } : { name: d.name })),
      orderBy: (query.orderBy ?? []).map(orderByClause),
      viewType: 'ACTIVE_ONLY',
      offset,
      limit,
    })
    return toPage(result.items, offset, result.hasMore)
  }

  /** A folder of the model's artifacts; paths relative to the model's root, as MLflow lists them. */
  async listArtifacts(modelId: string, dirPath: string | undefined): Promise<{ rootUri: string; files: FileInfo[] }> {
    const model = await this.get(modelId)
    const rootUri = model.info.artifactUri
    const location = this.artifacts.resolve(rootUri)
    const base = joinArtifactPath(location.path, dirPath)
    const prefix = dirPath ? `${dirPath.replace(/^\/+|\/+$/g, '')}/` : ''
    const files = (await location.repo.list(base)).map((f) => ({ ...f, path: `${prefix}${f.path}` }))
    return { rootUri, files }
  }
}

function notFound(modelId: string): KeelError {
  return KeelError.notFound(`Logged model with ID '${modelId}' not found.`)
}

function validateModelName(name: string): void {
  validateNoNul(name, 'name')
  if (BAD_NAME_CHARS.some((c) => name.includes(c))) {
    throw KeelError.invalid(
      `Invalid model name ('${name.slice(0, 250)}') provided. Model name must be a non-empty string and cannot ` +
        `contain the following characters: ('/', ':', '.', '%', '"', "'")`,
    )
  }
  if (name.length > MODEL_NAME_MAX_LENGTH) {
    throw KeelError.invalid(
      `Model name had length ${name.length}, which exceeded length limit of ${MODEL_NAME_MAX_LENGTH}`,
    )
  }
}

function cleanParams(params: readonly Param[]): Param[] {
  params.forEach((p) => {
    validateKey(p.key, 'param')
  })
  validateUniqueParamKeys(params)
  return params.map((p) => ({ key: p.key, value: fitValue(p.value, LIMITS.paramValueLength) }))
}

function cleanTags(tags: readonly Tag[]): Tag[] {
  return tags.map((t) => {
    validateKey(t.key, 'tag')
    return { key: t.key, value: fitValue(t.value, LIMITS.tagValueLength) }
  })
}

/** `{field_name: "metrics.acc" | attribute, ascending, dataset_name, dataset_digest}` → a store clause. */
function orderByClause(o: LoggedModelOrderByRequest): LoggedModelOrderByClause {
  const ascending = o.ascending ?? true
  const dot = o.fieldName.indexOf('.')
  if (dot < 0) {
    const key = Object.hasOwn(ORDER_ATTRIBUTES, o.fieldName) ? ORDER_ATTRIBUTES[o.fieldName] : undefined
    if (key === undefined) {
      throw KeelError.invalid(
        `Invalid order by field name: ${o.fieldName}. Valid fields are metrics.<key> and ${Object.keys(ORDER_ATTRIBUTES).join(', ')}`,
      )
    }
    return { entity: 'attribute', key, ascending }
  }
  const entity = o.fieldName.slice(0, dot)
  const key = o.fieldName.slice(dot + 1).replace(/^`(.*)`$/, '$1')
  if (entity !== 'metrics' || key === '') {
    throw KeelError.invalid(`Invalid order by field name: ${o.fieldName}. Only metrics are supported.`)
  }
  return {
    entity: 'metric',
    key,
    ascending,
    ...(o.datasetName ? { datasetName: o.datasetName } : {}),
    ...(o.datasetName && o.datasetDigest ? { datasetDigest: o.datasetDigest } : {}),
  }
}

/** `status = 'READY'` means LOGGED_MODEL_READY: the proto's enum names carry a prefix users leave off. */
function normalizeStatus(expr: FilterExpr): FilterExpr {
  if (expr.kind !== 'comparison') return { kind: expr.kind, items: expr.items.map(normalizeStatus) }
  if (expr.entity !== 'attribute' || expr.key !== 'status' || expr.op === 'LIKE' || expr.op === 'ILIKE') return expr
  const fix = (v: string) => {
    const upper = v.toUpperCase()
    return upper.startsWith(STATUS_PREFIX) ? upper : `${STATUS_PREFIX}${upper}`
  }
  const { value } = expr
  if (typeof value === 'string') return { ...expr, value: fix(value) }
  if (Array.isArray(value)) return { ...expr, value: (value as readonly string[]).map(fix) }
  return expr
}
