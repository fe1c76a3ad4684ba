/** Brings a database's schema up to date with keel's migrations, and says what it did. */
import { type Kysely, Migrator } from 'kysely'
import { KeelError } from '@keel/contracts'
import type { Database } from './database.js'
import type { DialectOps } from './dialect.js'
import { allMigrations } from './migrations/index.js'

export interface MigrationReport {
  /** Migrations that ran now, in order. */
  readonly applied: readonly string[]
  /** Every migration keel knows, the newest last. */
  readonly known: readonly string[]
}

export async function migrateToLatest(db: Kysely<Database>, ops: DialectOps): Promise<MigrationReport> {
  const migrations = allMigrations(ops)
  const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } })
  const { error, results } = await migrator.migrateToLatest()
  const failed = results?.find((r) => r.status === 'Error')
  if (error) {
    throw new KeelError(
      'INTERNAL_ERROR',
      `Database migration ${failed?.migrationName ?? ''} failed: ${String(error)}`,
      {
        cause: error,
      },
    )
  }
  return {
    applied: (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName),
    known: Object.keys(migrations).sort(),
  }
}
