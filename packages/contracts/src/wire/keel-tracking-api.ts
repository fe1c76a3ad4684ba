/**
 * keel's extensions of the tracking API (`/keel/...`), for the web UI: what MLflow's RPCs cannot
 * answer without loading every run of an experiment.
 */
import { z } from 'zod'
import { endpoint } from './endpoint.js'
import { str } from './primitives.js'
import { nonEmpty } from './documented.js'

export const keelTrackingApi = {
  getExperimentKeys: endpoint(
    'GET',
    '/keel/experiments/keys',
    "The distinct param, metric and tag keys of an experiment's active runs, sorted",
    z.object({ experiment_id: nonEmpty }),
    z.object({ params: z.array(str), metrics: z.array(str), tags: z.array(str) }),
  ),
} as const
