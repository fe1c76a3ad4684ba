/**
 * The registry's data for the UI: loaders over the public API (the endpoint tables and wire
 * converters of @keel/contracts) and the small pure helpers the pages share.
 */
import {
  type ModelVersion,
  type RegisteredModel,
  type RegistryEvent,
  modelVersionFromWire,
  modelVersionLineageFromWire,
  registeredModelFromWire,
  registryApi,
  registryEventFromWire,
  trackingApi,
} from '@keel/contracts'
import { ApiError, call } from '../api/client'

/** A string literal for a search filter ('…' with quotes and backslashes escaped). */
export function filterString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`
}

export async function searchModels(q: string, signal: AbortSignal) {
  const filter = q ? `name ILIKE ${filterString(`%${q}%`)}` : undefined
  const res = await call(
    registryApi.searchRegisteredModels,
    { max_results: 1000, order_by: ['name ASC'], ...(filter && { filter }) },
    signal,
  )
  return { models: (res.registered_models ?? []).map(registeredModelFromWire), more: Boolean(res.next_page_token) }
}

export async function getModel(name: string, signal: AbortSignal): Promise<RegisteredModel> {
  return registeredModelFromWire((await call(registryApi.getRegisteredModel, { name }, signal)).registered_model)
}

/** Every version of a model, newest first. */
export async function listVersions(name: string, signal: AbortSignal): Promise<ModelVersion[]> {
  const res = await call(
    registryApi.searchModelVersions,
    { filter: `name = ${filterString(name)}`, order_by: ['version_number DESC'], max_results: 10_000 },
    signal,
  )
  return (res.model_versions ?? []).map(modelVersionFromWire)
}

export async function getVersion(name: string, version: string, signal: AbortSignal): Promise<ModelVersion> {
  return modelVersionFromWire((await call(registryApi.getModelVersion, { name, version }, signal)).model_version)
}

/** The audit trail of a model (or of one version), newest first. */
export async function listEvents(
  name: string,
  version: string | undefined,
  signal: AbortSignal,
): Promise<RegistryEvent[]> {
  const res = await call(
    registryApi.searchRegistryEvents,
    { name, max_results: 500, ...(version && { version }) },
    signal,
  )
  return (res.events ?? []).map(registryEventFromWire)
}

export async function getLineage(name: string, version: string, signal: AbortSignal) {
  return modelVersionLineageFromWire(
    (await call(registryApi.getModelVersionLineage, { name, version }, signal)).lineage,
  )
}

export async function getDownloadUri(name: string, version: string, signal: AbortSignal): Promise<string> {
  return (await call(registryApi.getModelVersionDownloadUri, { name, version }, signal)).artifact_uri
}

/** What the register form was given: a run id plus a logged model name, or a `runs:/<run>/<name>` URI. */
export function parseRunModel(runOrUri: string, modelPath: string): { runId: string; path: string } | string {
  const text = runOrUri.trim()
  if (text.startsWith('runs:/')) {
    const [runId = '', ...rest] = text.slice('runs:/'.length).split('/')
    const path = rest.join('/').replace(/\/+$/, '')
    if (!runId) return 'The runs:/ URI names no run: write runs:/<run id>/<model name>.'
    if (!path) return 'The runs:/ URI names no model: write runs:/<run id>/<model name>.'
    return { runId, path }
  }
  if (!text) return 'Give a run id or a runs:/<run id>/<model name> URI.'
  if (/[\s/]/.test(text)) return 'A run id has no spaces or slashes; for a URI write runs:/<run id>/<model name>.'
  const path = modelPath.trim().replace(/^\/+|\/+$/g, '')
  if (!path) return 'Give the name of the logged model (usually “model”).'
  return { runId: text, path }
}

/**
 * Registers a run's logged model as a new version of `name`, creating the model if it does not
 * exist (and removing it again if the version could not be registered).
 */
export async function registerRunModel(name: string, runId: string, path: string): Promise<ModelVersion> {
  await call(trackingApi.getRun, { run_id: runId })
  let created = false
  try {
    await call(registryApi.createRegisteredModel, { name })
    created = true
  } catch (e) {
    if (!(e instanceof ApiError && e.code === 'RESOURCE_ALREADY_EXISTS')) throw e
  }
  try {
    const res = await call(registryApi.createModelVersion, { name, source: `runs:/${runId}/${path}`, run_id: runId })
    return modelVersionFromWire(res.model_version)
  } catch (e) {
    if (created) await call(registryApi.deleteRegisteredModel, { name }).catch(() => undefined)
    throw e
  }
}

export const ACTIVE_STAGES = ['Staging', 'Production'] as const

/** "Production v3, Staging v4" from a model's latest versions (the active stages only). */
export function activeStages(model: RegisteredModel): { stage: string; version: string }[] {
  return model.latestVersions
    .filter((v) => v.currentStage === 'Production' || v.currentStage === 'Staging')
    .sort((a, b) => (a.currentStage === b.currentStage ? 0 : a.currentStage === 'Production' ? -1 : 1))
    .map((v) => ({ stage: v.currentStage, version: v.version }))
}

/** The newest version number among a model's latest versions. */
export function latestVersion(model: RegisteredModel): string | undefined {
  let best: string | undefined
  for (const v of model.latestVersions) if (best === undefined || Number(v.version) > Number(best)) best = v.version
  return best
}

export const modelPath = (name: string) => `/models/${encodeURIComponent(name)}`
export const versionPath = (name: string, version: string) =>
  `${modelPath(name)}/versions/${encodeURIComponent(version)}`
