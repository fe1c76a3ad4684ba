/**
 * The work queue on Redis through BullMQ (`--queue redis://host:port/db`), with the same view of
 * jobs as the durable queue: BullMQ's states mapped (waiting, delayed, prioritized: queued;
 * active: running; completed: succeeded; failed: failed), `attemptsMade` as attempts,
 * `failedReason` as the last error, BullMQ's exponential backoff. Cancel removes a waiting or
 * delayed job (a record of it is kept in a hash, so it still reads as cancelled); a running one is
 * marked cancelled, its worker told through a channel (its handler's AbortSignal fires), and when
 * it ends it moves to failed without retry and reads as cancelled.
 *
 * Redis down: the producer's connection does not queue commands offline, so an enqueue fails at
 * once (503, naming Redis) instead of acknowledging a job Redis never got; workers reconnect and
 * go on when Redis is back. No job is lost to a Redis crash only if Redis persists every write
 * (`appendonly yes`, `appendfsync always`).
 */
import { randomUUID } from 'node:crypto'
import { hostname } from 'node:os'
import { KeelError } from '@keel/contracts'
import { type Job as BullJob, Queue, UnrecoverableError, Worker } from 'bullmq'
import { Redis } from 'ioredis'
import {
  DEFAULT_BACKOFF_MS,
  DEFAULT_MAX_ATTEMPTS,
  type EnqueueOptions,
  type HandlerOptions,
  type Job,
  type JobHandler,
  type JobPage,
  type JobQuery,
  type JobQueue,
  type JobState,
  PermanentJobError,
} from './job-queue.js'
import { checkEnqueue, errorText } from './job-validation.js'

const QUEUE_NAME = 'keel'
const CANCELLED_REASON = 'cancelled'
/** Jobs read per state by a list (BullMQ lists by state, not by time). */
const LIST_CAP = 5_000
const KEEP_SECONDS = 7 * 86_400
/** How long a call waits for a connection being made before it answers 503. */
const READY_WAIT_MS = 1_000

const QUEUED_TYPES = ['waiting', 'delayed', 'prioritized', 'paused', 'waiting-children'] as const

export interface BullQueueOptions {
  readonly log?: { warn(fields: Record<string, unknown>, message: string): void }
  readonly workerId?: string
}

interface Registered {
  readonly handler: JobHandler<Record<string, unknown>>
  readonly options: HandlerOptions
}

interface CancelRecord {
  readonly cancelledMs: number
  /** The job as it was when removed (waiting or delayed). */
  readonly job?: Job
}

/** `redis://[:password@]host:port/db` (or rediss://) checked, with the password left out of what is shown. */
export function describeRedisUri(uri: string): string {
  let url: URL
  try {
    url = new URL(uri)
  } catch {
    throw KeelError.invalid(`Invalid --queue '${uri}': expected redis://host:port/db`)
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:')
    throw KeelError.invalid(`Invalid --queue '${uri}': expected redis://host:port/db (or rediss://)`)
  const db = url.pathname.replace(/^\//, '')
  if (db !== '' && !/^\d{1,2}$/.test(db)) throw KeelError.invalid(`Invalid --queue '${uri}': the database is a number`)
  return `${url.protocol}//${url.hostname}:${url.port || '6379'}/${db || '0'}`
}

export class BullQueue implements JobQueue {
  readonly description: string
  private readonly handlers = new Map<string, Registered>()
  private readonly queue: Queue
  private readonly cancelledKey: string
  private readonly channel: string
  private worker: Worker | undefined
  private subscriber: Redis | undefined
  private workerConnection: Redis | undefined
  private warnedDown = false

  private constructor(
    private readonly uri: string,
    private readonly producer: Redis,
    private readonly o: BullQueueOptions,
  ) {
    this.description = describeRedisUri(uri)
    this.queue = new Queue(QUEUE_NAME, { connection: producer })
    this.queue.on('error', (error) => this.down(error))
    this.cancelledKey = `bull:${QUEUE_NAME}:keel-cancelled`
    this.channel = `bull:${QUEUE_NAME}:keel-cancel`
  }

  /**
   * Connects. A URI that is not redis://, or a Redis that cannot be reached at start (refused, an
   * unknown host, a wrong password), stops the start naming it and the cause; once started, Redis
   * going away is reported by `problem()` and enqueues fail with 503 until it is back.
   */
  static async open(uri: string, o: BullQueueOptions = {}): Promise<BullQueue> {
    const description = describeRedisUri(uri)
    const producer = new Redis(uri, { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: true })
    let cause: unknown
    producer.on('error', (error) => {
      cause ??= error
    })
    await producer.connect().catch((error: unknown) => {
      cause ??= error
    })
    if (producer.status !== 'ready') {
      producer.disconnect()
      throw new KeelError(
        'TEMPORARILY_UNAVAILABLE',
        `cannot reach the job queue's Redis at ${description} (--queue): ${errorText(cause ?? new Error(producer.status))}`,
      )
    }
    const queue = new BullQueue(uri, producer, o)
    producer.removeAllListeners('error')
    producer.on('error', (error) => queue.down(error))
    producer.on('ready', () => {
      queue.warnedDown = false
    })
    return queue
  }

  private down(error: unknown): void {
    if (this.warnedDown) return
    this.warnedDown = true
    this.o.log?.warn({ queue: this.description, error: errorText(error) }, 'job queue: Redis is unreachable')
  }

  private unavailable(error: unknown): KeelError {
    if (error instanceof KeelError) return error
    return new KeelError(
      'TEMPORARILY_UNAVAILABLE',
      `the job queue's Redis (${this.description}) is unreachable: ${errorText(error)}`,
    )
  }

  /** Runs `fn` once the connection is ready (waiting a second at most), its failures as 503 naming Redis. */
  private async guard<T>(fn: () => Promise<T>): Promise<T> {
    if (this.producer.status !== 'ready') {
      const ready = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => {
          this.producer.off('ready', onReady)
          resolve(false)
        }, READY_WAIT_MS)
        const onReady = () => {
          clearTimeout(timer)
          resolve(true)
        }
        this.producer.once('ready', onReady)
      })
      if (!ready) throw this.unavailable(new Error(`no connection (${this.producer.status})`))
    }
    try {
      return await fn()
    } catch (error) {
      throw this.unavailable(error)
    }
  }

  handle<P>(kind: string, handler: JobHandler<P>, options: HandlerOptions = {}): void {
    this.handlers.set(kind, { handler: handler as JobHandler<Record<string, unknown>>, options })
  }

  async enqueue(kind: string, payload: Record<string, unknown>, o: EnqueueOptions = {}): Promise<Job> {
    checkEnqueue(kind, o)
    const defaults = this.handlers.get(kind)?.options ?? {}
    const jobId = o.jobId ?? randomUUID()
    return this.guard(async () => {
      const cancelled = await this.cancelRecord(jobId)
      if (cancelled) {
        if (!o.rerun) return (await this.get(jobId))!
        await this.producer.hdel(this.cancelledKey, jobId)
        const existing = await this.queue.getJob(jobId)
        if (existing) {
          await existing.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true })
          return (await this.get(jobId))!
        }
      } else if (o.rerun) {
        const existing = await this.queue.getJob(jobId)
        if (existing && (await existing.getState()) === 'failed') {
          await existing.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true })
          return (await this.get(jobId))!
        }
      }
      await this.queue.add(kind, payload, {
        jobId,
        attempts: o.maxAttempts ?? defaults.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
        backoff: { type: 'exponential', delay: o.backoffMs ?? defaults.backoffMs ?? DEFAULT_BACKOFF_MS },
        ...(o.delayMs !== undefined && o.delayMs > 0 && { delay: o.delayMs }),
        removeOnComplete: { age: KEEP_SECONDS },
        removeOnFail: { age: KEEP_SECONDS },
      })
      const job = await this.get(jobId)
      if (!job) throw new Error(`Redis did not keep the job ${jobId}`)
      return job
    })
  }

  private async cancelRecord(jobId: string): Promise<CancelRecord | undefined> {
    const text = await this.producer.hget(this.cancelledKey, jobId)
    return text ? (JSON.parse(text) as CancelRecord) : undefined
  }

  async get(jobId: string): Promise<Job | undefined> {
    return this.guard(async () => {
      // The state first: a job read after it is seen completed carries its result (both are written at once).
      const state = await this.queue.getJobState(jobId)
      const [job, cancelled] = await Promise.all([
        state === 'unknown' ? undefined : this.queue.getJob(jobId),
        this.cancelRecord(jobId),
      ])
      if (job) return toJob(job, state, cancelled)
      return cancelled?.job
    })
  }

  async list(q: JobQuery): Promise<JobPage> {
    return this.guard(async () => {
      const types =
        q.state === undefined
          ? [...QUEUED_TYPES, 'active', 'completed', 'failed']
          : q.state === 'queued'
            ? [...QUEUED_TYPES]
            : q.state === 'running'
              ? ['active']
              : q.state === 'succeeded'
                ? ['completed']
                : ['failed']
      const found: Job[] = []
      const cancelledAll = await this.producer.hgetall(this.cancelledKey)
      const cancelled = new Map(Object.entries(cancelledAll).map(([k, v]) => [k, JSON.parse(v) as CancelRecord]))
      // Cancel records are kept as long as BullMQ keeps ended jobs.
      const expired = [...cancelled].filter(([, r]) => r.cancelledMs < Date.now() - KEEP_SECONDS * 1000)
      if (expired.length > 0) {
        await this.producer.hdel(this.cancelledKey, ...expired.map(([id]) => id))
        for (const [id] of expired) cancelled.delete(id)
      }
      for (const type of types) {
        const jobs = (await this.queue.getJobs([type as 'waiting'], 0, LIST_CAP - 1)) as BullJob[]
        for (const job of jobs) {
          if (!job?.id) continue
          found.push(toJob(job, type === 'prioritized' || type === 'paused' ? 'waiting' : type, cancelled.get(job.id)))
        }
      }
      for (const record of cancelled.values()) if (record.job) found.push(record.job)
      const after = q.after
      const items = found
        .filter((j) => (q.state === undefined || j.state === q.state) && (q.kind === undefined || j.kind === q.kind))
        .filter(
          (j) => !after || j.createdMs < after.createdMs || (j.createdMs === after.createdMs && j.jobId < after.jobId),
        )
        .sort((a, b) => b.createdMs - a.createdMs || (a.jobId < b.jobId ? 1 : a.jobId > b.jobId ? -1 : 0))
      const unique = items.filter((j, i) => i === 0 || items[i - 1]!.jobId !== j.jobId)
      return { items: unique.slice(0, q.limit), hasMore: unique.length > q.limit }
    })
  }

  async cancel(jobId: string): Promise<Job | undefined> {
    return this.guard(async () => {
      const job = await this.queue.getJob(jobId)
      if (!job) return (await this.cancelRecord(jobId))?.job
      const state = await job.getState()
      const now = Date.now()
      if (state === 'completed' || state === 'failed') return this.get(jobId)
      if (state !== 'active') {
        const snapshot = toJob(job, state, undefined)
        try {
          await job.remove()
          const record: CancelRecord = {
            cancelledMs: now,
            job: { ...snapshot, state: 'cancelled', updatedMs: now, finishedMs: now },
          }
          await this.producer.hset(this.cancelledKey, jobId, JSON.stringify(record))
          return record.job
        } catch {
          // It became active meanwhile: cancel it as running.
        }
      }
      await this.producer.hset(this.cancelledKey, jobId, JSON.stringify({ cancelledMs: now } satisfies CancelRecord))
      await this.producer.publish(this.channel, jobId)
      return this.get(jobId)
    })
  }

  startWorkers(concurrency: number): void {
    if (this.worker || concurrency <= 0) return
    const workerId = this.o.workerId ?? `${hostname()}:${process.pid}`
    this.workerConnection = new Redis(this.uri, { maxRetriesPerRequest: null })
    this.workerConnection.on('error', (error) => this.down(error))
    this.worker = new Worker(QUEUE_NAME, (job, _token, signal) => this.process(job, signal), {
      connection: this.workerConnection,
      concurrency,
      name: workerId,
    })
    this.worker.on('error', (error) => this.down(error))
    this.subscriber = new Redis(this.uri, { maxRetriesPerRequest: null })
    this.subscriber.on('error', (error) => this.down(error))
    this.subscriber.on('message', (_channel: string, jobId: string) => {
      this.worker?.cancelJob(jobId, CANCELLED_REASON)
    })
    void this.subscriber.subscribe(this.channel).catch((error: unknown) => this.down(error))
  }

  private async process(job: BullJob, signal: AbortSignal | undefined): Promise<unknown> {
    const registered = this.handlers.get(job.name)
    // A worker of another version: the job is retried (by a worker that has the handler, with luck).
    if (!registered)
      throw new Error(`no handler for jobs of kind '${job.name}' in worker ${this.o.workerId ?? hostname()}`)
    if (await this.cancelRecord(job.id!)) throw new UnrecoverableError(CANCELLED_REASON)
    const controller = new AbortController()
    signal?.addEventListener('abort', () => controller.abort(signal.reason), { once: true })
    try {
      return await registered.handler(job.data as Record<string, unknown>, {
        jobId: job.id!,
        attempt: job.attemptsMade + 1,
        maxAttempts: job.opts.attempts ?? 1,
        signal: controller.signal,
      })
    } catch (error) {
      if (await this.cancelRecord(job.id!).catch(() => undefined)) throw new UnrecoverableError(CANCELLED_REASON)
      if (error instanceof PermanentJobError) throw new UnrecoverableError(error.message)
      throw error
    } finally {
      if (await this.cancelRecord(job.id!).catch(() => undefined)) {
        // The handler ended after its job was cancelled: it ends failed (not completed), read as cancelled.
        // biome-ignore lint/correctness/noUnsafeFinally: a cancelled job must not complete
        throw new UnrecoverableError(CANCELLED_REASON)
      }
    }
  }

  async problem(): Promise<string | undefined> {
    try {
      await Promise.race([
        this.producer.ping(),
        new Promise((_, reject) => setTimeout(() => reject(new Error('no answer within 2 s')), 2_000).unref()),
      ])
      return undefined
    } catch (error) {
      return `the job queue's Redis (${this.description}) is unreachable: ${errorText(error)}`
    }
  }

  async close(graceMs = 10_000): Promise<void> {
    const worker = this.worker
    this.worker = undefined
    if (worker) {
      const closing = worker.close()
      const timer = new Promise<void>((resolve) => setTimeout(resolve, graceMs).unref())
      await Promise.race([closing, timer])
      await Promise.race([worker.close(true), new Promise((r) => setTimeout(r, 1_000).unref())]).catch(() => undefined)
    }
    await this.queue.close().catch(() => undefined)
    for (const c of [this.subscriber, this.workerConnection, this.producer]) c?.disconnect()
  }
}

const STATE: Record<string, JobState> = {
  waiting: 'queued',
  delayed: 'queued',
  prioritized: 'queued',
  paused: 'queued',
  'waiting-children': 'queued',
  active: 'running',
  completed: 'succeeded',
  failed: 'failed',
}

function toJob(job: BullJob, state: string, cancelled: CancelRecord | undefined): Job {
  let mapped: JobState = STATE[state] ?? 'queued'
  if (cancelled && (mapped === 'running' || mapped === 'failed' || mapped === 'queued')) mapped = 'cancelled'
  const attempts = Math.max(job.attemptsMade ?? 0, (job as { attemptsStarted?: number }).attemptsStarted ?? 0)
  const finished = job.finishedOn ?? (cancelled ? cancelled.cancelledMs : undefined)
  const lastError = job.failedReason && job.failedReason !== CANCELLED_REASON ? job.failedReason : undefined
  const updated = Math.max(job.timestamp, job.processedOn ?? 0, finished ?? 0)
  return {
    jobId: job.id!,
    kind: job.name,
    state: mapped,
    payload: (job.data ?? {}) as Record<string, unknown>,
    attempts,
    maxAttempts: job.opts.attempts ?? 1,
    ...(lastError !== undefined && { lastError }),
    createdMs: job.timestamp,
    updatedMs: updated,
    runAtMs: job.timestamp + (job.delay ?? 0),
    ...(job.processedOn !== undefined && job.processedOn !== null && { startedMs: job.processedOn }),
    ...(finished !== undefined &&
      finished !== null &&
      mapped !== 'running' &&
      mapped !== 'queued' && { finishedMs: finished }),
    ...(mapped === 'running' && job.processedBy !== undefined && { worker: job.processedBy }),
    ...(mapped === 'succeeded' && job.returnvalue !== undefined && { result: job.returnvalue }),
  }
}
