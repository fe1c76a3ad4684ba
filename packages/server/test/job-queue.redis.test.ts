/**
 * The BullMQ queue (src/queue/bullmq-queue.ts) against a real redis-server started here (its
 * writes persisted before it answers; support/redis-server.ts): the same view of jobs as the
 * durable queue (a throwing handler retried with backoff, then failed with its last error; cancel
 * of a waiting job and of a running one; an id enqueued once), and Redis killed with SIGKILL:
 * enqueues fail with 503 naming Redis, `problem()` says so, nothing acknowledged is lost, and the
 * workers go on once Redis is back.
 */
import { KeelError } from '@keel/contracts'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { BullQueue, describeRedisUri } from '../src/queue/bullmq-queue.js'
import { type Job, type JobQueue, waitForJob } from '../src/queue/job-queue.js'
import { type RedisServer, startRedisServer } from './support/redis-server.js'
import { poll } from './support/poll.js'

let redis: RedisServer
const queues: JobQueue[] = []

beforeAll(async () => {
  redis = await startRedisServer()
}, 30_000)

// Every worker of a queue takes any of its jobs: each test's workers stop with it.
afterEach(async () => {
  for (const q of queues.splice(0)) await q.close(100)
})

afterAll(async () => {
  await redis?.stop()
})

async function open(): Promise<BullQueue> {
  const queue = await BullQueue.open(redis.url)
  queues.push(queue)
  return queue
}

const ended = (queue: JobQueue, id: string) => waitForJob(queue, id, undefined, 25, 20_000) as Promise<Job>

describe('the BullMQ queue', () => {
  it('retries a throwing handler with backoff, then fails it with its last error', async () => {
    const queue = await open()
    const attempts: number[] = []
    queue.handle('test.flaky', async (_p, ctx) => {
      attempts.push(ctx.attempt)
      throw new Error(`boom ${ctx.attempt}`)
    })
    queue.startWorkers(2)
    const queued = await queue.enqueue('test.flaky', { x: 1 }, { jobId: 'flaky', maxAttempts: 3, backoffMs: 30 })
    expect(queued).toMatchObject({ jobId: 'flaky', kind: 'test.flaky', payload: { x: 1 }, maxAttempts: 3 })
    const job = await ended(queue, 'flaky')
    expect(job).toMatchObject({ state: 'failed', attempts: 3, lastError: 'boom 3' })
    expect(attempts).toEqual([1, 2, 3])
    const listed = await queue.list({ state: 'failed', limit: 10 })
    expect(listed.items.map((j) => j.jobId)).toContain('flaky')
  })

  it('a job that succeeds carries its result; an id is enqueued once', async () => {
    const queue = await open()
    queue.handle('test.double', async (p: { n: number }) => p.n * 2)
    const first = await queue.enqueue('test.double', { n: 21 }, { jobId: 'double' })
    const again = await queue.enqueue('test.double', { n: 99 }, { jobId: 'double' })
    expect(again.payload).toEqual({ n: 21 })
    expect(again.createdMs).toBe(first.createdMs)
    queue.startWorkers(1)
    expect(await ended(queue, 'double')).toMatchObject({ state: 'succeeded', result: 42, attempts: 1 })
  })

  it('cancels a waiting job (removed; it reads as cancelled and never runs)', async () => {
    const queue = await open()
    let ran = false
    queue.handle('test.later', async () => {
      ran = true
    })
    queue.startWorkers(1)
    await queue.enqueue('test.later', {}, { jobId: 'later', delayMs: 60_000 })
    expect((await queue.get('later'))?.state).toBe('queued')
    expect(await queue.cancel('later')).toMatchObject({ jobId: 'later', state: 'cancelled' })
    expect(await queue.get('later')).toMatchObject({ state: 'cancelled' })
    expect((await queue.list({ state: 'cancelled', limit: 10 })).items.map((j) => j.jobId)).toContain('later')
    // Enqueued again under its id: still the cancelled job, unless asked to run it again.
    expect((await queue.enqueue('test.later', {}, { jobId: 'later' })).state).toBe('cancelled')
    expect(ran).toBe(false)
  })

  it("cancels a running job: its handler's signal fires, and it ends cancelled without a retry", async () => {
    const queue = await open()
    let started!: () => void
    const running = new Promise<void>((r) => (started = r))
    let runs = 0
    let aborted = false
    queue.handle('test.long', async (_p, ctx) => {
      runs++
      started()
      await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve(), { once: true }))
      aborted = true
      return 'ignored'
    })
    queue.startWorkers(1)
    await queue.enqueue('test.long', {}, { jobId: 'long', backoffMs: 10 })
    await running
    expect((await queue.get('long'))?.state).toBe('running')
    expect(await queue.cancel('long')).toMatchObject({ state: 'cancelled' })
    const job = await waitForJob(queue, 'long', () => aborted, 25, 20_000)
    expect(job?.state).toBe('cancelled')
    await waitForJob(queue, 'long', (j) => j.finishedMs !== undefined, 25, 20_000)
    expect(await queue.get('long')).toMatchObject({ state: 'cancelled', attempts: 1 })
    expect(runs).toBe(1)
  })

  it('refuses a URI that is not redis://, naming it', () => {
    expect(() => describeRedisUri('http://x')).toThrow(/--queue 'http:\/\/x'/)
    expect(describeRedisUri('redis://:secret@h:7000/2')).toBe('redis://h:7000/2')
  })

  it('stops the start naming the Redis and the cause: refused, or a wrong password (never shown)', async () => {
    const guarded = await startRedisServer({ persist: false, password: 'right-password' })
    try {
      await expect(BullQueue.open(`redis://:wrong-password@127.0.0.1:${guarded.port}/0`)).rejects.toThrow(
        new RegExp(
          `cannot reach the job queue's Redis at redis://127\\.0\\.0\\.1:${guarded.port}/0 \\(--queue\\): WRONGPASS`,
        ),
      )
      const ok = await BullQueue.open(`redis://:right-password@127.0.0.1:${guarded.port}/0`)
      expect(await ok.problem()).toBeUndefined()
      await ok.close()
    } finally {
      await guarded.stop()
    }
    const refused = await BullQueue.open(`redis://127.0.0.1:${guarded.port}/0`).then(
      () => undefined,
      (error: unknown) => error as Error,
    )
    expect(refused?.message).toMatch(/cannot reach the job queue's Redis at .* \(--queue\): .*ECONNREFUSED/)
    expect(refused?.message).not.toMatch(/password/)
  })
})

describe('Redis killed (SIGKILL) and started again', () => {
  it('enqueues fail with 503 naming Redis while it is down; nothing acknowledged is lost; workers go on', async () => {
    const producer = await open()
    const acknowledged: string[] = []
    for (let i = 0; i < 20; i++) {
      await producer.enqueue('test.crash', { i }, { jobId: `crash-${i}` })
      acknowledged.push(`crash-${i}`)
    }
    // A worker started before the crash rides it out.
    const worker = await open()
    const done = new Set<string>()
    worker.handle('test.crash', async (_p, ctx) => {
      done.add(ctx.jobId)
    })
    await redis.kill()
    const refused = await producer.enqueue('test.crash', { i: 99 }, { jobId: 'crash-99' }).then(
      () => undefined,
      (error: unknown) => error,
    )
    expect(refused).toBeInstanceOf(KeelError)
    expect((refused as KeelError).code).toBe('TEMPORARILY_UNAVAILABLE')
    expect((refused as KeelError).message).toMatch(
      /the job queue's Redis \(redis:\/\/127\.0\.0\.1:\d+\/0\) is unreachable/,
    )
    expect(await producer.problem()).toMatch(/Redis .* is unreachable/)

    worker.startWorkers(4)

    await redis.restart()
    await poll('the queue to find Redis again', async () => (await producer.problem()) === undefined, {
      withinMs: 5_000,
    })
    for (const id of acknowledged) expect((await ended(producer, id)).state).toBe('succeeded')
    expect([...done].sort()).toEqual([...acknowledged].sort())
    // Refused, so not there.
    expect(await producer.get('crash-99')).toBeUndefined()
    // And new jobs are taken again.
    await producer.enqueue('test.crash', { i: 100 }, { jobId: 'crash-100' })
    expect((await ended(producer, 'crash-100')).state).toBe('succeeded')
  }, 60_000)
})
