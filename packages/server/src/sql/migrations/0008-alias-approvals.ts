import type { Kysely, Migration } from 'kysely'
import type { DialectOps } from '../dialect.js'

/**
 * Protected aliases and the requests to move them: a model's owner marks an alias (`champion`)
 * protected, optionally needing a second user's approval; a request to move it waits in
 * `alias_change_requests` until another user approves (the move is then made in the same
 * transaction) or rejects it. Rows name their model by `name`, renamed with it.
 */
export function aliasApprovalsMigration(ops: DialectOps): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('registered_model_alias_protections')
        .addColumn('name', ops.textType('varchar(256)'), (c) => c.notNull())
        .addColumn('alias', ops.textType('varchar(255)'), (c) => c.notNull())
        .addColumn('require_approval', ops.integerType, (c) => c.notNull())
        .addColumn('protected_by', ops.textType('varchar(256)'), (c) => c.notNull())
        .addColumn('protected_time', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('registered_model_alias_protections_pk', ['name', 'alias'])
        .execute()
      await db.schema
        .createTable('alias_change_requests')
        .addColumn('request_id', ops.serialType, (c) =>
          ops.name === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey(),
        )
        .addColumn('name', ops.textType('varchar(256)'), (c) => c.notNull())
        .addColumn('alias', ops.textType('varchar(255)'), (c) => c.notNull())
        // the version the alias should point at; null: remove the alias
        .addColumn('version', ops.integerType)
        .addColumn('requested_by', ops.textType('varchar(256)'), (c) => c.notNull())
        .addColumn('requested_time', 'bigint', (c) => c.notNull())
        .addColumn('comment', ops.textType('text'))
        // pending, approved, rejected, cancelled
        .addColumn('status', ops.textType('varchar(16)'), (c) => c.notNull())
        .addColumn('decided_by', ops.textType('varchar(256)'))
        .addColumn('decided_time', 'bigint')
        .addColumn('decision_comment', ops.textType('text'))
        .execute()
      await db.schema
        .createIndex('alias_change_requests_model')
        .on('alias_change_requests')
        .columns(['name', 'status', 'request_id'])
        .execute()
      await db.schema.alterTable('registry_events').addColumn('request_id', ops.integerType).execute()
    },
  }
}
