import { afterEach, describe, expect, it } from 'vitest'
import type { Audit, NewModelVersion } from '../src/registry/registry-store.js'
import type { SqlDatabase } from '../src/sql/database.js'
import { SqlAliasApprovalStore } from '../src/sql/registry/sql-alias-approval-store.js'
import { SqlRegistryStore } from '../src/sql/registry/sql-registry-store.js'
import { openFreshPostgres } from './support/postgres.js'
import { alternating, openTwoServers, type TwoServers } from './support/postgres-servers.js'
import { runSqlRegistrySuites } from './support/sql-store-suites.js'

runSqlRegistrySuites('PostgreSQL', openFreshPostgres)

describe('SQL registry store on PostgreSQL: two servers at once', () => {
  let servers: TwoServers | undefined
  afterEach(async () => {
    await servers?.close()
    servers = undefined
  })
  let clock = 1_700_000_000_000
  const by = (actor = 'alice'): Audit => ({ actor, time: ++clock })
  const registry = (db: SqlDatabase) => new SqlRegistryStore(db.db, db.ops)
  const approvals = (db: SqlDatabase) => new SqlAliasApprovalStore(db.db, db.ops)
  const newVersion = (name: string): NewModelVersion => {
    const source = `mlflow-artifacts:/0/r/artifacts/${name}`
    return {
      name,
      source,
      storageLocation: source,
      tags: [],
      lineage: { source, datasets: [], params: [], metrics: [] },
    }
  }
  const events = async (name: string) =>
    (await registry(servers!.a).searchEvents({ name, offset: 0, limit: 1000 })).items.slice().reverse()

  it('20 concurrent createVersion calls through two servers number the versions 1..20, no gaps, no duplicates', async () => {
    servers = await openTwoServers()
    await registry(servers.a).createModel({ name: 'race', tags: [] }, by())
    const created = await alternating(servers, 20, (db) => registry(db).createVersion(newVersion('race'), by()))
    expect(created.map((v) => Number(v.version)).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 20 }, (_, i) => i + 1),
    )
    const made = (await events('race')).filter((e) => e.kind === 'model_version_created').map((e) => Number(e.version))
    expect(made).toEqual(Array.from({ length: 20 }, (_, i) => i + 1))
  })

  it('moves an alias from both servers at once: each move starts from where the previous one left it', async () => {
    servers = await openTwoServers()
    const { a } = servers
    await registry(a).createModel({ name: 'm', tags: [] }, by())
    for (let i = 0; i < 5; i++) await registry(a).createVersion(newVersion('m'), by())
    await alternating(servers, 20, (db, i) => registry(db).setAlias('m', 'champion', String((i % 5) + 1), by()))
    const moves = (await events('m')).filter((e) => e.kind === 'alias_set')
    expect(moves).toHaveLength(20)
    // a chain: no move read a stale alias (each `from` is the previous move's `to`)
    for (let i = 1; i < moves.length; i++) expect(moves[i]!.from).toBe(moves[i - 1]!.to)
    expect((await registry(servers.b).getVersionByAlias('m', 'champion'))?.version).toBe(moves.at(-1)!.to)
  })

  it('decides a change request once when both servers decide it at once', async () => {
    servers = await openTwoServers()
    const { a } = servers
    await registry(a).createModel({ name: 'm', tags: [] }, by())
    for (let i = 0; i < 2; i++) await registry(a).createVersion(newVersion('m'), by())
    await registry(a).setAlias('m', 'champion', '1', by())
    await approvals(a).setProtection('m', 'champion', true, by('owner'))
    const request = await approvals(a).createRequest('m', 'champion', '2', by('ann'))
    const outcomes = await alternating(servers, 10, (db, i) =>
      approvals(db)
        .decideRequest(request.requestId, i % 2 === 0 ? 'approved' : 'rejected', by('bob'))
        .then(
          (r) => r.status,
          (error: { code?: string }) => error.code,
        ),
    )
    const decided = outcomes.filter((o) => o === 'approved' || o === 'rejected')
    expect(decided).toHaveLength(1)
    expect(outcomes.filter((o) => o === 'INVALID_PARAMETER_VALUE')).toHaveLength(9)
    const trail = (await events('m')).filter((e) => e.requestId === request.requestId)
    expect(trail.map((e) => e.kind)).toEqual(
      decided[0] === 'approved'
        ? ['alias_change_requested', 'alias_change_approved', 'alias_set']
        : ['alias_change_requested', 'alias_change_rejected'],
    )
    expect((await registry(servers.b).getVersionByAlias('m', 'champion'))?.version).toBe(
      decided[0] === 'approved' ? '2' : '1',
    )
  })
})
