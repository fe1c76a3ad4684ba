/**
 * `RegistryClient`: the model-registry half of MLflow's `MlflowClient`, one method per endpoint,
 * plus keel's audit trail and lineage. camelCase entities in and out; the wire stays inside.
 */
import {
  type AliasChangeRequest,
  type AliasProtection,
  type AliasRequestStatus,
  aliasApprovalsApi,
  aliasProtectionFromWire,
  aliasRequestFromWire,
  type ModelVersion,
  type ModelVersionLineage,
  type Page,
  type RegisteredModel,
  type RegistryEvent,
  modelVersionFromWire,
  modelVersionLineageFromWire,
  registeredModelFromWire,
  registryApi as api,
  registryEventFromWire,
} from '@keel/contracts'
import { HttpClient, type HttpOptions } from './http.js'
import { type TagsInput, toKeyValues } from './inputs.js'

export type VersionRef = string | number

export interface SearchRegistryOptions {
  readonly filter?: string
  readonly maxResults?: number
  readonly orderBy?: readonly string[]
  readonly pageToken?: string
}

export interface CreateModelVersionOptions {
  readonly runId?: string
  readonly modelId?: string
  readonly runLink?: string
  readonly description?: string
  readonly tags?: TagsInput
}

export interface RegistryEventsOptions {
  readonly name?: string
  readonly version?: VersionRef
  readonly maxResults?: number
  readonly pageToken?: string
}

const page = <W, T>(items: readonly W[] | undefined, convert: (w: W) => T, token?: string): Page<T> =>
  token ? { items: (items ?? []).map(convert), nextPageToken: token } : { items: (items ?? []).map(convert) }
const v = (version: VersionRef): string => String(version)

export class RegistryClient {
  readonly http: HttpClient

  constructor(options: HttpOptions | HttpClient = {}) {
    this.http = options instanceof HttpClient ? options : new HttpClient(options)
  }

  // ---- registered models ----

  async createRegisteredModel(
    name: string,
    options: { description?: string; tags?: TagsInput } = {},
  ): Promise<RegisteredModel> {
    const tags = toKeyValues(options.tags)
    const res = await this.http.call(api.createRegisteredModel, {
      name,
      description: options.description,
      ...(tags.length > 0 && { tags }),
    })
    return registeredModelFromWire(res.registered_model)
  }

  async getRegisteredModel(name: string): Promise<RegisteredModel> {
    return registeredModelFromWire((await this.http.call(api.getRegisteredModel, { name })).registered_model)
  }

  async renameRegisteredModel(name: string, newName: string): Promise<RegisteredModel> {
    const res = await this.http.call(api.renameRegisteredModel, { name, new_name: newName })
    return registeredModelFromWire(res.registered_model)
  }

  async updateRegisteredModel(name: string, description: string): Promise<RegisteredModel> {
    const res = await this.http.call(api.updateRegisteredModel, { name, description })
    return registeredModelFromWire(res.registered_model)
  }

  async deleteRegisteredModel(name: string): Promise<void> {
    await this.http.call(api.deleteRegisteredModel, { name })
  }

  async searchRegisteredModels(options: SearchRegistryOptions = {}): Promise<Page<RegisteredModel>> {
    const res = await this.http.call(api.searchRegisteredModels, wireSearch(options))
    return page(res.registered_models, registeredModelFromWire, res.next_page_token)
  }

  /** The newest version in each stage, or in the stages named. */
  async getLatestVersions(name: string, stages?: readonly string[]): Promise<ModelVersion[]> {
    const res = await this.http.call(api.getLatestVersions, { name, ...(stages && { stages: [...stages] }) })
    return (res.model_versions ?? []).map(modelVersionFromWire)
  }

  async setRegisteredModelTag(name: string, key: string, value: string): Promise<void> {
    await this.http.call(api.setRegisteredModelTag, { name, key, value })
  }

  async deleteRegisteredModelTag(name: string, key: string): Promise<void> {
    await this.http.call(api.deleteRegisteredModelTag, { name, key })
  }

  // ---- aliases ----

  /** Points `alias` at a version, moving it if it pointed elsewhere. `comment` goes to keel's audit trail. */
  async setRegisteredModelAlias(
    name: string,
    alias: string,
    version: VersionRef,
    options: { comment?: string } = {},
  ): Promise<void> {
    await this.http.call(api.setRegisteredModelAlias, { name, alias, version: v(version), comment: options.comment })
  }

  async deleteRegisteredModelAlias(name: string, alias: string, options: { comment?: string } = {}): Promise<void> {
    await this.http.call(api.deleteRegisteredModelAlias, { name, alias, comment: options.comment })
  }

  async getModelVersionByAlias(name: string, alias: string): Promise<ModelVersion> {
    return modelVersionFromWire((await this.http.call(api.getModelVersionByAlias, { name, alias })).model_version)
  }

  // ---- model versions ----

  /** Registers `source` (`runs:/…`, `models:/<model_id>`, `mlflow-artifacts:/…`) as the next version of `name`. */
  async createModelVersion(
    name: string,
    source: string,
    options: CreateModelVersionOptions = {},
  ): Promise<ModelVersion> {
    const tags = toKeyValues(options.tags)
    const res = await this.http.call(api.createModelVersion, {
      name,
      source,
      run_id: options.runId,
      model_id: options.modelId,
      run_link: options.runLink,
      description: options.description,
      ...(tags.length > 0 && { tags }),
    })
    return modelVersionFromWire(res.model_version)
  }

  async getModelVersion(name: string, version: VersionRef): Promise<ModelVersion> {
    return modelVersionFromWire(
      (await this.http.call(api.getModelVersion, { name, version: v(version) })).model_version,
    )
  }

  async updateModelVersion(name: string, version: VersionRef, description: string): Promise<ModelVersion> {
    const res = await this.http.call(api.updateModelVersion, { name, version: v(version), description })
    return modelVersionFromWire(res.model_version)
  }

  /** Moves a version to a legacy stage (None, Staging, Production, Archived; any case). */
  async transitionModelVersionStage(
    name: string,
    version: VersionRef,
    stage: string,
    options: { archiveExistingVersions?: boolean; comment?: string } = {},
  ): Promise<ModelVersion> {
    const res = await this.http.call(api.transitionModelVersionStage, {
      name,
      version: v(version),
      stage,
      archive_existing_versions: options.archiveExistingVersions ?? false,
      comment: options.comment,
    })
    return modelVersionFromWire(res.model_version)
  }

  async deleteModelVersion(name: string, version: VersionRef): Promise<void> {
    await this.http.call(api.deleteModelVersion, { name, version: v(version) })
  }

  async searchModelVersions(options: SearchRegistryOptions = {}): Promise<Page<ModelVersion>> {
    const res = await this.http.call(api.searchModelVersions, wireSearch(options))
    return page(res.model_versions, modelVersionFromWire, res.next_page_token)
  }

  /** The artifact URI of the version's files (what `loadModel` downloads). */
  async getModelVersionDownloadUri(name: string, version: VersionRef): Promise<string> {
    return (await this.http.call(api.getModelVersionDownloadUri, { name, version: v(version) })).artifact_uri
  }

  async setModelVersionTag(name: string, version: VersionRef, key: string, value: string): Promise<void> {
    await this.http.call(api.setModelVersionTag, { name, version: v(version), key, value })
  }

  async deleteModelVersionTag(name: string, version: VersionRef, key: string): Promise<void> {
    await this.http.call(api.deleteModelVersionTag, { name, version: v(version), key })
  }

  // ---- keel extensions ----

  /** The audit trail, newest first: who moved which version to which stage or alias, when, and why. */
  async searchRegistryEvents(options: RegistryEventsOptions = {}): Promise<Page<RegistryEvent>> {
    const res = await this.http.call(api.searchRegistryEvents, {
      name: options.name,
      version: options.version === undefined ? undefined : v(options.version),
      max_results: options.maxResults,
      page_token: options.pageToken,
    })
    return page(res.events, registryEventFromWire, res.next_page_token)
  }

  /** What the version was made of, captured at registration: run, git commit, datasets, params, metrics. */
  async getModelVersionLineage(name: string, version: VersionRef): Promise<ModelVersionLineage> {
    return modelVersionLineageFromWire(
      (await this.http.call(api.getModelVersionLineage, { name, version: v(version) })).lineage,
    )
  }

  // ---- protected aliases (keel) ----

  /** Protects an alias: moving it needs MANAGE and, with `requireApproval` (the default), a second user's approval. */
  async protectAlias(
    name: string,
    alias: string,
    options: { requireApproval?: boolean; comment?: string } = {},
  ): Promise<AliasProtection> {
    const res = await this.http.call(aliasApprovalsApi.setAliasProtection, {
      name,
      alias,
      require_approval: options.requireApproval ?? true,
      comment: options.comment,
    })
    return aliasProtectionFromWire(res.protection)
  }

  async unprotectAlias(name: string, alias: string, options: { comment?: string } = {}): Promise<void> {
    await this.http.call(aliasApprovalsApi.deleteAliasProtection, { name, alias, comment: options.comment })
  }

  async listAliasProtections(name: string): Promise<AliasProtection[]> {
    return (await this.http.call(aliasApprovalsApi.listAliasProtections, { name })).protections.map(
      aliasProtectionFromWire,
    )
  }

  /** Asks to point a protected alias at a version (`undefined`: remove it); another user approves. */
  async requestAliasChange(
    name: string,
    alias: string,
    version: VersionRef | undefined,
    options: { comment?: string } = {},
  ): Promise<AliasChangeRequest> {
    const res = await this.http.call(aliasApprovalsApi.createAliasRequest, {
      name,
      alias,
      version: version === undefined ? undefined : v(version),
      comment: options.comment,
    })
    return aliasRequestFromWire(res.request)
  }

  async approveAliasChange(requestId: string, options: { comment?: string } = {}): Promise<AliasChangeRequest> {
    return aliasRequestFromWire(
      (await this.http.call(aliasApprovalsApi.approveAliasRequest, { request_id: requestId, comment: options.comment }))
        .request,
    )
  }

  async rejectAliasChange(requestId: string, options: { comment?: string } = {}): Promise<AliasChangeRequest> {
    return aliasRequestFromWire(
      (await this.http.call(aliasApprovalsApi.rejectAliasRequest, { request_id: requestId, comment: options.comment }))
        .request,
    )
  }

  async cancelAliasChange(requestId: string, options: { comment?: string } = {}): Promise<AliasChangeRequest> {
    return aliasRequestFromWire(
      (await this.http.call(aliasApprovalsApi.cancelAliasRequest, { request_id: requestId, comment: options.comment }))
        .request,
    )
  }

  async listAliasChanges(
    options: { name?: string; status?: AliasRequestStatus; maxResults?: number; pageToken?: string } = {},
  ): Promise<Page<AliasChangeRequest>> {
    const res = await this.http.call(aliasApprovalsApi.listAliasRequests, {
      name: options.name,
      status: options.status,
      max_results: options.maxResults,
      page_token: options.pageToken,
    })
    return page(res.requests, aliasRequestFromWire, res.next_page_token)
  }
}

function wireSearch(options: SearchRegistryOptions) {
  return {
    filter: options.filter,
    max_results: options.maxResults,
    order_by: options.orderBy && [...options.orderBy],
    page_token: options.pageToken,
  }
}
