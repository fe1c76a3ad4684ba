/**
 * Stages over SQL: a transition (archiving the other versions in the target stage when asked, one
 * audit event per version that moved) and the newest version per stage.
 */
import type { ModelVersionStage } from '@keel/contracts'
import type { Kysely } from 'kysely'
import type { Audit, RegistryStore, StoredModelVersion } from '../../registry/registry-store.js'
import type { Database } from '../database.js'
import type { DialectOps } from '../dialect.js'
import { withWriteTransaction } from '../sql-util.js'
import { loadVersions, newestPerStage } from './registry-rows.js'
import { liveVersion, notFoundVersion, record, requireModel, touchVersion, versionNumber } from './registry-writes.js'

export class SqlStageStore implements Pick<RegistryStore, 'transitionStage' | 'latestVersions'> {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly ops: DialectOps,
  ) {}

  async transitionStage(
    name: string,
    version: string,
    stage: ModelVersionStage,
    archiveExisting: boolean,
    audit: Audit,
  ): Promise<void> {
    await withWriteTransaction(this.db, this.ops, async (tx) => {
      const n = versionNumber(name, version)
      const current = await liveVersion(tx, name, n).select('current_stage').executeTakeFirst()
      if (!current) throw notFoundVersion(name, version)
      await touchVersion(tx, name, version, audit.time)
      await tx
        .updateTable('model_versions')
        .set({ current_stage: stage })
        .where('name', '=', name)
        .where('version', '=', n)
        .execute()
      await record(tx, audit, { kind: 'stage_transition', name, version: n, from: current.current_stage, to: stage })
      if (!archiveExisting || (stage !== 'Staging' && stage !== 'Production')) return
      const others = await tx
        .selectFrom('model_versions')
        .select('version')
        .where('name', '=', name)
        .where('current_stage', '=', stage)
        .where('version', '!=', n)
        .execute()
      for (const other of others) {
        await tx
          .updateTable('model_versions')
          .set({ current_stage: 'Archived', last_updated_time: audit.time })
          .where('name', '=', name)
          .where('version', '=', other.version)
          .execute()
        await record(
          tx,
          { ...audit, comment: `archived when version ${n} moved to ${stage}` },
          {
            kind: 'stage_transition',
            name,
            version: other.version,
            from: stage,
            to: 'Archived',
          },
        )
      }
    })
  }

  async latestVersions(name: string, stages?: readonly ModelVersionStage[]): Promise<StoredModelVersion[]> {
    await requireModel(this.db, name)
    let q = newestPerStage(this.db, [name])
    if (stages && stages.length > 0) q = q.where('mv.current_stage', 'in', [...stages])
    return loadVersions(this.db, await q.execute())
  }
}
