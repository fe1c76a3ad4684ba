/** What both queues check of an enqueue, and how an error reads in a job's `last_error`. */
import { JOB_ID_MAX_LENGTH, JOB_KIND_MAX_LENGTH, KeelError } from '@keel/contracts'
import type { EnqueueOptions } from './job-queue.js'

/** Longest last_error kept. */
const MAX_ERROR = 4_000

/** Ids and kinds: printable ASCII without spaces or `:` (BullMQ refuses `:` in custom ids). */
const ID = /^[A-Za-z0-9._\-/@+=]+$/

export function checkJobId(jobId: string, field = 'job_id'): string {
  if (jobId.length === 0 || jobId.length > JOB_ID_MAX_LENGTH || !ID.test(jobId))
    throw KeelError.invalid(
      `Invalid value '${jobId.slice(0, 64)}' for parameter '${field}': expected 1 to ${JOB_ID_MAX_LENGTH} characters of A-Z a-z 0-9 . _ - / @ + =`,
    )
  return jobId
}

export function checkEnqueue(kind: string, o: EnqueueOptions): void {
  if (kind.length === 0 || kind.length > JOB_KIND_MAX_LENGTH || !ID.test(kind))
    throw KeelError.invalid(`Invalid job kind '${kind.slice(0, 64)}'`)
  if (o.jobId !== undefined) checkJobId(o.jobId)
  if (o.maxAttempts !== undefined && (!Number.isInteger(o.maxAttempts) || o.maxAttempts < 1 || o.maxAttempts > 100))
    throw KeelError.invalid(`Invalid maxAttempts ${o.maxAttempts}: expected 1 to 100`)
  for (const [name, v] of [
    ['backoffMs', o.backoffMs],
    ['delayMs', o.delayMs],
  ] as const)
    if (v !== undefined && (!Number.isSafeInteger(v) || v < 0)) throw KeelError.invalid(`Invalid ${name} ${v}`)
}

export function errorText(error: unknown): string {
  const text = error instanceof Error ? error.message || error.name : String(error)
  return text.length > MAX_ERROR ? `${text.slice(0, MAX_ERROR - 1)}…` : text
}
