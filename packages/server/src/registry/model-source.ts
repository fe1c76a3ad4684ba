/**
 * Where a model version's files are. A version's `source` is confined to keel's artifact store:
 * `runs:/<run>/<path>`, `models:/<model_id>` (or another version, `models:/<name>/<n>`), or an
 * artifact URI the server serves (`mlflow-artifacts:/…`, or a path inside a configured local
 * root). `file://` elsewhere, other schemes, `..` in any encoding and anything that resolves outside
 * the store are refused: a registered source becomes a download URI that clients and servers read,
 * which is how MLflow's worst path-traversal CVEs worked.
 */
import { KeelError } from '@keel/contracts'
import { PROXIED_SCHEME, type ArtifactLocations, joinArtifactPath } from '../artifacts/artifact-locations.js'
import { normalizeArtifactPath } from '../artifacts/safe-path.js'
import type { Comparison } from '../search/index.js'
import type { TrackingStore } from '../tracking/tracking-store.js'
import type { RegistryStore } from './registry-store.js'

export interface ResolvedSource {
  readonly storageLocation: string
  readonly runId?: string
  readonly modelId?: string
}

const refuse = (source: string, why: string) => KeelError.invalid(`Invalid model version source '${source.slice(0, 300)}': ${why}`)

/** A relative artifact path, checked by the artifact store's path gate; '' is the root. */
function safeRelative(source: string, path: string): string {
  if (path === '' || path === '/') return ''
  try {
    return normalizeArtifactPath(path.replace(/\/+$/, ''))
  } catch (error) {
    throw refuse(source, error instanceof KeelError ? error.message : 'the path is not safe')
  }
}

export async function resolveModelSource(
  source: string,
  deps: { tracking: TrackingStore; registry: RegistryStore; locations: ArtifactLocations },
): Promise<ResolvedSource> {
  if (source.trim() === '') throw KeelError.invalid("Missing value for required parameter 'source'.")

  if (source.startsWith('runs:/')) {
    const [runId = '', ...rest] = source.slice('runs:/'.length).split('/')
    const path = safeRelative(source, rest.join('/'))
    const run = await deps.tracking.runs.getInfo(runId)
    if (!run) throw refuse(source, `run '${runId}' does not exist`)
    // MLflow 3 logs models as logged models of the run: runs:/<run>/<name> names one of them.
    const logged = path === '' ? undefined : await findRunModel(deps.tracking, run.experimentId, runId, path)
    if (logged) return { storageLocation: logged.artifactUri, runId, modelId: logged.modelId }
    return { storageLocation: joinArtifactPath(run.artifactUri, path), runId }
  }

  if (source.startsWith('models:/')) {
    const ref = source.slice('models:/'.length)
    if (!ref.includes('/') && !ref.includes('@')) {
      const model = await deps.tracking.loggedModels.get(ref)
      if (!model) throw refuse(source, `logged model '${ref}' does not exist`)
      const found = { storageLocation: model.info.artifactUri, modelId: model.info.modelId }
      return model.info.sourceRunId ? { ...found, runId: model.info.sourceRunId } : found
    }
    const at = ref.lastIndexOf('@')
    const [name, selector] = at >= 0 ? [ref.slice(0, at), ref.slice(at + 1)] : [ref.slice(0, ref.lastIndexOf('/')), ref.slice(ref.lastIndexOf('/') + 1)]
    const version = at >= 0 ? await deps.registry.getVersionByAlias(name, selector) : await deps.registry.getVersion(name, selector)
    if (!version) throw refuse(source, `no model version ${at >= 0 ? 'with alias' : ''} '${selector}' of '${name}'`)
    return {
      storageLocation: version.storageLocation,
      ...(version.runId && { runId: version.runId }),
      ...(version.modelId && { modelId: version.modelId }),
    }
  }

  if (source.startsWith(PROXIED_SCHEME)) {
    const rest = source.slice(PROXIED_SCHEME.length)
    const path = rest.startsWith('//') ? rest.slice(2).replace(/^[^/]*/, '') : rest
    const relative = safeRelative(source, path.replace(/^\/+/, ''))
    return { storageLocation: `${PROXIED_SCHEME}/${relative}` }
  }

  if (source.startsWith('file:') || source.startsWith('/')) {
    let location
    try {
      location = deps.locations.resolve(source)
    } catch (error) {
      throw refuse(source, error instanceof KeelError ? error.message : 'it is outside the artifact store')
    }
    safeRelative(source, location.path)
    return { storageLocation: source }
  }

  throw refuse(source, "keel registers models from its artifact store only (runs:/, models:/, mlflow-artifacts:/ or a path inside the server's artifact root)")
}

async function findRunModel(tracking: TrackingStore, experimentId: string, runId: string, name: string) {
  const equals = (key: string, value: string): Comparison => ({ kind: 'comparison', entity: 'attribute', key, op: '=', value, position: 0 })
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
