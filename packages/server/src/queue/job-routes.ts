/** The edge of the work queue (`/keel/jobs/...`): wire requests in, the service called, wire responses out. */
import { keelJobsApi as api, jobToWire } from '@keel/contracts'
import type { RpcRouter } from '../http/rpc.js'
import type { JobService } from './job-service.js'

export function mountJobRoutes(router: RpcRouter, jobs: JobService): void {
  router
    .add(api.listJobs, async (r) => {
      const page = await jobs.list({
        ...(r.state !== undefined && { state: r.state }),
        ...(r.kind !== undefined && { kind: r.kind }),
        ...(r.max_results !== undefined && { maxResults: r.max_results }),
        ...(r.page_token !== undefined && { pageToken: r.page_token }),
      })
      return {
        jobs: page.items.map(jobToWire),
        ...(page.nextPageToken && { next_page_token: page.nextPageToken }),
      }
    })
    .add(api.getJob, async (r) => ({ job: jobToWire(await jobs.get(r.job_id)) }))
    .add(api.cancelJob, async (r) => ({ job: jobToWire(await jobs.cancel(r.job_id)) }))
}
