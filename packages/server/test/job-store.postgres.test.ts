import { SqlJobStore } from '../src/sql/queue/sql-job-store.js'
import { runJobStoreConformance } from './conformance/job-store-conformance.js'
import { openFreshPostgres } from './support/postgres.js'

runJobStoreConformance({
  name: 'SQL jobs on PostgreSQL',
  newStore: async () => {
    const database = await openFreshPostgres()
    return { store: new SqlJobStore(database.db, database.ops), close: () => database.close() }
  },
})
