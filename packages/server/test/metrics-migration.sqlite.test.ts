import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import { Kysely, Migrator, SqliteDialect } from 'kysely'
import { describe, expect, it } from 'vitest'
import { dialectOps } from '../src/sql/dialect.js'
import { allMigrations } from '../src/sql/migrations/index.js'
import { openDatabase } from '../src/sql/open-database.js'
import { SqlRunStore } from '../src/sql/tracking/sql-run-store.js'

describe('0009: the metric history keyed by step', () => {
  it('keeps the history written under 0001, serves both reads and still ignores a retried point', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'keel-metrics-0009-'))
    const file = join(dir, 'k.db')
    try {
      const old = new Kysely<any>({ dialect: new SqliteDialect({ database: new BetterSqlite3(file) }) })
      const migrations = Object.fromEntries(
        Object.entries(allMigrations(dialectOps('sqlite'))).filter(([name]) => name < '0009'),
      )
      expect(
        (await new Migrator({ db: old, provider: { getMigrations: async () => migrations } }).migrateToLatest()).error,
      ).toBeUndefined()
      await old
        .insertInto('experiments')
        .values({
          experiment_id: 0,
          name: 'Default',
          artifact_location: 'a',
          lifecycle_stage: 'active',
          creation_time: 1,
          last_update_time: 1,
        })
        .execute()
      await old
        .insertInto('runs')
        .values({
          run_uuid: 'r1',
          name: 'n',
          experiment_id: 0,
          user_id: 'u',
          status: 'RUNNING',
          start_time: 1,
          end_time: null,
          lifecycle_stage: 'active',
          artifact_uri: 'a',
          deleted_time: null,
        })
        .execute()
      // Timestamps against the step order, so the two reads' orders differ.
      const points = [
        { step: 2, timestamp: 10, value: 0.5 },
        { step: 1, timestamp: 20, value: 0.7 },
        { step: 3, timestamp: 5, value: 0.1 },
      ]
      await old
        .insertInto('metrics')
        .values(
          points.map((p) => ({
            run_uuid: 'r1',
            key: 'loss',
            ...p,
            is_nan: 0,
            model_id: null,
            dataset_name: null,
            dataset_digest: null,
          })),
        )
        .execute()
      await old.destroy()

      const database = await openDatabase(`sqlite:///${file}`)
      try {
        const runs = new SqlRunStore(database.db, database.ops)
        const history = await runs.metricHistory('r1', 'loss', { offset: 0, limit: 10 })
        expect(history.items.map((m) => m.step)).toEqual([3, 2, 1]) // by timestamp
        const byStep = await runs.metricHistoryByStep(['r1'], 'loss', { startStep: 2 })
        expect(byStep.map((m) => [m.step, m.value])).toEqual([
          [2, 0.5],
          [3, 0.1],
        ])
        await runs.logBatch('r1', { metrics: [{ key: 'loss', ...points[0]! }], params: [], tags: [] })
        expect((await runs.metricHistory('r1', 'loss', { offset: 0, limit: 10 })).items).toHaveLength(3)
        const indexes = await database.db
          .selectFrom('sqlite_master' as never)
          .select(['name' as never])
          .where('tbl_name' as never, '=', 'metrics' as never)
          .where('type' as never, '=', 'index' as never)
          .execute()
        // WITHOUT ROWID: the table is its primary key's B-tree, with no index beside it.
        expect(indexes).toEqual([])
      } finally {
        await database.close()
      }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
