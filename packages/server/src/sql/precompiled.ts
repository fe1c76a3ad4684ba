/**
 * Queries built with Kysely once and executed many times with new parameters. Building and
 * compiling a query costs tens of microseconds, as much as SQLite takes to run a small one, so the
 * statements of the hottest paths (one metric logged) are compiled once per dialect. The SQL still
 * comes from the query builder, so it stays correct for every dialect.
 */
import { CompiledQuery, type Compilable, type Kysely, type QueryResult } from 'kysely'
import type { Database } from './database.js'

/** Stands for the i-th argument while the query is compiled. */
class Slot {
  constructor(readonly index: number) {}
}

interface Compiled {
  readonly query: CompiledQuery
  /** For each compiled parameter, the argument it binds, or -1 for a constant of the query. */
  readonly bindings: readonly number[]
}

export type PrecompiledQuery<Args extends readonly unknown[], Row> = (
  db: Kysely<Database>,
  ...args: Args
) => Promise<QueryResult<Row>>

/**
 * `build` receives a query builder and one placeholder per argument, used where values go; each
 * call then runs the compiled SQL with the arguments bound in their places.
 */
export function precompile<Args extends readonly unknown[], Row = unknown>(
  arity: Args['length'],
  // biome-ignore lint/suspicious/noExplicitAny: a slot stands for a value of whatever type its place in the query takes
  build: (db: Kysely<Database>, ...slots: any[]) => Compilable,
): PrecompiledQuery<Args, Row> {
  // One compilation per dialect (its adapter class), so SQLite and PostgreSQL stores can coexist.
  const byDialect = new WeakMap<object, Compiled>()
  return (db, ...args) => {
    const dialect = db.getExecutor().adapter.constructor
    let compiled = byDialect.get(dialect)
    if (!compiled) {
      const query = build(db, ...Array.from({ length: arity }, (_, i) => new Slot(i))).compile()
      compiled = { query, bindings: query.parameters.map((p) => (p instanceof Slot ? p.index : -1)) }
      byDialect.set(dialect, compiled)
    }
    const { query, bindings } = compiled
    const parameters = bindings.map((slot, i) => (slot >= 0 ? args[slot] : query.parameters[i]))
    return db.executeQuery<Row>(CompiledQuery.raw(query.sql, parameters))
  }
}
