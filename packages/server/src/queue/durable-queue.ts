/**
 * The default queue: jobs are rows of the SQL store (job-store.ts), so an acknowledged job
 * survives a crash and a restart resumes the queued ones. Workers in each `keel server` (and
 * `keel worker`) process claim due jobs under a lease and renew it while the handler runs; a
 * worker that died leaves its lease to lapse, and another worker retries the job. Every second a
 * running job's worker checks that it still holds it: a cancelled job's handler sees its
 * AbortSignal within that second (at once when cancelled in the same process).
 */
import { randomUUID } from 'node:crypto'
import { hostname } from 'node:os'
import { KeelError } from '@keel/contracts'
import {
  backoffDelay,
  DEFAULT_BACKOFF_MS,
  DEFAULT_MAX_ATTEMPTS,
  type EnqueueOptions,
  type HandlerOptions,
  type Job,
  type JobHandler,
  type JobPage,
  type JobQuery,
  type JobQueue,
  PermanentJobError,
} from './job-queue.js'
import type { JobStore, StoredJob } from './job-store.js'
import { checkEnqueue, errorText } from './job-validation.js'

export interface DurableQueueOptions {
  readonly store: JobStore
  readonly description: string
  /** How long a claim holds without renewal (default 30 s). */
  readonly leaseMs?: number
  /** How often idle workers look for due jobs queued by other processes (default 1 s). */
  readonly pollMs?: number
  /** How long ended jobs are kept (default 7 days). */
  readonly retentionMs?: number
  readonly now?: () => number
  /** Default: host:pid:random. */
  readonly workerId?: string
  readonly log?: { warn(fields: Record<string, unknown>, message: string): void }
}

interface Registered {
  readonly handler: JobHandler<Record<string, unknown>>
  readonly options: HandlerOptions
}

interface Running {
  readonly controller: AbortController
  readonly done: Promise<void>
}

const CHECK_MS = 1_000
const PRUNE_EVERY_MS = 3_600_000

export class DurableQueue implements JobQueue {
  readonly description: string
  readonly workerId: string
  private readonly store: JobStore
  private readonly leaseMs: number
  private readonly pollMs: number
  private readonly retentionMs: number
  private readonly now: () => number
  private readonly handlers = new Map<string, Registered>()
  private readonly running = new Map<string, Running>()
  private concurrency = 0
  private stopped = false
  private loop: Promise<void> | undefined
  private wakeUp: (() => void) | undefined
  private lastPrune = 0
  /** Whether the last claim failed (warned once until one succeeds). */
  private claimFailing = false

  constructor(private readonly o: DurableQueueOptions) {
    this.store = o.store
    this.description = o.description
    this.leaseMs = o.leaseMs ?? 30_000
    this.pollMs = o.pollMs ?? 1_000
    this.retentionMs = o.retentionMs ?? 7 * 86_400_000
    this.now = o.now ?? Date.now
    this.workerId = o.workerId ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`
  }

  handle<P>(kind: string, handler: JobHandler<P>, options: HandlerOptions = {}): void {
    this.handlers.set(kind, { handler: handler as JobHandler<Record<string, unknown>>, options })
  }

  async enqueue(kind: string, payload: Record<string, unknown>, o: EnqueueOptions = {}): Promise<Job> {
    checkEnqueue(kind, o)
    const defaults = this.handlers.get(kind)?.options ?? {}
    const now = this.now()
    const job = {
      jobId: o.jobId ?? randomUUID(),
      kind,
      payload,
      maxAttempts: o.maxAttempts ?? defaults.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
      backoffMs: o.backoffMs ?? defaults.backoffMs ?? DEFAULT_BACKOFF_MS,
      createdMs: now,
      runAtMs: now + (o.delayMs ?? 0),
    }
    const { job: stored, created } = await this.unavailableAs(() => this.store.insert(job))
    let result: StoredJob = stored
    if (!created && o.rerun && (stored.state === 'failed' || stored.state === 'cancelled'))
      result = (await this.store.requeue(job)) ?? (await this.store.get(job.jobId)) ?? stored
    if (result.state === 'queued') this.wakeUp?.()
    return publicJob(result)
  }

  async get(jobId: string): Promise<Job | undefined> {
    const job = await this.store.get(jobId)
    return job && publicJob(job)
  }

  async list(query: JobQuery): Promise<JobPage> {
    const page = await this.store.list(query)
    return { items: page.items.map((j) => publicJob(j as StoredJob)), hasMore: page.hasMore }
  }

  async cancel(jobId: string): Promise<Job | undefined> {
    const job = await this.store.cancel(jobId, this.now())
    if (job?.state === 'cancelled') this.running.get(jobId)?.controller.abort(new Error('the job was cancelled'))
    return job && publicJob(job)
  }

  async problem(): Promise<string | undefined> {
    try {
      await this.store.nextRunAt([])
      return undefined
    } catch (error) {
      return `the job queue's database (${this.description}) cannot be read: ${errorText(error)}`
    }
  }

  startWorkers(concurrency: number): void {
    if (this.loop || concurrency <= 0) return
    this.concurrency = concurrency
    this.loop = this.work()
  }

  async close(graceMs = 10_000): Promise<void> {
    this.stopped = true
    this.wakeUp?.()
    await this.loop
    const pending = [...this.running.values()]
    const timer = new Promise<void>((resolve) => setTimeout(resolve, graceMs).unref())
    await Promise.race([Promise.all(pending.map((r) => r.done)), timer])
    for (const r of this.running.values()) r.controller.abort(new Error('the worker is stopping'))
    await Promise.race([Promise.all(pending.map((r) => r.done)), new Promise((r) => setTimeout(r, 1_000).unref())])
  }

  /** The worker loop: claims what the free slots can take, runs it, sleeps until woken or the next due job. */
  private async work(): Promise<void> {
    const kinds = () => [...this.handlers.keys()]
    while (!this.stopped) {
      let claimed: StoredJob[] = []
      const free = this.concurrency - this.running.size
      try {
        if (free > 0 && this.handlers.size > 0)
          claimed = await this.store.claim(this.workerId, kinds(), this.now(), this.leaseMs, free)
        for (const job of claimed) this.start(job)
        await this.pruneNowAndThen()
        if (this.claimFailing) this.o.log?.warn({ queue: this.description }, 'job queue: claiming jobs again')
        this.claimFailing = false
      } catch (error) {
        if (!this.claimFailing)
          this.o.log?.warn({ error: errorText(error), queue: this.description }, 'job queue: could not claim jobs')
        this.claimFailing = true
      }
      if (claimed.length > 0 && claimed.length === free) continue
      let wait = this.pollMs
      try {
        const next = this.running.size < this.concurrency ? await this.store.nextRunAt(kinds()) : undefined
        if (next !== undefined) wait = Math.max(0, Math.min(wait, next - this.now()))
      } catch {
        // The claim's warning says it.
      }
      if (this.stopped) break
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, wait)
        this.wakeUp = () => {
          clearTimeout(timer)
          resolve()
        }
      })
      this.wakeUp = undefined
    }
  }

  private async pruneNowAndThen(): Promise<void> {
    const now = this.now()
    if (now - this.lastPrune < PRUNE_EVERY_MS) return
    this.lastPrune = now
    await this.store.prune(now - this.retentionMs)
  }

  private start(job: StoredJob): void {
    const controller = new AbortController()
    const done = this.runJob(job, controller)
      .catch((error: unknown) =>
        this.o.log?.warn({ job: job.jobId, kind: job.kind, error: errorText(error) }, 'job queue: bookkeeping failed'),
      )
      .finally(() => {
        this.running.delete(job.jobId)
        this.wakeUp?.()
      })
    this.running.set(job.jobId, { controller, done })
  }

  private async runJob(job: StoredJob, controller: AbortController): Promise<void> {
    const registered = this.handlers.get(job.kind)!
    let held = true
    let lastRenew = this.now()
    const check = setInterval(() => {
      const now = this.now()
      const renew = now - lastRenew >= this.leaseMs / 3
      ;(renew
        ? this.store.renew(job.jobId, this.workerId, now + this.leaseMs, now)
        : this.store.get(job.jobId).then((j) => j?.state === 'running' && j.worker === this.workerId)
      ).then(
        (still) => {
          if (renew && still) lastRenew = now
          if (!still && held) {
            held = false
            controller.abort(new Error('the job was cancelled, or its lease was lost'))
          }
        },
        () => undefined,
      )
    }, CHECK_MS)
    check.unref()
    try {
      const result = await registered.handler(job.payload as Record<string, unknown>, {
        jobId: job.jobId,
        attempt: job.attempts,
        maxAttempts: job.maxAttempts,
        signal: controller.signal,
      })
      clearInterval(check)
      await this.store.complete(job.jobId, this.workerId, result ?? null, this.now())
    } catch (error) {
      clearInterval(check)
      const now = this.now()
      const permanent = error instanceof PermanentJobError
      const retryAt =
        !permanent && job.attempts < job.maxAttempts ? now + backoffDelay(job.backoffMs, job.attempts) : undefined
      await this.store.fail(job.jobId, this.workerId, errorText(error), now, retryAt)
    }
  }

  /** A store that cannot be written: the enqueue fails as 503, naming it. */
  private async unavailableAs<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn()
    } catch (error) {
      if (error instanceof KeelError) throw error
      throw new KeelError(
        'TEMPORARILY_UNAVAILABLE',
        `the job queue's database (${this.description}) could not store the job: ${errorText(error)}`,
      )
    }
  }
}

/** What callers see: the store's bookkeeping (backoff, lease) left out. */
export function publicJob(job: StoredJob): Job {
  const { backoffMs: _b, leaseUntilMs: _l, ...rest } = job
  return rest
}
