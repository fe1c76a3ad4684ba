import { posix } from 'node:path'
import { KeelError, LIMITS, type Experiment, type Page, type Tag, type ViewType } from '@keel/contracts'
import { EXPERIMENT_SEARCH, type Readable, parseFilter, parseOrderBy, restrictFilter } from '../search/index.js'
import { validateMaxResults } from '../paging/max-results.js'
import { decodePageToken, toPage } from '../paging/page-token.js'
import type { ExperimentKeys, TrackingStore } from './tracking-store.js'
import { requireId, validateExperimentName, validateExperimentTag, validateUniqueKeys } from './validation.js'

export interface ExperimentSearch {
  readonly filter?: string
  readonly orderBy?: readonly string[]
  readonly viewType?: ViewType
  readonly maxResults?: number
  readonly pageToken?: string
  /** What the caller may read (auth); undefined: everything. */
  readonly readable?: Readable
}

/** The experiment new runs and logged models go into: it must exist and be active. */
export async function requireActiveExperiment(store: TrackingStore, experimentId: string): Promise<Experiment> {
  const experiment = await store.experiments.get(experimentId)
  if (!experiment) throw KeelError.notFound(`No Experiment with id=${experimentId} exists`)
  if (experiment.lifecycleStage !== 'active') {
    throw KeelError.invalid(
      `The experiment ${experimentId} must be in the 'active' state. Current state is ${experiment.lifecycleStage}.`,
    )
  }
  return experiment
}

export class ExperimentService {
  constructor(
    private readonly store: TrackingStore,
    /** Root under which new experiments get their artifact folder, e.g. `mlflow-artifacts:`. */
    private readonly defaultArtifactRoot: string,
    private readonly now: () => number = Date.now,
    /** What a relative local artifact_location is resolved against (MLflow: the server's working directory). */
    private readonly cwd: string = process.cwd(),
  ) {}

  async create(name: string, options: { artifactLocation?: string; tags?: readonly Tag[] } = {}): Promise<string> {
    validateExperimentName(name)
    const tags = options.tags ?? []
    tags.forEach(validateExperimentTag)
    validateUniqueKeys(tags, 'tag')
    const root = this.defaultArtifactRoot.replace(/\/+$/, '')
    const location = options.artifactLocation
    if (location?.includes('..')) {
      throw KeelError.invalid(`Invalid artifact_location '${location}': it must not contain '..'`)
    }
    return this.store.experiments.create({
      name,
      artifactLocation: location ? absoluteArtifactLocation(location, this.cwd) : (id) => `${root}/${id}`,
      tags,
      time: this.now(),
    })
  }

  /** The distinct param, metric and tag keys of the experiment's active runs (the UI's column picker). */
  async keys(experimentId: string): Promise<ExperimentKeys> {
    return this.store.experiments.keys(requireId(experimentId, 'experiment_id'))
  }

  async get(experimentId: string): Promise<Experiment> {
    const experiment = await this.store.experiments.get(experimentId)
    if (!experiment) throw KeelError.notFound(`No Experiment with id=${experimentId} exists`)
    return experiment
  }

  /** Deleted experiments are found too, as MLflow's get-by-name does. */
  async getByName(name: string): Promise<Experiment> {
    const experiment = await this.store.experiments.getByName(name)
    if (!experiment) throw KeelError.notFound(`Could not find experiment with name '${name}'`)
    return experiment
  }

  async search(query: ExperimentSearch): Promise<Page<Experiment>> {
    const limit = validateMaxResults(
      query.maxResults,
      LIMITS.searchRunsDefaultMaxResults,
      LIMITS.searchExperimentsMaxResults,
    )
    const offset = decodePageToken(query.pageToken)
    const filter = restrictFilter(parseFilter(query.filter, EXPERIMENT_SEARCH), 'experiment_id', query.readable)
    if (filter === 'none') return { items: [] }
    const result = await this.store.experiments.search({
      ...(filter ? { filter } : {}),
      orderBy: parseOrderBy(query.orderBy, EXPERIMENT_SEARCH),
      viewType: query.viewType ?? 'ACTIVE_ONLY',
      offset,
      limit,
    })
    return toPage(result.items, offset, result.hasMore)
  }

  async delete(experimentId: string): Promise<void> {
    await this.get(experimentId)
    await this.store.experiments.setLifecycle(experimentId, 'deleted', this.now())
  }

  async restore(experimentId: string): Promise<void> {
    await this.get(experimentId)
    await this.store.experiments.setLifecycle(experimentId, 'active', this.now())
  }

  async rename(experimentId: string, newName: string | undefined): Promise<void> {
    if (newName === undefined) return
    validateExperimentName(newName, 'new_name')
    const experiment = await this.get(experimentId)
    if (experiment.lifecycleStage !== 'active') {
      throw KeelError.invalid(`Cannot rename a non-active experiment (id=${experimentId}).`)
    }
    await this.store.experiments.rename(experimentId, newName, this.now())
  }

  async setTag(experimentId: string, tag: Tag): Promise<void> {
    validateExperimentTag(tag)
    const experiment = await this.get(experimentId)
    if (experiment.lifecycleStage !== 'active') {
      throw KeelError.invalid(`The experiment ${experimentId} must be in the 'active' state.`)
    }
    await this.store.experiments.setTag(experimentId, tag)
  }

  async deleteTag(experimentId: string, key: string): Promise<void> {
    await this.get(experimentId)
    await this.store.experiments.deleteTag(experimentId, key)
  }
}

/**
 * MLflow's `resolve_uri_if_local`: a local artifact location given relative (a path without a
 * scheme, or `file:` with a relative path) is made absolute against the server's working
 * directory, so every client reads the same folder; anything else is kept as given.
 */
export function absoluteArtifactLocation(location: string, cwd: string): string {
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(location)?.[1]?.toLowerCase()
  const under = (path: string) => posix.join(cwd, path).replace(/(?<=.)\/+$/, '')
  if (scheme === undefined) return location.startsWith('/') ? location : under(location)
  if (scheme !== 'file') return location
  const rest = location.slice('file:'.length)
  if (rest.startsWith('/')) return location // file:/abs, file:///abs, file://host/...
  const [, path = '', suffix = ''] = /^([^?#]*)(.*)$/.exec(rest) ?? []
  return `file://${under(path)}${suffix}`
}
