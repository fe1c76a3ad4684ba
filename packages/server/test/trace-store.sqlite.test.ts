import { runSqlTraceSuite } from './support/sql-store-suites.js'
import { openFreshSqlite } from './support/sqlite.js'

for (const where of ['file', 'memory'] as const) runSqlTraceSuite(`SQLite (${where})`, () => openFreshSqlite(where))
