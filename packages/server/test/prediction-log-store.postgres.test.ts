import { afterEach, describe, expect, it } from 'vitest'
import { SqlPredictionLogStore } from '../src/sql/predictions/sql-prediction-log-store.js'
import { record } from './conformance/prediction-log-store-conformance.js'
import { openFreshPostgres } from './support/postgres.js'
import { alternating, openTwoServers, type TwoServers } from './support/postgres-servers.js'
import { runSqlPredictionLogSuite } from './support/sql-store-suites.js'

runSqlPredictionLogSuite('PostgreSQL', openFreshPostgres)

describe('SQL prediction log on PostgreSQL: two servers at once', () => {
  let servers: TwoServers | undefined
  afterEach(async () => {
    await servers?.close()
    servers = undefined
  })

  it('logs overlapping batches from both servers: each record once, the summary counting each once', async () => {
    servers = await openTwoServers()
    // 20 batches of 20 records; each batch shares half its records with the next (a retry racing)
    const outcomes = await alternating(servers, 20, (db, b) =>
      new SqlPredictionLogStore(db.db, db.ops).logBatch(
        Array.from({ length: 20 }, (_, i) => {
          const n = b * 10 + i
          return record(`r${n}`, { timestampMs: 1000 + n, variant: n % 3 === 0 ? 'challenger' : 'champion' })
        }),
        { deployment: 'iris', count: 1 },
      ),
    )
    const store = new SqlPredictionLogStore(servers.b.db, servers.b.ops)
    const logged = await store.search({ order: 'asc', limit: 1000 })
    expect(logged.items.map((p) => p.requestId)).toEqual(Array.from({ length: 210 }, (_, n) => `r${n}`))
    expect(outcomes.reduce((a, b) => a + b, 0)).toBe(210)
    expect(await store.deployments()).toMatchObject([
      {
        deployment: 'iris',
        records: 210,
        // a batch whose records the others had all logged counts as a retry: its dropped count not again
        dropped: outcomes.filter((n) => n > 0).length,
        firstTimestampMs: 1000,
        lastTimestampMs: 1209,
        variants: ['challenger', 'champion'],
      },
    ])
  })
})
