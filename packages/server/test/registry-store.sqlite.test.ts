import { runSqlRegistrySuites } from './support/sql-store-suites.js'
import { openFreshSqlite } from './support/sqlite.js'

for (const where of ['file', 'memory'] as const) runSqlRegistrySuites(`SQLite (${where})`, () => openFreshSqlite(where))
