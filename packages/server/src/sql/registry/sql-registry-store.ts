/**
 * The registry store over SQL, composed of one part per entity group: registered models, versions,
 * stages, aliases and the audit trail. Every change that the audit trail records is written in the
 * same transaction as its event (registry-writes.ts), so the trail can never miss a change nor
 * record one that rolled back.
 */
import type { Kysely } from 'kysely'
import type { RegistryStore } from '../../registry/registry-store.js'
import type { Database } from '../database.js'
import type { DialectOps } from '../dialect.js'
import { SqlAliasStore } from './sql-alias-store.js'
import { SqlModelVersionStore } from './sql-model-version-store.js'
import { SqlRegisteredModelStore } from './sql-registered-model-store.js'
import { SqlRegistryEventStore } from './sql-registry-event-store.js'
import { SqlStageStore } from './sql-stage-store.js'

export class SqlRegistryStore implements RegistryStore {
  private readonly models: SqlRegisteredModelStore
  private readonly versions: SqlModelVersionStore
  private readonly stages: SqlStageStore
  private readonly aliases: SqlAliasStore
  private readonly events: SqlRegistryEventStore

  constructor(db: Kysely<Database>, ops: DialectOps) {
    this.models = new SqlRegisteredModelStore(db, ops)
    this.versions = new SqlModelVersionStore(db, ops)
    this.stages = new SqlStageStore(db, ops)
    this.aliases = new SqlAliasStore(db, ops)
    this.events = new SqlRegistryEventStore(db)
  }

  readonly createModel: RegistryStore['createModel'] = (...a) => this.models.createModel(...a)
  readonly getModel: RegistryStore['getModel'] = (...a) => this.models.getModel(...a)
  readonly renameModel: RegistryStore['renameModel'] = (...a) => this.models.renameModel(...a)
  readonly updateModelDescription: RegistryStore['updateModelDescription'] = (...a) =>
    this.models.updateModelDescription(...a)
  readonly deleteModel: RegistryStore['deleteModel'] = (...a) => this.models.deleteModel(...a)
  readonly searchModels: RegistryStore['searchModels'] = (...a) => this.models.searchModels(...a)
  readonly setModelTag: RegistryStore['setModelTag'] = (...a) => this.models.setModelTag(...a)
  readonly deleteModelTag: RegistryStore['deleteModelTag'] = (...a) => this.models.deleteModelTag(...a)

  readonly createVersion: RegistryStore['createVersion'] = (...a) => this.versions.createVersion(...a)
  readonly getVersion: RegistryStore['getVersion'] = (...a) => this.versions.getVersion(...a)
  readonly updateVersionDescription: RegistryStore['updateVersionDescription'] = (...a) =>
    this.versions.updateVersionDescription(...a)
  readonly deleteVersion: RegistryStore['deleteVersion'] = (...a) => this.versions.deleteVersion(...a)
  readonly searchVersions: RegistryStore['searchVersions'] = (...a) => this.versions.searchVersions(...a)
  readonly setVersionTag: RegistryStore['setVersionTag'] = (...a) => this.versions.setVersionTag(...a)
  readonly deleteVersionTag: RegistryStore['deleteVersionTag'] = (...a) => this.versions.deleteVersionTag(...a)
  readonly getLineage: RegistryStore['getLineage'] = (...a) => this.versions.getLineage(...a)

  readonly transitionStage: RegistryStore['transitionStage'] = (...a) => this.stages.transitionStage(...a)
  readonly latestVersions: RegistryStore['latestVersions'] = (...a) => this.stages.latestVersions(...a)

  readonly setAlias: RegistryStore['setAlias'] = (...a) => this.aliases.setAlias(...a)
  readonly deleteAlias: RegistryStore['deleteAlias'] = (...a) => this.aliases.deleteAlias(...a)
  readonly getVersionByAlias: RegistryStore['getVersionByAlias'] = (...a) => this.aliases.getVersionByAlias(...a)

  readonly searchEvents: RegistryStore['searchEvents'] = (...a) => this.events.searchEvents(...a)
}
