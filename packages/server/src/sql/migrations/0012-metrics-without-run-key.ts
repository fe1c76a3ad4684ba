import { sql, type Kysely, type Migration } from 'kysely'
import type { DialectOps } from '../dialect.js'

/**
 * On PostgreSQL, the metric history drops its foreign key to runs. PostgreSQL checks a foreign key
 * row by row (a trigger per inserted row that looks the run up and locks it FOR KEY SHARE): ~3.5 ms
 * of the ~12 ms it spent on a log-batch of 1,000 points. Every point still belongs to a run:
 * metrics are written in one place (sql-metric-writes, in a run-scoped write), after the write
 * has locked the run's row and refused a run that is missing or deleted, and keel never removes a
 * run's row (deleting a run marks it deleted). SQLite checks the key by a
 * lookup in the runs index, cheaply, and keeps it. latest_metrics (a row per key, not per point)
 * keeps its foreign key on both.
 */
export function metricsWithoutRunKeyMigration(ops: DialectOps): Migration {
  return {
    async up(db: Kysely<any>) {
      if (ops.name !== 'postgres') return
      const { rows } = await sql<{ name: string }>`SELECT conname AS name FROM pg_constraint
        WHERE conrelid = 'metrics'::regclass AND contype = 'f'`.execute(db)
      for (const { name } of rows) await db.schema.alterTable('metrics').dropConstraint(name).execute()
    },
  }
}
