/**
 * The prediction log's RPCs (`/keel/predictions/...`): wire requests in, the service called, wire
 * responses out.
 */
import {
  LIMITS,
  keelPredictionsApi as api,
  loggedPredictionToWire,
  predictionDeploymentToWire,
  predictionLabelFromWire,
  predictionRecordFromWire,
} from '@keel/contracts'
import type { RpcRouter } from '../http/rpc.js'
import { readableIds } from '../search/index.js'
import type { PredictionLogService } from './prediction-log-service.js'

export function mountPredictionRoutes(router: RpcRouter, predictions: PredictionLogService): void {
  router
    .add(
      api.logPredictions,
      async (r) => {
        await predictions.logBatch(r.records.map(predictionRecordFromWire), r.dropped ?? 0, r.deployment)
        return {}
      },
      // 1,000 records of 256 KiB of inputs would be 256 MiB: the body has its own cap (the SDK splits below it).
      { maxBodyBytes: LIMITS.predictionBatchBytes },
    )
    .add(api.searchPredictions, async (r) => {
      const page = await predictions.search({
        ...(r.deployment !== undefined && { deployment: r.deployment }),
        ...(r.model_name !== undefined && { modelName: r.model_name }),
        ...(r.model_version !== undefined && { modelVersion: r.model_version }),
        ...(r.variant !== undefined && { variant: r.variant }),
        ...(r.shadow !== undefined && { shadow: r.shadow }),
        ...(r.start_time !== undefined && { startTime: r.start_time }),
        ...(r.end_time !== undefined && { endTime: r.end_time }),
        ...(r.max_results !== undefined && { maxResults: r.max_results }),
        ...(r.page_token !== undefined && { pageToken: r.page_token }),
        ...(r.order !== undefined && { order: r.order }),
      })
      return {
        records: page.items.map(loggedPredictionToWire),
        ...(page.nextPageToken && { next_page_token: page.nextPageToken }),
      }
    })
    .add(api.getPrediction, async (r, c) => {
      const readable = await c.visible('deployment')
      const records = (await predictions.get(r.request_id)).filter(
        (x) => readableIds([x.deployment], readable).length > 0,
      )
      return { records: records.map(loggedPredictionToWire) }
    })
    .add(api.postLabels, async (r) => {
      await predictions.postLabels(r.labels.map(predictionLabelFromWire))
      return {}
    })
    .add(api.listPredictionDeployments, async (_r, c) => {
      const readable = await c.visible('deployment')
      const deployments = (await predictions.deployments()).filter(
        (d) => readableIds([d.deployment], readable).length > 0,
      )
      return { deployments: deployments.map(predictionDeploymentToWire) }
    })
}
