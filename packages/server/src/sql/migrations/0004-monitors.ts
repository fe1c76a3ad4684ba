import type { Kysely, Migration } from 'kysely'
import type { DialectOps } from '../dialect.js'

/**
 * Live monitors: their settings (JSON), the windows they processed (one row per monitor and
 * window number, the result as JSON text, the log range it covers) and the alerts they fired (one
 * per monitor, rule and window).
 */
export function monitorsMigration(ops: DialectOps): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('monitors')
        .addColumn('monitor_id', ops.textType('varchar(64)'), (c) => c.primaryKey())
        .addColumn('deployment', ops.textType('varchar(256)'), (c) => c.notNull())
        .addColumn('name', ops.textType('varchar(256)'), (c) => c.notNull())
        // The settings as JSON text (reference, window, rules, tests, thresholds, status …).
        .addColumn('settings', ops.textType('text'), (c) => c.notNull())
        .addColumn('last_window_id', 'bigint')
        .addColumn('last_window_end_ms', 'bigint')
        .addColumn('last_error', ops.textType('text'))
        .execute()
      await db.schema.createIndex('monitors_name').unique().on('monitors').columns(['deployment', 'name']).execute()

      await db.schema
        .createTable('monitor_windows')
        .addColumn('monitor_id', ops.textType('varchar(64)'), (c) => c.notNull())
        .addColumn('window_id', 'bigint', (c) => c.notNull())
        .addColumn('start_ms', 'bigint', (c) => c.notNull())
        .addColumn('end_ms', 'bigint', (c) => c.notNull())
        .addColumn('after_ts', 'bigint', (c) => c.notNull())
        .addColumn('after_seq', 'bigint', (c) => c.notNull())
        .addColumn('end_ts', 'bigint', (c) => c.notNull())
        .addColumn('end_seq', 'bigint', (c) => c.notNull())
        .addColumn('result', ops.textType('text'), (c) => c.notNull())
        .addPrimaryKeyConstraint('monitor_windows_pk', ['monitor_id', 'window_id'])
        .execute()
      await db.schema
        .createIndex('monitor_windows_time')
        .on('monitor_windows')
        .columns(['monitor_id', 'start_ms'])
        .execute()

      await db.schema
        .createTable('monitor_alerts')
        .addColumn('alert_id', ops.textType('varchar(64)'), (c) => c.primaryKey())
        .addColumn('monitor_id', ops.textType('varchar(64)'), (c) => c.notNull())
        .addColumn('deployment', ops.textType('varchar(256)'), (c) => c.notNull())
        .addColumn('rule_id', ops.textType('varchar(256)'), (c) => c.notNull())
        .addColumn('window_id', 'bigint', (c) => c.notNull())
        .addColumn('fired_ms', 'bigint', (c) => c.notNull())
        // The alert with its deliveries, as JSON text.
        .addColumn('alert', ops.textType('text'), (c) => c.notNull())
        .execute()
      await db.schema
        .createIndex('monitor_alerts_once')
        .unique()
        .on('monitor_alerts')
        .columns(['monitor_id', 'rule_id', 'window_id'])
        .execute()
      await db.schema
        .createIndex('monitor_alerts_monitor')
        .on('monitor_alerts')
        .columns(['monitor_id', 'fired_ms'])
        .execute()
      await db.schema
        .createIndex('monitor_alerts_deployment')
        .on('monitor_alerts')
        .columns(['deployment', 'fired_ms'])
        .execute()
    },
  }
}
