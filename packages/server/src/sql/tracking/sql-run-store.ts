import { KeelError, type Metric, type ModelOutput, type Run, type RunInfo, type RunStatus } from '@keel/contracts'
import { randomUUID } from 'node:crypto'
import type { Kysely } from 'kysely'
import type {
  DatasetInputRecord,
  NewRun,
  PageRequest,
  PageResult,
  RunBatch,
  RunSearchQuery,
  RunStore,
} from '../../tracking/tracking-store.js'
import type { Database } from '../database.js'
import type { DialectOps } from '../dialect.js'
import { precompile } from '../precompiled.js'
import { loadRuns, metricFromRow, runInfoFromRow } from './run-loader.js'
import { searchRunIds } from './run-search-sql.js'
import { insertMetrics } from './sql-metric-writes.js'
import { chunk, withRunWriteTransaction, withWriteTransaction } from '../sql-util.js'

const RUN_NAME_TAG = 'mlflow.runName'

export class SqlRunStore implements RunStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly ops: DialectOps,
  ) {}

  async create(input: NewRun): Promise<Run> {
    await withWriteTransaction(this.db, this.ops, async (tx) => {
      await tx
        .insertInto('runs')
        .values({
          run_uuid: input.runId,
          name: input.name,
          experiment_id: Number(input.experimentId),
          user_id: input.userId,
          status: 'RUNNING',
          start_time: input.startTime,
          end_time: null,
          lifecycle_stage: 'active',
          artifact_uri: input.artifactUri,
          deleted_time: null,
        })
        .execute()
      if (input.tags.length > 0) {
        await tx
          .insertInto('tags')
          .values(input.tags.map((t) => ({ run_uuid: input.runId, key: t.key, value: t.value })))
          .execute()
      }
    })
    return (await this.get(input.runId))!
  }

  async get(runId: string): Promise<Run | undefined> {
    return (await loadRuns(this.db, this.ops, [runId]))[0]
  }

  async getInfo(runId: string): Promise<RunInfo | undefined> {
    const row = await this.db.selectFrom('runs').selectAll().where('run_uuid', '=', runId).executeTakeFirst()
    return row && runInfoFromRow(row)
  }

  async update(runId: string, changes: { status?: RunStatus; endTime?: number; runName?: string }): Promise<RunInfo> {
    await withRunWriteTransaction(this.db, this.ops, async (tx) => {
      await requireActiveRun(tx, this.ops, runId)
      const set: { status?: string; end_time?: number; name?: string } = {}
      if (changes.status !== undefined) set.status = changes.status
      if (changes.endTime !== undefined) set.end_time = changes.endTime
      if (changes.runName !== undefined) set.name = changes.runName
      if (Object.keys(set).length > 0) await tx.updateTable('runs').set(set).where('run_uuid', '=', runId).execute()
      if (changes.runName !== undefined) await upsertTags(tx, runId, [{ key: RUN_NAME_TAG, value: changes.runName }])
    })
    return (await this.getInfo(runId))!
  }

  async setLifecycle(runId: string, stage: 'active' | 'deleted', time: number): Promise<void> {
    const result = await this.db
      .updateTable('runs')
      .set({ lifecycle_stage: stage, deleted_time: stage === 'deleted' ? time : null })
      .where('run_uuid', '=', runId)
      .executeTakeFirst()
    if (result.numUpdatedRows === 0n) throw runNotFound(runId)
  }

  async logBatch(runId: string, batch: RunBatch): Promise<void> {
    await withRunWriteTransaction(this.db, this.ops, async (tx) => {
      await requireActiveRun(tx, this.ops, runId)
      if (batch.params.length > 0) await insertParams(tx, runId, batch.params)
      if (batch.metrics.length > 0) await insertMetrics(tx, this.ops, runId, batch.metrics)
      if (batch.tags.length > 0) {
        await upsertTags(tx, runId, batch.tags)
        const renamed = batch.tags.findLast((t) => t.key === RUN_NAME_TAG)
        if (renamed) await tx.updateTable('runs').set({ name: renamed.value }).where('run_uuid', '=', runId).execute()
      }
    })
  }

  async deleteTag(runId: string, key: string): Promise<void> {
    await withRunWriteTransaction(this.db, this.ops, async (tx) => {
      await requireActiveRun(tx, this.ops, runId)
      const result = await tx.deleteFrom('tags').where('run_uuid', '=', runId).where('key', '=', key).executeTakeFirst()
      if (result.numDeletedRows === 0n) throw KeelError.notFound(`No tag with name: ${key} in run with id ${runId}`)
    })
  }

  async logInputs(runId: string, datasets: readonly DatasetInputRecord[], modelIds: readonly string[]): Promise<void> {
    // The exclusive write lock: datasets belong to the experiment, and two runs of it logging the
    // same dataset at once would both find it missing and both insert it (a unique violation).
    await withWriteTransaction(this.db, this.ops, async (tx) => {
      const run = await requireActiveRun(tx, this.ops, runId)
      for (const { dataset, tags } of datasets) {
        const context = tags.find((t) => t.key === 'mlflow.data.context')?.value ?? null
        const existing = await tx
          .selectFrom('datasets')
          .select('dataset_uuid')
          .where('experiment_id', '=', run.experiment_id)
          .where('name', '=', dataset.name)
          .where('digest', '=', dataset.digest)
          .executeTakeFirst()
        const datasetUuid = existing?.dataset_uuid ?? randomUUID()
        if (!existing) {
          await tx
            .insertInto('datasets')
            .values({
              dataset_uuid: datasetUuid,
              experiment_id: run.experiment_id,
              name: dataset.name,
              digest: dataset.digest,
              source_type: dataset.sourceType,
              source: dataset.source,
              schema: dataset.schema ?? null,
              profile: dataset.profile ?? null,
            })
            .execute()
        }
        await tx
          .insertInto('run_dataset_inputs')
          .values({ run_uuid: runId, dataset_uuid: datasetUuid, tags: JSON.stringify(tags), context })
          .onConflict((oc) =>
            oc.columns(['run_uuid', 'dataset_uuid']).doUpdateSet({ tags: JSON.stringify(tags), context }),
          )
          .execute()
      }
      for (const modelId of modelIds) {
        await tx
          .insertInto('run_model_io')
          .values({ run_uuid: runId, model_id: modelId, direction: 'input', step: 0 })
          .onConflict((oc) => oc.doNothing())
          .execute()
      }
    })
  }

  async logOutputs(runId: string, models: readonly ModelOutput[]): Promise<void> {
    await withRunWriteTransaction(this.db, this.ops, async (tx) => {
      await requireActiveRun(tx, this.ops, runId)
      for (const m of models) {
        await tx
          .insertInto('run_model_io')
          .values({ run_uuid: runId, model_id: m.modelId, direction: 'output', step: m.step })
          .onConflict((oc) => oc.columns(['run_uuid', 'direction', 'model_id']).doUpdateSet({ step: m.step }))
          .execute()
      }
    })
  }

  async metricHistory(runId: string, key: string, page: PageRequest): Promise<PageResult<Metric>> {
    const rows = await this.db
      .selectFrom('metrics')
      .selectAll()
      .where('run_uuid', '=', runId)
      .where('key', '=', key)
      .orderBy('timestamp')
      .orderBy('step')
      .orderBy('value')
      .limit(page.limit + 1)
      .offset(page.offset)
      .execute()
    return { items: rows.slice(0, page.limit).map(metricFromRow), hasMore: rows.length > page.limit }
  }

  async metricHistoryByStep(
    runIds: readonly string[],
    key: string,
    range: { startStep?: number; endStep?: number },
  ): Promise<Metric[]> {
    if (runIds.length === 0) return []
    let q = this.db
      .selectFrom('metrics')
      .selectAll()
      .where('run_uuid', 'in', [...runIds])
      .where('key', '=', key)
    if (range.startStep !== undefined) q = q.where('step', '>=', range.startStep)
    if (range.endStep !== undefined) q = q.where('step', '<=', range.endStep)
    const rows = await q
      .orderBy('run_uuid')
      .orderBy('step')
      .orderBy('timestamp')
      .orderBy('value')
      .orderBy('is_nan')
      .execute()
    return rows.map((r) => ({ ...metricFromRow(r), runId: r.run_uuid }))
  }

  async search(query: RunSearchQuery): Promise<PageResult<Run>> {
    const ids = await searchRunIds(this.db, this.ops, query)
    const page = ids.slice(0, query.limit)
    return { items: await loadRuns(this.db, this.ops, page), hasMore: ids.length > query.limit }
  }
}

function runNotFound(runId: string): KeelError {
  return KeelError.notFound(`Run with id=${runId} not found`)
}

const selectRunState = precompile<[string], { experiment_id: number; lifecycle_stage: string }>(1, (db, runId) =>
  db.selectFrom('runs').select(['experiment_id', 'lifecycle_stage']).where('run_uuid', '=', runId),
)
const selectRunStateLocked = precompile<[string], { experiment_id: number; lifecycle_stage: string }>(1, (db, runId) =>
  db.selectFrom('runs').select(['experiment_id', 'lifecycle_stage']).where('run_uuid', '=', runId).forNoKeyUpdate(),
)

/**
 * The run, refused unless it exists and is active. On PostgreSQL (`ops.rowLocks`) it also locks the
 * run's row until the commit, and every write to a run calls it before it reads anything else of
 * the run. The run-scoped writes (`withRunWriteTransaction`: logBatch for log-batch, log-metric,
 * log-param and set-tag; deleteTag; update; logOutputs) hold the database's write lock only in
 * shared mode, so this row lock is what keeps them correct with several servers on one database:
 * - Writers of one run take turns: FOR NO KEY UPDATE conflicts with itself. Under READ COMMITTED
 *   each statement reads what has committed when it starts, so the second writer's param lookup
 *   sees the first's params: of two servers logging one key with different values, exactly one
 *   wins and the other gets INVALID_PARAMETER_VALUE ("Changing param values is not allowed"), as
 *   with the exclusive lock. (The params primary key would refuse a second row in any case.)
 * - latest_metrics: writers of one run take turns, and each upsert replaces a key's row only with
 *   a larger (step, timestamp, value); PostgreSQL's ON CONFLICT DO UPDATE locks the row and checks
 *   that condition against its newest version, so the row ends as the maximum of the history
 *   whatever order the batches commit in. (Without the turns, two batches upserting the same
 *   keys in different orders deadlock: the tests saw it.)
 * - A run's deletion or restoration (setLifecycle's UPDATE) and an experiment's (which holds the
 *   exclusive write lock and then updates its runs) lock the same row, so a write and a deletion
 *   take turns: if the deletion commits first, this statement waits for it, reads the row again
 *   and finds it deleted (the write is refused before it writes anything); if the write locked
 *   first, the deletion waits until it commits. No write lands on a run after its deletion.
 * - Writers of different runs touch disjoint rows (every key of params, tags, metrics and
 *   latest_metrics starts with run_uuid), and FOR NO KEY UPDATE does not conflict with the
 *   FOR KEY SHARE that their inserts' foreign keys take on the runs row, so they don't wait on each
 *   other. What is not confined to one run keeps the exclusive lock: a run's creation, logInputs
 *   (datasets are the experiment's), logged models, the registry and the rest.
 * SQLite's writers hold its one write lock, so it reads the row without a lock clause.
 */
async function requireActiveRun(tx: Kysely<Database>, ops: DialectOps, runId: string) {
  const run = (await (ops.rowLocks ? selectRunStateLocked : selectRunState)(tx, runId)).rows[0]
  if (!run) throw runNotFound(runId)
  if (run.lifecycle_stage !== 'active') {
    throw KeelError.invalid(`The run ${runId} must be in the 'active' state. Current state is ${run.lifecycle_stage}.`)
  }
  return run
}

async function insertParams(tx: Kysely<Database>, runId: string, params: RunBatch['params']): Promise<void> {
  const existing = await tx
    .selectFrom('params')
    .select(['key', 'value'])
    .where('run_uuid', '=', runId)
    .where(
      'key',
      'in',
      params.map((p) => p.key),
    )
    .execute()
  const logged = new Map(existing.map((p) => [p.key, p.value]))
  for (const p of params) {
    const before = logged.get(p.key)
    if (before !== undefined && before !== p.value) {
      throw KeelError.invalid(
        `Changing param values is not allowed. Param with key='${p.key}' was already logged with ` +
          `value='${before}' for run ID='${runId}'. Attempted logging new value '${p.value}'.`,
      )
    }
  }
  const fresh = params.filter((p) => !logged.has(p.key))
  for (const rows of chunk(fresh, 3)) {
    await tx
      .insertInto('params')
      .values(rows.map((p) => ({ run_uuid: runId, key: p.key, value: p.value })))
      .execute()
  }
}

async function upsertTags(tx: Kysely<Database>, runId: string, tags: RunBatch['tags']): Promise<void> {
  // Last write wins within a batch, as it would with one request per tag.
  const latest = [...new Map(tags.map((t) => [t.key, t.value])).entries()]
  for (const rows of chunk(latest, 3)) {
    await tx
      .insertInto('tags')
      .values(rows.map(([key, value]) => ({ run_uuid: runId, key, value })))
      .onConflict((oc) => oc.columns(['run_uuid', 'key']).doUpdateSet((eb) => ({ value: eb.ref('excluded.value') })))
      .execute()
  }
}
