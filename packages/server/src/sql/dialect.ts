/**
 * What differs between the SQL databases keel runs on, in one place (Kysely's adapter idea).
 * Domain code never branches on the dialect; the SQL store asks this object.
 */
import { CompiledQuery, sql, type Expression, type Kysely, type RawBuilder, type SqlBool } from 'kysely'

export type DialectName = 'sqlite' | 'postgres'

/** A text column's type as written in a migration. */
export type TextType = 'text' | `varchar(${number})`
/** What Kysely's `addColumn` takes as the type of a text column. */
export type TextColumnType = TextType | RawBuilder<unknown>

/** PostgreSQL's text, compared by bytes (UTF-8 byte order is code point order, as in SQLite). */
const BYTEWISE_TEXT = sql`text COLLATE "C"`

export interface DialectOps {
  readonly name: DialectName
  /** Column type of an auto-incrementing integer primary key. */
  readonly serialType: 'integer' | 'bigserial'
  /**
   * Whether appends numbered by a serial column must hold the write lock (`beginWrite`) to commit
   * in number order. SQLite's one writer holds its lock from taking the number to the commit;
   * PostgreSQL's sequences number concurrent transactions, which may commit in another order, so a
   * reader paging by number (the audit log's `afterSeq`) could pass over one that commits late.
   */
  readonly serialOrderNeedsWriteLock: boolean
  /**
   * The column type of an integer that is not a serial key: SQLite's integer holds 64 bits, and so
   * does PostgreSQL's bigint; PostgreSQL's integer holds 32, so a number a request names (version
   * 99999999999) would fail to compare with it instead of matching nothing.
   */
  readonly integerType: 'integer' | 'bigint'
  /**
   * The column type of text (`text`, `varchar(n)` as SQLite's schema has it), compared and ordered
   * by bytes on every engine, as SQLite compares: on PostgreSQL `text COLLATE "C"` (a database's
   * own collation, often a language's, orders 'alpha' before 'Alpha-2' and can change with the
   * system's ICU). Its length is not enforced on PostgreSQL either (SQLite ignores it), so both
   * engines keep what the services' validation lets through (contracts' LIMITS): neither refuses a
   * value the other keeps.
   */
  textType(type: TextType): TextColumnType
  /** MLflow's LIKE: case-sensitive, `%` and `_` wildcards. */
  like(column: Expression<unknown>, pattern: string): RawBuilder<SqlBool>
  /** MLflow's ILIKE: case-insensitive. */
  ilike(column: Expression<unknown>, pattern: string): RawBuilder<SqlBool>
  /** Starts a transaction that holds the write lock from its first statement. */
  beginWrite(db: Kysely<unknown>): Promise<void>
  /**
   * Refreshes the planner's statistics where they are stale, cheaply (bounded sampling), so that
   * searches start from their most selective condition.
   */
  refreshStatistics(db: Kysely<unknown>): Promise<void>
  /** Makes a table refuse UPDATE and DELETE (triggers), so rows can only be appended. */
  makeAppendOnly(db: Kysely<unknown>, table: string): Promise<void>
}

/** Translates a LIKE pattern into a GLOB pattern (SQLite's case-sensitive matcher). */
export function likeToGlob(pattern: string): string {
  let out = ''
  for (const ch of pattern) {
    if (ch === '%') out += '*'
    else if (ch === '_') out += '?'
    else if (ch === '*' || ch === '?' || ch === '[') out += `[${ch}]`
    else out += ch
  }
  return out
}

/** Compiled once: every write transaction starts with it. */
const BEGIN_IMMEDIATE = CompiledQuery.raw('BEGIN IMMEDIATE')
const BEGIN = CompiledQuery.raw('BEGIN')
/**
 * PostgreSQL's writers queue on one transaction-scoped advisory lock, as SQLite's do on its write
 * lock: the stores read-then-write inside a transaction (the next version number, a param's
 * existing value, a monitor's next window), which READ COMMITTED alone would let two servers
 * interleave. Readers never take it.
 */
const WRITE_LOCK = CompiledQuery.raw(`SELECT pg_advisory_xact_lock(${0x6b65656c + 1})`)

const sqliteOps: DialectOps = {
  name: 'sqlite',
  serialType: 'integer',
  serialOrderNeedsWriteLock: false,
  integerType: 'integer',
  textType: (type) => type,
  like: (column, pattern) => sql<SqlBool>`${column} GLOB ${likeToGlob(pattern)}`,
  ilike: (column, pattern) => sql<SqlBool>`lower(${column}) LIKE lower(${pattern})`,
  beginWrite: async (db) => {
    await db.executeQuery(BEGIN_IMMEDIATE)
  },
  refreshStatistics: async (db) => {
    // Sample at most ~1000 rows per index; `optimize` analyzes only tables whose size changed a lot.
    await sql`PRAGMA analysis_limit = 1000`.execute(db)
    await sql`PRAGMA optimize`.execute(db)
  },
  makeAppendOnly: async (db, table) => {
    for (const op of ['UPDATE', 'DELETE']) {
      await sql
        .raw(
          `CREATE TRIGGER ${table}_no_${op.toLowerCase()} BEFORE ${op} ON ${table} BEGIN SELECT RAISE(ABORT, '${table} is append-only'); END`,
        )
        .execute(db)
    }
  },
}

const postgresOps: DialectOps = {
  name: 'postgres',
  serialType: 'bigserial',
  serialOrderNeedsWriteLock: true,
  integerType: 'bigint',
  textType: () => BYTEWISE_TEXT,
  like: (column, pattern) => sql<SqlBool>`${column} LIKE ${pattern}`,
  ilike: (column, pattern) => sql<SqlBool>`${column} ILIKE ${pattern}`,
  beginWrite: async (db) => {
    await db.executeQuery(BEGIN)
    await db.executeQuery(WRITE_LOCK)
  },
  // autovacuum keeps PostgreSQL's statistics current.
  refreshStatistics: async () => {},
  makeAppendOnly: async (db, table) => {
    await sql
      .raw(
        `CREATE FUNCTION ${table}_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION '${table} is append-only'; END $$`,
      )
      .execute(db)
    await sql
      .raw(
        `CREATE TRIGGER ${table}_append_only BEFORE UPDATE OR DELETE ON ${table} FOR EACH STATEMENT EXECUTE FUNCTION ${table}_append_only()`,
      )
      .execute(db)
  },
}

export function dialectOps(name: DialectName): DialectOps {
  switch (name) {
    case 'sqlite':
      return sqliteOps
    case 'postgres':
      return postgresOps
    default: {
      const never: never = name
      throw new Error(`unknown dialect ${String(never)}`)
    }
  }
}
