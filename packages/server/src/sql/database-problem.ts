/** Readiness of the backend store: one trivial query, or what went wrong in a few words. */
import { CompiledQuery } from 'kysely'
import type { SqlDatabase } from './database.js'

const PING = CompiledQuery.raw('SELECT 1')

export async function databaseProblem(database: SqlDatabase): Promise<string | undefined> {
  try {
    await database.db.executeQuery(PING)
    return undefined
  } catch (err) {
    return `the backend store (${database.description}): ${err instanceof Error ? err.message : String(err)}`
  }
}
