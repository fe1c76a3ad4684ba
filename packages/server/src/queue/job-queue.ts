/**
 * The one work-queue interface of keel's background work (a live monitor's due window, an
 * alert's webhook and action; later pipeline stages, trials, materialisation). Two
 * implementations: the durable default (durable-queue.ts: rows of the SQL store, claimed by
 * workers under a lease, so several `keel server` processes on one database share it) and BullMQ
 * on Redis (bullmq-queue.ts, `--queue redis://…`).
 *
 * A job has a kind (its handler), a JSON payload and an id. The id is the idempotency key: a
 * second enqueue of an id returns the job that exists (whatever its state; with `rerun`, a failed
 * or cancelled one is queued again). A failed attempt is retried after `backoffMs * 2^(n-1)` up to
 * `maxAttempts`; cancel stops a queued job from running and tells a running one's handler through
 * its AbortSignal.
 */
import type { Job, JobState } from '@keel/contracts'

export type { Job, JobState } from '@keel/contracts'

export interface EnqueueOptions {
  /** The idempotency key (default: a random id). */
  readonly jobId?: string
  /** Attempts in all, the first included (default: the kind's, else 3). */
  readonly maxAttempts?: number
  /** The first retry's delay; each next one doubles (default: the kind's, else 1 s). */
  readonly backoffMs?: number
  /** Not run before this many ms from now. */
  readonly delayMs?: number
  /** When the id's job failed or was cancelled, queue it again (attempts from 0) instead of returning it. */
  readonly rerun?: boolean
}

export interface JobContext {
  readonly jobId: string
  /** 1 for the first attempt. */
  readonly attempt: number
  readonly maxAttempts: number
  /** Aborted when the job is cancelled, its lease is lost, or the worker stops. */
  readonly signal: AbortSignal
}

/** Runs one attempt of a job; what it returns (JSON) is the job's result. Throwing fails the attempt. */
export type JobHandler<P = Record<string, unknown>> = (payload: P, ctx: JobContext) => Promise<unknown>

export interface HandlerOptions {
  readonly maxAttempts?: number
  readonly backoffMs?: number
}

export interface JobQuery {
  readonly state?: JobState
  readonly kind?: string
  readonly limit: number
  /** Jobs after this one in the list's order (newest first: created time, then id). */
  readonly after?: { readonly createdMs: number; readonly jobId: string }
}

export interface JobPage {
  readonly items: readonly Job[]
  readonly hasMore: boolean
}

/** A thrown error that must not be retried (the input can never work). */
export class PermanentJobError extends Error {
  override readonly name = 'PermanentJobError'
}

export interface JobQueue {
  /** For logs: `sql:/path/keel.db` or `redis://host:port/db`. */
  readonly description: string
  /** Registers the handler of a kind (before `startWorkers`). */
  handle<P>(kind: string, handler: JobHandler<P>, options?: HandlerOptions): void
  /** Adds a job, or returns the job its id names already. Fails (503) rather than acknowledge a job it did not keep. */
  enqueue(kind: string, payload: Record<string, unknown>, options?: EnqueueOptions): Promise<Job>
  get(jobId: string): Promise<Job | undefined>
  list(query: JobQuery): Promise<JobPage>
  /** Cancels a queued or running job; one that ended is returned as it is. Undefined: no such job. */
  cancel(jobId: string): Promise<Job | undefined>
  /** Runs the registered handlers in this process, `concurrency` jobs at a time. */
  startWorkers(concurrency: number): void
  /** Undefined when the queue can take jobs; else why not, in words naming what is down. */
  problem(): Promise<string | undefined>
  /** Stops taking jobs; running ones get `graceMs` to end, then their signals abort (their leases lapse and another worker retries them). */
  close(graceMs?: number): Promise<void>
}

export const DEFAULT_MAX_ATTEMPTS = 3
export const DEFAULT_BACKOFF_MS = 1_000

/** The delay before attempt `attempt + 1`, after `attempt` attempts failed. */
export function backoffDelay(backoffMs: number, attempt: number): number {
  return backoffMs * 2 ** Math.max(0, attempt - 1)
}

const TERMINAL: ReadonlySet<JobState> = new Set(['succeeded', 'failed', 'cancelled'])
export const isTerminal = (state: JobState): boolean => TERMINAL.has(state)

/**
 * Waits until `done(job)` holds (polling every `intervalMs`), the job is gone, or `deadlineMs`
 * passed (the job as it then is). Used where a request waits for work it queued (a monitor run
 * asked for through the API).
 */
export async function waitForJob(
  queue: Pick<JobQueue, 'get'>,
  jobId: string,
  done: (job: Job) => boolean = (job) => isTerminal(job.state),
  intervalMs = 20,
  deadlineMs = Number.POSITIVE_INFINITY,
): Promise<Job | undefined> {
  const until = Date.now() + deadlineMs
  for (;;) {
    const job = await queue.get(jobId)
    if (job === undefined || done(job) || Date.now() >= until) return job
    await new Promise((resolve) => setTimeout(resolve, intervalMs))
  }
}
