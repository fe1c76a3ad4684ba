/**
 * The registry's audit trail over SQL, newest first. Its events are written by the other parts, in
 * the transaction of the change each one records (registry-writes.ts `record`).
 */
import type { RegistryEvent } from '@keel/contracts'
import type { Kysely } from 'kysely'
import type { RegistryEventQuery, RegistryStore } from '../../registry/registry-store.js'
import type { PageResult } from '../../tracking/tracking-store.js'
import type { Database } from '../database.js'
import { eventFromRow } from './registry-rows.js'

export class SqlRegistryEventStore implements Pick<RegistryStore, 'searchEvents'> {
  constructor(private readonly db: Kysely<Database>) {}

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
}
