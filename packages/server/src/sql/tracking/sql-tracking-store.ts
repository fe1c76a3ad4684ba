import { sql } from 'kysely'
import type { TrackingStore } from '../../tracking/tracking-store.js'
import type { SqlDatabase } from '../open-database.js'
import { SqlExperimentStore } from './sql-experiment-store.js'
import { SqlLoggedModelStore } from './sql-logged-model-store.js'
import { SqlRunStore } from './sql-run-store.js'

/** The tracking store over SQL (SQLite now; the same queries serve PostgreSQL). */
export function createSqlTrackingStore(database: SqlDatabase): TrackingStore {
  const { db, ops } = database
  return {
    kind: 'SqlStore',
    experiments: new SqlExperimentStore(db, ops),
    runs: new SqlRunStore(db, ops),
    loggedModels: new SqlLoggedModelStore(db, ops),
    async ensureDefaultExperiment(artifactLocation: string) {
      const now = Date.now()
      await sql`INSERT INTO experiments (experiment_id, name, artifact_location, lifecycle_stage, creation_time, last_update_time)
        VALUES (0, 'Default', ${artifactLocation}, 'active', ${now}, ${now})
        ON CONFLICT DO NOTHING`.execute(db)
    },
    close: () => database.close(),
  }
}
