import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import {
  CompiledQuery,
  Kysely,
  Migrator,
  SqliteDialect,
  type KyselyPlugin,
  type QueryId,
  type RootOperationNode,
} from 'kysely'
import { describe, expect, it } from 'vitest'
import { dialectOps } from '../src/sql/dialect.js'
import { allMigrations } from '../src/sql/migrations/index.js'
import { openDatabase } from '../src/sql/open-database.js'
import { SqlPredictionLogStore } from '../src/sql/predictions/sql-prediction-log-store.js'
import { record } from './conformance/prediction-log-store-conformance.js'
import { runSqlPredictionLogSuite } from './support/sql-store-suites.js'
import { openFreshSqlite } from './support/sqlite.js'

for (const where of ['file', 'memory'] as const)
  runSqlPredictionLogSuite(`SQLite (${where})`, () => openFreshSqlite(where))

describe('SQL prediction log on SQLite', () => {
  it('keeps what it acknowledged across a reopen', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'keel-predictions-reopen-'))
    const uri = `sqlite:///${join(dir, 'k.db')}`
    try {
      let database = await openDatabase(uri)
      await new SqlPredictionLogStore(database.db, database.ops).logBatch([record('a'), record('b')], {
        deployment: 'iris',
        count: 2,
      })
      await database.close()
      database = await openDatabase(uri)
      const store = new SqlPredictionLogStore(database.db, database.ops)
      expect((await store.search({ order: 'asc', limit: 10 })).items.map((p) => p.requestId)).toEqual(['a', 'b'])
      expect(await store.deployments()).toMatchObject([{ deployment: 'iris', records: 2, dropped: 2 }])
      await database.close()
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it("searches a deployment's time window through its index, in index order (no sort)", async () => {
    const database = await openDatabase('sqlite:///:memory:')
    try {
      // The store's own SQL, captured as it runs, then explained.
      const captured: { node: RootOperationNode; queryId: QueryId }[] = []
      const capture: KyselyPlugin = {
        transformQuery: (args) => {
          captured.push(args)
          return args.node
        },
        transformResult: async (args) => args.result,
      }
      const store = new SqlPredictionLogStore(database.db.withPlugin(capture), database.ops)
      await store.logBatch(Array.from({ length: 50 }, (_, i) => record(`r${i}`, { timestampMs: 1000 + i })))
      captured.length = 0
      const page = await store.search({
        deployment: 'iris',
        startTime: 1010,
        endTime: 1040,
        after: { timestampMs: 1012, seq: 13 },
        order: 'desc',
        limit: 5,
      })
      expect(page.items.map((p) => p.timestampMs)).toEqual([1011, 1010])
      const select = captured
        .map((c) => database.db.getExecutor().compileQuery(c.node, c.queryId))
        .find((q) => /^select/i.test(q.sql))!
      const plan = await database.db.executeQuery<{ detail: string }>(
        CompiledQuery.raw(`EXPLAIN QUERY PLAN ${select.sql}`, [...select.parameters]),
      )
      const details = plan.rows.map((r) => r.detail).join(' | ')
      expect(details).toMatch(/SEARCH p USING INDEX predictions_deployment_time/)
      expect(details).not.toMatch(/TEMP B-TREE/)
    } finally {
      await database.close()
    }
  })

  it('finds a request id through the unique key, which leads with it (no index of its own since 0005)', async () => {
    const database = await openDatabase('sqlite:///:memory:')
    try {
      const captured: { node: RootOperationNode; queryId: QueryId }[] = []
      const capture: KyselyPlugin = {
        transformQuery: (args) => {
          captured.push(args)
          return args.node
        },
        transformResult: async (args) => args.result,
      }
      const store = new SqlPredictionLogStore(database.db.withPlugin(capture), database.ops)
      await store.logBatch(Array.from({ length: 50 }, (_, i) => record(`r${i}`, { timestampMs: 1000 + i })))
      captured.length = 0
      expect((await store.get('r7')).map((p) => p.timestampMs)).toEqual([1007])
      const select = captured
        .map((c) => database.db.getExecutor().compileQuery(c.node, c.queryId))
        .find((q) => /^select/i.test(q.sql))!
      const plan = await database.db.executeQuery<{ detail: string }>(
        CompiledQuery.raw(`EXPLAIN QUERY PLAN ${select.sql}`, [...select.parameters]),
      )
      expect(plan.rows.map((r) => r.detail).join(' | ')).toMatch(
        /SEARCH p USING INDEX predictions_key \(request_id=\?\)/,
      )
      const indexes = await database.db.executeQuery<{ name: string }>(
        CompiledQuery.raw(
          "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'predictions' AND sql IS NOT NULL ORDER BY name",
        ),
      )
      expect(indexes.rows.map((r) => r.name)).toEqual([
        'predictions_deployment_time',
        'predictions_key',
        'predictions_model_time',
        'predictions_time',
      ])
    } finally {
      await database.close()
    }
  })

  it('migrates a log written under 0003 to the new key: its records found by request id, a retry still a no-op', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'keel-predictions-0005-'))
    const file = join(dir, 'k.db')
    try {
      // The schema as 0001-0004 left it, with a record in it.
      const old = new Kysely<any>({ dialect: new SqliteDialect({ database: new BetterSqlite3(file) }) })
      // Only the migrations before 0005 (later ones, such as 0006, must not run before it).
      const migrations = Object.fromEntries(
        Object.entries(allMigrations(dialectOps('sqlite'))).filter(([name]) => name < '0005'),
      )
      expect(
        (await new Migrator({ db: old, provider: { getMigrations: async () => migrations } }).migrateToLatest()).error,
      ).toBeUndefined()
      await old
        .insertInto('predictions')
        .values({
          deployment: 'iris',
          request_id: 'before',
          variant: 'champion',
          shadow: 0,
          model_name: 'm',
          model_version: '1',
          model_uri: 'models:/m/1',
          timestamp_ms: 5,
          latency_ms: 1,
          protocol: 'v2',
          inputs: '[{"a":1}]',
          outputs: '[0]',
          probabilities: null,
          status_code: 200,
          error: null,
        })
        .execute()
      await old.destroy()
      const database = await openDatabase(`sqlite:///${file}`)
      try {
        const store = new SqlPredictionLogStore(database.db, database.ops)
        expect((await store.get('before')).map((p) => p.inputs)).toEqual([[{ a: 1 }]])
        expect(
          await store.logBatch([record('before', { timestampMs: 99, variant: 'champion' }), record('after')]),
        ).toBe(1)
        expect((await store.get('before')).map((p) => p.timestampMs)).toEqual([5])
      } finally {
        await database.close()
      }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
