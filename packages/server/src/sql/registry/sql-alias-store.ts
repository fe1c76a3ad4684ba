/**
 * Aliases over SQL: setting and deleting one (refused for a protected alias that needs approval;
 * see sql-alias-approval-store.ts) with its audit event, and the version an alias points at.
 */
import type { Kysely } from 'kysely'
import type { Audit, RegistryStore, StoredModelVersion } from '../../registry/registry-store.js'
import type { Database } from '../database.js'
import type { DialectOps } from '../dialect.js'
import { withWriteTransaction } from '../sql-util.js'
import { loadVersions } from './registry-rows.js'
import { pointAlias, refuseUnapprovedMove, removeAlias } from './registry-writes.js'

export class SqlAliasStore implements Pick<RegistryStore, 'setAlias' | 'deleteAlias' | 'getVersionByAlias'> {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly ops: DialectOps,
  ) {}

  async setAlias(name: string, alias: string, version: string, audit: Audit): Promise<void> {
    await withWriteTransaction(this.db, this.ops, async (tx) => {
      await refuseUnapprovedMove(tx, name, alias)
      await pointAlias(tx, name, alias, version, audit)
    })
  }

  async deleteAlias(name: string, alias: string, audit: Audit): Promise<boolean> {
    return withWriteTransaction(this.db, this.ops, async (tx) => {
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
}
