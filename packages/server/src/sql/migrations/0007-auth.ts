import type { Kysely, Migration } from 'kysely'
import type { DialectOps } from '../dialect.js'

/**
 * Authentication and permissions, as MLflow's basic-auth app stores them (users; roles holding
 * grants on resource types and patterns; users assigned to roles, each user's direct grants on a
 * hidden `__user_<id>__` role), plus keel's personal access tokens and browser sessions (their
 * secrets stored as SHA-256 only) and the append-only audit log of every write.
 */
export function authMigration(ops: DialectOps): Migration {
  return {
    async up(db: Kysely<any>) {
      const id = (c: any) => (ops.name === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey())
      await db.schema
        .createTable('auth_users')
        .addColumn('user_id', ops.serialType, id)
        .addColumn('username', ops.textType('varchar(256)'), (c) => c.notNull().unique())
        .addColumn('password_hash', ops.textType('varchar(512)'), (c) => c.notNull())
        .addColumn('is_admin', ops.integerType, (c) => c.notNull())
        .addColumn('created_time', 'bigint', (c) => c.notNull())
        .execute()

      await db.schema
        .createTable('auth_roles')
        .addColumn('role_id', ops.serialType, id)
        .addColumn('name', ops.textType('varchar(256)'), (c) => c.notNull())
        .addColumn('workspace', ops.textType('varchar(256)'), (c) => c.notNull())
        .addColumn('description', ops.textType('text'))
        .execute()
      await db.schema.createIndex('auth_roles_name').unique().on('auth_roles').columns(['workspace', 'name']).execute()

      await db.schema
        .createTable('auth_role_permissions')
        .addColumn('role_permission_id', ops.serialType, id)
        .addColumn('role_id', ops.integerType, (c) => c.notNull())
        .addColumn('resource_type', ops.textType('varchar(64)'), (c) => c.notNull())
        .addColumn('resource_pattern', ops.textType('varchar(512)'), (c) => c.notNull())
        .addColumn('permission', ops.textType('varchar(32)'), (c) => c.notNull())
        .execute()
      await db.schema
        .createIndex('auth_role_permissions_key')
        .unique()
        .on('auth_role_permissions')
        .columns(['role_id', 'resource_type', 'resource_pattern'])
        .execute()
      await db.schema
        .createIndex('auth_role_permissions_resource')
        .on('auth_role_permissions')
        .columns(['resource_type', 'resource_pattern'])
        .execute()

      await db.schema
        .createTable('auth_user_roles')
        .addColumn('assignment_id', ops.serialType, id)
        .addColumn('user_id', ops.integerType, (c) => c.notNull())
        .addColumn('role_id', ops.integerType, (c) => c.notNull())
        .execute()
      await db.schema
        .createIndex('auth_user_roles_key')
        .unique()
        .on('auth_user_roles')
        .columns(['user_id', 'role_id'])
        .execute()
      await db.schema.createIndex('auth_user_roles_role').on('auth_user_roles').columns(['role_id']).execute()

      await db.schema
        .createTable('auth_tokens')
        .addColumn('token_id', ops.textType('varchar(32)'), (c) => c.primaryKey())
        .addColumn('user_id', ops.integerType, (c) => c.notNull())
        // 'token' (a personal access token) or 'session' (a browser sign-in)
        .addColumn('kind', ops.textType('varchar(16)'), (c) => c.notNull())
        .addColumn('name', ops.textType('varchar(256)'), (c) => c.notNull())
        .addColumn('secret_hash', ops.textType('varchar(64)'), (c) => c.notNull())
        .addColumn('created_time', 'bigint', (c) => c.notNull())
        .addColumn('expires_time', 'bigint', (c) => c.notNull())
        .addColumn('last_used_time', 'bigint')
        .addColumn('revoked_time', 'bigint')
        .execute()
      await db.schema.createIndex('auth_tokens_user').on('auth_tokens').columns(['user_id', 'kind']).execute()

      await db.schema
        .createTable('audit_log')
        .addColumn('seq', ops.serialType, id)
        .addColumn('timestamp_ms', 'bigint', (c) => c.notNull())
        .addColumn('actor', ops.textType('varchar(256)'), (c) => c.notNull())
        // 1 when the actor was authenticated; 0 when auth is off and the name is the client's word
        .addColumn('authenticated', ops.integerType, (c) => c.notNull())
        .addColumn('address', ops.textType('varchar(64)'), (c) => c.notNull())
        .addColumn('method', ops.textType('varchar(8)'), (c) => c.notNull())
        .addColumn('path', ops.textType('varchar(2048)'), (c) => c.notNull())
        .addColumn('action', ops.textType('varchar(128)'), (c) => c.notNull())
        // JSON: the resource the request named (e.g. {"experiment":"3"}), when the route names one
        .addColumn('resource', ops.textType('text'))
        .addColumn('status', ops.integerType, (c) => c.notNull())
        .addColumn('request_id', ops.textType('varchar(128)'), (c) => c.notNull())
        .execute()
      await db.schema.createIndex('audit_log_time').on('audit_log').columns(['timestamp_ms', 'seq']).execute()
      await db.schema.createIndex('audit_log_actor').on('audit_log').columns(['actor', 'seq']).execute()
      await ops.makeAppendOnly(db, 'audit_log')
    },
  }
}
