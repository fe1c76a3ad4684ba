import { openFreshPostgres } from './support/postgres.js'
import { runSqlTraceSuite } from './support/sql-store-suites.js'

runSqlTraceSuite('PostgreSQL', openFreshPostgres)
