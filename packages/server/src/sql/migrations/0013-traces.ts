import type { Kysely, Migration } from 'kysely'
import type { DialectOps } from '../dialect.js'

/**
 * Traces (MLflow 3's tracing): one row per trace in `traces` (an experiment's traces listed newest
 * first through (experiment_id, request_time, trace_id)), its tags and metadata as key-value rows,
 * its spans one row each (the span as JSON text, with the columns filters read: name, type,
 * status), its assessments one row each (as JSON text), and the runs it was linked to. A trace's rows go with it: deleting a
 * trace deletes them in the same transaction.
 */
export function tracesMigration(ops: DialectOps): Migration {
  const text = ops.textType('text')
  const key = ops.textType('varchar(250)')
  const id = ops.textType('varchar(64)')
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('traces')
        .addColumn('trace_id', id, (c) => c.primaryKey())
        .addColumn('experiment_id', ops.integerType, (c) => c.notNull())
        .addColumn('client_request_id', key)
        .addColumn('request_time', 'bigint', (c) => c.notNull())
        .addColumn('execution_duration', 'bigint')
        .addColumn('state', ops.textType('varchar(32)'), (c) => c.notNull())
        .addColumn('request_preview', text)
        .addColumn('response_preview', text)
        .execute()
      await db.schema
        .createIndex('traces_by_time')
        .on('traces')
        .columns(['experiment_id', 'request_time', 'trace_id'])
        .execute()
      for (const table of ['trace_tags', 'trace_metadata']) {
        await db.schema
          .createTable(table)
          .addColumn('trace_id', id, (c) => c.notNull())
          .addColumn('key', key, (c) => c.notNull())
          .addColumn('value', text, (c) => c.notNull())
          .addPrimaryKeyConstraint(`${table}_pk`, ['trace_id', 'key'])
          .execute()
      }
      await db.schema
        .createTable('trace_spans')
        .addColumn('trace_id', id, (c) => c.notNull())
        .addColumn('span_id', ops.textType('varchar(32)'), (c) => c.notNull())
        .addColumn('parent_span_id', ops.textType('varchar(32)'))
        .addColumn('name', text, (c) => c.notNull())
        .addColumn('span_type', key, (c) => c.notNull())
        .addColumn('status', ops.textType('varchar(16)'), (c) => c.notNull())
        .addColumn('start_time_ms', 'bigint', (c) => c.notNull())
        .addColumn('content', text, (c) => c.notNull())
        .addPrimaryKeyConstraint('trace_spans_pk', ['trace_id', 'span_id'])
        .execute()
      await db.schema
        .createTable('trace_assessments')
        .addColumn('assessment_id', id, (c) => c.primaryKey())
        .addColumn('trace_id', id, (c) => c.notNull())
        .addColumn('name', key, (c) => c.notNull())
        // 'feedback' or 'expectation'; value: its value as JSON text, which filters compare.
        .addColumn('kind', ops.textType('varchar(16)'), (c) => c.notNull())
        .addColumn('value', text)
        .addColumn('created_ms', 'bigint', (c) => c.notNull())
        .addColumn('content', text, (c) => c.notNull())
        .execute()
      await db.schema
        .createIndex('trace_assessments_by_trace')
        .on('trace_assessments')
        .columns(['trace_id', 'created_ms'])
        .execute()
      // link-traces-to-run: runs a trace belongs to besides the one it was recorded in.
      await db.schema
        .createTable('trace_run_links')
        .addColumn('trace_id', id, (c) => c.notNull())
        .addColumn('run_id', ops.textType('varchar(32)'), (c) => c.notNull())
        .addPrimaryKeyConstraint('trace_run_links_pk', ['trace_id', 'run_id'])
        .execute()
      await db.schema.createIndex('trace_run_links_by_run').on('trace_run_links').columns(['run_id']).execute()
    },
  }
}
