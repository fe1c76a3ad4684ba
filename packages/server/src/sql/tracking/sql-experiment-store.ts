import { KeelError, type Experiment, type Tag } from '@keel/contracts'
import type { Kysely, Selectable } from 'kysely'
import type {
  ExperimentKeys,
  ExperimentStore,
  NewExperiment,
  PageResult,
  SearchQuery,
} from '../../tracking/tracking-store.js'
import type { Database, ExperimentsTable } from '../database.js'
import type { DialectOps } from '../dialect.js'
import { experimentKeys } from './experiment-keys-sql.js'
import { compileExperimentFilter, experimentOrderBy } from './experiment-search-sql.js'
import { isUniqueViolation, withWriteTransaction } from '../sql-util.js'

type ExperimentRow = Selectable<ExperimentsTable>

export class SqlExperimentStore implements ExperimentStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly ops: DialectOps,
  ) {}

  async create(input: NewExperiment): Promise<string> {
    try {
      return await withWriteTransaction(this.db, this.ops, async (tx) => {
        const inserted = await tx
          .insertInto('experiments')
          .values({
            name: input.name,
            artifact_location: typeof input.artifactLocation === 'string' ? input.artifactLocation : '',
            lifecycle_stage: 'active',
            creation_time: input.time,
            last_update_time: input.time,
          })
          .returning('experiment_id')
          .executeTakeFirstOrThrow()
        const id = String(inserted.experiment_id)
        if (typeof input.artifactLocation === 'function') {
          await tx
            .updateTable('experiments')
            .set({ artifact_location: input.artifactLocation(id) })
            .where('experiment_id', '=', inserted.experiment_id)
            .execute()
        }
        if (input.tags.length > 0) {
          await tx
            .insertInto('experiment_tags')
            .values(input.tags.map((t) => ({ experiment_id: inserted.experiment_id, key: t.key, value: t.value })))
            .execute()
        }
        return id
      })
    } catch (err) {
      if (isUniqueViolation(err)) throw KeelError.alreadyExists(`Experiment(name=${input.name}) already exists.`)
      throw err
    }
  }

  async get(experimentId: string): Promise<Experiment | undefined> {
    const id = toExperimentKey(experimentId)
    if (id === undefined) return undefined
    const row = await this.db.selectFrom('experiments').selectAll().where('experiment_id', '=', id).executeTakeFirst()
    return row && (await this.withTags([row]))[0]
  }

  async getByName(name: string): Promise<Experiment | undefined> {
    const row = await this.db.selectFrom('experiments').selectAll().where('name', '=', name).executeTakeFirst()
    return row && (await this.withTags([row]))[0]
  }

  async search(query: SearchQuery): Promise<PageResult<Experiment>> {
    let q = this.db.selectFrom('experiments').selectAll('experiments')
    if (query.viewType !== 'ALL') {
      q = q.where('experiments.lifecycle_stage', '=', query.viewType === 'ACTIVE_ONLY' ? 'active' : 'deleted')
    }
    if (query.filter) {
      const filter = query.filter
      q = q.where((eb) => compileExperimentFilter(eb, filter, this.ops))
    }
    q = experimentOrderBy(q, query.orderBy)
    const rows = await q
      .limit(query.limit + 1)
      .offset(query.offset)
      .execute()
    const page = rows.slice(0, query.limit)
    return { items: await this.withTags(page), hasMore: rows.length > query.limit }
  }

  async keys(experimentId: string): Promise<ExperimentKeys> {
    const id = this.requireKey(experimentId)
    const found = await this.db
      .selectFrom('experiments')
      .select('experiment_id')
      .where('experiment_id', '=', id)
      .executeTakeFirst()
    if (!found) throw notFound(experimentId)
    return experimentKeys(this.db, id)
  }

  async setLifecycle(experimentId: string, stage: 'active' | 'deleted', time: number): Promise<void> {
    const id = this.requireKey(experimentId)
    await withWriteTransaction(this.db, this.ops, async (tx) => {
      const before = await tx
        .selectFrom('experiments')
        .select(['lifecycle_stage', 'last_update_time'])
        .where('experiment_id', '=', id)
        .executeTakeFirst()
      if (!before) throw notFound(experimentId)
      if (before.lifecycle_stage === stage) return
      await tx
        .updateTable('experiments')
        .set({ lifecycle_stage: stage, last_update_time: time })
        .where('experiment_id', '=', id)
        .execute()
      if (stage === 'deleted') {
        // The experiment's active runs go with it, stamped so that a restore brings back exactly them.
        await tx
          .updateTable('runs')
          .set({ lifecycle_stage: 'deleted', deleted_time: time })
          .where('experiment_id', '=', id)
          .where('lifecycle_stage', '=', 'active')
          .execute()
      } else {
        await tx
          .updateTable('runs')
          .set({ lifecycle_stage: 'active', deleted_time: null })
          .where('experiment_id', '=', id)
          .where('lifecycle_stage', '=', 'deleted')
          .where('deleted_time', '=', before.last_update_time)
          .execute()
      }
    })
  }

  async rename(experimentId: string, newName: string, time: number): Promise<void> {
    const id = this.requireKey(experimentId)
    try {
      const result = await this.db
        .updateTable('experiments')
        .set({ name: newName, last_update_time: time })
        .where('experiment_id', '=', id)
        .executeTakeFirst()
      if (result.numUpdatedRows === 0n) throw notFound(experimentId)
    } catch (err) {
      if (isUniqueViolation(err)) throw KeelError.alreadyExists(`Experiment(name=${newName}) already exists.`)
      throw err
    }
  }

  async setTag(experimentId: string, tag: Tag): Promise<void> {
    const id = this.requireKey(experimentId)
    await this.db
      .insertInto('experiment_tags')
      .values({ experiment_id: id, key: tag.key, value: tag.value })
      .onConflict((oc) => oc.columns(['experiment_id', 'key']).doUpdateSet({ value: tag.value }))
      .execute()
  }

  async deleteTag(experimentId: string, key: string): Promise<void> {
    const id = this.requireKey(experimentId)
    const result = await this.db
      .deleteFrom('experiment_tags')
      .where('experiment_id', '=', id)
      .where('key', '=', key)
      .executeTakeFirst()
    if (result.numDeletedRows === 0n) {
      throw KeelError.notFound(`No tag with name: ${key} in experiment with id ${experimentId}`)
    }
  }

  private requireKey(experimentId: string): number {
    const id = toExperimentKey(experimentId)
    if (id === undefined) throw notFound(experimentId)
    return id
  }

  private async withTags(rows: readonly ExperimentRow[]): Promise<Experiment[]> {
    if (rows.length === 0) return []
    const tags = await this.db
      .selectFrom('experiment_tags')
      .select(['experiment_id', 'key', 'value'])
      .where(
        'experiment_id',
        'in',
        rows.map((r) => r.experiment_id),
      )
      .orderBy('key')
      .execute()
    const byId = new Map<number, Tag[]>()
    for (const t of tags) {
      const list = byId.get(t.experiment_id) ?? []
      list.push({ key: t.key, value: t.value })
      byId.set(t.experiment_id, list)
    }
    return rows.map((r) => ({
      experimentId: String(r.experiment_id),
      name: r.name,
      artifactLocation: r.artifact_location,
      lifecycleStage: r.lifecycle_stage === 'deleted' ? 'deleted' : 'active',
      creationTime: Number(r.creation_time),
      lastUpdateTime: Number(r.last_update_time),
      tags: byId.get(r.experiment_id) ?? [],
    }))
  }
}

/** Experiment ids are integers in SQL; anything else names no experiment. */
export function toExperimentKey(experimentId: string): number | undefined {
  if (!/^\d{1,15}$/.test(experimentId)) return undefined
  return Number(experimentId)
}

function notFound(experimentId: string): KeelError {
  return KeelError.notFound(`No Experiment with id=${experimentId} exists`)
}
