import { runSqlMonitorSuite } from './support/sql-store-suites.js'
import { openFreshSqlite } from './support/sqlite.js'

for (const where of ['file', 'memory'] as const) runSqlMonitorSuite(`SQLite (${where})`, () => openFreshSqlite(where))
