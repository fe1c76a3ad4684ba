import type { Kysely, Migration } from 'kysely'
import type { DialectOps } from '../dialect.js'

/**
 * A monitor's window keeps the mergeable profile of every one of its rows (DatasetProfile JSON),
 * so windows merge into a longer range's profile without reading the log again. Nullable: windows
 * stored before have none.
 */
export function monitorWindowProfilesMigration(ops: DialectOps): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema.alterTable('monitor_windows').addColumn('profile', ops.textType('text')).execute()
    },
  }
}
