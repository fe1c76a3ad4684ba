/**
 * keel's work queue (`/api/2.0/keel/jobs/...`): the background work of the server (a live
 * monitor's window, an alert's webhook or action) as jobs with a state, attempts and the last
 * error; list them, read one, cancel one. The entity (camelCase), its wire form (snake_case), the
 * converters both ways and the endpoint table, in one file.
 */
import { z } from 'zod'
import { endpoint } from './endpoint.js'
import { maxResults, maxUnits, pageToken } from './documented.js'
import { str } from './primitives.js'

export const JOB_STATES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const
export type JobState = (typeof JOB_STATES)[number]

/** The longest job id and kind the queue takes. */
export const JOB_ID_MAX_LENGTH = 256
export const JOB_KIND_MAX_LENGTH = 64

export interface Job {
  readonly jobId: string
  /** What the job does, e.g. `monitor.window`, `alert.webhook`: the handler that runs it. */
  readonly kind: string
  readonly state: JobState
  /** The job's input (JSON). */
  readonly payload: Readonly<Record<string, unknown>>
  /** Attempts started so far (a retried job counts each). */
  readonly attempts: number
  readonly maxAttempts: number
  /** Why the last attempt failed (the error of a failed job; kept when a retry succeeded later). */
  readonly lastError?: string
  readonly createdMs: number
  readonly updatedMs: number
  /** Not run before this time (the backoff of a retry, or a delay). */
  readonly runAtMs: number
  readonly startedMs?: number
  readonly finishedMs?: number
  /** The worker running it (while running). */
  readonly worker?: string
  /** What the handler returned (JSON), once succeeded. */
  readonly result?: unknown
}

const num = z.number()

export const jobWire = z.object({
  job_id: str,
  kind: str,
  state: z.enum(JOB_STATES),
  payload: z.record(z.string(), z.unknown()),
  attempts: num,
  max_attempts: num,
  last_error: str.optional(),
  created_ms: num,
  updated_ms: num,
  run_at_ms: num,
  started_ms: num.optional(),
  finished_ms: num.optional(),
  worker: str.optional(),
  result: z.unknown().optional(),
})
export type JobWire = z.input<typeof jobWire>

export function jobToWire(j: Job): JobWire {
  return {
    job_id: j.jobId,
    kind: j.kind,
    state: j.state,
    payload: { ...j.payload },
    attempts: j.attempts,
    max_attempts: j.maxAttempts,
    ...(j.lastError !== undefined && { last_error: j.lastError }),
    created_ms: j.createdMs,
    updated_ms: j.updatedMs,
    run_at_ms: j.runAtMs,
    ...(j.startedMs !== undefined && { started_ms: j.startedMs }),
    ...(j.finishedMs !== undefined && { finished_ms: j.finishedMs }),
    ...(j.worker !== undefined && { worker: j.worker }),
    ...(j.result !== undefined && { result: j.result }),
  }
}

export function jobFromWire(w: z.output<typeof jobWire>): Job {
  return {
    jobId: w.job_id,
    kind: w.kind,
    state: w.state,
    payload: w.payload,
    attempts: w.attempts,
    maxAttempts: w.max_attempts,
    ...(w.last_error !== undefined && { lastError: w.last_error }),
    createdMs: w.created_ms,
    updatedMs: w.updated_ms,
    runAtMs: w.run_at_ms,
    ...(w.started_ms !== undefined && { startedMs: w.started_ms }),
    ...(w.finished_ms !== undefined && { finishedMs: w.finished_ms }),
    ...(w.worker !== undefined && { worker: w.worker }),
    ...(w.result !== undefined && { result: w.result }),
  }
}

/** What the queue takes as an id (server/src/queue/job-validation.ts checks it). */
const jobId = str.meta({ minLength: 1, ...maxUnits(JOB_ID_MAX_LENGTH), pattern: '^[A-Za-z0-9._/@+=-]+$' })

export const keelJobsApi = {
  listJobs: endpoint(
    'GET',
    '/keel/jobs/list',
    'Jobs of the work queue, newest first; of one state and/or kind',
    z.object({
      state: z.enum(JOB_STATES).optional(),
      kind: str.meta({ minLength: 1, ...maxUnits(JOB_KIND_MAX_LENGTH), pattern: '^[A-Za-z0-9._/@+=-]+$' }).optional(),
      max_results: maxResults(1000).optional(),
      page_token: pageToken.optional(),
    }),
    z.object({ jobs: z.array(jobWire), next_page_token: str.optional() }),
  ),
  getJob: endpoint('GET', '/keel/jobs/get', 'One job', z.object({ job_id: jobId }), z.object({ job: jobWire })),
  cancelJob: endpoint(
    'POST',
    '/keel/jobs/cancel',
    'Cancel a job: a queued one never runs; a running one is marked cancelled and its handler is told to stop. A job that ended already is left as it is',
    z.object({ job_id: jobId }),
    z.object({ job: jobWire }),
  ),
} as const
