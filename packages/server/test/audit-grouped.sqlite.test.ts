import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import { openDatabase } from '../src/sql/open-database.js'
import { runAuditGroupingSuite } from './support/audit-grouping-suite.js'

runAuditGroupingSuite('SQLite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'keel-audit-group-'))
  const file = join(dir, 'k.db')
  const database = await openDatabase(`sqlite:///${file}`)
  // Another connection sees only committed rows; better-sqlite3 reads synchronously, as the append resolves.
  const reader = new BetterSqlite3(file, { readonly: true })
  const count = reader.prepare('SELECT count(*) AS n FROM audit_log WHERE request_id = ?')
  return {
    database,
    committed: (requestId) => (count.get(requestId) as { n: number }).n === 1,
    close: async () => {
      reader.close()
      await database.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
})
