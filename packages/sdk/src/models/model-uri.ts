/**
 * Model URIs, as MLflow 3 reads them, and where each one's files are:
 *
 * - `models:/<name>/<version>`, `models:/<name>@<alias>`, `models:/<name>/latest`,
 *   `models:/<name>/<stage>` (None, Staging, Production, Archived): a registered model's version;
 * - `models:/<model_id>`: a logged model (`m-…`);
 * - `runs:/<run_id>/<path>`: the run's artifacts at `<path>` if they hold an `MLmodel`, else the
 *   run's logged model named `<path>` (the one of highest step in the run's outputs);
 * - `mlflow-artifacts:/…` and `http(s)://…/mlflow-artifacts/artifacts/…`: an artifact location;
 * - `file:///…` URIs and local paths: a model directory on disk.
 */
import { resolve as resolvePath } from 'node:path'
import { fileURLToPath } from 'node:url'
import { KeelError } from '@keel/contracts'
import { normalizeArtifactPath, resolveArtifactRepository } from '../artifacts.js'
import type { TrackingClient } from '../tracking-client.js'
import { MLMODEL_FILE } from './mlmodel.js'
import type { ModelRegistry, ModelVersionRef } from './registry.js'

export type ParsedModelUri =
  | { readonly kind: 'version'; readonly name: string; readonly version: string }
  | { readonly kind: 'alias'; readonly name: string; readonly alias: string }
  | { readonly kind: 'latest'; readonly name: string }
  | { readonly kind: 'stage'; readonly name: string; readonly stage: string }
  | { readonly kind: 'logged-model'; readonly modelId: string }
  | { readonly kind: 'run'; readonly runId: string; readonly path: string }
  | { readonly kind: 'artifacts'; readonly artifactUri: string }
  | { readonly kind: 'local'; readonly path: string }

/** MLflow's stages, by lower-case name (stages are matched case-insensitively, as MLflow does). */
const STAGES: Readonly<Record<string, string>> = {
  none: 'None',
  staging: 'Staging',
  production: 'Production',
  archived: 'Archived',
}

const invalid = (uri: string, why: string): KeelError =>
  KeelError.invalid(
    `Invalid model URI '${uri}': ${why}. Expected models:/<name>/<version>, models:/<name>@<alias>, models:/<name>/latest, ` +
      'models:/<name>/<stage>, models:/<model_id>, runs:/<run_id>/<path>, an artifact URI, or a local path',
  )

function parseModels(uri: string): ParsedModelUri {
  const rest = uri.slice('models:'.length)
  if (!rest.startsWith('/') || rest.startsWith('//')) throw invalid(uri, "models: URIs are 'models:/…' (no host)")
  const parts = rest.slice(1).split('/')
  if (parts.some((p) => p === '')) throw invalid(uri, 'empty path segment')
  if (parts.length === 1) {
    const [single = ''] = parts
    const at = single.indexOf('@')
    if (at >= 0) {
      const name = single.slice(0, at)
      const alias = single.slice(at + 1)
      if (name === '' || alias === '') throw invalid(uri, 'an alias URI is models:/<name>@<alias>')
      return { kind: 'alias', name, alias }
    }
    return { kind: 'logged-model', modelId: single }
  }
  if (parts.length !== 2) throw invalid(uri, 'too many path segments')
  const [name = '', second = ''] = parts
  if (name.includes('@')) throw invalid(uri, 'an alias URI is models:/<name>@<alias>, with nothing after it')
  if (/^\d+$/.test(second)) return { kind: 'version', name, version: String(Number(second)) }
  if (second.toLowerCase() === 'latest') return { kind: 'latest', name }
  const stage = STAGES[second.toLowerCase()]
  if (stage !== undefined) return { kind: 'stage', name, stage }
  throw invalid(uri, `'${second}' is not a version number, 'latest', or a stage (None, Staging, Production, Archived)`)
}

/** Parses a model URI (no network); throws INVALID_PARAMETER_VALUE naming the URI for a malformed one. */
export function parseModelUri(uri: string): ParsedModelUri {
  if (typeof uri !== 'string' || uri.trim() === '') throw KeelError.invalid('A model URI is required')
  if (uri.startsWith('models:')) return parseModels(uri)
  if (uri.startsWith('runs:')) {
    const match = /^runs:\/([^/]+)(?:\/(.*))?$/.exec(uri)
    if (match === null || uri.startsWith('runs://')) throw invalid(uri, "runs: URIs are 'runs:/<run_id>/<path>'")
    let path: string
    try {
      path = normalizeArtifactPath(match[2])
    } catch {
      throw invalid(uri, "the path must not contain '..'")
    }
    return { kind: 'run', runId: match[1]!, path }
  }
  if (uri.startsWith('file:')) {
    try {
      return { kind: 'local', path: fileURLToPath(uri) }
    } catch (error) {
      throw invalid(uri, (error as Error).message)
    }
  }
  if (uri.startsWith('mlflow-artifacts:') || /^https?:\/\//.test(uri)) return { kind: 'artifacts', artifactUri: uri }
  if (/^[a-zA-Z][a-zA-Z0-9+.-]+:/.test(uri))
    throw invalid(uri, `keel does not read '${uri.slice(0, uri.indexOf(':'))}:' URIs`)
  return { kind: 'local', path: resolvePath(uri) }
}

/** Where a model's directory is, and what the URI resolved through. */
export interface ResolvedModel {
  /** A model directory on disk, when the URI is local (nothing to download). */
  readonly localDir?: string
  /** Otherwise: an artifact root and the model's path below it ('' for the root). */
  readonly artifactUri?: string
  readonly path?: string
  readonly modelVersion?: ModelVersionRef
  readonly modelId?: string
  readonly runId?: string
}

export interface ResolveContext {
  /** The tracking client (called only for URIs that need the server). */
  readonly client: () => TrackingClient
  /** The registry (called only for `models:/<name>/…` URIs). */
  readonly registry?: () => ModelRegistry
}

/** Adds the URI to an error's message, keeping its code. */
function withUri(uri: string, error: unknown): unknown {
  if (!(error instanceof KeelError) || error.message.includes(uri)) return error
  return new KeelError(error.code, `Cannot load model '${uri}': ${error.message}`, { cause: error })
}

const MODEL_ID_SOURCE = /^models:\/(m-[^/]+)$/

async function resolveVersion(uri: string, parsed: ParsedModelUri, context: ResolveContext): Promise<ResolvedModel> {
  const registry = context.registry?.()
  if (registry === undefined) {
    throw new KeelError(
      'INVALID_STATE',
      `Cannot load model '${uri}': resolving a registered model needs a model registry client`,
    )
  }
  let version: ModelVersionRef
  switch (parsed.kind) {
    case 'version':
      version = await registry.getModelVersion(parsed.name, parsed.version)
      break
    case 'alias':
      version = await registry.getModelVersionByAlias(parsed.name, parsed.alias)
      break
    case 'latest':
    case 'stage': {
      const stages = parsed.kind === 'stage' ? [parsed.stage] : undefined
      const versions = await registry.getLatestVersions(parsed.name, stages)
      const latest = [...versions].sort((a, b) => Number(b.version) - Number(a.version))[0]
      if (latest === undefined) {
        throw KeelError.notFound(
          `Registered model '${parsed.name}' has no versions${stages === undefined ? '' : ` in stage '${stages[0]}'`}`,
        )
      }
      version = latest
      break
    }
    default:
      throw new KeelError('INTERNAL_ERROR', `not a registry URI: ${uri}`)
  }
  const modelId = version.modelId ?? MODEL_ID_SOURCE.exec(version.source)?.[1]
  const common = { modelVersion: version, ...(version.runId !== undefined && { runId: version.runId }) }
  if (modelId !== undefined) return { ...(await resolveLoggedModel(modelId, context)), ...common }
  if (version.source.startsWith('runs:/')) {
    const run = parseModelUri(version.source)
    if (run.kind === 'run') return { ...(await resolveRun(run.runId, run.path, context)), ...common }
  }
  return { artifactUri: await registry.getModelVersionDownloadUri(version.name, version.version), path: '', ...common }
}

async function resolveLoggedModel(modelId: string, context: ResolveContext): Promise<ResolvedModel> {
  const model = await context.client().getLoggedModel(modelId)
  return {
    artifactUri: model.info.artifactUri,
    path: '',
    modelId,
    ...(model.info.sourceRunId !== undefined && { runId: model.info.sourceRunId }),
  }
}

async function resolveRun(runId: string, path: string, context: ResolveContext): Promise<ResolvedModel> {
  const client = context.client()
  const run = await client.getRun(runId)
  const repo = resolveArtifactRepository(run.info.artifactUri, client.http)
  const mlmodel = path === '' ? MLMODEL_FILE : `${path}/${MLMODEL_FILE}`
  const entries = await repo.listArtifacts(path)
  if (entries.some((e) => e.path === mlmodel && !e.isDir)) return { artifactUri: run.info.artifactUri, path, runId }

  // MLflow 3: the run's logged model of that name.
  const name = path
  if (name === '' || name.includes("'")) throw KeelError.notFound(`Run ${runId} has no artifact '${mlmodel}'`)
  const found = []
  let pageToken: string | undefined
  do {
    const page = await client.searchLoggedModels({
      experimentIds: [run.info.experimentId],
      filter: `source_run_id = '${runId}' AND name = '${name}'`,
      ...(pageToken !== undefined && { pageToken }),
    })
    found.push(...page.items)
    pageToken = page.nextPageToken
  } while (pageToken)
  if (found.length === 0) {
    throw KeelError.notFound(`Run ${runId} has no artifact '${mlmodel}' and no logged model named '${name}'`)
  }
  const steps = new Map(run.outputs.modelOutputs.map((o) => [o.modelId, o.step]))
  const step = (id: string): number => steps.get(id) ?? -1
  const best = found.reduce((a, b) =>
    step(b.info.modelId) > step(a.info.modelId) ||
    (step(b.info.modelId) === step(a.info.modelId) && b.info.creationTimestampMs > a.info.creationTimestampMs)
      ? b
      : a,
  )
  return { artifactUri: best.info.artifactUri, path: '', modelId: best.info.modelId, runId }
}

/** Resolves a model URI to the location of its directory (asking the tracking server and the registry as needed). */
export async function resolveModelUri(uri: string, context: ResolveContext): Promise<ResolvedModel> {
  const parsed = parseModelUri(uri)
  try {
    switch (parsed.kind) {
      case 'local':
        return { localDir: parsed.path }
      case 'artifacts':
        return { artifactUri: parsed.artifactUri, path: '' }
      case 'logged-model':
        return await resolveLoggedModel(parsed.modelId, context)
      case 'run':
        return await resolveRun(parsed.runId, parsed.path, context)
      default:
        return await resolveVersion(uri, parsed, context)
    }
  } catch (error) {
    throw withUri(uri, error)
  }
}
