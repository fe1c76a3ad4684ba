/**
 * The queue as the API shows it: jobs listed newest first (a state, a kind), one job, cancel.
 * Page tokens are keyset cursors (created time, id), so a page is as cheap deep in the list and
 * nothing is skipped while jobs are added.
 */
import { JOB_KIND_MAX_LENGTH, type Job, type JobState, KeelError, type Page } from '@keel/contracts'
import { isCount, keysetPage, pageTokenCodec } from '../paging/page-token.js'
import { validateMaxResults } from '../paging/max-results.js'
import type { JobQueue } from './job-queue.js'
import { checkJobId } from './job-validation.js'

const jobToken = pageTokenCodec(
  (p): p is { readonly c: number; readonly j: string } => isCount(p.c) && typeof p.j === 'string',
)

export interface JobListQuery {
  readonly state?: JobState
  readonly kind?: string
  readonly maxResults?: number
  readonly pageToken?: string
}

export class JobService {
  constructor(private readonly queue: JobQueue) {}

  get description(): string {
    return this.queue.description
  }

  async list(q: JobListQuery): Promise<Page<Job>> {
    const limit = validateMaxResults(q.maxResults, 100, 1000)
    if (q.kind !== undefined && (q.kind.length === 0 || q.kind.length > JOB_KIND_MAX_LENGTH))
      throw KeelError.invalid(`Invalid value '${q.kind.slice(0, 64)}' for parameter 'kind'`)
    const after = q.pageToken ? jobToken.decode(q.pageToken) : undefined
    const found = await this.queue.list({
      limit,
      ...(q.state !== undefined && { state: q.state }),
      ...(q.kind !== undefined && { kind: q.kind }),
      ...(after && { after: { createdMs: after.c, jobId: after.j } }),
    })
    return keysetPage(found, jobToken, (last) => ({ c: last.createdMs, j: last.jobId }))
  }

  async get(jobId: string): Promise<Job> {
    const job = await this.queue.get(checkJobId(jobId))
    if (!job) throw KeelError.notFound(`Job '${jobId}' does not exist`)
    return job
  }

  async cancel(jobId: string): Promise<Job> {
    const job = await this.queue.cancel(checkJobId(jobId))
    if (!job) throw KeelError.notFound(`Job '${jobId}' does not exist`)
    return job
  }
}
