/**
 * MLflow's tracking RPCs: wire requests in, services called, wire responses out. This file is the
 * edge of the tracking domain; it converts snake_case to entities and back, and nothing else.
 */
import {
  LIMITS,
  experimentToWire,
  fileInfoToWire,
  metricToWire,
  runInfoToWire,
  runToWire,
  trackingApi as api,
  type Metric,
} from '@keel/contracts'
import type { RpcRouter } from '../http/rpc.js'
import type { ExperimentService } from './experiment-service.js'
import type { RunService } from './run-service.js'
import { requireId } from './validation.js'

export interface TrackingServices {
  readonly experiments: ExperimentService
  readonly runs: RunService
  readonly storeKind: string
  /**
   * Whether the proxied artifact store hands out direct multipart transfers (presigned part and
   * download URLs: S3), which MLflow's client then uses for large files, as MLflow's server says.
   */
  readonly directMultipart?: boolean
}

const runIdOf = (r: { run_id?: string | undefined; run_uuid?: string | undefined }): string =>
  requireId(r.run_id || r.run_uuid, 'run_id')

function metricOf(m: {
  key: string
  value: number
  timestamp: number
  step?: number | undefined
  model_id?: string | undefined
  dataset_name?: string | undefined
  dataset_digest?: string | undefined
}): Metric {
  return {
    key: m.key,
    value: m.value,
    timestamp: m.timestamp,
    step: m.step ?? 0,
    ...(m.model_id ? { modelId: m.model_id } : {}),
    ...(m.dataset_name ? { datasetName: m.dataset_name } : {}),
    ...(m.dataset_digest ? { datasetDigest: m.dataset_digest } : {}),
  }
}

export function mountTrackingRoutes(
  router: RpcRouter,
  { experiments, runs, storeKind, directMultipart = false }: TrackingServices,
): void {
  router
    .add(api.getExperimentByName, async (r) => ({
      experiment: experimentToWire(await experiments.getByName(r.experiment_name)),
    }))
    .add(api.createExperiment, async (r) => ({
      experiment_id: await experiments.create(r.name, {
        ...(r.artifact_location ? { artifactLocation: r.artifact_location } : {}),
        tags: r.tags ?? [],
      }),
    }))
    .add(api.getExperiment, async (r) => ({ experiment: experimentToWire(await experiments.get(r.experiment_id)) }))
    .add(
      api.searchExperiments,
      async (r, c) => {
        const readable = await c.visible('experiment')
        const page = await experiments.search({
          ...(readable && { readable }),
          ...(r.filter !== undefined ? { filter: r.filter } : {}),
          ...(r.order_by ? { orderBy: r.order_by } : {}),
          ...(r.view_type ? { viewType: r.view_type } : {}),
          ...(r.max_results !== undefined ? { maxResults: r.max_results } : {}),
          ...(r.page_token ? { pageToken: r.page_token } : {}),
        })
        return {
          experiments: page.items.map(experimentToWire),
          ...(page.nextPageToken ? { next_page_token: page.nextPageToken } : {}),
        }
      },
      { alsoGet: true },
    )
    .add(api.deleteExperiment, async (r) => {
      await experiments.delete(r.experiment_id)
      return {}
    })
    .add(api.restoreExperiment, async (r) => {
      await experiments.restore(r.experiment_id)
      return {}
    })
    .add(api.updateExperiment, async (r) => {
      await experiments.rename(r.experiment_id, r.new_name)
      return {}
    })
    .add(api.setExperimentTag, async (r) => {
      await experiments.setTag(r.experiment_id, { key: r.key, value: r.value })
      return {}
    })
    .add(api.deleteExperimentTag, async (r) => {
      await experiments.deleteTag(r.experiment_id, r.key)
      return {}
    })
    .add(api.createRun, async (r) => ({
      run: runToWire(
        await runs.create({
          ...(r.experiment_id !== undefined ? { experimentId: r.experiment_id } : {}),
          ...(r.user_id !== undefined ? { userId: r.user_id } : {}),
          ...(r.run_name !== undefined ? { runName: r.run_name } : {}),
          ...(r.start_time !== undefined ? { startTime: r.start_time } : {}),
          tags: r.tags ?? [],
        }),
      ),
    }))
    .add(api.updateRun, async (r) => ({
      run_info: runInfoToWire(
        await runs.update(runIdOf(r), {
          ...(r.status !== undefined ? { status: r.status } : {}),
          ...(r.end_time !== undefined ? { endTime: r.end_time } : {}),
          ...(r.run_name ? { runName: r.run_name } : {}),
        }),
      ),
    }))
    .add(api.deleteRun, async (r) => {
      await runs.delete(r.run_id)
      return {}
    })
    .add(api.restoreRun, async (r) => {
      await runs.restore(r.run_id)
      return {}
    })
    .add(api.getRun, async (r) => ({ run: runToWire(await runs.get(runIdOf(r))) }))
    .add(api.searchRuns, async (r, c) => {
      const readable = await c.visible('experiment')
      const page = await runs.search({
        ...(readable && { readable }),
        experimentIds: r.experiment_ids ?? [],
        ...(r.filter !== undefined ? { filter: r.filter } : {}),
        ...(r.order_by ? { orderBy: r.order_by } : {}),
        ...(r.run_view_type ? { viewType: r.run_view_type } : {}),
        ...(r.max_results !== undefined ? { maxResults: r.max_results } : {}),
        ...(r.page_token ? { pageToken: r.page_token } : {}),
      })
      return { runs: page.items.map(runToWire), ...(page.nextPageToken ? { next_page_token: page.nextPageToken } : {}) }
    })
    .add(api.logMetric, async (r) => {
      await runs.logMetric(runIdOf(r), metricOf(r))
      return {}
    })
    .add(api.logParam, async (r) => {
      await runs.logParam(runIdOf(r), { key: r.key, value: r.value })
      return {}
    })
    .add(api.setTag, async (r) => {
      await runs.setTag(runIdOf(r), { key: r.key, value: r.value })
      return {}
    })
    .add(api.deleteTag, async (r) => {
      await runs.deleteTag(r.run_id, r.key)
      return {}
    })
    .add(
      api.logBatch,
      async (r) => {
        await runs.logBatch(r.run_id, {
          metrics: (r.metrics ?? []).map(metricOf),
          params: r.params ?? [],
          tags: r.tags ?? [],
        })
        return {}
      },
      { maxBodyBytes: LIMITS.batchRequestBytes },
    )
    .add(api.logInputs, async (r) => {
      const datasets = (r.datasets ?? []).map((d) => ({
        tags: d.tags ?? [],
        dataset: {
          name: d.dataset.name,
          digest: d.dataset.digest,
          sourceType: d.dataset.source_type,
          source: d.dataset.source,
          ...(d.dataset.schema !== undefined ? { schema: d.dataset.schema } : {}),
          ...(d.dataset.profile !== undefined ? { profile: d.dataset.profile } : {}),
        },
      }))
      await runs.logInputs(
        r.run_id,
        datasets,
        (r.models ?? []).map((m) => m.model_id),
      )
      return {}
    })
    .add(api.logOutputs, async (r) => {
      await runs.logOutputs(
        r.run_id,
        (r.models ?? []).map((m) => ({ modelId: m.model_id, step: m.step })),
      )
      return {}
    })
    .add(api.logModel, async (r) => {
      await runs.logModel(runIdOf(r), r.model_json)
      return {}
    })
    .add(api.getMetricHistory, async (r) => {
      const page = await runs.metricHistory(runIdOf(r), r.metric_key, {
        ...(r.max_results !== undefined ? { maxResults: r.max_results } : {}),
        ...(r.page_token ? { pageToken: r.page_token } : {}),
      })
      return {
        metrics: page.items.map(metricToWire),
        ...(page.nextPageToken ? { next_page_token: page.nextPageToken } : {}),
      }
    })
    .add(api.getMetricHistoryBulkInterval, async (r) => {
      const metrics = await runs.metricHistoryBulkInterval(r.run_ids, r.metric_key, {
        ...(r.start_step !== undefined ? { startStep: r.start_step } : {}),
        ...(r.end_step !== undefined ? { endStep: r.end_step } : {}),
        ...(r.max_results !== undefined ? { maxResults: r.max_results } : {}),
      })
      return { metrics: metrics.map(metricToWire) }
    })
    .add(api.listArtifacts, async (r) => {
      const { rootUri, files } = await runs.listArtifacts(runIdOf(r), r.path)
      return { root_uri: rootUri, files: files.map(fileInfoToWire) }
    })
    .add(api.serverInfo, () => ({
      store_type: storeKind,
      workspaces_enabled: false,
      multipart_uploads_enabled: directMultipart,
      multipart_downloads_enabled: directMultipart,
    }))
}
