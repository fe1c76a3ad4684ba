import type { Kysely, Migration } from 'kysely'

/**
 * latest_metrics' search index gains is_nan after the key: (key, is_nan, value, run_uuid). A search
 * ordered by a metric walks the numbers in value order with `key = ? AND is_nan = 0`, and a metric
 * filter reads `key = ? AND is_nan = 0 AND value <op> ?`: both are now one range of the index,
 * where each entry had to be checked against the table row for is_nan (NaN is stored as value 0, so
 * every NaN run sat in the middle of the numbers). The same number of indexes to write.
 */
export function latestMetricsNanIndexMigration(): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema.dropIndex('latest_metrics_key_value').execute()
      await db.schema
        .createIndex('latest_metrics_key_value')
        .on('latest_metrics')
        .columns(['key', 'is_nan', 'value', 'run_uuid'])
        .execute()
    },
  }
}
