/**
 * The durable queue (src/queue/durable-queue.ts) over SQLite files, in-process: a handler that
 * throws is retried with exponential backoff and ends failed with its last error; cancel of a
 * queued job (it never runs) and of a running one (its handler's signal fires, it ends cancelled,
 * not retried); a job whose worker died (claimed, its lease never renewed) is retried by another
 * worker once the lease lapses; a second enqueue of an id is the same job; two queues on one
 * database file (two servers) run each of many jobs exactly once; a restart resumes queued jobs.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { DurableQueue } from '../src/queue/durable-queue.js'
import { type Job, type JobQueue, waitForJob } from '../src/queue/job-queue.js'
import type { JobStore } from '../src/queue/job-store.js'
import { openDatabase, type SqlDatabase } from '../src/sql/open-database.js'
import { SqlJobStore } from '../src/sql/queue/sql-job-store.js'

let dir: string
let path: string
const opened: { db: SqlDatabase; queue: JobQueue }[] = []

async function open(
  o: { store?: (s: JobStore) => JobStore; leaseMs?: number; workerId?: string; db?: SqlDatabase } = {},
) {
  const db = o.db ?? (await openDatabase(`sqlite:///${path}`))
  const base = new SqlJobStore(db.db, db.ops)
  const queue = new DurableQueue({
    store: o.store ? o.store(base) : base,
    description: 'test',
    pollMs: 50,
    ...(o.leaseMs !== undefined && { leaseMs: o.leaseMs }),
    ...(o.workerId !== undefined && { workerId: o.workerId }),
  })
  opened.push({ db, queue })
  return { db, queue, store: base }
}

const ended = (queue: JobQueue, id: string) => waitForJob(queue, id) as Promise<Job>

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'keel-queue-'))
  path = join(dir, 'keel.db')
})

afterEach(async () => {
  const all = opened.splice(0)
  for (const { queue } of all) await queue.close(100)
  for (const db of new Set(all.map((o) => o.db))) await db.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('the durable queue', () => {
  it('retries a throwing handler with exponential backoff, then fails it with its last error', async () => {
    const failures: [number, number | undefined][] = []
    const { queue } = await open({
      store: (s) =>
        Object.assign(Object.create(s) as JobStore, {
          fail: (id: string, w: string, e: string, now: number, retryAt: number | undefined) => {
            failures.push([now, retryAt])
            return s.fail(id, w, e, now, retryAt)
          },
        }),
    })
    const attempts: number[] = []
    queue.handle('test.flaky', async (_p, ctx) => {
      attempts.push(ctx.attempt)
      throw new Error(`boom ${ctx.attempt}`)
    })
    queue.startWorkers(2)
    await queue.enqueue('test.flaky', { x: 1 }, { jobId: 'flaky', maxAttempts: 3, backoffMs: 40 })
    const job = await ended(queue, 'flaky')
    expect(job).toMatchObject({ state: 'failed', attempts: 3, maxAttempts: 3, lastError: 'boom 3', kind: 'test.flaky' })
    expect(job.finishedMs).toBeGreaterThanOrEqual(job.createdMs)
    expect(attempts).toEqual([1, 2, 3])
    // The delays asked of the store: 40 ms, then 80 ms, then none (failed for good).
    expect(failures.map(([now, at]) => (at === undefined ? undefined : at - now))).toEqual([40, 80, undefined])
  })

  it('a retried job that succeeds keeps the last error it met and its result', async () => {
    const { queue } = await open()
    queue.handle('test.second', async (_p, ctx) => {
      if (ctx.attempt === 1) throw new Error('not yet')
      return { ok: ctx.attempt }
    })
    queue.startWorkers(1)
    await queue.enqueue('test.second', {}, { jobId: 'second', backoffMs: 10 })
    expect(await ended(queue, 'second')).toMatchObject({
      state: 'succeeded',
      attempts: 2,
      lastError: 'not yet',
      result: { ok: 2 },
    })
  })

  it('cancels a queued job: it never runs', async () => {
    const { queue } = await open()
    let ran = false
    queue.handle('test.later', async () => {
      ran = true
    })
    queue.startWorkers(1)
    await queue.enqueue('test.later', {}, { jobId: 'later', delayMs: 60_000 })
    expect(await queue.cancel('later')).toMatchObject({ state: 'cancelled', attempts: 0 })
    expect(await queue.get('later')).toMatchObject({ state: 'cancelled' })
    expect(ran).toBe(false)
    // Ended jobs stay as they are.
    expect(await queue.cancel('later')).toMatchObject({ state: 'cancelled' })
    expect(await queue.cancel('nope')).toBeUndefined()
  })

  it("cancels a running job: its handler's signal fires, and it ends cancelled, not retried", async () => {
    const { queue } = await open()
    let started!: () => void
    const running = new Promise<void>((r) => (started = r))
    let aborted = false
    let runs = 0
    queue.handle('test.long', async (_p, ctx) => {
      runs++
      started()
      await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve(), { once: true }))
      aborted = ctx.signal.aborted
      throw new Error('stopped')
    })
    queue.startWorkers(1)
    await queue.enqueue('test.long', {}, { jobId: 'long', backoffMs: 10 })
    await running
    expect(await queue.cancel('long')).toMatchObject({ state: 'cancelled', attempts: 1 })
    await waitForJob(queue, 'long', () => aborted)
    expect(aborted).toBe(true)
    expect(await queue.get('long')).toMatchObject({ state: 'cancelled', attempts: 1 })
    expect(runs).toBe(1)
  })

  it('a running job cancelled from another process: its handler sees the signal at the next check', async () => {
    const a = await open({ workerId: 'a' })
    const b = await open({ workerId: 'b' })
    let aborted = false
    let started!: () => void
    const running = new Promise<void>((r) => (started = r))
    a.queue.handle('test.long', async (_p, ctx) => {
      started()
      await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve(), { once: true }))
      aborted = true
    })
    a.queue.startWorkers(1)
    await a.queue.enqueue('test.long', {}, { jobId: 'elsewhere' })
    await running
    expect(await b.queue.cancel('elsewhere')).toMatchObject({ state: 'cancelled' })
    await waitForJob(a.queue, 'elsewhere', () => aborted)
    expect(await b.queue.get('elsewhere')).toMatchObject({ state: 'cancelled' })
  })

  it('a job whose worker died is retried by another worker once its lease lapsed', async () => {
    const { queue, store } = await open({ workerId: 'alive' })
    await queue.enqueue('test.work', { n: 7 }, { jobId: 'orphan' })
    // A worker claims it with a short lease and dies: nothing renews, completes or fails it.
    const [claimed] = await store.claim('dead-worker', ['test.work'], Date.now(), 200, 1)
    expect(claimed).toMatchObject({ jobId: 'orphan', state: 'running', worker: 'dead-worker', attempts: 1 })
    const seen: number[] = []
    queue.handle('test.work', async (payload: { n: number }, ctx) => {
      seen.push(ctx.attempt)
      return payload.n * 2
    })
    queue.startWorkers(1)
    const job = await ended(queue, 'orphan')
    expect(job).toMatchObject({ state: 'succeeded', attempts: 2, result: 14 })
    expect(job.lastError).toMatch(/lease of worker dead-worker lapsed/)
    expect(seen).toEqual([2])
  })

  it('an id is enqueued once: the second enqueue returns the first job', async () => {
    const { queue } = await open()
    const first = await queue.enqueue('test.once', { v: 1 }, { jobId: 'once', delayMs: 60_000 })
    const second = await queue.enqueue('test.once', { v: 2 }, { jobId: 'once' })
    expect(second).toEqual(first)
    expect((await queue.list({ limit: 10 })).items.map((j) => j.jobId)).toEqual(['once'])
  })

  // One connection: better-sqlite3 waits for a lock synchronously, so two connections in one process
  // would block each other's event loop; two processes each have their own (the conformance suite
  // checks that concurrent claims never overlap).
  it('two workers on one database (two servers) run each job exactly once', async () => {
    const a = await open({ workerId: 'a' })
    const b = await open({ workerId: 'b', db: a.db })
    const runs = new Map<string, string[]>()
    for (const [name, q] of [
      ['a', a.queue],
      ['b', b.queue],
    ] as const) {
      q.handle('test.share', async (p: { i: number }) => {
        runs.set(String(p.i), [...(runs.get(String(p.i)) ?? []), name])
        await new Promise((r) => setTimeout(r, 2))
      })
      q.startWorkers(3)
    }
    const ids = Array.from({ length: 60 }, (_, i) => `share-${i}`)
    await Promise.all(ids.map((id, i) => (i % 2 ? a : b).queue.enqueue('test.share', { i }, { jobId: id })))
    for (const id of ids) expect((await ended(a.queue, id)).state).toBe('succeeded')
    expect([...runs.values()].every((r) => r.length === 1)).toBe(true)
    expect(runs.size).toBe(60)
  })

  it('a restart resumes the queued jobs', async () => {
    const first = await open()
    await first.queue.enqueue('test.resume', { v: 3 }, { jobId: 'resume' })
    await first.queue.close()
    await first.db.close()
    opened.splice(0)
    const second = await open()
    second.queue.handle('test.resume', async (p: { v: number }) => p.v + 1)
    second.queue.startWorkers(1)
    expect(await ended(second.queue, 'resume')).toMatchObject({ state: 'succeeded', result: 4, attempts: 1 })
  })

  it('refuses ids and options it cannot keep, with 400 naming them', async () => {
    const { queue } = await open()
    await expect(queue.enqueue('test.x', {}, { jobId: 'a:b' })).rejects.toThrow(/'job_id'/)
    await expect(queue.enqueue('test.x', {}, { jobId: 'x'.repeat(300) })).rejects.toThrow(/'job_id'/)
    await expect(queue.enqueue('test.x', {}, { maxAttempts: 0 })).rejects.toThrow(/maxAttempts/)
    await expect(queue.enqueue('', {})).rejects.toThrow(/kind/)
  })
})
