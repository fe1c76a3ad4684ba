/**
 * Two keel "servers" on one PostgreSQL database: two handles opened separately, each with its own
 * pool of connections, as two `keel server` processes would open the store. What SQLite's one
 * writer serialized (version numbers, window numbers, the audit sequence, alias moves) must stay
 * serialized across them.
 */
import type { SqlDatabase } from '../../src/sql/database.js'
import { openDatabase } from '../../src/sql/open-database.js'
import { freshPostgres } from './postgres.js'

export interface TwoServers {
  readonly a: SqlDatabase
  readonly b: SqlDatabase
  /** The database's URI, for another connection (a reader). */
  readonly uri: string
  /** Closes both handles and drops the database. */
  close(): Promise<void>
}

export async function openTwoServers(): Promise<TwoServers> {
  const fresh = await freshPostgres()
  const [a, b] = await Promise.all([openDatabase(fresh.uri), openDatabase(fresh.uri)])
  return {
    a,
    b,
    uri: fresh.uri,
    close: async () => {
      await Promise.all([a.close(), b.close()])
      await fresh.drop()
    },
  }
}

/** `n` calls of `fn`, alternating between the servers, all started at once. */
export function alternating<T>(servers: TwoServers, n: number, fn: (db: SqlDatabase, i: number) => Promise<T>) {
  return Promise.all(Array.from({ length: n }, (_, i) => fn(i % 2 === 0 ? servers.a : servers.b, i)))
}
