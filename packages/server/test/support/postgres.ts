/**
 * Fresh PostgreSQL databases for tests, on the cluster the run's globalSetup started
 * (postgres-global-setup.ts). Each is a copy of a template that keel's migrations built once per
 * test process, so a conformance suite's store per test costs a CREATE DATABASE, not a migration.
 */
import pg from 'pg'
import { inject } from 'vitest'
import type { SqlDatabase } from '../../src/sql/database.js'
import { openDatabase } from '../../src/sql/open-database.js'

declare module 'vitest' {
  export interface ProvidedContext {
    /** The test cluster's maintenance database as the superuser `keel` (postgres-global-setup.ts). */
    postgresUri: string
  }
}

/** The URI of `database` on the test cluster (its maintenance database by default). */
export function postgresUri(database = 'postgres'): string {
  const url = new URL(inject('postgresUri'))
  url.pathname = `/${database}`
  return url.toString()
}

async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: postgresUri() })
  await client.connect()
  try {
    return await fn(client)
  } finally {
    await client.end()
  }
}

let template: Promise<string> | undefined
let counter = 0

function migratedTemplate(): Promise<string> {
  template ??= (async () => {
    const name = `keel_tpl_${process.pid}_${Date.now().toString(36)}`
    await admin((c) => c.query(`CREATE DATABASE ${name}`))
    await (await openDatabase(postgresUri(name))).close()
    return name
  })()
  return template
}

export interface FreshPostgres {
  readonly name: string
  readonly uri: string
  /** Drops the database (its open connections are closed first). */
  drop(): Promise<void>
}

/** A new database with keel's schema (or empty, with `migrated: false`). */
export async function freshPostgres(options: { migrated?: boolean } = {}): Promise<FreshPostgres> {
  const name = `keel_${process.pid}_${(counter++).toString(36)}_${Date.now().toString(36)}`
  const from = options.migrated === false ? 'template0' : await migratedTemplate()
  await admin((c) => c.query(`CREATE DATABASE ${name} TEMPLATE ${from}`))
  return {
    name,
    uri: postgresUri(name),
    drop: () => admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => {}),
  }
}

/** A fresh migrated database opened as keel opens it; `close()` also drops it. */
export async function openFreshPostgres(): Promise<SqlDatabase> {
  const fresh = await freshPostgres()
  const database = await openDatabase(fresh.uri)
  return {
    ...database,
    close: async () => {
      await database.close()
      await fresh.drop()
    },
  }
}
