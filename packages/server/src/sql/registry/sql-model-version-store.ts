/**
 * Model versions, their tags and lineage over SQL. A version is numbered max(existing, deleted
 * included) + 1 in its write transaction; a deleted one keeps its row (and number) in a hidden stage.
 */
import type { ModelVersionLineage, Tag } from '@keel/contracts'
import { sql, type Kysely, type Selectable } from 'kysely'
import type {
  Audit,
  NewModelVersion,
  RegistrySearchQuery,
  RegistryStore,
  StoredModelVersion,
} from '../../registry/registry-store.js'
import type { PageResult } from '../../tracking/tracking-store.js'
import type { Database } from '../database.js'
import type { DialectOps } from '../dialect.js'
import { withWriteTransaction } from '../sql-util.js'
import { DELETED_STAGE, loadVersions } from './registry-rows.js'
import { versionFilter, versionOrder } from './registry-search-sql.js'
import {
  liveVersion,
  record,
  recordRegistration,
  refuseUnapprovedMove,
  touchModel,
  touchVersion,
} from './registry-writes.js'

export class SqlModelVersionStore
  implements
    Pick<
      RegistryStore,
      | 'createVersion'
      | 'getVersion'
      | 'updateVersionDescription'
      | 'deleteVersion'
      | 'searchVersions'
      | 'setVersionTag'
      | 'deleteVersionTag'
      | 'getLineage'
    >
{
  constructor(
    private readonly db: Kysely<Database>,
    private readonly ops: DialectOps,
  ) {}

  async createVersion(input: NewModelVersion, audit: Audit): Promise<StoredModelVersion> {
    const lineage = JSON.stringify(input.lineage)
    const version = await withWriteTransaction(this.db, this.ops, async (tx) => {
      await touchModel(tx, input.name, audit.time)
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
    await withWriteTransaction(this.db, this.ops, async (tx) => {
      const n = await touchVersion(tx, name, version, time)
      await tx
        .updateTable('model_versions')
        .set({ description })
        .where('name', '=', name)
        .where('version', '=', n)
        .execute()
    })
  }

  async deleteVersion(name: string, version: string, audit: Audit): Promise<void> {
    await withWriteTransaction(this.db, this.ops, async (tx) => {
      const n = await touchVersion(tx, name, version, audit.time)
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

  async setVersionTag(name: string, version: string, tag: Tag, time: number): Promise<void> {
    await withWriteTransaction(this.db, this.ops, async (tx) => {
      const n = await touchVersion(tx, name, version, time)
      await tx
        .insertInto('model_version_tags')
        .values({ name, version: n, ...tag })
        .onConflict((oc) => oc.columns(['name', 'version', 'key']).doUpdateSet({ value: tag.value }))
        .execute()
    })
  }

  async deleteVersionTag(name: string, version: string, key: string, time: number): Promise<void> {
    await withWriteTransaction(this.db, this.ops, async (tx) => {
      const n = await touchVersion(tx, name, version, time)
      // Deleting a tag that is not set is not an error, as in MLflow.
      await tx
        .deleteFrom('model_version_tags')
        .where('name', '=', name)
        .where('version', '=', n)
        .where('key', '=', key)
        .execute()
    })
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
