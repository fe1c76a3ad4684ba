/**
 * Model versions, aliases and stages, the audit trail and lineage. A version is READY as soon as it
 * is created (the client would poll otherwise); its source is confined to the artifact store
 * (`model-source.ts`); what it was made of is captured at registration (`lineage-capture.ts`).
 */
import {
  KeelError,
  LIMITS,
  type KeyValue,
  type ModelVersionLineage,
  type Page,
  type RegistryEvent,
} from '@keel/contracts'
import type { ArtifactLocations } from '../artifacts/artifact-locations.js'
import { MODEL_VERSION_SEARCH, parseFilter, parseOrderBy, restrictFilter } from '../search/index.js'
import { decodePageToken, toPage } from '../paging/page-token.js'
import type { TrackingStore } from '../tracking/tracking-store.js'
import { validateMaxResults } from '../paging/max-results.js'
import { captureLineage } from './lineage-capture.js'
import { resolveModelSource } from './model-source.js'
import type { Actor, RegistrySearch } from './registered-model-service.js'
import type { Audit, RegistryStore, StoredModelVersion } from './registry-store.js'
import {
  validateAlias,
  validateModelName,
  validateRegistryTag,
  validateRegistryTags,
  validateStage,
  validateVersion,
} from './registry-validation.js'

export interface NewVersionRequest {
  readonly name: string
  readonly source: string
  readonly runId?: string
  readonly modelId?: string
  readonly runLink?: string
  readonly description?: string
  readonly tags?: readonly KeyValue[]
}

/** Told of each version once it is created, before the request answers; it must not throw. */
export type VersionCreatedListener = (version: StoredModelVersion, actor: Actor) => Promise<void>

export class ModelVersionService {
  private readonly created: VersionCreatedListener[] = []

  constructor(
    private readonly registry: RegistryStore,
    private readonly tracking: TrackingStore,
    private readonly locations: ArtifactLocations,
    private readonly now: () => number = Date.now,
  ) {}

  /** Runs `listener` after each version is created (keel server's conversion at registration). */
  onVersionCreated(listener: VersionCreatedListener): void {
    this.created.push(listener)
  }

  private audit(actor: Actor): Audit {
    return { ...actor, time: this.now() }
  }

  async create(request: NewVersionRequest, actor: Actor): Promise<StoredModelVersion> {
    validateModelName(request.name)
    const tags = validateRegistryTags(request.tags ?? [])
    if (!(await this.registry.getModel(request.name))) {
      throw KeelError.notFound(`Registered Model with name=${request.name} not found`)
    }
    const claimed = {
      ...(request.runId && { runId: request.runId }),
      ...(request.modelId && { modelId: request.modelId }),
    }
    const resolved = await resolveModelSource(request.source, claimed, {
      tracking: this.tracking,
      registry: this.registry,
      locations: this.locations,
    })
    const runId = request.runId || resolved.runId
    const modelId = request.modelId || resolved.modelId
    // A run_id this server does not have is recorded as given, as MLflow records it (the source
    // itself was checked above: a runs:/ source of that run, or files the request may name).
    if (modelId && !(await this.tracking.loggedModels.get(modelId, { allowDeleted: true }))) {
      throw KeelError.notFound(`Logged model with ID '${modelId}' not found.`)
    }
    const lineage = await captureLineage(this.tracking, request.source, {
      ...(runId && { runId }),
      ...(modelId && { modelId }),
    })
    const version = await this.registry.createVersion(
      {
        name: request.name,
        source: request.source,
        storageLocation: resolved.storageLocation,
        tags,
        lineage,
        ...(runId && { runId }),
        ...(modelId && { modelId }),
        ...(request.runLink && { runLink: request.runLink }),
        ...(request.description !== undefined && { description: request.description }),
      },
      this.audit(actor),
    )
    for (const listener of this.created) await listener(version, actor)
    return version
  }

  async get(name: string, version: string): Promise<StoredModelVersion> {
    validateModelName(name)
    const found = await this.registry.getVersion(name, validateVersion(version))
    if (!found) throw KeelError.notFound(`Model Version (name=${name}, version=${version}) not found`)
    return found
  }

  async updateDescription(name: string, version: string, description: string | undefined): Promise<StoredModelVersion> {
    const v = (await this.get(name, version)).version
    if (description !== undefined) await this.registry.updateVersionDescription(name, v, description, this.now())
    return this.get(name, v)
  }

  async transition(
    name: string,
    version: string,
    stage: string,
    archiveExisting: boolean,
    actor: Actor,
  ): Promise<StoredModelVersion> {
    const target = validateStage(stage)
    if (archiveExisting && target !== 'Staging' && target !== 'Production') {
      // MLflow refuses rather than ignores the flag (model_registry stores, is_active_stage).
      throw KeelError.invalid(
        `Model version transition cannot archive existing model versions because '${stage}' is not an Active stage. Valid stages are Staging, Production`,
      )
    }
    const v = (await this.get(name, version)).version
    await this.registry.transitionStage(name, v, target, archiveExisting, this.audit(actor))
    return this.get(name, v)
  }

  async delete(name: string, version: string, actor: Actor): Promise<void> {
    const v = (await this.get(name, version)).version
    await this.registry.deleteVersion(name, v, this.audit(actor))
  }

  async search(query: RegistrySearch): Promise<Page<StoredModelVersion>> {
    const limit = validateMaxResults(
      query.maxResults,
      LIMITS.searchModelVersionsDefaultMaxResults,
      LIMITS.searchModelVersionsMaxResults,
    )
    const offset = decodePageToken(query.pageToken)
    const filter = restrictFilter(parseFilter(query.filter, MODEL_VERSION_SEARCH), 'name', query.readable)
    if (filter === 'none') return { items: [] }
    const result = await this.registry.searchVersions({
      ...(filter && { filter }),
      orderBy: parseOrderBy(query.orderBy, MODEL_VERSION_SEARCH),
      offset,
      limit,
    })
    return toPage(result.items, offset, result.hasMore)
  }

  async latest(name: string, stages: readonly string[] | undefined): Promise<StoredModelVersion[]> {
    validateModelName(name)
    return this.registry.latestVersions(name, stages?.map(validateStage))
  }

  async downloadUri(name: string, version: string): Promise<string> {
    return (await this.get(name, version)).storageLocation
  }

  async setTag(name: string, version: string, tag: KeyValue): Promise<void> {
    validateModelName(name)
    await this.registry.setVersionTag(name, validateVersion(version), validateRegistryTag(tag), this.now())
  }

  async deleteTag(name: string, version: string, key: string): Promise<void> {
    validateModelName(name)
    await this.registry.deleteVersionTag(name, validateVersion(version), key, this.now())
  }

  // ---- aliases ----

  async setAlias(name: string, alias: string, version: string, actor: Actor): Promise<void> {
    validateModelName(name)
    validateAlias(alias)
    await this.registry.setAlias(name, alias, validateVersion(version), this.audit(actor))
  }

  async deleteAlias(name: string, alias: string, actor: Actor): Promise<void> {
    validateModelName(name)
    validateAlias(alias)
    if (!(await this.registry.getModel(name))) throw KeelError.notFound(`Registered Model with name=${name} not found`)
    await this.registry.deleteAlias(name, alias, this.audit(actor))
  }

  async byAlias(name: string, alias: string): Promise<StoredModelVersion> {
    validateModelName(name)
    const found = await this.registry.getVersionByAlias(name, alias)
    if (!found) {
      if (!(await this.registry.getModel(name)))
        throw KeelError.notFound(`Registered Model with name=${name} not found`)
      // MLflow answers an unset alias of an existing model with INVALID_PARAMETER_VALUE (400), and
      // clients match on that code and message to tell "no such alias" from other failures.
      throw KeelError.invalid(`Registered model alias ${alias} not found.`)
    }
    return found
  }

  // ---- audit trail and lineage ----

  async events(query: {
    name?: string
    version?: string
    maxResults?: number
    pageToken?: string
  }): Promise<Page<RegistryEvent>> {
    const limit = validateMaxResults(
      query.maxResults,
      LIMITS.registryEventsDefaultMaxResults,
      LIMITS.registryEventsMaxResults,
    )
    const offset = decodePageToken(query.pageToken)
    if (query.version !== undefined && query.name === undefined) {
      throw KeelError.invalid("Parameter 'version' needs 'name': versions are numbered per registered model")
    }
    const result = await this.registry.searchEvents({
      ...(query.name !== undefined && { name: query.name }),
      ...(query.version !== undefined && { version: validateVersion(query.version) }),
      offset,
      limit,
    })
    return toPage(result.items, offset, result.hasMore)
  }

  async lineage(name: string, version: string): Promise<ModelVersionLineage> {
    const v = (await this.get(name, version)).version
    const lineage = await this.registry.getLineage(name, v)
    if (!lineage) throw KeelError.notFound(`Model Version (name=${name}, version=${version}) not found`)
    return lineage
  }
}
