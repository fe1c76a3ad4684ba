/**
 * `JobClient` (`keel.jobs`): keel server's work queue: its background jobs (a live monitor's
 * windows, alerts' webhooks and actions) with their state, attempts and last error; cancel one.
 * camelCase in and out; the wire stays inside.
 */
import { type Job, type JobState, type Page, jobFromWire, keelJobsApi as api } from '@keel/contracts'
import { HttpClient, type HttpOptions } from './http.js'

export interface JobFilter {
  readonly state?: JobState
  readonly kind?: string
  readonly maxResults?: number
  readonly pageToken?: string
}

export class JobClient {
  readonly http: HttpClient

  constructor(options: HttpOptions | HttpClient = {}) {
    this.http = options instanceof HttpClient ? options : new HttpClient(options)
  }

  /** Newest first; `nextPageToken` while more match. */
  async list(f: JobFilter = {}): Promise<Page<Job>> {
    const res = await this.http.call(api.listJobs, {
      state: f.state,
      kind: f.kind,
      max_results: f.maxResults,
      page_token: f.pageToken,
    })
    const items = res.jobs.map(jobFromWire)
    return res.next_page_token ? { items, nextPageToken: res.next_page_token } : { items }
  }

  async get(jobId: string): Promise<Job> {
    return jobFromWire((await this.http.call(api.getJob, { job_id: jobId })).job)
  }

  /** A queued job never runs; a running one is told to stop and ends cancelled. One that ended is returned as it is. */
  async cancel(jobId: string): Promise<Job> {
    return jobFromWire((await this.http.call(api.cancelJob, { job_id: jobId })).job)
  }
}
