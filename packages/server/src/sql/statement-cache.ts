/**
 * Prepared statements reused across queries. Kysely's SQLite driver prepares every query it runs;
 * preparing is a large share of a small write's cost, and the same few SQL texts repeat (a
 * log-metric is always the same statements), so keeping them prepared pays off.
 */
import type { Database as BetterSqlite } from 'better-sqlite3'
import type { SqliteDatabase, SqliteStatement } from 'kysely'

export function withStatementCache(db: BetterSqlite, capacity = 500): SqliteDatabase {
  const cache = new Map<string, SqliteStatement>()
  return {
    close: () => db.close(),
    prepare(sql: string): SqliteStatement {
      const hit = cache.get(sql)
      if (hit) {
        // Refresh its place in the LRU order.
        cache.delete(sql)
        cache.set(sql, hit)
        return hit
      }
      const statement = db.prepare(sql) as unknown as SqliteStatement
      cache.set(sql, statement)
      if (cache.size > capacity) cache.delete(cache.keys().next().value!)
      return statement
    },
  }
}
