import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openDatabase } from '../src/sql/open-database.js'
import { createSqlTrackingStore } from '../src/sql/tracking/sql-tracking-store.js'
import { runTrackingStoreConformance } from './conformance/tracking-store-conformance.js'

runTrackingStoreConformance({
  name: 'SQL store on SQLite (file)',
  newStore: async () =>
    createSqlTrackingStore(await openDatabase(`sqlite:///${join(mkdtempSync(join(tmpdir(), 'keel-conf-')), 'k.db')}`)),
})

runTrackingStoreConformance({
  name: 'SQL store on SQLite (memory)',
  newStore: async () => createSqlTrackingStore(await openDatabase('sqlite:///:memory:')),
})
