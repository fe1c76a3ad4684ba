/** Registered models: create, read, rename, describe, tag, delete and search, with MLflow's rules. */
import { KeelError, LIMITS, type KeyValue, type Page, type RegisteredModel } from '@keel/contracts'
import { REGISTERED_MODEL_SEARCH, type Readable, parseFilter, parseOrderBy, restrictFilter } from '../search/index.js'
import { validateMaxResults } from '../paging/max-results.js'
import { decodePageToken, toPage } from '../paging/page-token.js'
import type { Audit, RegistryStore } from './registry-store.js'
import { validateModelName, validateRegistryTag, validateRegistryTags } from './registry-validation.js'

/** Who is acting and, optionally, why; the service stamps the time. */
export interface Actor {
  readonly actor: string
  readonly comment?: string
}

export interface RegistrySearch {
  readonly filter?: string
  readonly maxResults?: number
  readonly orderBy?: readonly string[]
  readonly pageToken?: string
  /** The models the caller may read (auth); undefined: all. */
  readonly readable?: Readable
}

export class RegisteredModelService {
  constructor(
    private readonly store: RegistryStore,
    private readonly now: () => number = Date.now,
  ) {}

  audit(actor: Actor): Audit {
    return { ...actor, time: this.now() }
  }

  async create(
    name: string | undefined,
    options: { description?: string; tags?: readonly KeyValue[] },
    actor: Actor,
  ): Promise<RegisteredModel> {
    validateModelName(name)
    const tags = validateRegistryTags(options.tags ?? [])
    return this.store.createModel(
      { name: name!, tags, ...(options.description !== undefined && { description: options.description }) },
      this.audit(actor),
    )
  }

  async get(name: string): Promise<RegisteredModel> {
    validateModelName(name)
    const model = await this.store.getModel(name)
    if (!model) throw KeelError.notFound(`Registered Model with name=${name} not found`)
    return model
  }

  async rename(name: string, newName: string | undefined, actor: Actor): Promise<RegisteredModel> {
    validateModelName(name)
    validateModelName(newName, 'new_name')
    if (newName !== name) await this.store.renameModel(name, newName!, this.audit(actor))
    return this.get(newName!)
  }

  async updateDescription(name: string, description: string | undefined): Promise<RegisteredModel> {
    validateModelName(name)
    if (description !== undefined) await this.store.updateModelDescription(name, description, this.now())
    return this.get(name)
  }

  async delete(name: string, actor: Actor): Promise<void> {
    validateModelName(name)
    await this.store.deleteModel(name, this.audit(actor))
  }

  async search(query: RegistrySearch): Promise<Page<RegisteredModel>> {
    const limit = validateMaxResults(
      query.maxResults,
      LIMITS.searchRegisteredModelsDefaultMaxResults,
      LIMITS.searchRegisteredModelsMaxResults,
    )
    const offset = decodePageToken(query.pageToken)
    const filter = restrictFilter(parseFilter(query.filter, REGISTERED_MODEL_SEARCH), 'name', query.readable)
    if (filter === 'none') return { items: [] }
    const result = await this.store.searchModels({
      ...(filter && { filter }),
      orderBy: parseOrderBy(query.orderBy, REGISTERED_MODEL_SEARCH),
      offset,
      limit,
    })
    return toPage(result.items, offset, result.hasMore)
  }

  async setTag(name: string, tag: KeyValue): Promise<void> {
    validateModelName(name)
    await this.store.setModelTag(name, validateRegistryTag(tag), this.now())
  }

  async deleteTag(name: string, key: string): Promise<void> {
    validateModelName(name)
    await this.store.deleteModelTag(name, key, this.now())
  }
}
