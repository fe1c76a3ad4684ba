import pg from 'pg'
import { afterEach, describe, expect, it } from 'vitest'
import type { AuditRecord } from '../src/auth/audit-log.js'
import { SqlAuditStore } from '../src/sql/auth/sql-audit-store.js'
import { SqlAuthStore } from '../src/sql/auth/sql-auth-store.js'
import { openDatabase } from '../src/sql/open-database.js'
import { auditEntry, runAuditGroupingSuite } from './support/audit-grouping-suite.js'
import { freshPostgres, openFreshPostgres } from './support/postgres.js'
import { alternating, openTwoServers, type TwoServers } from './support/postgres-servers.js'
import { runSqlAuthSuites } from './support/sql-store-suites.js'

runSqlAuthSuites('PostgreSQL', openFreshPostgres)

runAuditGroupingSuite('PostgreSQL', async () => {
  const fresh = await freshPostgres()
  const database = await openDatabase(fresh.uri)
  // Another connection sees only committed rows.
  const reader = new pg.Client({ connectionString: fresh.uri })
  await reader.connect()
  return {
    database,
    committed: async (requestId) =>
      (await reader.query('SELECT 1 FROM audit_log WHERE request_id = $1', [requestId])).rowCount === 1,
    close: async () => {
      await reader.end()
      await database.close()
      await fresh.drop()
    },
  }
})

describe('SQL auth and audit stores on PostgreSQL: two servers at once', () => {
  let servers: TwoServers | undefined
  afterEach(async () => {
    await servers?.close()
    servers = undefined
  })

  it('numbers audit records 1..n in commit order: a reader following by afterSeq misses none', async () => {
    servers = await openTwoServers()
    const stores = [new SqlAuditStore(servers.a.db, servers.a.ops), new SqlAuditStore(servers.b.db, servers.b.ops)]
    const n = 300
    let writing = true
    const followed: AuditRecord[] = []
    // A follower (`keel audit --follow`) pages by sequence number while both servers append.
    const follower = (async () => {
      for (;;) {
        const done = !writing
        const page = await stores[0]!.search({ limit: 50, afterSeq: followed.at(-1)?.seq ?? 0 })
        followed.push(...page)
        if (done && page.length === 0) return
      }
    })()
    await Promise.all(
      Array.from({ length: n }, async (_, i) => {
        // in waves, so that groups of appends on each server commit while the other's wait
        if (i % 10 === 0) await new Promise((r) => setImmediate(r))
        await stores[i % 2]!.append(auditEntry(i))
      }),
    )
    writing = false
    await follower
    const all = await stores[1]!.search({ limit: 1000 })
    expect(all.map((r) => r.seq)).toEqual(Array.from({ length: n }, (_, i) => i + 1))
    expect(new Set(all.map((r) => r.requestId)).size).toBe(n)
    expect(followed.map((r) => r.seq)).toEqual(all.map((r) => r.seq))
  })

  it('creates users and grants from both servers: one user per name, the loser told it exists', async () => {
    servers = await openTwoServers()
    const outcomes = await alternating(servers, 10, (db) =>
      new SqlAuthStore(db.db, db.ops).createUser('ann', 'hash', false, 1).then(
        () => 'created',
        (error: { code?: string }) => error.code,
      ),
    )
    expect(outcomes.filter((o) => o === 'created')).toHaveLength(1)
    expect(outcomes.filter((o) => o === 'RESOURCE_ALREADY_EXISTS')).toHaveLength(9)
    const ann = (await new SqlAuthStore(servers.a.db, servers.a.ops).getUser('ann'))!
    const grants = await alternating(servers, 10, (db, i) =>
      new SqlAuthStore(db.db, db.ops).grantUserPermission(ann.id, 'experiment', String(i), 'READ'),
    )
    expect(grants).toHaveLength(10)
    const store = new SqlAuthStore(servers.b.db, servers.b.ops)
    // one hidden role, assigned once, holding all ten grants
    expect(await store.listUserRoles(ann.id)).toHaveLength(1)
    expect((await store.listGrants(ann.id, ['experiment'])).map((g) => g.resourcePattern).sort()).toEqual(
      Array.from({ length: 10 }, (_, i) => String(i)).sort(),
    )
  })
})
