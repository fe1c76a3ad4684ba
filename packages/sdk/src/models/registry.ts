/**
 * What model loading and logging need of the model registry: the subset of keel's
 * `RegistryClient` they call (any object with these methods will do).
 */
import type { Tag } from '@keel/contracts'

/** The fields of a model version that loading and logging read. */
export interface ModelVersionRef {
  readonly name: string
  readonly version: string
  /** Where the version was registered from: `models:/<model_id>`, `runs:/<run_id>/<path>` or an artifact URI. */
  readonly source: string
  readonly runId?: string | undefined
  readonly modelId?: string | undefined
  readonly currentStage?: string | undefined
  readonly aliases?: readonly string[] | undefined
  readonly tags?: readonly Tag[] | Readonly<Record<string, string>> | undefined
}

export interface ModelRegistry {
  getModelVersion(name: string, version: string | number): Promise<ModelVersionRef>
  getModelVersionByAlias(name: string, alias: string): Promise<ModelVersionRef>
  /** The latest version in each stage (all stages when `stages` is absent). */
  getLatestVersions(name: string, stages?: readonly string[]): Promise<readonly ModelVersionRef[]>
  /** The artifact URI of a version's files, e.g. `mlflow-artifacts:/1/models/m-abc/artifacts`. */
  getModelVersionDownloadUri(name: string, version: string | number): Promise<string>
  createRegisteredModel(name: string): Promise<unknown>
  createModelVersion(
    name: string,
    source: string,
    options?: { runId?: string | undefined; modelId?: string | undefined; description?: string | undefined },
  ): Promise<ModelVersionRef>
}
