/** Registered models and their tags over SQL; a rename carries the model's rows and trail along. */
import { KeelError, type RegisteredModel, type Tag } from '@keel/contracts'
import { sql, type Kysely, type Selectable } from 'kysely'
import type { Audit, NewRegisteredModel, RegistrySearchQuery, RegistryStore } from '../../registry/registry-store.js'
import type { PageResult } from '../../tracking/tracking-store.js'
import type { Database } from '../database.js'
import type { DialectOps } from '../dialect.js'
import { isUniqueViolation, withWriteTransaction } from '../sql-util.js'
import { loadModels } from './registry-rows.js'
import { modelFilter, modelOrder } from './registry-search-sql.js'
import { notFoundModel, record, touchModel } from './registry-writes.js'

export class SqlRegisteredModelStore
  implements
    Pick<
      RegistryStore,
      | 'createModel'
      | 'getModel'
      | 'renameModel'
      | 'updateModelDescription'
      | 'deleteModel'
      | 'searchModels'
      | 'setModelTag'
      | 'deleteModelTag'
    >
{
  constructor(
    private readonly db: Kysely<Database>,
    private readonly ops: DialectOps,
  ) {}

  async createModel(input: NewRegisteredModel, audit: Audit): Promise<RegisteredModel> {
    try {
      await withWriteTransaction(this.db, this.ops, async (tx) => {
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
      await withWriteTransaction(this.db, this.ops, async (tx) => {
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
    await withWriteTransaction(this.db, this.ops, async (tx) => {
      const updated = await tx
        .updateTable('registered_models')
        .set({ description, last_updated_time: time })
        .where('name', '=', name)
        .executeTakeFirst()
      if (updated.numUpdatedRows === 0n) throw notFoundModel(name)
    })
  }

  async deleteModel(name: string, audit: Audit): Promise<void> {
    await withWriteTransaction(this.db, this.ops, async (tx) => {
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
    await withWriteTransaction(this.db, this.ops, async (tx) => {
      await touchModel(tx, name, time)
      await tx
        .insertInto('registered_model_tags')
        .values({ name, ...tag })
        .onConflict((oc) => oc.columns(['name', 'key']).doUpdateSet({ value: tag.value }))
        .execute()
    })
  }

  async deleteModelTag(name: string, key: string, time: number): Promise<void> {
    await withWriteTransaction(this.db, this.ops, async (tx) => {
      await touchModel(tx, name, time)
      // Deleting a tag that is not set is not an error, as in MLflow.
      await tx.deleteFrom('registered_model_tags').where('name', '=', name).where('key', '=', key).execute()
    })
  }
}
