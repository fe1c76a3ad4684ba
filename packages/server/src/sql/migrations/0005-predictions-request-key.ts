import type { Kysely, Migration } from 'kysely'
import type { DialectOps } from '../dialect.js'

/**
 * The prediction log's unique key leads with request_id: (request_id, deployment, variant). It
 * then also serves the lookups by request id, so the separate request_id index goes. Request ids
 * are random, so every insert into an index on them dirties its own page (written to the WAL, then
 * checkpointed): two such indexes were most of a logged record's cost, one is half of it. The set
 * of columns is the same, so the rows unique under the old key are unique under the new one.
 */
export function predictionsRequestKeyMigration(_ops: DialectOps): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema.dropIndex('predictions_request').execute()
      await db.schema.dropIndex('predictions_key').execute()
      await db.schema
        .createIndex('predictions_key')
        .unique()
        .on('predictions')
        .columns(['request_id', 'deployment', 'variant'])
        .execute()
    },
  }
}
