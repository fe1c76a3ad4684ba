import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openDatabase } from '../src/sql/open-database.js'
import { SqlJobStore } from '../src/sql/queue/sql-job-store.js'
import { runJobStoreConformance } from './conformance/job-store-conformance.js'

runJobStoreConformance({
  name: 'SQL jobs on SQLite (file)',
  newStore: async () => {
    const dir = mkdtempSync(join(tmpdir(), 'keel-jobs-conf-'))
    const database = await openDatabase(`sqlite:///${join(dir, 'k.db')}`)
    return {
      store: new SqlJobStore(database.db, database.ops),
      close: async () => {
        await database.close()
        rmSync(dir, { recursive: true, force: true })
      },
    }
  },
})

runJobStoreConformance({
  name: 'SQL jobs on SQLite (memory)',
  newStore: async () => {
    const database = await openDatabase('sqlite:///:memory:')
    return { store: new SqlJobStore(database.db, database.ops), close: () => database.close() }
  },
})
