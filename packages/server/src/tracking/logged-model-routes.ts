/**
 * MLflow 3's logged-model RPCs: wire requests in, LoggedModelService called, wire responses out.
 * Like tracking-routes.ts, this file converts snake_case to entities and back, and nothing else.
 */
import { fileInfoToWire, loggedModelToWire, trackingApi as api } from '@keel/contracts'
import type { RpcRouter } from '../http/rpc.js'
import type { LoggedModelService } from './logged-model-service.js'

export function mountLoggedModelRoutes(router: RpcRouter, service: LoggedModelService): void {
  router
    .add(api.createLoggedModel, async (r) => ({
      model: loggedModelToWire(
        await service.create({
          experimentId: r.experiment_id,
          ...(r.name ? { name: r.name } : {}),
          ...(r.model_type ? { modelType: r.model_type } : {}),
          ...(r.source_run_id ? { sourceRunId: r.source_run_id } : {}),
          params: r.params ?? [],
          tags: r.tags ?? [],
        }),
      ),
    }))
    .add(api.finalizeLoggedModel, async (r) => ({
      model: loggedModelToWire(await service.finalize(r.model_id, r.status)),
    }))
    .add(api.getLoggedModel, async (r) => ({
      model: loggedModelToWire(await service.get(r.model_id, { allowDeleted: r.allow_deleted === true })),
    }))
    .add(api.deleteLoggedModel, async (r) => {
      await service.delete(r.model_id)
      return {}
    })
    .add(api.searchLoggedModels, async (r, c) => {
      const readable = await c.visible('experiment')
      const page = await service.search({
        ...(readable && { readable }),
        experimentIds: r.experiment_ids ?? [],
        ...(r.filter !== undefined ? { filter: r.filter } : {}),
        datasets: (r.datasets ?? []).map((d) => ({
          name: d.dataset_name,
          ...(d.dataset_digest ? { digest: d.dataset_digest } : {}),
        })),
        orderBy: (r.order_by ?? []).map((o) => ({
          fieldName: o.field_name,
          ...(o.ascending !== undefined ? { ascending: o.ascending } : {}),
          ...(o.dataset_name ? { datasetName: o.dataset_name } : {}),
          ...(o.dataset_digest ? { datasetDigest: o.dataset_digest } : {}),
        })),
        ...(r.max_results !== undefined ? { maxResults: r.max_results } : {}),
        ...(r.page_token ? { pageToken: r.page_token } : {}),
      })
      return {
        models: page.items.map(loggedModelToWire),
        ...(page.nextPageToken ? { next_page_token: page.nextPageToken } : {}),
      }
    })
    // MLflow answers {} and its client ignores the body; the proto declares the model, so keel sends it.
    .add(api.setLoggedModelTags, async (r) => ({
      model: loggedModelToWire(await service.setTags(r.model_id, r.tags ?? [])),
    }))
    .add(api.deleteLoggedModelTag, async (r) => {
      await service.deleteTag(r.model_id, r.tag_key)
      return {}
    })
    .add(api.logLoggedModelParams, async (r) => {
      await service.logParams(r.model_id, r.params ?? [])
      return {}
    })
    .add(api.listLoggedModelArtifacts, async (r) => {
      const { rootUri, files } = await service.listArtifacts(r.model_id, r.artifact_directory_path)
      return { root_uri: rootUri, files: files.map(fileInfoToWire) }
    })
}
