import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openDatabase } from '../src/sql/open-database.js'
import { SqlMonitorStore } from '../src/sql/monitoring/sql-monitor-store.js'
import { runMonitorStoreConformance } from './conformance/monitor-store-conformance.js'

runMonitorStoreConformance({
  name: 'SQL monitors on SQLite (file)',
  newStore: async () => {
    const dir = mkdtempSync(join(tmpdir(), 'keel-monitors-conf-'))
    const database = await openDatabase(`sqlite:///${join(dir, 'k.db')}`)
    return {
      store: new SqlMonitorStore(database.db, database.ops),
      close: async () => {
        await database.close()
        rmSync(dir, { recursive: true, force: true })
      },
    }
  },
})

runMonitorStoreConformance({
  name: 'SQL monitors on SQLite (memory)',
  newStore: async () => {
    const database = await openDatabase('sqlite:///:memory:')
    return { store: new SqlMonitorStore(database.db, database.ops), close: () => database.close() }
  },
})
