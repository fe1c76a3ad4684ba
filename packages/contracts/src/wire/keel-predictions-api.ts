/**
 * keel's prediction log (`/keel/predictions/...`): what the model server logs for each request it
 * serves, ground-truth labels posted later by request id, and what drift monitoring reads back.
 */
import { z } from 'zod'
import { endpoint } from './endpoint.js'
import {
  loggedPredictionWire,
  predictionDeploymentWire,
  predictionLabelRequest,
  predictionRecordRequest,
} from './prediction-entities.js'
import { bool, str } from './primitives.js'
import { int64Within, maxResults, maxUnits, nonNegativeInt64, pageToken } from './documented.js'
import { LIMITS } from '../limits.js'

const empty = z.object({})

export const keelPredictionsApi = {
  logPredictions: endpoint(
    'POST',
    '/keel/predictions/log-batch',
    "Log served requests (up to 1,000 records); a record already logged for its (deployment, request_id, variant) is left as it is. `dropped`: records the model server dropped since its previous call, added to the deployment's total (`deployment`, else the records' one deployment)",
    z
      .object({
        records: z.array(predictionRecordRequest).meta({ maxItems: LIMITS.predictionRecordsPerBatch }),
        dropped: nonNegativeInt64.optional(),
        deployment: str.meta({ minLength: 1, ...maxUnits(LIMITS.predictionNameLength) }).optional(),
      })
      // A dropped count needs to say whose it is.
      .meta({ dependentRequired: { dropped: ['deployment'] } }),
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
      // end_time not before start_time: the document keeps them apart.
      start_time: int64Within(0, 999_999_999_999).optional(),
      end_time: int64Within(1_000_000_000_000, Number.MAX_SAFE_INTEGER).optional(),
      max_results: maxResults(LIMITS.searchPredictionsMaxResults).optional(),
      page_token: pageToken.optional(),
      order: z
        .string()
        .toLowerCase()
        .meta({ enum: ['asc', 'desc'] })
        .pipe(z.enum(['asc', 'desc']))
        .optional(),
    }),
    z.object({ records: z.array(loggedPredictionWire), next_page_token: str.optional() }),
  ),
  getPrediction: endpoint(
    'GET',
    '/keel/predictions/get',
    'Every variant logged for a request id (shadows included), with its label',
    z.object({ request_id: str.meta({ minLength: 1, ...maxUnits(LIMITS.predictionIdLength) }) }),
    z.object({ records: z.array(loggedPredictionWire) }),
  ),
  postLabels: endpoint(
    'POST',
    '/keel/predictions/labels',
    'Upsert ground-truth labels by request id (a later post replaces); a label may come before its prediction',
    z.object({ labels: z.array(predictionLabelRequest).meta({ maxItems: LIMITS.predictionLabelsPerCall }) }),
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
