/**
 * Where a model version's files are. A version's `source` is confined to keel's artifact store:
 * `runs:/<run>/<path>`, `models:/<model_id>` (or another version, `models:/<name>/<n>`), or an
 * artifact URI the server serves (`mlflow-artifacts:/…`, or a path inside a configured local
 * root). `file://` elsewhere, other schemes, `..` in any encoding and anything that resolves outside
 * the store are refused: a registered source becomes a download URI that clients and servers read,
 * which is how MLflow's worst path-traversal CVEs worked.
 */
import { resolve as resolvePath } from 'node:path'
import { fileURLToPath } from 'node:url'
import { KeelError } from '@keel/contracts'
import {
  type ArtifactLocation,
  type ArtifactLocations,
  joinArtifactPath,
  PROXIED_SCHEME,
} from '../artifacts/artifact-locations.js'
import { normalizeArtifactPath } from '../artifacts/safe-path.js'
import type { Comparison } from '../search/index.js'
import type { TrackingStore } from '../tracking/tracking-store.js'
import type { RegistryStore } from './registry-store.js'

export interface ResolvedSource {
  readonly storageLocation: string
  readonly runId?: string
  readonly modelId?: string
}

const refuse = (source: string, why: string) =>
  KeelError.invalid(`Invalid model version source '${source.slice(0, 300)}': ${why}`)

/** A relative artifact path, checked by the artifact store's path gate; '' is the root. */
function safeRelative(source: string, path: string): string {
  if (path === '' || path === '/') return ''
  try {
    return normalizeArtifactPath(path.replace(/\/+$/, ''))
  } catch (error) {
    throw refuse(source, error instanceof KeelError ? error.message : 'the path is not safe')
  }
}

/** The run and logged model a request says the version comes from. */
export interface ClaimedOrigin {
  readonly runId?: string
  readonly modelId?: string
}

/**
 * Checks `source` and finds where its files are. A source inside the artifact store must belong to
 * the run (`run_id`) or logged model (`model_id`) the request names, as MLflow requires: a client
 * may register its own run's files, not any file the server can read.
 */
export async function resolveModelSource(
  source: string,
  claimed: ClaimedOrigin,
  deps: { tracking: TrackingStore; registry: RegistryStore; locations: ArtifactLocations },
): Promise<ResolvedSource> {
  if (source.trim() === '') throw KeelError.invalid("Missing value for required parameter 'source'.")

  if (source.startsWith('runs:/')) {
    const [runId = '', ...rest] = source.slice('runs:/'.length).split('/')
    const path = safeRelative(source, rest.join('/'))
    if (claimed.runId !== runId) {
      throw refuse(source, `a runs:/ source must name the run given as run_id (${claimed.runId ?? 'none given'})`)
    }
    const run = await deps.tracking.runs.getInfo(runId)
    // A run this server does not have (a registry moved before its runs, split stores): recorded
    // as MLflow records it, the runs:/ URI itself as where the files are. Nothing is read now;
    // whoever loads the version resolves the run then (the SDK and MLflow's client do).
    if (!run) return { storageLocation: source, runId }
    // MLflow 3 logs models as logged models of the run: runs:/<run>/<name> names one of them.
    const logged = path === '' ? undefined : await findRunModel(deps.tracking, run.experimentId, runId, path)
    if (logged) return { storageLocation: logged.artifactUri, runId, modelId: logged.modelId }
    return { storageLocation: joinArtifactPath(run.artifactUri, path), runId }
  }

  if (source.startsWith('models:/')) {
    const ref = source.slice('models:/'.length)
    if (!ref.includes('/') && !ref.includes('@')) {
      if (claimed.modelId !== undefined && claimed.modelId !== ref) {
        throw refuse(source, `the logged model in the source is not the model_id given (${claimed.modelId})`)
      }
      const model = await deps.tracking.loggedModels.get(ref)
      if (!model) throw refuse(source, `logged model '${ref}' does not exist`)
      const found = { storageLocation: model.info.artifactUri, modelId: model.info.modelId }
      return model.info.sourceRunId ? { ...found, runId: model.info.sourceRunId } : found
    }
    const at = ref.lastIndexOf('@')
    const [name, selector] =
      at >= 0
        ? [ref.slice(0, at), ref.slice(at + 1)]
        : [ref.slice(0, ref.lastIndexOf('/')), ref.slice(ref.lastIndexOf('/') + 1)]
    const version =
      at >= 0 ? await deps.registry.getVersionByAlias(name, selector) : await deps.registry.getVersion(name, selector)
    if (!version) throw refuse(source, `no model version ${at >= 0 ? 'with alias' : ''} '${selector}' of '${name}'`)
    return {
      storageLocation: version.storageLocation,
      ...(version.runId && { runId: version.runId }),
      ...(version.modelId && { modelId: version.modelId }),
    }
  }

  if (source.startsWith(PROXIED_SCHEME)) {
    const rest = source.slice(PROXIED_SCHEME.length)
    if (rest.startsWith('//')) throw refuse(source, 'an mlflow-artifacts: source may not name another host')
    const relative = safeRelative(source, rest.replace(/^\/+/, ''))
    await requireOwner(source, relative, claimed, deps.tracking, (uri) =>
      uri.startsWith(PROXIED_SCHEME) && !uri.slice(PROXIED_SCHEME.length).startsWith('//')
        ? uri.slice(PROXIED_SCHEME.length).replace(/^\/+/, '').replace(/\/+$/, '')
        : undefined,
    )
    return { storageLocation: `${PROXIED_SCHEME}/${relative}` }
  }

  if (source.startsWith('file:') || source.startsWith('/')) {
    let location: ArtifactLocation
    try {
      location = deps.locations.resolve(source)
    } catch (error) {
      throw refuse(source, error instanceof KeelError ? error.message : 'it is outside the artifact store')
    }
    safeRelative(source, location.path)
    await requireOwner(source, localPath(source)!, claimed, deps.tracking, localPath)
    return { storageLocation: source }
  }

  throw refuse(
    source,
    "keel registers models from its artifact store only (runs:/, models:/, mlflow-artifacts:/ or a path inside the server's artifact root)",
  )
}

function localPath(uri: string): string | undefined {
  try {
    if (uri.startsWith('file:')) return resolvePath(fileURLToPath(uri))
    return uri.startsWith('/') ? resolvePath(uri) : undefined
  } catch {
    return undefined
  }
}

/** The source must lie inside the claimed run's artifacts or the claimed logged model's files. */
async function requireOwner(
  source: string,
  path: string,
  claimed: ClaimedOrigin,
  tracking: TrackingStore,
  normalize: (uri: string) => string | undefined,
): Promise<void> {
  const roots: string[] = []
  if (claimed.runId) {
    const run = await tracking.runs.getInfo(claimed.runId)
    if (run) roots.push(run.artifactUri)
  }
  if (claimed.modelId) {
    const model = await tracking.loggedModels.get(claimed.modelId, { allowDeleted: true })
    if (model) roots.push(model.info.artifactUri)
  }
  if (roots.length === 0) {
    throw refuse(
      source,
      'a source inside the artifact store must belong to the run (run_id) or logged model (model_id) given with it',
    )
  }
  const inside = roots.some((uri) => {
    const root = normalize(uri)
    return root !== undefined && (path === root || path.startsWith(`${root}/`))
  })
  if (!inside) throw refuse(source, 'it is outside the artifacts of the run or logged model given with it')
}

async function findRunModel(tracking: TrackingStore, experimentId: string, runId: string, name: string) {
  const equals = (key: string, value: string): Comparison => ({
    kind: 'comparison',
    entity: 'attribute',
    key,
    op: '=',
    value,
    position: 0,
  })
  const page = await tracking.loggedModels.search({
    experimentIds: [experimentId],
    datasets: [],
    filter: { kind: 'and', items: [equals('source_run_id', runId), equals('name', name)] },
    orderBy: [{ entity: 'attribute', key: 'creation_timestamp', ascending: false }],
    viewType: 'ACTIVE_ONLY',
    offset: 0,
    limit: 1,
  })
  return page.items[0]?.info
}
