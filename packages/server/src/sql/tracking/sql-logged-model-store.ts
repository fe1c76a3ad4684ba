/** Logged models (MLflow 3) over SQL: the model rows, their tags, params and metrics. */
import { KeelError, type LoggedModel, type LoggedModelStatus, type Metric, type Param, type Tag } from '@keel/contracts'
import type { Kysely, Selectable } from 'kysely'
import type {
  LoggedModelSearchQuery,
  LoggedModelStore,
  NewLoggedModel,
  PageResult,
} from '../../tracking/tracking-store.js'
import type { Database, LoggedModelMetricsTable, LoggedModelsTable } from '../database.js'
import type { DialectOps } from '../dialect.js'
import { searchLoggedModelIds } from './logged-model-search-sql.js'
import { groupBy, kv, metricFromRow } from './run-loader.js'
import { chunk, withWriteTransaction } from '../sql-util.js'

type KeyValueTable = 'logged_model_tags' | 'logged_model_params'

export class SqlLoggedModelStore implements LoggedModelStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly ops: DialectOps,
  ) {}

  async create(input: NewLoggedModel): Promise<LoggedModel> {
    await withWriteTransaction(this.db, this.ops, async (tx) => {
      await tx
        .insertInto('logged_models')
        .values({
          model_id: input.modelId,
          experiment_id: Number(input.experimentId),
          name: input.name,
          artifact_location: input.artifactLocation,
          creation_timestamp_ms: input.time,
          last_updated_timestamp_ms: input.time,
          status: 'LOGGED_MODEL_PENDING',
          status_message: null,
          lifecycle_stage: 'active',
          model_type: input.modelType ?? null,
          source_run_id: input.sourceRunId ?? null,
          creator_id: input.creatorId ?? null,
        })
        .execute()
      await upsert(tx, 'logged_model_params', input.modelId, input.params)
      await upsert(tx, 'logged_model_tags', input.modelId, input.tags)
    })
    return (await this.get(input.modelId))!
  }

  async get(modelId: string, options: { allowDeleted?: boolean } = {}): Promise<LoggedModel | undefined> {
    const model = (await loadLoggedModels(this.db, [modelId]))[0]
    if (model && !options.allowDeleted && model.lifecycleStage !== 'active') return undefined
    return model?.model
  }

  async setStatus(modelId: string, status: LoggedModelStatus, time: number): Promise<void> {
    await this.update(modelId, { status, last_updated_timestamp_ms: time })
  }

  async delete(modelId: string, time: number): Promise<void> {
    await this.update(modelId, { lifecycle_stage: 'deleted', last_updated_timestamp_ms: time })
  }

  async setTags(modelId: string, tags: readonly Tag[], time: number): Promise<void> {
    await withWriteTransaction(this.db, this.ops, async (tx) => {
      await requireModel(tx, modelId)
      await upsert(tx, 'logged_model_tags', modelId, tags)
      await tx
        .updateTable('logged_models')
        .set({ last_updated_timestamp_ms: time })
        .where('model_id', '=', modelId)
        .execute()
    })
  }

  async deleteTag(modelId: string, key: string): Promise<void> {
    await withWriteTransaction(this.db, this.ops, async (tx) => {
      await requireModel(tx, modelId)
      const result = await tx
        .deleteFrom('logged_model_tags')
        .where('model_id', '=', modelId)
        .where('key', '=', key)
        .executeTakeFirst()
      if (result.numDeletedRows === 0n) {
        throw KeelError.notFound(`No tag with key '${key}' found for model with ID '${modelId}'.`)
      }
    })
  }

  async logParams(modelId: string, params: readonly Param[]): Promise<void> {
    await withWriteTransaction(this.db, this.ops, async (tx) => {
      await requireModel(tx, modelId)
      await upsert(tx, 'logged_model_params', modelId, params)
    })
  }

  async search(query: LoggedModelSearchQuery): Promise<PageResult<LoggedModel>> {
    const ids = await searchLoggedModelIds(this.db, this.ops, query)
    const page = ids.slice(0, query.limit)
    const models = await loadLoggedModels(this.db, page)
    return { items: models.map((m) => m.model), hasMore: ids.length > query.limit }
  }

  private async update(
    modelId: string,
    set: { status?: string; lifecycle_stage?: string; last_updated_timestamp_ms: number },
  ): Promise<void> {
    const result = await this.db
      .updateTable('logged_models')
      .set(set)
      .where('model_id', '=', modelId)
      .executeTakeFirst()
    if (result.numUpdatedRows === 0n) throw loggedModelNotFound(modelId)
  }
}

function loggedModelNotFound(modelId: string): KeelError {
  return KeelError.notFound(`Logged model with ID '${modelId}' not found.`)
}

async function requireModel(tx: Kysely<Database>, modelId: string): Promise<void> {
  const row = await tx.selectFrom('logged_models').select('model_id').where('model_id', '=', modelId).executeTakeFirst()
  if (!row) throw loggedModelNotFound(modelId)
}

/** Inserts or replaces key/value rows; the last value of a repeated key wins. */
async function upsert(
  tx: Kysely<Database>,
  table: KeyValueTable,
  modelId: string,
  items: readonly Tag[],
): Promise<void> {
  const latest = [...new Map(items.map((t) => [t.key, t.value])).entries()]
  for (const rows of chunk(latest, 3)) {
    await tx
      .insertInto(table)
      .values(rows.map(([key, value]) => ({ model_id: modelId, key, value })))
      .onConflict((oc) => oc.columns(['model_id', 'key']).doUpdateSet((eb) => ({ value: eb.ref('excluded.value') })))
      .execute()
  }
}

// ---- loading whole models in a few set queries (as run-loader does for runs) ----

interface LoadedModel {
  readonly model: LoggedModel
  readonly lifecycleStage: string
}

const LOAD_CHUNK = 5000

/** Loads the models with these ids, in the order given (ids that do not exist are skipped). */
async function loadLoggedModels(db: Kysely<Database>, ids: readonly string[]): Promise<LoadedModel[]> {
  const out: LoadedModel[] = []
  for (let i = 0; i < ids.length; i += LOAD_CHUNK) out.push(...(await loadChunk(db, ids.slice(i, i + LOAD_CHUNK))))
  return out
}

async function loadChunk(db: Kysely<Database>, ids: string[]): Promise<LoadedModel[]> {
  if (ids.length === 0) return []
  const [rows, tags, params, metrics] = await Promise.all([
    db.selectFrom('logged_models').selectAll().where('model_id', 'in', ids).execute(),
    db.selectFrom('logged_model_tags').selectAll().where('model_id', 'in', ids).orderBy('key').execute(),
    db.selectFrom('logged_model_params').selectAll().where('model_id', 'in', ids).orderBy('key').execute(),
    // Every logged value, as MLflow returns them, in a stable order.
    db
      .selectFrom('logged_model_metrics')
      .selectAll()
      .where('model_id', 'in', ids)
      .orderBy('key')
      .orderBy('step')
      .orderBy('timestamp')
      .execute(),
  ])
  const tagsById = groupBy(tags, (t) => t.model_id)
  const paramsById = groupBy(params, (p) => p.model_id)
  const metricsById = groupBy(metrics, (m) => m.model_id)
  const rowById = new Map(rows.map((r) => [r.model_id, r]))
  return ids.flatMap((id) => {
    const row = rowById.get(id)
    if (!row) return []
    const model: LoggedModel = {
      info: {
        ...infoFromRow(row),
        tags: kv(tagsById.get(id)),
        registrations: registrationsOf(tagsById.get(id)),
      },
      data: { params: kv(paramsById.get(id)), metrics: (metricsById.get(id) ?? []).map(modelMetricFromRow) },
    }
    return [{ model, lifecycleStage: row.lifecycle_stage }]
  })
}

/** The registry versions of a logged model, from the `mlflow.modelVersions` tag MLflow keeps on it. */
function registrationsOf(
  tags: readonly { key: string; value: string }[] | undefined,
): { name: string; version: string }[] {
  const value = tags?.find((t) => t.key === 'mlflow.modelVersions')?.value
  if (!value) return []
  try {
    const parsed: unknown = JSON.parse(value)
    if (!Array.isArray(parsed)) return []
    return parsed.flatMap((r: { name?: unknown; version?: unknown }) =>
      typeof r?.name === 'string' && (typeof r.version === 'string' || typeof r.version === 'number')
        ? [{ name: r.name, version: String(r.version) }]
        : [],
    )
  } catch {
    return []
  }
}

function infoFromRow(r: Selectable<LoggedModelsTable>) {
  return {
    modelId: r.model_id,
    experimentId: String(r.experiment_id),
    name: r.name,
    artifactUri: r.artifact_location,
    creationTimestampMs: Number(r.creation_timestamp_ms),
    lastUpdatedTimestampMs: Number(r.last_updated_timestamp_ms),
    status: r.status as LoggedModelStatus,
    ...(r.status_message !== null ? { statusMessage: r.status_message } : {}),
    ...(r.creator_id !== null ? { creatorId: r.creator_id } : {}),
    ...(r.model_type !== null ? { modelType: r.model_type } : {}),
    ...(r.source_run_id !== null ? { sourceRunId: r.source_run_id } : {}),
  }
}

/** A logged model's metric: a run metric row that also names the run it was logged from. */
function modelMetricFromRow(m: Selectable<LoggedModelMetricsTable>): Metric {
  const metric = metricFromRow(m)
  return m.run_id !== null ? { ...metric, runId: m.run_id } : metric
}
