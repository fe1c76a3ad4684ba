/**
 * Captures what a model version is made of when it is registered: the source run's code (git
 * commit, branch, repository, dirty flag, entry point), its datasets, params and latest metrics,
 * and the logged model's own metrics. Stored with the version, so later edits to the run
 * do not rewrite history.
 */
import type { Metric, ModelVersionLineage, Param } from '@keel/contracts'
import type { TrackingStore } from '../tracking/tracking-store.js'
import type { NewModelVersion } from './registry-store.js'

type Lineage = NewModelVersion['lineage']

export async function captureLineage(
  tracking: TrackingStore,
  source: string,
  ids: { runId?: string; modelId?: string },
): Promise<Lineage> {
  const model = ids.modelId ? await tracking.loggedModels.get(ids.modelId, { allowDeleted: true }) : undefined
  const runId = ids.runId ?? model?.info.sourceRunId
  const run = runId ? await tracking.runs.get(runId) : undefined
  const tags = new Map((run?.data.tags ?? []).map((t) => [t.key, t.value]))
  const git: {
    -readonly [K in keyof NonNullable<ModelVersionLineage['git']>]: NonNullable<ModelVersionLineage['git']>[K]
  } = {}
  const commit = tags.get('mlflow.source.git.commit')
  const branch = tags.get('mlflow.source.git.branch')
  const repoUrl = tags.get('mlflow.source.git.repoURL') ?? tags.get('mlflow.gitRepoURL')
  const dirty = tags.get('keel.source.git.dirty')
  if (commit) git.commit = commit
  if (branch) git.branch = branch
  if (repoUrl) git.repoUrl = repoUrl
  if (dirty !== undefined) git.dirty = dirty === 'true'

  // The run's params are what the user chose; a logged model's own params (often the estimator's
  // hyper-parameters under other names) stand in only when there is no run.
  const params = new Map<string, Param>()
  for (const p of run ? run.data.params : (model?.data.params ?? [])) params.set(p.key, p)
  const metrics = new Map<string, Metric>()
  for (const m of run?.data.metrics ?? []) metrics.set(m.key, m)
  for (const m of model?.data.metrics ?? []) metrics.set(m.key, m)

  const entryPoint = tags.get('mlflow.source.name')
  return {
    source,
    ...(runId && { runId }),
    ...(run && { experimentId: run.info.experimentId }),
    ...(model && { modelId: model.info.modelId }),
    ...(Object.keys(git).length > 0 && { git }),
    ...(entryPoint && { entryPoint }),
    datasets: run?.inputs.datasetInputs ?? [],
    params: [...params.values()].sort((a, b) => a.key.localeCompare(b.key)),
    metrics: [...metrics.values()].sort((a, b) => a.key.localeCompare(b.key)),
  }
}
