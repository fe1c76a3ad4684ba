/**
 * The model-registry store contract: registered models, their versions, tags and aliases, the audit
 * trail and the lineage captured at registration. Stores persist and make atomic what must be
 * (version numbering, alias moves, archiving on transition, each change together with its audit
 * event); validation and MLflow's rules live in the services. Every implementation runs
 * test/conformance/registry-store-conformance.ts.
 */
import type {
  ModelVersion,
  ModelVersionLineage,
  ModelVersionStage,
  RegisteredModel,
  RegistryEvent,
  Tag,
} from '@keel/contracts'
import type { FilterExpr, OrderByClause } from '../search/index.js'
import type { PageRequest, PageResult } from '../tracking/tracking-store.js'

/** Who made a change and why; every change the audit trail records carries one. */
export interface Audit {
  readonly actor: string
  readonly time: number
  readonly comment?: string
}

/** A model version as stored: the entity plus where its files are. */
export interface StoredModelVersion extends ModelVersion {
  /** The artifact URI of the version's files (`get-download-uri`). */
  readonly storageLocation: string
}

export interface NewRegisteredModel {
  readonly name: string
  readonly description?: string
  readonly tags: readonly Tag[]
}

export interface NewModelVersion {
  readonly name: string
  readonly source: string
  readonly storageLocation: string
  readonly runId?: string
  readonly runLink?: string
  readonly modelId?: string
  readonly description?: string
  readonly tags: readonly Tag[]
  /** What the version was made of; its name, version and capture time are filled by the store. */
  readonly lineage: Omit<ModelVersionLineage, 'name' | 'version' | 'capturedAt'>
}

export interface RegistrySearchQuery extends PageRequest {
  readonly filter?: FilterExpr
  readonly orderBy: readonly OrderByClause[]
}

export interface RegistryEventQuery extends PageRequest {
  readonly name?: string
  readonly version?: string
}

export interface RegistryStore {
  /** Throws RESOURCE_ALREADY_EXISTS when the name is taken. */
  createModel(input: NewRegisteredModel, audit: Audit): Promise<RegisteredModel>
  getModel(name: string): Promise<RegisteredModel | undefined>
  /** Renames the model; its versions, tags, aliases and audit trail follow. RESOURCE_ALREADY_EXISTS if taken. */
  renameModel(name: string, newName: string, audit: Audit): Promise<void>
  updateModelDescription(name: string, description: string, time: number): Promise<void>
  /** Deletes the model with its versions, tags and aliases; the audit trail keeps its events. */
  deleteModel(name: string, audit: Audit): Promise<void>
  searchModels(query: RegistrySearchQuery): Promise<PageResult<RegisteredModel>>
  setModelTag(name: string, tag: Tag, time: number): Promise<void>
  /** Deleting a tag that is not set is a no-op (MLflow answers 200); an unknown model is not found. */
  deleteModelTag(name: string, key: string, time: number): Promise<void>

  /**
   * Numbers the version max(existing, deleted included) + 1, atomically; READY at once. When the
   * version names a logged model (`modelId`), appends {name, version} to that model's
   * `mlflow.modelVersions` tag in the same transaction.
   */
  createVersion(input: NewModelVersion, audit: Audit): Promise<StoredModelVersion>
  /** Deleted versions are not found. */
  getVersion(name: string, version: string): Promise<StoredModelVersion | undefined>
  updateVersionDescription(name: string, version: string, description: string, time: number): Promise<void>
  /**
   * Moves a version to `stage`; with `archiveExisting` (and a target of Staging or Production) the
   * other versions in that stage move to Archived. One audit event per version that moved.
   */
  transitionStage(
    name: string,
    version: string,
    stage: ModelVersionStage,
    archiveExisting: boolean,
    audit: Audit,
  ): Promise<void>
  /** Marks the version deleted (its number is never reused) and removes the aliases pointing at it. */
  deleteVersion(name: string, version: string, audit: Audit): Promise<void>
  searchVersions(query: RegistrySearchQuery): Promise<PageResult<StoredModelVersion>>
  /** The newest version in each stage, or in `stages` only. */
  latestVersions(name: string, stages?: readonly ModelVersionStage[]): Promise<StoredModelVersion[]>
  setVersionTag(name: string, version: string, tag: Tag, time: number): Promise<void>
  /** A no-op for a tag that is not set; an unknown version is not found. */
  deleteVersionTag(name: string, version: string, key: string, time: number): Promise<void>

  /** Points the alias at the version (moving it); the event records the version it left. */
  setAlias(name: string, alias: string, version: string, audit: Audit): Promise<void>
  /** Returns false when there was no such alias. */
  deleteAlias(name: string, alias: string, audit: Audit): Promise<boolean>
  getVersionByAlias(name: string, alias: string): Promise<StoredModelVersion | undefined>

  searchEvents(query: RegistryEventQuery): Promise<PageResult<RegistryEvent>>
  getLineage(name: string, version: string): Promise<ModelVersionLineage | undefined>
}
