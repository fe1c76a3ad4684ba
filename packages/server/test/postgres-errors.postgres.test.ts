/**
 * PostgreSQL's errors as keel's: a server that is down, restarting or cutting connections is
 * TEMPORARILY_UNAVAILABLE (503) and the next query reconnects; a value a column refuses is
 * INVALID_PARAMETER_VALUE naming the column; unique violations keep their code for the stores.
 */
import { KeelError } from '@keel/contracts'
import { Kysely, PostgresDialect, sql } from 'kysely'
import pg from 'pg'
import { afterEach, describe, expect, it } from 'vitest'
import type { SqlDatabase } from '../src/sql/database.js'
import { translatePostgresError, translatingPool } from '../src/sql/postgres-errors.js'
import { createSqlTrackingStore } from '../src/sql/tracking/sql-tracking-store.js'
import { freePort } from './support/free-port.js'
import { openFreshPostgres, postgresUri } from './support/postgres.js'

const code = (err: unknown) => (err instanceof KeelError ? err.code : `not a KeelError: ${String(err)}`)

describe('translatePostgresError', () => {
  it.each([
    [{ code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:1' }],
    [{ code: 'ECONNRESET', message: 'read ECONNRESET' }],
    [{ code: '57P01', message: 'terminating connection due to administrator command' }],
    [{ code: '57P03', message: 'the database system is starting up' }],
    [{ code: '08006', message: 'connection failure' }],
    [new Error('Connection terminated unexpectedly')],
    [new Error('timeout exceeded when trying to connect')],
  ])('an unreachable or restarting server is TEMPORARILY_UNAVAILABLE: %o', (err) => {
    const out = translatePostgresError(err)
    expect(code(out)).toBe('TEMPORARILY_UNAVAILABLE')
    expect((out as KeelError).cause).toBe(err)
  })

  it('keeps unique and foreign-key violations as they are (the stores read their codes)', () => {
    for (const err of [{ code: '23505' }, { code: '23503' }, { code: '42P01' }]) {
      expect(translatePostgresError(err)).toBe(err)
    }
  })

  it('names the column of a value too long, from an INSERT or an UPDATE', () => {
    const tooLong = { code: '22001', message: 'value too long for type character varying(5)' }
    const insert = translatePostgresError(tooLong, 'insert into "t" ("a", "b") values ($1, $2), ($3, $4)', [
      'x',
      'y',
      'z',
      'longer',
    ])
    expect(insert).toMatchObject({ code: 'INVALID_PARAMETER_VALUE', message: expect.stringContaining("'b'") })
    const update = translatePostgresError(tooLong, 'update "t" set "name" = $1 where "id" = $2', ['longer', 'x'])
    expect(update).toMatchObject({ code: 'INVALID_PARAMETER_VALUE', message: expect.stringContaining("'name'") })
  })
})

describe('through a store on PostgreSQL', () => {
  let database: SqlDatabase | undefined
  afterEach(async () => {
    await database?.close()
    database = undefined
  })

  it('a connection the server cuts mid-query is TEMPORARILY_UNAVAILABLE, and queries recover on new connections', async () => {
    database = await openFreshPostgres()
    const store = createSqlTrackingStore(database)
    await store.ensureDefaultExperiment('mlflow-artifacts:/0')
    const { rows } = await sql<{ db: string }>`SELECT current_database() AS db`.execute(database.db)
    const name = rows[0]!.db
    const sleeping = sql`SELECT pg_sleep(30)`.execute(database.db).then(
      () => undefined,
      (err: unknown) => err,
    )
    const admin = new pg.Client({ connectionString: postgresUri() })
    await admin.connect()
    try {
      // Wait until the sleep is running, then cut every connection of the store's database.
      await expect
        .poll(async () => {
          const r = await admin.query(
            "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND query LIKE 'SELECT pg_sleep%'",
            [name],
          )
          return r.rows[0].n
        })
        .toBe(1)
      await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [name])
    } finally {
      await admin.end()
    }
    expect(code(await sleeping)).toBe('TEMPORARILY_UNAVAILABLE')
    // The pool's other connections were cut too: a query may still meet one (503) before the pool
    // has discarded it; then queries succeed on new connections.
    const failures: string[] = []
    await expect
      .poll(async () => {
        try {
          return (await store.experiments.get('0'))?.name
        } catch (err) {
          failures.push(code(err))
          return undefined
        }
      })
      .toBe('Default')
    expect(failures.filter((c) => c !== 'TEMPORARILY_UNAVAILABLE')).toEqual([])
  })

  it('a server that refuses connections is TEMPORARILY_UNAVAILABLE', async () => {
    const pool = new pg.Pool({ host: '127.0.0.1', port: await freePort(), user: 'x', connectionTimeoutMillis: 5000 })
    const db = new Kysely<unknown>({ dialect: new PostgresDialect({ pool: translatingPool(pool) }) })
    try {
      const err = await sql`SELECT 1`.execute(db).then(
        () => undefined,
        (e: unknown) => e,
      )
      expect(code(err)).toBe('TEMPORARILY_UNAVAILABLE')
    } finally {
      await db.destroy()
    }
  })

  it('a value longer than a varchar column is INVALID_PARAMETER_VALUE naming the column', async () => {
    database = await openFreshPostgres()
    await sql`CREATE TABLE short_names (id integer, name varchar(5))`.execute(database.db)
    const db = database.db.withTables<{ short_names: { id: number; name: string } }>()
    const err = await db
      .insertInto('short_names')
      .values({ id: 1, name: 'too long' })
      .execute()
      .then(
        () => undefined,
        (e: unknown) => e,
      )
    expect(err).toMatchObject({ code: 'INVALID_PARAMETER_VALUE', message: expect.stringContaining("'name'") })
  })

  it('a duplicate experiment name is still RESOURCE_ALREADY_EXISTS (23505 reaches the store)', async () => {
    database = await openFreshPostgres()
    const store = createSqlTrackingStore(database)
    const create = () => store.experiments.create({ name: 'twice', artifactLocation: 'x', tags: [], time: 1 })
    await create()
    await expect(create()).rejects.toMatchObject({ code: 'RESOURCE_ALREADY_EXISTS' })
  })
})
