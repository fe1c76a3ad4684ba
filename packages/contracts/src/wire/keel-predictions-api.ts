/**
 * keel's prediction log (`/keel/predictions/...`): what the model server logs for each request it
 * serves, ground-truth labels posted later by request id, and what drift monitoring reads back.
 */
import { z } from 'zod'
import { endpoint } from './endpoint.js'
import { loggedPredictionWire, predictionDeploymentWire, predictionLabelWire, predictionRecordWire } from './prediction-entities.js'
import { bool, int64, str } from './primitives.js'

const empty = z.object({})

export const keelPredictionsApi = {
  logPredictions: endpoint(
    'POST',
    '/keel/predictions/log-batch',
    "Log served requests (up to 1,000 records); a record already logged for its (deployment, request_id, variant) is left as it is. `dropped`: records the model server dropped since its previous call, added to the deployment's total (`deployment`, else the records' one deployment)",
    z.object({ records: z.array(predictionRecordWire), dropped: int64.optional(), deployment: str.optional() }),
    empty,
  ),
  searchPredictions: endpoint(
    'GET',
    '/keel/predictions/search',
    'Logged predictions with their labels, ordered by timestamp then arrival; start_time <= timestamp_ms < end_time',
    z.object({
      deployment: str.optional(),
      model_name: str.optional(),
      model_version: str.optional(),
      variant: str.optional(),
      shadow: bool.optional(),
      start_time: int64.optional(),
      end_time: int64.optional(),
      max_results: int64.optional(),
      page_token: str.optional(),
      order: z.string().toLowerCase().pipe(z.enum(['asc', 'desc'])).optional(),
    }),
    z.object({ records: z.array(loggedPredictionWire), next_page_token: str.optional() }),
  ),
  getPrediction: endpoint(
    'GET',
    '/keel/predictions/get',
    'Every variant logged for a request id (shadows included), with its label',
    z.object({ request_id: str }),
    z.object({ records: z.array(loggedPredictionWire) }),
  ),
  postLabels: endpoint(
    'POST',
    '/keel/predictions/labels',
    'Upsert ground-truth labels by request id (a later post replaces); a label may come before its prediction',
    z.object({ labels: z.array(predictionLabelWire) }),
    empty,
  ),
  listPredictionDeployments: endpoint(
    'GET',
    '/keel/predictions/deployments',
    'Each deployment in the log: records, dropped, first and last timestamps, variants, model versions',
    empty,
    z.object({ deployments: z.array(predictionDeploymentWire) }),
  ),
} as const
