import { createSqlTrackingStore } from '../src/sql/tracking/sql-tracking-store.js'
import { runTrackingStoreConformance } from './conformance/tracking-store-conformance.js'
import { openFreshPostgres } from './support/postgres.js'

runTrackingStoreConformance({
  name: 'SQL store on PostgreSQL',
  newStore: async () => createSqlTrackingStore(await openFreshPostgres()),
})
