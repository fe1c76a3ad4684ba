import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sql } from 'kysely'
import { openDatabase, type SqlDatabase } from '../src/sql/open-database.js'
import { SqlAuditStore } from '../src/sql/auth/sql-audit-store.js'
import { SqlAuthStore } from '../src/sql/auth/sql-auth-store.js'
import { SqlAliasApprovalStore } from '../src/sql/registry/sql-alias-approval-store.js'
import { SqlRegistryStore } from '../src/sql/registry/sql-registry-store.js'
import { runAliasApprovalStoreConformance } from './conformance/alias-approval-store-conformance.js'
import { runAuditStoreConformance } from './conformance/audit-store-conformance.js'
import { runAuthStoreConformance } from './conformance/auth-store-conformance.js'

/** A fresh database in a file (removed on close) or in memory, with what the suites build on it. */
async function open<T>(
  where: 'file' | 'memory',
  build: (database: SqlDatabase) => T,
): Promise<T & { close(): Promise<void> }> {
  const dir = where === 'file' ? mkdtempSync(join(tmpdir(), 'keel-auth-conf-')) : undefined
  const database = await openDatabase(dir ? `sqlite:///${join(dir, 'k.db')}` : 'sqlite:///:memory:')
  return {
    ...build(database),
    close: async () => {
      await database.close()
      if (dir) rmSync(dir, { recursive: true, force: true })
    },
  }
}

for (const where of ['file', 'memory'] as const) {
  runAuthStoreConformance({
    name: `SQL auth store on SQLite (${where})`,
    newStore: () => open(where, (d) => ({ store: new SqlAuthStore(d.db, d.ops) })),
  })

  runAuditStoreConformance({
    name: `SQL audit store on SQLite (${where})`,
    newStore: () =>
      open(where, (d) => ({
        store: new SqlAuditStore(d.db),
        tamper: {
          update: () => sql`UPDATE audit_log SET actor = 'mallory'`.execute(d.db),
          delete: () => sql`DELETE FROM audit_log`.execute(d.db),
        },
      })),
  })

  runAliasApprovalStoreConformance({
    name: `SQL alias approval store on SQLite (${where})`,
    newStore: () =>
      open(where, (d) => ({
        store: new SqlAliasApprovalStore(d.db, d.ops),
        registry: new SqlRegistryStore(d.db, d.ops),
      })),
  })
}
