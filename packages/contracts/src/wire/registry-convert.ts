/** Converters between the registry's entities and MLflow's wire JSON, both directions. */
import type { z } from 'zod'
import type { Metric, Param } from '../entities.js'
import {
  MODEL_VERSION_STAGES,
  type ModelVersion,
  type ModelVersionLineage,
  type ModelVersionStage,
  type RegisteredModel,
  type RegistryEvent,
} from '../registry.js'
import { datasetInputFromWire, datasetInputToWire, metricFromWire, metricToWire } from './convert.js'
import type {
  modelVersionLineageWire,
  modelVersionWire,
  registeredModelWire,
  registryEventWire,
} from './registry-entities.js'
import { defined, kv } from './util.js'

type Out<S extends z.ZodType> = z.output<S>

/** Extra fields MLflow 3 puts on a version: the logged model's params and metrics. */
export interface ModelVersionExtras {
  readonly modelParams?: readonly Param[]
  readonly modelMetrics?: readonly Metric[]
}

export function modelVersionToWire(v: ModelVersion, extras: ModelVersionExtras = {}) {
  return defined({
    name: v.name,
    version: v.version,
    creation_timestamp: v.creationTimestamp,
    last_updated_timestamp: v.lastUpdatedTimestamp,
    user_id: v.userId,
    current_stage: v.currentStage,
    description: v.description,
    source: v.source,
    run_id: v.runId,
    status: v.status,
    status_message: v.statusMessage,
    tags: kv(v.tags),
    run_link: v.runLink,
    aliases: [...v.aliases],
    model_id: v.modelId,
    model_params: extras.modelParams && kv(extras.modelParams),
    model_metrics: extras.modelMetrics?.map(metricToWire),
  })
}

export function registeredModelToWire(m: RegisteredModel) {
  return defined({
    name: m.name,
    creation_timestamp: m.creationTimestamp,
    last_updated_timestamp: m.lastUpdatedTimestamp,
    user_id: m.userId,
    description: m.description,
    latest_versions: m.latestVersions.map((v) => modelVersionToWire(v)),
    tags: kv(m.tags),
    aliases: m.aliases.map(({ alias, version }) => ({ alias, version })),
  })
}

export function registryEventToWire(e: RegistryEvent) {
  return defined({
    event_id: e.eventId,
    timestamp: e.timestamp,
    actor: e.actor,
    kind: e.kind,
    name: e.name,
    version: e.version,
    alias: e.alias,
    from: e.from,
    to: e.to,
    comment: e.comment,
    request_id: e.requestId,
  })
}

export function modelVersionLineageToWire(l: ModelVersionLineage) {
  return defined({
    name: l.name,
    version: l.version,
    captured_at: l.capturedAt,
    source: l.source,
    run_id: l.runId,
    experiment_id: l.experimentId,
    model_id: l.modelId,
    git: l.git && defined({ commit: l.git.commit, branch: l.git.branch, repo_url: l.git.repoUrl, dirty: l.git.dirty }),
    entry_point: l.entryPoint,
    datasets: l.datasets.map(datasetInputToWire),
    params: kv(l.params),
    metrics: l.metrics.map(metricToWire),
  })
}

/** A stage as MLflow spells it, whatever the case it was sent in; undefined for an unknown stage. */
export function canonicalStage(stage: string): ModelVersionStage | undefined {
  const lower = stage.toLowerCase()
  return MODEL_VERSION_STAGES.find((s) => s.toLowerCase() === lower)
}

export function modelVersionFromWire(w: Out<typeof modelVersionWire>): ModelVersion {
  return defined({
    name: w.name,
    version: w.version,
    creationTimestamp: w.creation_timestamp ?? 0,
    lastUpdatedTimestamp: w.last_updated_timestamp ?? 0,
    userId: w.user_id || undefined,
    currentStage: canonicalStage(w.current_stage ?? 'None') ?? 'None',
    description: w.description || undefined,
    source: w.source ?? '',
    runId: w.run_id || undefined,
    runLink: w.run_link || undefined,
    modelId: w.model_id || undefined,
    status: w.status ?? 'READY',
    statusMessage: w.status_message || undefined,
    tags: w.tags ?? [],
    aliases: w.aliases ?? [],
  })
}

export function registeredModelFromWire(w: Out<typeof registeredModelWire>): RegisteredModel {
  return defined({
    name: w.name,
    creationTimestamp: w.creation_timestamp ?? 0,
    lastUpdatedTimestamp: w.last_updated_timestamp ?? 0,
    userId: w.user_id || undefined,
    description: w.description || undefined,
    latestVersions: (w.latest_versions ?? []).map(modelVersionFromWire),
    tags: w.tags ?? [],
    aliases: w.aliases ?? [],
  })
}

export function registryEventFromWire(w: Out<typeof registryEventWire>): RegistryEvent {
  return defined({
    eventId: w.event_id,
    timestamp: w.timestamp,
    actor: w.actor,
    kind: w.kind,
    name: w.name,
    version: w.version,
    alias: w.alias,
    from: w.from,
    to: w.to,
    comment: w.comment,
    requestId: w.request_id,
  })
}

export function modelVersionLineageFromWire(w: Out<typeof modelVersionLineageWire>): ModelVersionLineage {
  return defined({
    name: w.name,
    version: w.version,
    capturedAt: w.captured_at,
    source: w.source,
    runId: w.run_id,
    experimentId: w.experiment_id,
    modelId: w.model_id,
    git: w.git && defined({ commit: w.git.commit, branch: w.git.branch, repoUrl: w.git.repo_url, dirty: w.git.dirty }),
    entryPoint: w.entry_point,
    datasets: (w.datasets ?? []).map(datasetInputFromWire),
    params: w.params ?? [],
    metrics: (w.metrics ?? []).map(metricFromWire),
  })
}
