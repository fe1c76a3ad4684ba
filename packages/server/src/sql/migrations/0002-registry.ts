import type { Kysely, Migration } from 'kysely'
import type { DialectOps } from '../dialect.js'

/**
 * Model registry: registered models, versions, tags, aliases, the audit trail and the lineage
 * captured at registration. Child rows name their model by `name`; a rename updates them in the
 * same transaction (no ON UPDATE CASCADE, which SQLite applies only with foreign keys enabled).
 */
export function registryMigration(ops: DialectOps): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('registered_models')
        .addColumn('name', ops.textType('varchar(256)'), (c) => c.primaryKey())
        .addColumn('creation_time', 'bigint', (c) => c.notNull())
        .addColumn('last_updated_time', 'bigint', (c) => c.notNull())
        .addColumn('description', ops.textType('text'))
        .addColumn('user_id', ops.textType('varchar(256)'))
        .execute()
      await db.schema
        .createIndex('registered_models_updated')
        .on('registered_models')
        .columns(['last_updated_time'])
        .execute()
      await db.schema
        .createTable('registered_model_tags')
        .addColumn('name', ops.textType('varchar(256)'), (c) => c.notNull())
        .addColumn('key', ops.textType('varchar(250)'), (c) => c.notNull())
        .addColumn('value', ops.textType('text'), (c) => c.notNull())
        .addPrimaryKeyConstraint('registered_model_tags_pk', ['name', 'key'])
        .execute()

      await db.schema
        .createTable('model_versions')
        .addColumn('name', ops.textType('varchar(256)'), (c) => c.notNull())
        .addColumn('version', ops.integerType, (c) => c.notNull())
        .addColumn('creation_time', 'bigint', (c) => c.notNull())
        .addColumn('last_updated_time', 'bigint', (c) => c.notNull())
        .addColumn('description', ops.textType('text'))
        .addColumn('user_id', ops.textType('varchar(256)'))
        .addColumn('current_stage', ops.textType('varchar(20)'), (c) => c.notNull())
        .addColumn('source', ops.textType('text'), (c) => c.notNull())
        .addColumn('storage_location', ops.textType('text'), (c) => c.notNull())
        .addColumn('run_id', ops.textType('varchar(32)'))
        .addColumn('run_link', ops.textType('text'))
        .addColumn('model_id', ops.textType('varchar(64)'))
        .addColumn('status', ops.textType('varchar(20)'), (c) => c.notNull())
        .addColumn('status_message', ops.textType('text'))
        // JSON: the lineage captured when the version was registered (never updated).
        .addColumn('lineage', ops.textType('text'), (c) => c.notNull())
        .addPrimaryKeyConstraint('model_versions_pk', ['name', 'version'])
        .execute()
      await db.schema.createIndex('model_versions_run').on('model_versions').columns(['run_id']).execute()
      await db.schema
        .createIndex('model_versions_updated')
        .on('model_versions')
        .columns(['last_updated_time'])
        .execute()
      await db.schema
        .createTable('model_version_tags')
        .addColumn('name', ops.textType('varchar(256)'), (c) => c.notNull())
        .addColumn('version', ops.integerType, (c) => c.notNull())
        .addColumn('key', ops.textType('varchar(250)'), (c) => c.notNull())
        .addColumn('value', ops.textType('text'), (c) => c.notNull())
        .addPrimaryKeyConstraint('model_version_tags_pk', ['name', 'version', 'key'])
        .execute()
      await db.schema
        .createTable('registered_model_aliases')
        .addColumn('name', ops.textType('varchar(256)'), (c) => c.notNull())
        .addColumn('alias', ops.textType('varchar(255)'), (c) => c.notNull())
        .addColumn('version', ops.integerType, (c) => c.notNull())
        .addPrimaryKeyConstraint('registered_model_aliases_pk', ['name', 'alias'])
        .execute()

      await db.schema
        .createTable('registry_events')
        .addColumn('event_id', ops.serialType, (c) =>
          ops.name === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey(),
        )
        .addColumn('timestamp', 'bigint', (c) => c.notNull())
        .addColumn('actor', ops.textType('varchar(256)'), (c) => c.notNull())
        .addColumn('kind', ops.textType('varchar(40)'), (c) => c.notNull())
        .addColumn('name', ops.textType('varchar(256)'), (c) => c.notNull())
        .addColumn('version', ops.integerType)
        .addColumn('alias', ops.textType('varchar(255)'))
        .addColumn('from_value', ops.textType('text'))
        .addColumn('to_value', ops.textType('text'))
        .addColumn('comment', ops.textType('text'))
        .execute()
      await db.schema
        .createIndex('registry_events_name')
        .on('registry_events')
        .columns(['name', 'version', 'event_id'])
        .execute()
    },
  }
}
