import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openDatabase } from '../src/sql/open-database.js'
import { SqlRegistryStore } from '../src/sql/registry/sql-registry-store.js'
import { runRegistryStoreConformance } from './conformance/registry-store-conformance.js'

runRegistryStoreConformance({
  name: 'SQL registry store on SQLite (file)',
  newStore: async () => {
    const dir = mkdtempSync(join(tmpdir(), 'keel-registry-conf-'))
    const database = await openDatabase(`sqlite:///${join(dir, 'k.db')}`)
    return {
      store: new SqlRegistryStore(database.db, database.ops),
      close: async () => {
        await database.close()
        rmSync(dir, { recursive: true, force: true })
      },
    }
  },
})

runRegistryStoreConformance({
  name: 'SQL registry store on SQLite (memory)',
  newStore: async () => {
    const database = await openDatabase('sqlite:///:memory:')
    return { store: new SqlRegistryStore(database.db, database.ops), close: () => database.close() }
  },
})
