import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { openDatabase } from '../sql/open-database.js'
import { SqlAuthStore } from '../sql/auth/sql-auth-store.js'
import type { AuthStore } from './auth-store.js'
import { CachedAuthStore } from './cached-auth-store.js'

let close: () => Promise<void>
let sql: SqlAuthStore
let clock = 0
let cached: CachedAuthStore

beforeEach(async () => {
  const database = await openDatabase('sqlite:///:memory:')
  close = () => database.close()
  sql = new SqlAuthStore(database.db, database.ops)
  clock = 1_000_000
  cached = new CachedAuthStore(sql, { ttlMs: 1000, now: () => clock })
})
afterEach(async () => {
  await close()
})

describe('CachedAuthStore', () => {
  it('serves a user from memory until the bound when another process changes it, then reads again', async () => {
    await sql.createUser('ann', 'hash-1', false, 1)
    expect((await cached.getUser('ann'))?.passwordHash).toBe('hash-1')
    await sql.updateUser('ann', { passwordHash: 'hash-2' }) // another process: behind the cache's back
    clock += 999
    expect((await cached.getUser('ann'))?.passwordHash).toBe('hash-1')
    clock += 2
    expect((await cached.getUser('ann'))?.passwordHash).toBe('hash-2')
  })

  it('takes a write through it into account at once: password, deletion, grants, revoked tokens', async () => {
    const ann = await cached.createUser('ann', 'hash-1', false, 1)
    expect((await cached.getUserById(ann.id))?.passwordHash).toBe('hash-1')
    await cached.updateUser('ann', { passwordHash: 'hash-2' })
    expect((await cached.getUserById(ann.id))?.passwordHash).toBe('hash-2')

    expect(await cached.listGrants(ann.id, ['experiment'])).toEqual([])
    await cached.grantUserPermission(ann.id, 'experiment', '7', 'EDIT')
    expect((await cached.listGrants(ann.id, ['experiment'])).map((g) => [g.resourcePattern, g.permission])).toEqual([
      ['7', 'EDIT'],
    ])
    await cached.revokeUserPermission(ann.id, 'experiment', '7')
    expect(await cached.listGrants(ann.id, ['experiment'])).toEqual([])

    await cached.createToken({
      tokenId: 't1',
      userId: ann.id,
      kind: 'token',
      name: 'ci',
      secretHash: 'h',
      createdTime: 1,
      expiresTime: 10 ** 13,
    })
    expect((await cached.getToken('t1'))?.revokedTime).toBeNull()
    await cached.revokeToken('t1', 5)
    expect((await cached.getToken('t1'))?.revokedTime).toBe(5)

    await cached.deleteUser('ann')
    expect(await cached.getUser('ann')).toBeUndefined()
  })

  it('does not keep what a read saw when a write lands while it is in flight', async () => {
    await sql.createUser('bob', 'hash-1', false, 1)
    let release!: () => void
    const gate = new Promise<void>((resolve) => (release = resolve))
    // The inner store, with a read that is slow to come back.
    const slow = new Proxy(sql, {
      get(target, property) {
        if (property === 'getUser') {
          return async (name: string) => {
            const user = await target.getUser(name)
            await gate
            return user
          }
        }
        const value = Reflect.get(target, property, target) as unknown
        return typeof value === 'function' ? value.bind(target) : value
      },
    }) as AuthStore
    const racing = new CachedAuthStore(slow, { ttlMs: 60_000, now: () => clock })
    const read = racing.getUser('bob')
    await racing.updateUser('bob', { passwordHash: 'hash-2' })
    release()
    expect((await read)?.passwordHash).toBe('hash-1') // what it read before the write
    expect((await racing.getUser('bob'))?.passwordHash).toBe('hash-2') // not cached from that read
  })

  it('hands out copies of cached grants', async () => {
    const cy = await cached.createUser('cy', 'h', false, 1)
    await cached.grantUserPermission(cy.id, 'experiment', '1', 'READ')
    const first = await cached.listGrants(cy.id, ['experiment'])
    first.length = 0
    expect(await cached.listGrants(cy.id, ['experiment'])).toHaveLength(1)
  })
})
