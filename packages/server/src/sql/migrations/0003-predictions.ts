import type { Kysely, Migration } from 'kysely'
import type { DialectOps } from '../dialect.js'

/**
 * The prediction log: one row per served request and variant, unique by (deployment, request_id,
 * variant); labels by request id, joined at read time (they may come first); a running summary per
 * deployment (records, dropped, first and last timestamps) and its distinct variants and model
 * versions, kept in the batch's transaction so the summary never scans the log.
 */
export function predictionsMigration(ops: DialectOps): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('predictions')
        // Arrival order: the tie-breaker of equal timestamps, and half of the page cursor.
        .addColumn('seq', ops.serialType, (c) =>
          ops.name === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey(),
        )
        .addColumn('deployment', ops.textType('varchar(256)'), (c) => c.notNull())
        .addColumn('request_id', ops.textType('varchar(128)'), (c) => c.notNull())
        .addColumn('variant', ops.textType('varchar(256)'), (c) => c.notNull())
        .addColumn('shadow', ops.integerType, (c) => c.notNull())
        .addColumn('model_name', ops.textType('varchar(256)'), (c) => c.notNull())
        .addColumn('model_version', ops.textType('varchar(256)'))
        .addColumn('model_uri', ops.textType('text'), (c) => c.notNull())
        .addColumn('timestamp_ms', 'bigint', (c) => c.notNull())
        .addColumn('latency_ms', 'double precision', (c) => c.notNull())
        .addColumn('protocol', ops.textType('varchar(16)'), (c) => c.notNull())
        // JSON text: rows as objects, one output per row, optional probabilities per row.
        .addColumn('inputs', ops.textType('text'), (c) => c.notNull())
        .addColumn('outputs', ops.textType('text'), (c) => c.notNull())
        .addColumn('probabilities', ops.textType('text'))
        .addColumn('status_code', ops.integerType, (c) => c.notNull())
        .addColumn('error', ops.textType('text'))
        .execute()
      await db.schema
        .createIndex('predictions_key')
        .unique()
        .on('predictions')
        .columns(['deployment', 'request_id', 'variant'])
        .execute()
      // Searches: a deployment's time window (the common one), any time window, a model's versions.
      await db.schema
        .createIndex('predictions_deployment_time')
        .on('predictions')
        .columns(['deployment', 'timestamp_ms', 'seq'])
        .execute()
      await db.schema.createIndex('predictions_time').on('predictions').columns(['timestamp_ms', 'seq']).execute()
      await db.schema
        .createIndex('predictions_model_time')
        .on('predictions')
        .columns(['model_name', 'model_version', 'timestamp_ms', 'seq'])
        .execute()
      await db.schema.createIndex('predictions_request').on('predictions').columns(['request_id']).execute()

      await db.schema
        .createTable('prediction_labels')
        .addColumn('request_id', ops.textType('varchar(128)'), (c) => c.primaryKey())
        // JSON text, so that 1 and "1" stay apart.
        .addColumn('label', ops.textType('text'), (c) => c.notNull())
        .addColumn('timestamp_ms', 'bigint', (c) => c.notNull())
        .execute()

      await db.schema
        .createTable('prediction_deployments')
        .addColumn('deployment', ops.textType('varchar(256)'), (c) => c.primaryKey())
        .addColumn('records', 'bigint', (c) => c.notNull())
        .addColumn('dropped', 'bigint', (c) => c.notNull())
        .addColumn('first_timestamp_ms', 'bigint')
        .addColumn('last_timestamp_ms', 'bigint')
        .execute()
      await db.schema
        .createTable('prediction_deployment_values')
        .addColumn('deployment', ops.textType('varchar(256)'), (c) => c.notNull())
        // 'variant' or 'model_version'.
        .addColumn('kind', ops.textType('varchar(16)'), (c) => c.notNull())
        .addColumn('value', ops.textType('varchar(256)'), (c) => c.notNull())
        .addPrimaryKeyConstraint('prediction_deployment_values_pk', ['deployment', 'kind', 'value'])
        .execute()
    },
  }
}
