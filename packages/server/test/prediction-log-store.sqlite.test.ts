import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { openDatabase } from '../src/sql/open-database.js'
import { SqlPredictionLogStore } from '../src/sql/predictions/sql-prediction-log-store.js'
import { record, runPredictionLogStoreConformance } from './conformance/prediction-log-store-conformance.js'

runPredictionLogStoreConformance({
  name: 'SQL prediction log on SQLite (file)',
  newStore: async () => {
    const dir = mkdtempSync(join(tmpdir(), 'keel-predictions-conf-'))
    const database = await openDatabase(`sqlite:///${join(dir, 'k.db')}`)
    return {
      store: new SqlPredictionLogStore(database.db, database.ops),
      close: async () => {
        await database.close()
        rmSync(dir, { recursive: true, force: true })
      },
    }
  },
})

runPredictionLogStoreConformance({
  name: 'SQL prediction log on SQLite (memory)',
  newStore: async () => {
    const database = await openDatabase('sqlite:///:memory:')
    return { store: new SqlPredictionLogStore(database.db, database.ops), close: () => database.close() }
  },
})

describe('SQL prediction log on SQLite', () => {
  it('keeps what it acknowledged across a reopen', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'keel-predictions-reopen-'))
    const uri = `sqlite:///${join(dir, 'k.db')}`
    try {
      let database = await openDatabase(uri)
      await new SqlPredictionLogStore(database.db, database.ops).logBatch([record('a'), record('b')], { deployment: 'iris', count: 2 })
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

  it('searches a deployment window through its index', async () => {
    const database = await openDatabase('sqlite:///:memory:')
    try {
      const store = new SqlPredictionLogStore(database.db, database.ops)
      await store.logBatch(Array.from({ length: 50 }, (_, i) => record(`r${i}`, { timestampMs: 1000 + i })))
      const { sql } = await import('kysely')
      const plan = await sql<{ detail: string }>`EXPLAIN QUERY PLAN SELECT seq FROM predictions WHERE deployment = ${'iris'} AND timestamp_ms >= ${1010} AND timestamp_ms < ${1020} AND (timestamp_ms, seq) > (${1012}, ${5}) ORDER BY timestamp_ms, seq LIMIT 11`.execute(
        database.db,
      )
      const details = plan.rows.map((r) => r.detail).join(' | ')
      expect(details).toMatch(/USING (COVERING )?INDEX predictions_deployment_time/)
      expect(details).not.toMatch(/TEMP B-TREE/)
    } finally {
      await database.close()
    }
  })
})
