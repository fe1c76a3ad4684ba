/**
 * keel's extensions of the tracking API (`/api/2.0/keel/...`), for the web UI. Like
 * tracking-routes.ts, the edge of the tracking domain: wire in, services called, wire out.
 */
import { keelTrackingApi as api } from '@keel/contracts'
import type { RpcRouter } from '../http/rpc.js'
import type { ExperimentService } from './experiment-service.js'

export function mountKeelTrackingRoutes(router: RpcRouter, { experiments }: { experiments: ExperimentService }): void {
  router.add(api.getExperimentKeys, async (r) => {
    const keys = await experiments.keys(r.experiment_id)
    return { params: [...keys.params], metrics: [...keys.metrics], tags: [...keys.tags] }
  })
}
