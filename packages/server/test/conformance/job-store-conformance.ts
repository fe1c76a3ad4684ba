/**
 * The contract of JobStore (src/queue/job-store.ts) as executable tests: ids dedup, claims hand a
 * job to one worker only (also when two claim at once), only the holder moves a running job, a
 * lapsed lease lets another worker take the job (or fails it at its last attempt), cancel, lists
 * newest first with filters and keyset pages, pruning. Every implementation calls
 * `runJobStoreConformance` with a factory for a fresh, empty store.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { JobStore, NewJob } from '../../src/queue/job-store.js'

export interface JobStoreHandle {
  readonly store: JobStore
  close(): Promise<void>
}

const T0 = 1_764_300_000_000
const LEASE = 30_000

export function newJob(jobId: string, over: Partial<NewJob> = {}): NewJob {
  return {
    jobId,
    kind: 'test.work',
    payload: { n: 1, text: 'é' },
    maxAttempts: 3,
    backoffMs: 1000,
    createdMs: T0,
    runAtMs: T0,
    ...over,
  }
}

export function runJobStoreConformance(o: { name: string; newStore: () => Promise<JobStoreHandle> }): void {
  describe(`JobStore conformance: ${o.name}`, () => {
    let handle: JobStoreHandle
    let store: JobStore
    beforeEach(async () => {
      handle = await o.newStore()
      store = handle.store
    })
    afterEach(async () => {
      await handle.close()
    })

    it('stores a queued job; a second insert of its id stores nothing and returns the first', async () => {
      const first = await store.insert(newJob('a'))
      expect(first.created).toBe(true)
      expect(first.job).toMatchObject({
        jobId: 'a',
        kind: 'test.work',
        state: 'queued',
        payload: { n: 1, text: 'é' },
        attempts: 0,
        maxAttempts: 3,
        backoffMs: 1000,
        createdMs: T0,
        updatedMs: T0,
        runAtMs: T0,
      })
      const again = await store.insert(newJob('a', { payload: { n: 2 }, createdMs: T0 + 5 }))
      expect(again.created).toBe(false)
      expect(again.job.payload).toEqual({ n: 1, text: 'é' })
      expect(again.job.createdMs).toBe(T0)
      expect(await store.get('nope')).toBeUndefined()
    })

    it('claims due jobs of the kinds asked, oldest run time first, up to the limit, each once', async () => {
      await store.insert(newJob('late', { runAtMs: T0 + 10_000 }))
      await store.insert(newJob('b', { runAtMs: T0 + 2 }))
      await store.insert(newJob('a', { runAtMs: T0 + 1 }))
      await store.insert(newJob('other', { kind: 'other.work' }))
      const got = await store.claim('w1', ['test.work'], T0 + 100, LEASE, 5)
      expect(got.map((j) => j.jobId)).toEqual(['a', 'b'])
      expect(got[0]).toMatchObject({ state: 'running', attempts: 1, worker: 'w1', leaseUntilMs: T0 + 100 + LEASE })
      expect(await store.get('a')).toMatchObject({ state: 'running', attempts: 1, worker: 'w1', startedMs: T0 + 100 })
      expect(await store.claim('w2', ['test.work'], T0 + 200, LEASE, 5)).toEqual([])
      expect((await store.claim('w2', ['test.work'], T0 + 10_000, LEASE, 5)).map((j) => j.jobId)).toEqual(['late'])
      expect(await store.claim('w2', [], T0 + 10_000, LEASE, 5)).toEqual([])
    })

    it('two workers claiming at once never get the same job', async () => {
      for (let i = 0; i < 30; i++) await store.insert(newJob(`j${String(i).padStart(2, '0')}`))
      const claims = await Promise.all(['w1', 'w2', 'w3'].map((w) => store.claim(w, ['test.work'], T0 + 1, LEASE, 15)))
      const ids = claims.flat().map((j) => j.jobId)
      expect(new Set(ids).size).toBe(ids.length)
      expect(ids.length).toBe(30)
      for (const [i, claim] of claims.entries()) {
        for (const j of claim) expect((await store.get(j.jobId))?.worker).toBe(`w${i + 1}`)
      }
    })

    it('only the holder renews, completes or fails a running job', async () => {
      await store.insert(newJob('a'))
      await store.claim('w1', ['test.work'], T0, LEASE, 1)
      expect(await store.renew('a', 'w2', T0 + 99_999, T0 + 1)).toBe(false)
      expect(await store.renew('a', 'w1', T0 + 99_999, T0 + 1)).toBe(true)
      expect((await store.get('a'))?.leaseUntilMs).toBe(T0 + 99_999)
      expect(await store.complete('a', 'w2', { no: 1 }, T0 + 2)).toBe(false)
      expect(await store.fail('a', 'w2', 'boom', T0 + 2, undefined)).toBe(false)
      expect(await store.complete('a', 'w1', { rows: 3 }, T0 + 3)).toBe(true)
      expect(await store.get('a')).toMatchObject({ state: 'succeeded', result: { rows: 3 }, finishedMs: T0 + 3 })
      expect((await store.get('a'))?.worker).toBeUndefined()
      expect(await store.complete('a', 'w1', { rows: 4 }, T0 + 4)).toBe(false)
    })

    it('a failed attempt waits for its retry time, then is claimed again; the last one fails for good', async () => {
      await store.insert(newJob('a', { maxAttempts: 2 }))
      await store.claim('w1', ['test.work'], T0, LEASE, 1)
      expect(await store.fail('a', 'w1', 'first', T0 + 10, T0 + 1010)).toBe(true)
      expect(await store.get('a')).toMatchObject({
        state: 'queued',
        attempts: 1,
        lastError: 'first',
        runAtMs: T0 + 1010,
      })
      expect(await store.nextRunAt(['test.work'])).toBe(T0 + 1010)
      expect(await store.claim('w1', ['test.work'], T0 + 1000, LEASE, 1)).toEqual([])
      const [again] = await store.claim('w2', ['test.work'], T0 + 1010, LEASE, 1)
      expect(again).toMatchObject({ jobId: 'a', attempts: 2, worker: 'w2', lastError: 'first' })
      expect(await store.fail('a', 'w2', 'second', T0 + 1020, undefined)).toBe(true)
      expect(await store.get('a')).toMatchObject({
        state: 'failed',
        attempts: 2,
        lastError: 'second',
        finishedMs: T0 + 1020,
      })
      expect(await store.nextRunAt(['test.work'])).toBeUndefined()
    })

    it('a lapsed lease lets another worker take the job, saying why; the first holder then changes nothing', async () => {
      await store.insert(newJob('a', { maxAttempts: 2 }))
      await store.claim('dead', ['test.work'], T0, 1000, 1)
      expect(await store.claim('w2', ['test.work'], T0 + 999, LEASE, 1)).toEqual([])
      const [taken] = await store.claim('w2', ['test.work'], T0 + 1001, LEASE, 1)
      expect(taken).toMatchObject({ jobId: 'a', attempts: 2, worker: 'w2' })
      expect(taken?.lastError).toMatch(/lease of worker dead lapsed/)
      expect(await store.complete('a', 'dead', 'late', T0 + 1002)).toBe(false)
      expect(await store.renew('a', 'dead', T0 + 5000, T0 + 1002)).toBe(false)
      // At its last attempt, a lapse fails it.
      expect(await store.claim('w3', ['test.work'], T0 + 1001 + LEASE + 1, LEASE, 1)).toEqual([])
      const failed = await store.get('a')
      expect(failed).toMatchObject({ state: 'failed', attempts: 2 })
      expect(failed?.lastError).toMatch(/lease of worker w2 lapsed/)
    })

    it('cancels queued and running jobs; one that ended stays as it was', async () => {
      await store.insert(newJob('q'))
      await store.insert(newJob('r'))
      await store.insert(newJob('done', { runAtMs: T0 - 1 }))
      await store.claim('w1', ['test.work'], T0, LEASE, 1) // done
      await store.complete('done', 'w1', 1, T0 + 1)
      const [running] = await store.claim('w1', ['test.work'], T0 + 2, LEASE, 1)
      expect(running?.jobId).toBe('q')
      expect(await store.cancel('q', T0 + 3)).toMatchObject({ state: 'cancelled', finishedMs: T0 + 3 })
      expect(await store.complete('q', 'w1', 1, T0 + 4)).toBe(false)
      expect(await store.renew('q', 'w1', T0 + 9_999, T0 + 4)).toBe(false)
      expect(await store.cancel('r', T0 + 5)).toMatchObject({ state: 'cancelled' })
      expect(await store.claim('w1', ['test.work'], T0 + 6, LEASE, 5)).toEqual([])
      expect(await store.cancel('done', T0 + 7)).toMatchObject({ state: 'succeeded', result: 1 })
      expect(await store.cancel('nope', T0 + 7)).toBeUndefined()
    })

    it('requeues a failed or cancelled job, attempts from 0; not one in another state', async () => {
      await store.insert(newJob('a', { maxAttempts: 1 }))
      expect(await store.requeue(newJob('a'))).toBeUndefined()
      await store.claim('w1', ['test.work'], T0, LEASE, 1)
      expect(await store.requeue(newJob('a'))).toBeUndefined()
      await store.fail('a', 'w1', 'boom', T0 + 1, undefined)
      const again = await store.requeue(newJob('a', { payload: { n: 9 }, createdMs: T0 + 50, runAtMs: T0 + 50 }))
      expect(again).toMatchObject({ state: 'queued', attempts: 0, payload: { n: 9 }, runAtMs: T0 + 50 })
      expect(again?.lastError).toBeUndefined()
      await store.cancel('a', T0 + 60)
      expect(await store.requeue(newJob('a'))).toMatchObject({ state: 'queued' })
    })

    it('lists newest first, by state and kind, in keyset pages', async () => {
      for (let i = 0; i < 7; i++)
        await store.insert(newJob(`j${i}`, { createdMs: T0 + Math.floor(i / 2), kind: i % 3 === 0 ? 'k.a' : 'k.b' }))
      const all = await store.list({ limit: 100 })
      expect(all.items.map((j) => j.jobId)).toEqual(['j6', 'j5', 'j4', 'j3', 'j2', 'j1', 'j0'])
      expect(all.hasMore).toBe(false)
      const seen: string[] = []
      let after: { createdMs: number; jobId: string } | undefined
      for (;;) {
        const page = await store.list({ limit: 3, ...(after && { after }) })
        seen.push(...page.items.map((j) => j.jobId))
        if (!page.hasMore) break
        const last = page.items.at(-1)!
        after = { createdMs: last.createdMs, jobId: last.jobId }
      }
      expect(seen).toEqual(['j6', 'j5', 'j4', 'j3', 'j2', 'j1', 'j0'])
      expect((await store.list({ kind: 'k.a', limit: 10 })).items.map((j) => j.jobId)).toEqual(['j6', 'j3', 'j0'])
      await store.claim('w', ['k.a'], T0 + 10, LEASE, 1)
      expect((await store.list({ state: 'running', limit: 10 })).items.map((j) => j.jobId)).toEqual(['j0'])
      expect((await store.list({ state: 'queued', kind: 'k.a', limit: 10 })).items.map((j) => j.jobId)).toEqual([
        'j6',
        'j3',
      ])
    })

    it('prunes jobs that ended before a time, and only those', async () => {
      await store.insert(newJob('old'))
      await store.insert(newJob('new'))
      await store.insert(newJob('waiting'))
      await store.claim('w', ['test.work'], T0, LEASE, 2)
      await store.complete('old', 'w', null, T0 + 10)
      await store.fail('new', 'w', 'x', T0 + 100, undefined)
      expect(await store.prune(T0 + 50)).toBe(1)
      expect(await store.get('old')).toBeUndefined()
      expect(await store.get('new')).toMatchObject({ state: 'failed' })
      expect(await store.get('waiting')).toMatchObject({ state: 'queued' })
    })
  })
}
