/**
 * The model-registry RPCs (MLflow's model_registry.proto) and keel's audit-trail and lineage
 * extensions: wire requests in, services called, wire responses out. The acting user comes from
 * the request (see `actorOf`).
 */
import {
  modelVersionLineageToWire,
  modelVersionToWire,
  registeredModelToWire,
  registryApi as api,
  registryEventToWire,
} from '@keel/contracts'
import type { RequestContext, RpcRouter } from '../http/rpc.js'
import type { ModelVersionService } from './model-version-service.js'
import type { Actor, RegisteredModelService } from './registered-model-service.js'
import type { StoredModelVersion } from './registry-store.js'

/**
 * Who is acting: the basic-auth user if the request carries one, else the `X-Keel-User` header that
 * keel's SDK and CLI send, else "unknown". keel has no authentication yet, so both are the
 * client's word: the trail records who said they acted.
 */
export function actorOf(context: RequestContext, comment?: string): Actor {
  const auth = context.header('authorization')
  let actor: string | undefined
  if (auth?.toLowerCase().startsWith('basic ')) {
    const decoded = Buffer.from(auth.slice(6).trim(), 'base64').toString('utf8')
    const colon = decoded.indexOf(':')
    if (colon > 0) actor = decoded.slice(0, colon)
  }
  actor ??= context.header('x-keel-user')?.trim() || 'unknown'
  return comment ? { actor: actor.slice(0, 256), comment } : { actor: actor.slice(0, 256) }
}

const version = (v: StoredModelVersion) => {
  const { storageLocation: _, ...entity } = v
  return modelVersionToWire(entity)
}

export function mountRegistryRoutes(router: RpcRouter, models: RegisteredModelService, versions: ModelVersionService): void {
  router
    .add(api.createRegisteredModel, async (r, c) => ({
      registered_model: registeredModelToWire(
        await models.create(r.name, { ...(r.description !== undefined && { description: r.description }), tags: r.tags ?? [] }, actorOf(c)),
      ),
    }))
    .add(api.getRegisteredModel, async (r) => ({ registered_model: registeredModelToWire(await models.get(r.name)) }))
    .add(api.renameRegisteredModel, async (r, c) => ({
      registered_model: registeredModelToWire(await models.rename(r.name, r.new_name, actorOf(c))),
    }))
    .add(api.updateRegisteredModel, async (r) => ({
      registered_model: registeredModelToWire(await models.updateDescription(r.name, r.description)),
    }))
    .add(api.deleteRegisteredModel, async (r, c) => (await models.delete(r.name, actorOf(c)), {}))
    .add(api.searchRegisteredModels, async (r) => {
      const page = await models.search({
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
    .add(api.setRegisteredModelTag, async (r) => (await models.setTag(r.name, { key: r.key, value: r.value }), {}))
    .add(api.deleteRegisteredModelTag, async (r) => (await models.deleteTag(r.name, r.key), {}))
    .add(api.setRegisteredModelAlias, async (r, c) => (await versions.setAlias(r.name, r.alias, r.version, actorOf(c, r.comment)), {}))
    .add(api.deleteRegisteredModelAlias, async (r, c) => (await versions.deleteAlias(r.name, r.alias, actorOf(c, r.comment)), {}))
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
        await versions.transition(r.name, r.version, r.stage, r.archive_existing_versions === true, actorOf(c, r.comment)),
      ),
    }))
    .add(api.deleteModelVersion, async (r, c) => (await versions.delete(r.name, r.version, actorOf(c)), {}))
    .add(api.searchModelVersions, async (r) => {
      const page = await versions.search({
        ...(r.filter !== undefined && { filter: r.filter }),
        ...(r.max_results !== undefined && { maxResults: r.max_results }),
        ...(r.order_by && { orderBy: r.order_by }),
        ...(r.page_token !== undefined && { pageToken: r.page_token }),
      })
      return { model_versions: page.items.map(version), next_page_token: page.nextPageToken }
    })
    .add(api.getModelVersionDownloadUri, async (r) => ({ artifact_uri: await versions.downloadUri(r.name, r.version) }))
    .add(api.setModelVersionTag, async (r) => (await versions.setTag(r.name, r.version, { key: r.key, value: r.value }), {}))
    .add(api.deleteModelVersionTag, async (r) => (await versions.deleteTag(r.name, r.version, r.key), {}))
    .add(api.searchRegistryEvents, async (r) => {
      const page = await versions.events({
        ...(r.name !== undefined && { name: r.name }),
        ...(r.version !== undefined && { version: r.version }),
        ...(r.max_results !== undefined && { maxResults: r.max_results }),
        ...(r.page_token !== undefined && { pageToken: r.page_token }),
      })
      return { events: page.items.map(registryEventToWire), next_page_token: page.nextPageToken }
    })
    .add(api.getModelVersionLineage, async (r) => ({ lineage: modelVersionLineageToWire(await versions.lineage(r.name, r.version)) }))
}
