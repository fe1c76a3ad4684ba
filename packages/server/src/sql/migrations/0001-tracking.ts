import { type Kysely, type Migration, sql } from 'kysely'
import type { DialectOps } from '../dialect.js'

/**
 * On PostgreSQL, how many leading characters of a param's or tag's value the (key, value) index
 * holds (never change it: the index was built with it). 200 characters are at most 800 bytes.
 */
export const INDEXED_VALUE_PREFIX = 200

/** Tracking: experiments, runs and what is logged to them, datasets, logged models. */
export function trackingMigration(ops: DialectOps): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('experiments')
        .addColumn('experiment_id', ops.serialType, (c) =>
          ops.name === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey(),
        )
        .addColumn('name', ops.textType('varchar(500)'), (c) => c.notNull().unique())
        .addColumn('artifact_location', ops.textType('text'), (c) => c.notNull())
        .addColumn('lifecycle_stage', ops.textType('varchar(32)'), (c) => c.notNull())
        .addColumn('creation_time', 'bigint', (c) => c.notNull())
        .addColumn('last_update_time', 'bigint', (c) => c.notNull())
        .execute()
      await db.schema
        .createTable('experiment_tags')
        .addColumn('experiment_id', ops.integerType, (c) => c.notNull().references('experiments.experiment_id'))
        .addColumn('key', ops.textType('varchar(250)'), (c) => c.notNull())
        .addColumn('value', ops.textType('text'), (c) => c.notNull())
        .addPrimaryKeyConstraint('experiment_tags_pk', ['experiment_id', 'key'])
        .execute()

      await db.schema
        .createTable('runs')
        .addColumn('run_uuid', ops.textType('varchar(32)'), (c) => c.primaryKey())
        .addColumn('name', ops.textType('varchar(250)'), (c) => c.notNull())
        .addColumn('experiment_id', ops.integerType, (c) => c.notNull().references('experiments.experiment_id'))
        .addColumn('user_id', ops.textType('varchar(256)'), (c) => c.notNull())
        .addColumn('status', ops.textType('varchar(20)'), (c) => c.notNull())
        .addColumn('start_time', 'bigint', (c) => c.notNull())
        .addColumn('end_time', 'bigint')
        .addColumn('lifecycle_stage', ops.textType('varchar(20)'), (c) => c.notNull())
        .addColumn('artifact_uri', ops.textType('text'), (c) => c.notNull())
        .addColumn('deleted_time', 'bigint')
        .execute()
      // Search: runs of an experiment in a lifecycle stage, newest first (the default order).
      await db.schema
        .createIndex('runs_experiment_stage_start')
        .on('runs')
        .columns(['experiment_id', 'lifecycle_stage', 'start_time', 'run_uuid'])
        .execute()

      for (const table of ['tags', 'params']) {
        await db.schema
          .createTable(table)
          .addColumn('run_uuid', ops.textType('varchar(32)'), (c) => c.notNull().references('runs.run_uuid'))
          .addColumn('key', ops.textType('varchar(250)'), (c) => c.notNull())
          .addColumn('value', ops.textType('text'), (c) => c.notNull())
          .addPrimaryKeyConstraint(`${table}_pk`, ['run_uuid', 'key'])
          .execute()
        // Search filters select the runs with a key's value (covering: no table lookups).
        if (ops.name === 'postgres') {
          // A btree entry holds at most 2,704 bytes on PostgreSQL and values reach 8,000 characters:
          // the index holds each value's first characters; searches name them (run-search-sql).
          await sql
            .raw(`CREATE INDEX ${table}_key_value ON ${table} (key, left(value, ${INDEXED_VALUE_PREFIX}), run_uuid)`)
            .execute(db)
        } else {
          await db.schema.createIndex(`${table}_key_value`).on(table).columns(['key', 'value', 'run_uuid']).execute()
        }
      }

      // Metric history. The primary key makes a client's retry of the same point a no-op, and its
      // order serves get-history (by run and key, in timestamp, step, value order).
      await db.schema
        .createTable('metrics')
        .addColumn('run_uuid', ops.textType('varchar(32)'), (c) => c.notNull().references('runs.run_uuid'))
        .addColumn('key', ops.textType('varchar(250)'), (c) => c.notNull())
        .addColumn('timestamp', 'bigint', (c) => c.notNull())
        .addColumn('step', 'bigint', (c) => c.notNull())
        .addColumn('value', 'double precision', (c) => c.notNull())
        .addColumn('is_nan', 'integer', (c) => c.notNull())
        .addColumn('model_id', ops.textType('varchar(64)'))
        .addColumn('dataset_name', ops.textType('varchar(500)'))
        .addColumn('dataset_digest', ops.textType('varchar(36)'))
        .addPrimaryKeyConstraint('metrics_pk', ['run_uuid', 'key', 'timestamp', 'step', 'value', 'is_nan'])
        .execute()
      // Charts by step (bulk interval) read metrics by run, key and step.
      await db.schema.createIndex('metrics_run_key_step').on('metrics').columns(['run_uuid', 'key', 'step']).execute()

      // The latest value per (run, key): what runs show and what search filters and orders on.
      await db.schema
        .createTable('latest_metrics')
        .addColumn('run_uuid', ops.textType('varchar(32)'), (c) => c.notNull().references('runs.run_uuid'))
        .addColumn('key', ops.textType('varchar(250)'), (c) => c.notNull())
        .addColumn('value', 'double precision', (c) => c.notNull())
        .addColumn('is_nan', 'integer', (c) => c.notNull())
        .addColumn('timestamp', 'bigint', (c) => c.notNull())
        .addColumn('step', 'bigint', (c) => c.notNull())
        .addColumn('model_id', ops.textType('varchar(64)'))
        .addColumn('dataset_name', ops.textType('varchar(500)'))
        .addColumn('dataset_digest', ops.textType('varchar(36)'))
        .addPrimaryKeyConstraint('latest_metrics_pk', ['run_uuid', 'key'])
        .execute()
      await db.schema
        .createIndex('latest_metrics_key_value')
        .on('latest_metrics')
        .columns(['key', 'value', 'run_uuid'])
        .execute()

      await db.schema
        .createTable('datasets')
        .addColumn('dataset_uuid', ops.textType('varchar(36)'), (c) => c.primaryKey())
        .addColumn('experiment_id', ops.integerType, (c) => c.notNull().references('experiments.experiment_id'))
        .addColumn('name', ops.textType('varchar(500)'), (c) => c.notNull())
        .addColumn('digest', ops.textType('varchar(36)'), (c) => c.notNull())
        .addColumn('source_type', ops.textType('varchar(36)'), (c) => c.notNull())
        .addColumn('source', ops.textType('text'), (c) => c.notNull())
        .addColumn('schema', ops.textType('text'))
        .addColumn('profile', ops.textType('text'))
        .addUniqueConstraint('datasets_experiment_name_digest', ['experiment_id', 'name', 'digest'])
        .execute()
      await db.schema
        .createTable('run_dataset_inputs')
        .addColumn('run_uuid', ops.textType('varchar(32)'), (c) => c.notNull().references('runs.run_uuid'))
        .addColumn('dataset_uuid', ops.textType('varchar(36)'), (c) => c.notNull().references('datasets.dataset_uuid'))
        .addColumn('tags', ops.textType('text'), (c) => c.notNull())
        .addColumn('context', ops.textType('varchar(500)'))
        .addPrimaryKeyConstraint('run_dataset_inputs_pk', ['run_uuid', 'dataset_uuid'])
        .execute()
      await db.schema
        .createTable('run_model_io')
        .addColumn('run_uuid', ops.textType('varchar(32)'), (c) => c.notNull().references('runs.run_uuid'))
        .addColumn('model_id', ops.textType('varchar(64)'), (c) => c.notNull())
        .addColumn('direction', ops.textType('varchar(8)'), (c) => c.notNull())
        .addColumn('step', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('run_model_io_pk', ['run_uuid', 'direction', 'model_id'])
        .execute()

      await db.schema
        .createTable('logged_models')
        .addColumn('model_id', ops.textType('varchar(64)'), (c) => c.primaryKey())
        .addColumn('experiment_id', ops.integerType, (c) => c.notNull().references('experiments.experiment_id'))
        .addColumn('name', ops.textType('varchar(500)'), (c) => c.notNull())
        .addColumn('artifact_location', ops.textType('text'), (c) => c.notNull())
        .addColumn('creation_timestamp_ms', 'bigint', (c) => c.notNull())
        .addColumn('last_updated_timestamp_ms', 'bigint', (c) => c.notNull())
        .addColumn('status', ops.textType('varchar(40)'), (c) => c.notNull())
        .addColumn('status_message', ops.textType('text'))
        .addColumn('lifecycle_stage', ops.textType('varchar(20)'), (c) => c.notNull())
        .addColumn('model_type', ops.textType('varchar(500)'))
        .addColumn('source_run_id', ops.textType('varchar(32)'))
        .addColumn('creator_id', ops.textType('varchar(256)'))
        .execute()
      await db.schema
        .createIndex('logged_models_experiment')
        .on('logged_models')
        .columns(['experiment_id', 'creation_timestamp_ms'])
        .execute()
      for (const table of ['logged_model_tags', 'logged_model_params']) {
        await db.schema
          .createTable(table)
          .addColumn('model_id', ops.textType('varchar(64)'), (c) => c.notNull().references('logged_models.model_id'))
          .addColumn('key', ops.textType('varchar(250)'), (c) => c.notNull())
          .addColumn('value', ops.textType('text'), (c) => c.notNull())
          .addPrimaryKeyConstraint(`${table}_pk`, ['model_id', 'key'])
          .execute()
      }
      await db.schema
        .createTable('logged_model_metrics')
        .addColumn('model_id', ops.textType('varchar(64)'), (c) => c.notNull().references('logged_models.model_id'))
        .addColumn('key', ops.textType('varchar(250)'), (c) => c.notNull())
        .addColumn('timestamp', 'bigint', (c) => c.notNull())
        .addColumn('step', 'bigint', (c) => c.notNull())
        .addColumn('value', 'double precision', (c) => c.notNull())
        .addColumn('is_nan', 'integer', (c) => c.notNull())
        .addColumn('run_id', ops.textType('varchar(32)'))
        .addColumn('dataset_name', ops.textType('varchar(500)'))
        .addColumn('dataset_digest', ops.textType('varchar(36)'))
        .addPrimaryKeyConstraint('logged_model_metrics_pk', ['model_id', 'key', 'timestamp', 'step', 'value', 'is_nan'])
        .execute()
    },
  }
}
