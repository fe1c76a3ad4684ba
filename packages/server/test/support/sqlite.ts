/**
 * Fresh SQLite databases for the SQL stores' suites, opened as keel opens them: in a file of a
 * temporary folder (removed on close) or in memory.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { SqlDatabase } from '../../src/sql/database.js'
import { openDatabase } from '../../src/sql/open-database.js'

export type SqliteWhere = 'file' | 'memory'

export async function openFreshSqlite(where: SqliteWhere): Promise<SqlDatabase> {
  if (where === 'memory') return openDatabase('sqlite:///:memory:')
  const dir = mkdtempSync(join(tmpdir(), 'keel-sql-conf-'))
  const database = await openDatabase(`sqlite:///${join(dir, 'k.db')}`)
  return {
    ...database,
    close: async () => {
      await database.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
