/**
 * What differs between the SQL databases keel runs on, in one place (Kysely's adapter idea).
 * Domain code never branches on the dialect; the SQL store asks this object.
 */
import { CompiledQuery, sql, type Expression, type Kysely, type RawBuilder, type SqlBool } from 'kysely'

export type DialectName = 'sqlite' | 'postgres'

/** What a write transaction touches, when less than anything (see `beginWrite`). */
export type WriteScope = 'run' | 'audit'

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
   * Whether a text column can hold U+0000. SQLite's can; PostgreSQL refuses the character in text,
   * so what must be stored whatever it holds (the audit log's request path) replaces it there.
   */
  readonly textHoldsNul: boolean
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
  /** MLflow's ILIKE: case-insensitive (ASCII letters only, as SQLite's lower() folds them). */
  ilike(column: Expression<unknown>, pattern: string): RawBuilder<SqlBool>
  /**
   * A number bound where it is compared with an integer or double column. PostgreSQL types a
   * parameter by its column, so a fraction (or an integer past 2^53) compared with a bigint column
   * is sent as double precision, and compares as SQLite compares an integer with a real. SQLite
   * takes the number as it is.
   */
  numberParam(value: number): unknown
  /** What `LIMIT` takes for no limit: SQLite's -1, PostgreSQL's NULL. */
  readonly noLimit: number | null
  /**
   * The JSON array (as text) of one array of `elements` per row of an aggregate, in `orderBy` order,
   * '[]' when there is no row: SQLite's json_group_array, PostgreSQL's json_agg. ±Infinity, which
   * JSON cannot write, comes back as the number 9e999 from SQLite and as the string "Infinity" from
   * PostgreSQL.
   */
  jsonArrayAgg(elements: readonly Expression<unknown>[], orderBy: Expression<unknown>): RawBuilder<string>
  /**
   * Starts a transaction that holds the write lock from its first statement. `scope` 'run' is a
   * write confined to one run's rows (its params, tags, metrics, latest metrics, model outputs):
   * on PostgreSQL it takes the write lock in shared mode, so writers to different runs commit side
   * by side, and must then lock its run's row (`rowLocks`) before it reads anything of the run.
   * Every other write takes it exclusive, and so waits for them (and they for it). `scope` 'audit'
   * is an append to the audit log alone: on PostgreSQL it takes a lock of its own, which orders the
   * appends' numbers by commit among themselves and waits for no other write. SQLite has one
   * writer whatever the scope.
   */
  beginWrite(db: Kysely<unknown>, scope?: WriteScope): Promise<void>
  /**
   * Whether a run-scoped write (`beginWrite(db, 'run')`) locks its run's row as it checks the run
   * (PostgreSQL's `SELECT ... FOR NO KEY UPDATE`): that lock, not the write lock, serialises the
   * writers of one run. SQLite's one writer needs none (and its SQL has no row locks).
   */
  readonly rowLocks: boolean
  /**
   * Whether a parameter binds an array (PostgreSQL's `unnest($1::text[], ...)`), so a batch of
   * rows goes in one statement whatever its size: parsed and planned once instead of once per
   * chunk of a multi-row VALUES list. SQLite binds scalars only.
   */
  readonly arrayParams: boolean
  /**
   * Whether the planner reorders joins by its estimates, a CROSS JOIN as well (PostgreSQL). SQLite
   * loops over a CROSS JOIN's tables in the order written, which the run search uses to walk an
   * index in the page's order.
   */
  readonly reordersJoins: boolean
  /**
   * Whether an insert that conflicts with a unique key costs much more when it tolerates the
   * conflict (`ON CONFLICT DO NOTHING`) than when it does not. PostgreSQL's tolerant insert
   * inserts each row speculatively (a second WAL record per row, ~3 ms of 12 for 1,000 metric
   * points); the metric writes then try the plain insert under a savepoint and fall back to the
   * tolerant one only when a point is already there. SQLite's OR IGNORE is a lookup it does anyway.
   */
  readonly tolerantInsertIsCostly: boolean
  /**
   * Refreshes the planner's statistics where they are stale, cheaply (bounded sampling), so that
   * searches start from their most selective condition.
   */
  refreshStatistics(db: Kysely<unknown>): Promise<void>
  /** Makes a table refuse UPDATE and DELETE (triggers), so rows can only be appended. */
  makeAppendOnly(db: Kysely<unknown>, table: string): Promise<void>
  /** keel's tables (not the migrator's), each with the tables its foreign keys reference. */
  tables(db: Kysely<unknown>): Promise<{ name: string; references: string[] }[]>
  /** Moves each auto-increment counter past the largest id its table holds (after a bulk copy). */
  resetSerials(db: Kysely<unknown>): Promise<void>
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

const escapeBackslashes = (pattern: string): string => pattern.replaceAll('\\', '\\\\')

/** Compiled once: every write transaction starts with it. */
const BEGIN_IMMEDIATE = CompiledQuery.raw('BEGIN IMMEDIATE')
const ANALYZE = CompiledQuery.raw('ANALYZE')
/**
 * PostgreSQL's writers queue on one transaction-scoped advisory lock, as SQLite's do on its write
 * lock: the stores read-then-write inside a transaction (the next version number, a param's
 * existing value, a monitor's next window), which READ COMMITTED alone would let two servers
 * interleave. Readers never take it.
 */
const WRITE_LOCK_KEY = 0x6b65656c + 1
/**
 * Each is sent with its BEGIN as one simple query (no parameters): one round trip to start a write
 * instead of two, on every write request.
 */
const beginWith = (lock: string) => CompiledQuery.raw(`BEGIN; ${lock}`)
const WRITE_LOCK = beginWith(`SELECT pg_advisory_xact_lock(${WRITE_LOCK_KEY})`)
/**
 * The same lock in shared mode, for writes confined to one run (`beginWrite(db, 'run')`): they
 * don't exclude each other, only the exclusive writers (a run's creation, an experiment's deletion
 * that marks its runs deleted, the registry, the audit log...), which wait until every shared
 * holder has committed and hold new ones off until they commit. Writers of one run serialise on
 * that run's row lock instead (sql/tracking/sql-run-store.ts says why each such write stays
 * correct). Locks are taken in one order (this lock, then the run's row), so they cannot deadlock.
 */
const RUN_WRITE_LOCK = beginWith(`SELECT pg_advisory_xact_lock_shared(${WRITE_LOCK_KEY})`)
/**
 * The audit log's appends (`beginWrite(db, 'audit')`) queue on a lock of their own: each takes its
 * sequence number and commits before the next takes one, so a reader paging by number never passes
 * over a record that commits late. They read and write nothing else, so they need not wait for
 * (nor hold off) the other writers: every request's record no longer queues behind the writes of
 * every replica.
 */
const AUDIT_WRITE_LOCK = beginWith(`SELECT pg_advisory_xact_lock(${WRITE_LOCK_KEY + 1})`)

const sqliteOps: DialectOps = {
  name: 'sqlite',
  serialType: 'integer',
  serialOrderNeedsWriteLock: false,
  integerType: 'integer',
  textHoldsNul: true,
  textType: (type) => type,
  like: (column, pattern) => sql<SqlBool>`${column} GLOB ${likeToGlob(pattern)}`,
  ilike: (column, pattern) => sql<SqlBool>`lower(${column}) LIKE lower(${pattern})`,
  numberParam: (value) => value,
  noLimit: -1,
  jsonArrayAgg: (elements, orderBy) =>
    sql<string>`json_group_array(json_array(${sql.join(elements)}) ORDER BY ${orderBy})`,
  beginWrite: async (db) => {
    await db.executeQuery(BEGIN_IMMEDIATE)
  },
  rowLocks: false,
  arrayParams: false,
  reordersJoins: false,
  tolerantInsertIsCostly: false,
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
  tables: async (db) => {
    const { rows } = await sql<{ name: string }>`SELECT name FROM sqlite_master
      WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'kysely_%' ORDER BY name`.execute(db)
    const out = []
    for (const { name } of rows) {
      const fks = await sql<{ table: string }>`SELECT "table" FROM pragma_foreign_key_list(${name})`.execute(db)
      out.push({ name, references: [...new Set(fks.rows.map((r) => r.table))] })
    }
    return out
  },
  // AUTOINCREMENT counters follow the largest id inserted.
  resetSerials: async () => {},
}

const postgresOps: DialectOps = {
  name: 'postgres',
  serialType: 'bigserial',
  serialOrderNeedsWriteLock: true,
  integerType: 'bigint',
  textHoldsNul: false,
  textType: () => BYTEWISE_TEXT,
  // Text columns collate "C" (textType), so LIKE compares bytes as GLOB does, ILIKE folds ASCII
  // letters only as SQLite's lower() does, and a prefix pattern can use a (key, value) index. A
  // backslash is PostgreSQL's escape character in LIKE: doubled, it matches itself, as in MLflow's.
  like: (column, pattern) => sql<SqlBool>`${column} LIKE ${escapeBackslashes(pattern)}`,
  ilike: (column, pattern) => sql<SqlBool>`${column} ILIKE ${escapeBackslashes(pattern)}`,
  numberParam: (value) => (Number.isSafeInteger(value) ? value : sql`${value}::float8`),
  noLimit: null,
  jsonArrayAgg: (elements, orderBy) =>
    sql<string>`coalesce(json_agg(json_build_array(${sql.join(elements)}) ORDER BY ${orderBy})::text, '[]')`,
  beginWrite: async (db, scope) => {
    await db.executeQuery(scope === 'run' ? RUN_WRITE_LOCK : scope === 'audit' ? AUDIT_WRITE_LOCK : WRITE_LOCK)
  },
  rowLocks: true,
  arrayParams: true,
  reordersJoins: true,
  tolerantInsertIsCostly: true,
  // autovacuum analyzes a table once a tenth of it changed, a minute or more later; until then the
  // planner takes a freshly filled table for empty and joins runs by nested scans (a metric-ordered
  // search of 2,000 just-logged runs took 0.5 s instead of a few ms). ANALYZE samples a bounded
  // number of rows per table (default_statistics_target), so it stays cheap as the data grows.
  refreshStatistics: async (db) => {
    await db.executeQuery(ANALYZE)
  },
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
  tables: async (db) => {
    const { rows } = await sql<{ name: string }>`SELECT table_name AS name FROM information_schema.tables
      WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' AND table_name NOT LIKE 'kysely_%'
      ORDER BY table_name`.execute(db)
    const fks = await sql<{ name: string; ref: string }>`SELECT child.relname AS name, parent.relname AS ref
      FROM pg_constraint c JOIN pg_class child ON child.oid = c.conrelid JOIN pg_class parent ON parent.oid = c.confrelid
      WHERE c.contype = 'f' AND child.relnamespace = current_schema()::regnamespace`.execute(db)
    return rows.map(({ name }) => ({
      name,
      references: [...new Set(fks.rows.filter((f) => f.name === name).map((f) => f.ref))],
    }))
  },
  resetSerials: async (db) => {
    const { rows } = await sql<{ table: string; column: string }>`SELECT table_name AS "table", column_name AS "column"
      FROM information_schema.columns
      WHERE table_schema = current_schema() AND column_default LIKE 'nextval(%'`.execute(db)
    for (const { table, column } of rows) {
      await sql`SELECT setval(pg_get_serial_sequence(${table}, ${column}),
        COALESCE((SELECT max(${sql.ref(column)}) FROM ${sql.table(table)}), 0) + 1, false)`.execute(db)
    }
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
