import type { Kysely, Migration } from 'kysely'

/**
 * The durable work queue (queue/durable-queue.ts): one row per job, its id the idempotency key.
 * Workers claim due rows (`state = 'queued'`, `run_at_ms` reached) or rows whose lease lapsed
 * (`state = 'running'`, `lease_until_ms` passed) through the (state, run_at_ms) index; lists read
 * newest first through (created_ms, job_id) and (kind, created_ms).
 */
export function jobsMigration(): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('jobs')
        .addColumn('job_id', 'varchar(256)', (c) => c.primaryKey())
        .addColumn('kind', 'varchar(64)', (c) => c.notNull())
        // queued, running, succeeded, failed, cancelled
        .addColumn('state', 'varchar(16)', (c) => c.notNull())
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('result', 'text')
        .addColumn('attempts', 'integer', (c) => c.notNull())
        .addColumn('max_attempts', 'integer', (c) => c.notNull())
        .addColumn('backoff_ms', 'bigint', (c) => c.notNull())
        .addColumn('last_error', 'text')
        .addColumn('created_ms', 'bigint', (c) => c.notNull())
        .addColumn('updated_ms', 'bigint', (c) => c.notNull())
        .addColumn('run_at_ms', 'bigint', (c) => c.notNull())
        .addColumn('started_ms', 'bigint')
        .addColumn('finished_ms', 'bigint')
        .addColumn('claimed_by', 'varchar(256)')
        .addColumn('lease_until_ms', 'bigint')
        .execute()
      await db.schema.createIndex('jobs_due').on('jobs').columns(['state', 'run_at_ms']).execute()
      await db.schema.createIndex('jobs_created').on('jobs').columns(['created_ms', 'job_id']).execute()
      await db.schema.createIndex('jobs_kind').on('jobs').columns(['kind', 'created_ms']).execute()
    },
  }
}
