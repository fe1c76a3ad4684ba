/**
 * The durable queue's store contract (durable-queue.ts): jobs as rows, claimed by a worker under
 * a lease (`claimed_by`, `lease_until`). Every write that moves a job checks who holds it, so a
 * worker whose lease lapsed (and whose job another worker took) or whose job was cancelled
 * changes nothing. Claims never hand one job to two workers: SQLite's single writer
 * (`BEGIN IMMEDIATE`) or PostgreSQL's `FOR UPDATE SKIP LOCKED`. Every implementation runs
 * test/conformance/job-store-conformance.ts.
 */
import type { Job, JobPage, JobQuery } from './job-queue.js'

export interface StoredJob extends Job {
  readonly backoffMs: number
  /** While running: until when the worker holds it. */
  readonly leaseUntilMs?: number
}

export interface NewJob {
  readonly jobId: string
  readonly kind: string
  readonly payload: Readonly<Record<string, unknown>>
  readonly maxAttempts: number
  readonly backoffMs: number
  readonly createdMs: number
  readonly runAtMs: number
}

export interface JobStore {
  /** Stores a queued job; when its id exists, stores nothing and returns the job that exists. */
  insert(job: NewJob): Promise<{ readonly job: StoredJob; readonly created: boolean }>
  /** Queues a failed or cancelled job again as `job` says (attempts from 0); undefined when it is in another state. */
  requeue(job: NewJob): Promise<StoredJob | undefined>
  get(jobId: string): Promise<StoredJob | undefined>
  /** Newest first (created time, then id). */
  list(query: JobQuery): Promise<JobPage>
  /**
   * Takes up to `limit` jobs of these kinds that are due (queued, run time reached) or whose lease
   * lapsed: each becomes running, held by `worker` until `now + leaseMs`, its attempts + 1. A
   * lapsed job that had used its attempts is failed instead, saying so.
   */
  claim(worker: string, kinds: readonly string[], now: number, leaseMs: number, limit: number): Promise<StoredJob[]>
  /** Extends the lease; false when the worker no longer holds the job (cancelled, or lapsed and taken). */
  renew(jobId: string, worker: string, leaseUntilMs: number, now: number): Promise<boolean>
  /** Succeeded, with its result (JSON); false when the worker no longer holds the job. */
  complete(jobId: string, worker: string, result: unknown, now: number): Promise<boolean>
  /** The attempt failed: queued again at `retryAtMs`, or failed for good when undefined. False when not held. */
  fail(jobId: string, worker: string, error: string, now: number, retryAtMs: number | undefined): Promise<boolean>
  /** A queued or running job becomes cancelled; one that ended is returned unchanged. Undefined: no such job. */
  cancel(jobId: string, now: number): Promise<StoredJob | undefined>
  /** The earliest run time of a queued job of these kinds (to sleep until it). */
  nextRunAt(kinds: readonly string[]): Promise<number | undefined>
  /** Deletes jobs that ended before `before`; how many. */
  prune(before: number): Promise<number>
}
