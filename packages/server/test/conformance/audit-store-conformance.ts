/**
 * The contract of AuditStore (src/auth/audit-log.ts) as executable tests. Every implementation
 * calls `runAuditStoreConformance` with a factory for a fresh, empty store, and a `tamper` hook
 * that tries to rewrite the log behind the store's back in its engine's own way (for SQL: raw
 * UPDATE and DELETE statements); the log is append-only, so both must be refused.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { AuditEntry, AuditRecord, AuditStore } from '../../src/auth/audit-log.js'

export interface AuditStoreHandle {
  readonly store: AuditStore
  readonly tamper: {
    /** Rewrites every record's actor. */
    update(): Promise<unknown>
    /** Removes every record. */
    delete(): Promise<unknown>
  }
  close(): Promise<void>
}

const T0 = 1_764_300_000_000

function entry(i: number, over: Partial<AuditEntry> = {}): AuditEntry {
  return {
    timestampMs: T0 + i * 1000,
    actor: 'ann',
    authenticated: true,
    address: '127.0.0.1',
    method: 'POST',
    path: `/api/2.0/mlflow/experiments/update`,
    action: 'mlflow/experiments/update',
    resource: { experiment: String(i) },
    status: 200,
    requestId: `req-${i}`,
    ...over,
  }
}

/** A record without its sequence number, to compare with what was appended. */
const bare = ({ seq: _seq, ...rest }: AuditRecord): AuditEntry => rest

export function runAuditStoreConformance(options: { name: string; newStore: () => Promise<AuditStoreHandle> }): void {
  describe(`AuditStore conformance: ${options.name}`, () => {
    let handle: AuditStoreHandle
    let store: AuditStore
    beforeEach(async () => {
      handle = await options.newStore()
      store = handle.store
    })
    afterEach(async () => handle.close())

    it('returns what was appended, oldest first, with increasing sequence numbers', async () => {
      expect(await store.search({ limit: 10 })).toEqual([])
      const written = [
        entry(1),
        entry(2, {
          actor: 'bob',
          authenticated: false,
          address: '::1',
          method: 'DELETE',
          status: 403,
          resource: undefined,
        }),
        entry(3, { status: 401, requestId: '' }),
      ]
      for (const e of written) await store.append(e)
      const records = await store.search({ limit: 10 })
      expect(records.map(bare)).toEqual(written)
      expect(records[1]).not.toHaveProperty('resource')
      const seqs = records.map((r) => r.seq)
      expect(seqs.every((s) => Number.isSafeInteger(s))).toBe(true)
      expect([...seqs].sort((a, b) => a - b)).toEqual(seqs)
      expect(new Set(seqs).size).toBe(3)
    })

    it('keeps the order of appending even when clocks disagree', async () => {
      await store.append(entry(5, { requestId: 'first' }))
      await store.append(entry(1, { requestId: 'second' }))
      expect((await store.search({ limit: 10 })).map((r) => r.requestId)).toEqual(['first', 'second'])
    })

    it('filters by actor and by time (start inclusive, end exclusive), pages after a sequence number, limits', async () => {
      for (let i = 1; i <= 6; i++) await store.append(entry(i, { actor: i % 2 === 0 ? 'bob' : 'ann' }))
      const all = await store.search({ limit: 100 })
      const ids = (records: readonly AuditRecord[]) => records.map((r) => r.requestId)
      expect(ids(await store.search({ actor: 'bob', limit: 100 }))).toEqual(['req-2', 'req-4', 'req-6'])
      expect(await store.search({ actor: 'Bob', limit: 100 })).toEqual([])
      expect(ids(await store.search({ startTime: T0 + 2000, endTime: T0 + 5000, limit: 100 }))).toEqual([
        'req-2',
        'req-3',
        'req-4',
      ])
      expect(ids(await store.search({ actor: 'ann', startTime: T0 + 2000, limit: 100 }))).toEqual(['req-3', 'req-5'])
      expect(ids(await store.search({ endTime: T0 + 1000, limit: 100 }))).toEqual([])
      expect(ids(await store.search({ limit: 2 }))).toEqual(['req-1', 'req-2'])
      expect(ids(await store.search({ afterSeq: all[1]!.seq, limit: 2 }))).toEqual(['req-3', 'req-4'])
      expect(ids(await store.search({ afterSeq: all[5]!.seq, limit: 2 }))).toEqual([])
      // paging through with the last seq of each page visits every record once
      const seen: string[] = []
      let after: number | undefined
      for (;;) {
        const page = await store.search({ ...(after !== undefined && { afterSeq: after }), actor: 'ann', limit: 2 })
        if (page.length === 0) break
        seen.push(...ids(page))
        after = page[page.length - 1]!.seq
      }
      expect(seen).toEqual(['req-1', 'req-3', 'req-5'])
    })

    it('round-trips resource maps and unicode actors', async () => {
      const resource = {
        registered_model: 'fraud/détecteur "v2"',
        alias: 'champion',
        user: '山田',
        'key with spaces': '{"not": "json"}',
      }
      await store.append(entry(1, { actor: 'zoë', resource }))
      await store.append(entry(2, { actor: '山田太郎', resource: {} }))
      await store.append(entry(3, { actor: '🦄 admin', path: '/api/2.0/mlflow/registered-models/rename?x=ü' }))
      const records = await store.search({ limit: 10 })
      expect(records[0]).toMatchObject({ actor: 'zoë', resource })
      expect(records[1]).toMatchObject({ actor: '山田太郎', resource: {} })
      expect(records[2]).toMatchObject({ actor: '🦄 admin', path: '/api/2.0/mlflow/registered-models/rename?x=ü' })
      expect((await store.search({ actor: '山田太郎', limit: 10 })).map((r) => r.requestId)).toEqual(['req-2'])
      expect((await store.search({ actor: '🦄 admin', limit: 10 })).map((r) => r.requestId)).toEqual(['req-3'])
      expect(await store.search({ actor: 'zoe', limit: 10 })).toEqual([])
    })

    it('stores what a hostile request names, clipped, and every later search still reads the log', async () => {
      const huge = 'x'.repeat(5000)
      const quotes = '"\\'.repeat(3000) // grows when encoded
      await store.append(entry(1, { resource: { registered_model: huge, alias: quotes } }))
      await store.append(entry(2, { actor: `${'a'.repeat(255)}😀tail` })) // a surrogate pair across the cut
      await store.append(entry(3))
      const records = await store.search({ limit: 10 })
      expect(records.map((r) => r.requestId)).toEqual(['req-1', 'req-2', 'req-3'])
      expect(records[0]!.resource!.registered_model).toBe('x'.repeat(512))
      expect(records[0]!.resource!.alias!.length).toBeLessThanOrEqual(512)
      expect(records[0]!.resource!.alias!.startsWith('"\\"\\')).toBe(true)
      expect(records[1]!.actor).toBe('a'.repeat(255)) // not half an emoji
      expect(records[2]).toMatchObject({ resource: { experiment: '3' } })
    })

    it('records a request whose path, actor or resource holds a NUL (an engine that cannot store it reads U+FFFD)', async () => {
      const nul = '\u0000'
      const written = entry(1, {
        actor: `eve${nul}`,
        path: `/api/2.0/mlflow-artifacts/artifacts/${nul}`,
        resource: { run: nul },
      })
      await store.append(written)
      const [record] = await store.search({ actor: `eve${nul}`, limit: 10 })
      const restored = (s: string) => s.replaceAll('\uFFFD', nul)
      expect(restored(record!.actor)).toBe(written.actor)
      expect(restored(record!.path)).toBe(written.path)
      expect(record!.resource).toEqual({ run: nul })
    })

    it('is append-only: rewriting or deleting records behind the store is refused and changes nothing', async () => {
      await store.append(entry(1))
      await store.append(entry(2, { actor: 'bob' }))
      const before = await store.search({ limit: 10 })
      await expect(handle.tamper.update()).rejects.toThrow(/append-only/)
      await expect(handle.tamper.delete()).rejects.toThrow(/append-only/)
      expect(await store.search({ limit: 10 })).toEqual(before)
      // and the log still takes new records after the refusals
      await store.append(entry(3))
      expect((await store.search({ limit: 10 })).map((r) => r.requestId)).toEqual(['req-1', 'req-2', 'req-3'])
    })
  })
}
