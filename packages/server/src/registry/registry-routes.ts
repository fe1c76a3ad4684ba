/**
 * The model-registry RPCs (MLflow's model_registry.proto) and keel's audit-trail and lineage
 * extensions: wire requests in, services called, wire responses out. The acting user comes from
 * the request (see `actorOf`).
 */
import {
  KeelError,
  modelVersionLineageToWire,
  modelVersionToWire,
  registeredModelToWire,
  registryApi as api,
  registryEventToWire,
} from '@keel/contracts'
import type { RequestContext, RpcRouter } from '../http/rpc.js'
import { readableIds } from '../search/index.js'
import type { ModelVersionService } from './model-version-service.js'
import type { Actor, RegisteredModelService } from './registered-model-service.js'
import type { StoredModelVersion } from './registry-store.js'

/**
 * Who is acting: the signed-in user; with authentication off, the name the client gives
 * (`X-Keel-User`, sent by keel's SDK, CLI and UI), recorded as their word.
 */
export function actorOf(context: RequestContext, comment?: string): Actor {
  const actor = context.principal.username
  return comment ? { actor, comment } : { actor }
}

const version = (v: StoredModelVersion) => {
  const { storageLocation: _, ...entity } = v
  return modelVersionToWire(entity)
}

export function mountRegistryRoutes(
  router: RpcRouter,
  models: RegisteredModelService,
  versions: ModelVersionService,
): void {
  router
    .add(api.createRegisteredModel, async (r, c) => ({
      registered_model: registeredModelToWire(
        await models.create(
          r.name,
          { ...(r.description !== undefined && { description: r.description }), tags: r.tags ?? [] },
          actorOf(c),
        ),
      ),
    }))
    .add(api.getRegisteredModel, async (r) => ({ registered_model: registeredModelToWire(await models.get(r.name)) }))
    .add(api.renameRegisteredModel, async (r, c) => ({
      registered_model: registeredModelToWire(await models.rename(r.name, r.new_name, actorOf(c))),
    }))
    .add(api.updateRegisteredModel, async (r) => ({
      registered_model: registeredModelToWire(await models.updateDescription(r.name, r.description)),
    }))
    .add(api.deleteRegisteredModel, async (r, c) => {
      await models.delete(r.name, actorOf(c))
      return {}
    })
    .add(api.searchRegisteredModels, async (r, c) => {
      const readable = await c.visible('registered_model')
      const page = await models.search({
        ...(readable && { readable }),
        ...(r.filter !== undefined && { filter: r.filter }),
        ...(r.max_results !== undefined && { maxResults: r.max_results }),
        ...(r.order_by && { orderBy: r.order_by }),
        ...(r.page_token !== undefined && { pageToken: r.page_token }),
      })
      return { registered_models: page.items.map(registeredModelToWire), next_page_token: page.nextPageToken }
    })
    .add(
      api.getLatestVersions,
      async (r) => ({ model_versions: (await versions.latest(r.name, r.stages)).map(version) }),
      { alsoGet: true },
    )
    .add(api.setRegisteredModelTag, async (r) => {
      await models.setTag(r.name, { key: r.key, value: r.value })
      return {}
    })
    .add(api.deleteRegisteredModelTag, async (r) => {
      await models.deleteTag(r.name, r.key)
      return {}
    })
    .add(api.setRegisteredModelAlias, async (r, c) => {
      await versions.setAlias(r.name, r.alias, r.version, actorOf(c, r.comment))
      return {}
    })
    .add(api.deleteRegisteredModelAlias, async (r, c) => {
      await versions.deleteAlias(r.name, r.alias, actorOf(c, r.comment))
      return {}
    })
    .add(api.getModelVersionByAlias, async (r) => ({ model_version: version(await versions.byAlias(r.name, r.alias)) }))
    .add(api.createModelVersion, async (r, c) => ({
      model_version: version(
        await versions.create(
          {
            name: r.name,
            source: r.source,
            ...(r.run_id && { runId: r.run_id }),
            ...(r.model_id && { modelId: r.model_id }),
            ...(r.run_link && { runLink: r.run_link }),
            ...(r.description !== undefined && { description: r.description }),
            tags: r.tags ?? [],
          },
          actorOf(c),
        ),
      ),
    }))
    .add(api.getModelVersion, async (r) => ({ model_version: version(await versions.get(r.name, r.version)) }))
    .add(api.updateModelVersion, async (r) => ({
      model_version: version(await versions.updateDescription(r.name, r.version, r.description)),
    }))
    .add(api.transitionModelVersionStage, async (r, c) => ({
      model_version: version(
        await versions.transition(
          r.name,
          r.version,
          r.stage,
          r.archive_existing_versions === true,
          actorOf(c, r.comment),
        ),
      ),
    }))
    .add(api.deleteModelVersion, async (r, c) => {
      await versions.delete(r.name, r.version, actorOf(c))
      return {}
    })
    .add(api.searchModelVersions, async (r, c) => {
      const readable = await c.visible('registered_model')
      const page = await versions.search({
        ...(readable && { readable }),
        ...(r.filter !== undefined && { filter: r.filter }),
        ...(r.max_results !== undefined && { maxResults: r.max_results }),
        ...(r.order_by && { orderBy: r.order_by }),
        ...(r.page_token !== undefined && { pageToken: r.page_token }),
      })
      return { model_versions: page.items.map(version), next_page_token: page.nextPageToken }
    })
    .add(api.getModelVersionDownloadUri, async (r) => ({ artifact_uri: await versions.downloadUri(r.name, r.version) }))
    .add(api.setModelVersionTag, async (r) => {
      await versions.setTag(r.name, r.version, { key: r.key, value: r.value })
      return {}
    })
    .add(api.deleteModelVersionTag, async (r) => {
      await versions.deleteTag(r.name, r.version, r.key)
      return {}
    })
    .add(api.searchRegistryEvents, async (r, c) => {
      const readable = await c.visible('registered_model')
      if (r.name !== undefined && readable && readableIds([r.name], readable).length === 0) {
        throw new KeelError(
          'PERMISSION_DENIED',
          `Permission denied: ${c.principal.username} needs READ on registered model '${r.name}'.`,
        )
      }
      const page = await versions.events({
        ...(r.name !== undefined && { name: r.name }),
        ...(r.version !== undefined && { version: r.version }),
        ...(r.max_results !== undefined && { maxResults: r.max_results }),
        ...(r.page_token !== undefined && { pageToken: r.page_token }),
      })
      // Without a name, the events of models the caller may not read are left out of the page.
      const events = readable ? page.items.filter((e) => readableIds([e.name], readable).length > 0) : page.items
      return { events: events.map(registryEventToWire), next_page_token: page.nextPageToken }
    })
    .add(api.getModelVersionLineage, async (r) => ({
      lineage: modelVersionLineageToWire(await versions.lineage(r.name, r.version)),
    }))
}
