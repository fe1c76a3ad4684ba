/**
 * The registry store over SQL. Every change that the audit trail records is written in the same
 * transaction as its event, so the trail can never miss a change nor record one that rolled back.
 */
import {
  KeelError,
  type ModelVersionLineage,
  type ModelVersionStage,
  type RegisteredModel,
  type RegistryEvent,
  type Tag,
} from '@keel/contracts'
import { sql, type Kysely, type Selectable } from 'kysely'
import {
  type Audit,
  type NewModelVersion,
  type NewRegisteredModel,
  type RegistryEventQuery,
  type RegistrySearchQuery,
  type RegistryStore,
  type StoredModelVersion,
} from '../../registry/registry-store.js'
import { type PageResult } from '../../tracking/tracking-store.js'
import { type Database } from '../database.js'
import { type DialectOps } from '../dialect.js'
import { type Tx, isUniqueViolation, withWriteTransaction } from '../sql-util.js'
import { DELETED_STAGE, eventFromRow, loadModels, loadVersions, newestPerStage } from './registry-rows.js'
import { modelFilter, modelOrder, versionFilter, versionOrder } from './registry-search-sql.js'
import {
  liveVersion,
  notFoundModel,
  notFoundVersion,
  pointAlias,
  record,
  recordRegistration,
  refuseUnapprovedMove,
  removeAlias,
  versionNumber,
} from './registry-writes.js'

export class SqlRegistryStore implements RegistryStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly ops: DialectOps,
  ) {}

  private write<T>(fn: (tx: Kysely<Database>) => Promise<T>): Promise<T> {
    return withWriteTransaction(this.db, this.ops, fn)
  }

  // ---- registered models ----

  async createModel(input: NewRegisteredModel, audit: Audit): Promise<RegisteredModel> {
    try {
      await this.write(async (tx) => {
        await tx
          .insertInto('registered_models')
          .values({
            name: input.name,
            creation_time: audit.time,
            last_updated_time: audit.time,
            description: input.description ?? null,
            user_id: audit.actor,
          })
          .execute()
        if (input.tags.length > 0) {
          await tx
            .insertInto('registered_model_tags')
            .values(input.tags.map((t) => ({ name: input.name, ...t })))
            .execute()
        }
        await record(tx, audit, { kind: 'registered_model_created', name: input.name })
      })
    } catch (error) {
      if (isUniqueViolation(error))
        throw KeelError.alreadyExists(`Registered Model (name=${input.name}) already exists.`)
      throw error
    }
    return (await this.getModel(input.name))!
  }

  async getModel(name: string): Promise<RegisteredModel | undefined> {
    const row = await this.db.selectFrom('registered_models').selectAll().where('name', '=', name).executeTakeFirst()
    return row && (await loadModels(this.db, [row]))[0]
  }

  async renameModel(name: string, newName: string, audit: Audit): Promise<void> {
    try {
      await this.write(async (tx) => {
        const updated = await tx
          .updateTable('registered_models')
          .set({ name: newName, last_updated_time: audit.time })
          .where('name', '=', name)
          .executeTakeFirst()
        if (updated.numUpdatedRows === 0n) throw notFoundModel(name)
        for (const table of [
          'registered_model_tags',
          'model_versions',
          'model_version_tags',
          'registered_model_aliases',
          'registered_model_alias_protections',
          'alias_change_requests',
        ] as const) {
          await tx.updateTable(table).set({ name: newName }).where('name', '=', name).execute()
        }
        // The trail follows this model only: an earlier, deleted model of the same name keeps its
        // events, which all precede its deletion. (Events carry a name, not a model identity, so a
        // trail that came here by an earlier rename and interleaves with such events cannot be told
        // apart from them; the newest deletion is the boundary.)
        const deleted = await tx
          .selectFrom('registry_events')
          .select((eb) => eb.fn.max('event_id').as('last'))
          .where('name', '=', name)
          .where('kind', '=', 'registered_model_deleted')
          .executeTakeFirst()
        let events = tx.updateTable('registry_events').set({ name: newName }).where('name', '=', name)
        if (deleted?.last != null) events = events.where('event_id', '>', Number(deleted.last))
        await events.execute()
        await record(tx, audit, { kind: 'registered_model_renamed', name: newName, from: name, to: newName })
      })
    } catch (error) {
      if (isUniqueViolation(error)) throw KeelError.alreadyExists(`Registered Model (name=${newName}) already exists.`)
      throw error
    }
  }

  async updateModelDescription(name: string, description: string, time: number): Promise<void> {
    await this.write(async (tx) => {
      const updated = await tx
        .updateTable('registered_models')
        .set({ description, last_updated_time: time })
        .where('name', '=', name)
        .executeTakeFirst()
      if (updated.numUpdatedRows === 0n) throw notFoundModel(name)
    })
  }

  async deleteModel(name: string, audit: Audit): Promise<void> {
    await this.write(async (tx) => {
      const protectedAliases = await tx
        .selectFrom('registered_model_alias_protections')
        .select('alias')
        .where('name', '=', name)
        .execute()
      if (protectedAliases.length > 0) {
        throw KeelError.invalid(
          `Registered model '${name}' has protected aliases (${protectedAliases.map((p) => p.alias).join(', ')}): remove their protection before deleting the model.`,
        )
      }
      const deleted = await tx.deleteFrom('registered_models').where('name', '=', name).executeTakeFirst()
      if (deleted.numDeletedRows === 0n) throw notFoundModel(name)
      await tx.deleteFrom('alias_change_requests').where('name', '=', name).where('status', '=', 'pending').execute()
      for (const table of [
        'registered_model_tags',
        'model_versions',
        'model_version_tags',
        'registered_model_aliases',
      ] as const) {
        await tx.deleteFrom(table).where('name', '=', name).execute()
      }
      await record(tx, audit, { kind: 'registered_model_deleted', name })
    })
  }

  async searchModels(query: RegistrySearchQuery): Promise<PageResult<RegisteredModel>> {
    const where = query.filter ? modelFilter(query.filter, this.ops) : sql`1 = 1`
    const rows = await sql<
      Selectable<Database['registered_models']>
    >`SELECT rm.* FROM registered_models rm WHERE ${where}
      ORDER BY ${modelOrder(query.orderBy)} LIMIT ${query.limit + 1} OFFSET ${query.offset}`.execute(this.db)
    const page = rows.rows.slice(0, query.limit)
    return { items: await loadModels(this.db, page), hasMore: rows.rows.length > query.limit }
  }

  async setModelTag(name: string, tag: Tag, time: number): Promise<void> {
    await this.write(async (tx) => {
      await this.touchModel(tx, name, time)
      await tx
        .insertInto('registered_model_tags')
        .values({ name, ...tag })
        .onConflict((oc) => oc.columns(['name', 'key']).doUpdateSet({ value: tag.value }))
        .execute()
    })
  }

  async deleteModelTag(name: string, key: string, time: number): Promise<void> {
    await this.write(async (tx) => {
      await this.touchModel(tx, name, time)
      // Deleting a tag that is not set is not an error, as in MLflow.
      await tx.deleteFrom('registered_model_tags').where('name', '=', name).where('key', '=', key).execute()
    })
  }

  private async touchModel(tx: Tx, name: string, time: number): Promise<void> {
    const updated = await tx
      .updateTable('registered_models')
      .set({ last_updated_time: time })
      .where('name', '=', name)
      .executeTakeFirst()
    if (updated.numUpdatedRows === 0n) throw notFoundModel(name)
  }

  /** Updates the version's timestamp (and the model's), failing if it does not exist. */
  private async touchVersion(tx: Tx, name: string, version: string, time: number): Promise<number> {
    const n = versionNumber(name, version)
    const updated = await tx
      .updateTable('model_versions')
      .set({ last_updated_time: time })
      .where('name', '=', name)
      .where('version', '=', n)
      .where('current_stage', '!=', DELETED_STAGE)
      .executeTakeFirst()
    if (updated.numUpdatedRows === 0n) throw notFoundVersion(name, version)
    await tx.updateTable('registered_models').set({ last_updated_time: time }).where('name', '=', name).execute()
    return n
  }

  // ---- versions ----

  async createVersion(input: NewModelVersion, audit: Audit): Promise<StoredModelVersion> {
    const lineage = JSON.stringify(input.lineage)
    const version = await this.write(async (tx) => {
      await this.touchModel(tx, input.name, audit.time)
      const max = await tx
        .selectFrom('model_versions')
        .select((eb) => eb.fn.max('version').as('max'))
        .where('name', '=', input.name)
        .executeTakeFirst()
      const next = Number(max?.max ?? 0) + 1
      await tx
        .insertInto('model_versions')
        .values({
          name: input.name,
          version: next,
          creation_time: audit.time,
          last_updated_time: audit.time,
          description: input.description ?? null,
          user_id: audit.actor,
          current_stage: 'None',
          source: input.source,
          storage_location: input.storageLocation,
          run_id: input.runId ?? null,
          run_link: input.runLink ?? null,
          model_id: input.modelId ?? null,
          status: 'READY',
          status_message: null,
          lineage,
        })
        .execute()
      if (input.tags.length > 0) {
        await tx
          .insertInto('model_version_tags')
          .values(input.tags.map((t) => ({ name: input.name, version: next, ...t })))
          .execute()
      }
      await record(tx, audit, { kind: 'model_version_created', name: input.name, version: next, to: 'None' })
      if (input.modelId) await recordRegistration(tx, input.modelId, input.name, next, audit.time)
      return next
    })
    return (await this.getVersion(input.name, String(version)))!
  }

  async getVersion(name: string, version: string): Promise<StoredModelVersion | undefined> {
    if (!/^\d+$/.test(version)) return undefined
    const row = await liveVersion(this.db, name, Number(version)).selectAll().executeTakeFirst()
    return row && (await loadVersions(this.db, [row]))[0]
  }

  async updateVersionDescription(name: string, version: string, description: string, time: number): Promise<void> {
    await this.write(async (tx) => {
      const n = await this.touchVersion(tx, name, version, time)
      await tx
        .updateTable('model_versions')
        .set({ description })
        .where('name', '=', name)
        .where('version', '=', n)
        .execute()
    })
  }

  async transitionStage(
    name: string,
    version: string,
    stage: ModelVersionStage,
    archiveExisting: boolean,
    audit: Audit,
  ): Promise<void> {
    await this.write(async (tx) => {
      const n = versionNumber(name, version)
      const current = await liveVersion(tx, name, n).select('current_stage').executeTakeFirst()
      if (!current) throw notFoundVersion(name, version)
      await this.touchVersion(tx, name, version, audit.time)
      await tx
        .updateTable('model_versions')
        .set({ current_stage: stage })
        .where('name', '=', name)
        .where('version', '=', n)
        .execute()
      await record(tx, audit, { kind: 'stage_transition', name, version: n, from: current.current_stage, to: stage })
      if (!archiveExisting || (stage !== 'Staging' && stage !== 'Production')) return
      const others = await tx
        .selectFrom('model_versions')
        .select('version')
        .where('name', '=', name)
        .where('current_stage', '=', stage)
        .where('version', '!=', n)
        .execute()
      for (const other of others) {
        await tx
          .updateTable('model_versions')
          .set({ current_stage: 'Archived', last_updated_time: audit.time })
          .where('name', '=', name)
          .where('version', '=', other.version)
          .execute()
        await record(
          tx,
          { ...audit, comment: `archived when version ${n} moved to ${stage}` },
          {
            kind: 'stage_transition',
            name,
            version: other.version,
            from: stage,
            to: 'Archived',
          },
        )
      }
    })
  }

  async deleteVersion(name: string, version: string, audit: Audit): Promise<void> {
    await this.write(async (tx) => {
      const n = await this.touchVersion(tx, name, version, audit.time)
      await tx
        .updateTable('model_versions')
        .set({ current_stage: DELETED_STAGE, description: null, run_id: null, run_link: null, status_message: null })
        .where('name', '=', name)
        .where('version', '=', n)
        .execute()
      await tx.deleteFrom('model_version_tags').where('name', '=', name).where('version', '=', n).execute()
      const aliases = await tx
        .selectFrom('registered_model_aliases')
        .select('alias')
        .where('name', '=', name)
        .where('version', '=', n)
        .execute()
      for (const { alias } of aliases) await refuseUnapprovedMove(tx, name, alias)
      for (const { alias } of aliases) {
        await record(tx, audit, { kind: 'alias_deleted', name, version: n, alias, from: String(n) })
      }
      await tx.deleteFrom('registered_model_aliases').where('name', '=', name).where('version', '=', n).execute()
      await record(tx, audit, { kind: 'model_version_deleted', name, version: n })
    })
  }

  async searchVersions(query: RegistrySearchQuery): Promise<PageResult<StoredModelVersion>> {
    const where = query.filter ? versionFilter(query.filter, this.ops) : sql`1 = 1`
    const rows = await sql<Selectable<Database['model_versions']>>`SELECT mv.* FROM model_versions mv
      WHERE mv.current_stage <> ${DELETED_STAGE} AND ${where}
      ORDER BY ${versionOrder(query.orderBy)} LIMIT ${query.limit + 1} OFFSET ${query.offset}`.execute(this.db)
    const page = rows.rows.slice(0, query.limit)
    return { items: await loadVersions(this.db, page), hasMore: rows.rows.length > query.limit }
  }

  async latestVersions(name: string, stages?: readonly ModelVersionStage[]): Promise<StoredModelVersion[]> {
    const model = await this.db.selectFrom('registered_models').selectAll().where('name', '=', name).executeTakeFirst()
    if (!model) throw notFoundModel(name)
    let q = newestPerStage(this.db, [name])
    if (stages && stages.length > 0) q = q.where('mv.current_stage', 'in', [...stages])
    return loadVersions(this.db, await q.execute())
  }

  async setVersionTag(name: string, version: string, tag: Tag, time: number): Promise<void> {
    await this.write(async (tx) => {
      const n = await this.touchVersion(tx, name, version, time)
      await tx
        .insertInto('model_version_tags')
        .values({ name, version: n, ...tag })
        .onConflict((oc) => oc.columns(['name', 'version', 'key']).doUpdateSet({ value: tag.value }))
        .execute()
    })
  }

  async deleteVersionTag(name: string, version: string, key: string, time: number): Promise<void> {
    await this.write(async (tx) => {
      const n = await this.touchVersion(tx, name, version, time)
      // Deleting a tag that is not set is not an error, as in MLflow.
      await tx
        .deleteFrom('model_version_tags')
        .where('name', '=', name)
        .where('version', '=', n)
        .where('key', '=', key)
        .execute()
    })
  }

  // ---- aliases ----

  async setAlias(name: string, alias: string, version: string, audit: Audit): Promise<void> {
    await this.write(async (tx) => {
      await refuseUnapprovedMove(tx, name, alias)
      await pointAlias(tx, name, alias, version, audit)
    })
  }

  async deleteAlias(name: string, alias: string, audit: Audit): Promise<boolean> {
    return this.write(async (tx) => {
      await refuseUnapprovedMove(tx, name, alias)
      return removeAlias(tx, name, alias, audit)
    })
  }

  async getVersionByAlias(name: string, alias: string): Promise<StoredModelVersion | undefined> {
    const row = await this.db
      .selectFrom('registered_model_aliases as a')
      .innerJoin('model_versions as mv', (j) => j.onRef('mv.name', '=', 'a.name').onRef('mv.version', '=', 'a.version'))
      .selectAll('mv')
      .where('a.name', '=', name)
      .where('a.alias', '=', alias)
      .executeTakeFirst()
    return row && (await loadVersions(this.db, [row]))[0]
  }

  // ---- audit trail and lineage ----

  async searchEvents(query: RegistryEventQuery): Promise<PageResult<RegistryEvent>> {
    let q = this.db.selectFrom('registry_events').selectAll()
    if (query.name !== undefined) q = q.where('name', '=', query.name)
    if (query.version !== undefined) q = q.where('version', '=', Number(query.version))
    const rows = await q
      .orderBy('event_id', 'desc')
      .limit(query.limit + 1)
      .offset(query.offset)
      .execute()
    return { items: rows.slice(0, query.limit).map(eventFromRow), hasMore: rows.length > query.limit }
  }

  async getLineage(name: string, version: string): Promise<ModelVersionLineage | undefined> {
    if (!/^\d+$/.test(version)) return undefined
    const row = await liveVersion(this.db, name, Number(version))
      .select(['lineage', 'creation_time'])
      .executeTakeFirst()
    if (!row) return undefined
    const stored = JSON.parse(row.lineage) as Omit<ModelVersionLineage, 'name' | 'version' | 'capturedAt'>
    return { name, version, capturedAt: Number(row.creation_time), ...stored }
  }
}
