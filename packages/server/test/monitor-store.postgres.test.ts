import { afterEach, describe, expect, it } from 'vitest'
import { SqlMonitorStore } from '../src/sql/monitoring/sql-monitor-store.js'
import { monitor, window } from './conformance/monitor-store-conformance.js'
import { openFreshPostgres } from './support/postgres.js'
import { alternating, openTwoServers, type TwoServers } from './support/postgres-servers.js'
import { runSqlMonitorSuite } from './support/sql-store-suites.js'

runSqlMonitorSuite('PostgreSQL', openFreshPostgres)

describe('SQL monitors on PostgreSQL: two servers at once', () => {
  let servers: TwoServers | undefined
  afterEach(async () => {
    await servers?.close()
    servers = undefined
  })

  it('stores each window number once when both servers append the same windows at once', async () => {
    servers = await openTwoServers()
    const store = new SqlMonitorStore(servers.a.db, servers.a.ops)
    await store.createMonitor(monitor('m'))
    let stored = 0
    for (let w = 1; w <= 10; w++) {
      // each server processed window w and tries to store it, twice
      const outcomes = await alternating(servers, 4, (db) =>
        new SqlMonitorStore(db.db, db.ops).appendWindow(window('m', w), []),
      )
      expect(outcomes.filter(Boolean)).toHaveLength(1)
      stored++
    }
    const windows = await new SqlMonitorStore(servers.b.db, servers.b.ops).listWindows({ monitorId: 'm', limit: 100 })
    expect(windows.items.map((x) => x.windowId)).toEqual(Array.from({ length: stored }, (_, i) => i + 1))
    expect((await store.getMonitor('m'))?.lastWindowId).toBe(10)
  })
})
