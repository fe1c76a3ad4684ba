/**
 * Reads a CSV or Parquet file into columns with DuckDB: numeric columns into Float64Arrays (NaN
 * for null), booleans and everything else (strings, dates) into plain arrays of cells, or, with
 * `dictionaries: true`, into dictionary columns (`{ codes, dictionary }`, @keel/monitoring's
 * `DictionaryColumn`). The file's declared types tell the report which columns are floating point
 * (always numerical, as pandas' float64); integer columns are left to Evidently's rule (few
 * distinct values make them categorical). A CSV text column made only of numbers, inf and nan is
 * read as numbers (pandas' behaviour).
 *
 * Speed: DuckDB does the parsing (its own threads, parallel CSV, only the requested columns) and
 * hands every column over as DOUBLE without nulls, so each chunk is copied a vector at a time
 * (table-reader-columns.ts): numbers as they are, categorical columns as a hash per row that
 * becomes a code into the column's dictionary (its distinct values, read on a second connection
 * while the rows stream in).
 */
import { availableParallelism } from 'node:os'
import { stat } from 'node:fs/promises'
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api'
import { KeelError } from '@keel/contracts'
import {
  type DictionaryColumn,
  type DriftTable,
  type FeatureType,
  type RawValue,
  type Table,
  expandDictionary,
} from '@keel/monitoring'
import {
  CodeTable,
  copyDoubles,
  type Growing,
  growingFloat64,
  growingInt32,
  numericText,
} from './table-reader-columns.js'

export type TableFormat = 'csv' | 'parquet'

export interface ReadTableOptions {
  /** read only these columns (those the file has) */
  readonly columns?: readonly string[]
  /** the format when the file name does not tell (default: from the extension) */
  readonly format?: TableFormat
  /** called after each chunk with the rows read so far */
  readonly onProgress?: (rows: number) => void
  /** how the file is named in errors (default: its path) */
  readonly label?: string
  /** categorical columns as `{ codes, dictionary }` rather than arrays of cells (default false) */
  readonly dictionaries?: boolean
}

export interface ReadTableResult<T extends DriftTable = Table> {
  readonly table: T
  readonly rows: number
  /** DuckDB's type of each column, e.g. BIGINT, DOUBLE, VARCHAR */
  readonly sqlTypes: Readonly<Record<string, string>>
  /** floating-point columns are numerical whatever their values (pandas' float64) */
  readonly featureTypes: Readonly<Record<string, FeatureType>>
}

// whole types only: a list or array of numbers (BIGINT[], DOUBLE[3]) is read as text
const NUMERIC =
  /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|DOUBLE|REAL|DECIMAL(\(\d+,\s*\d+\))?)$/i
const FLOATING = /^(FLOAT|DOUBLE|REAL|DECIMAL(\(\d+,\s*\d+\))?)$/i

/** csv or parquet from the file name; undefined when the name does not say. */
export function formatOf(path: string): TableFormat | undefined {
  const name = path.toLowerCase().replace(/\.(gz|zst)$/, '')
  if (/\.(parquet|pq)$/.test(name)) return 'parquet'
  if (/\.(csv|tsv|txt)$/.test(name)) return 'csv'
  return undefined
}

const quoteString = (s: string) => `'${s.replace(/'/g, "''")}'`
const quoteIdent = (s: string) => `"${s.replace(/"/g, '""')}"`

function unreadable(label: string, why: string): KeelError {
  return KeelError.invalid(`Cannot read '${label}': ${why}`)
}

/** Reads `path` (CSV or Parquet) into columns. Throws INVALID_PARAMETER_VALUE naming the file. */
export function readTable(
  path: string,
  options: ReadTableOptions & { readonly dictionaries: true },
): Promise<ReadTableResult<DriftTable>>
export function readTable(
  path: string,
  options?: ReadTableOptions & { readonly dictionaries?: false },
): Promise<ReadTableResult>
export async function readTable(path: string, options: ReadTableOptions = {}): Promise<ReadTableResult<DriftTable>> {
  const label = options.label ?? path
  const info = await stat(path).catch(() => undefined)
  if (!info) throw unreadable(label, 'no such file')
  if (!info.isFile()) throw unreadable(label, 'not a file')
  const format = options.format ?? formatOf(path)
  if (!format) throw unreadable(label, 'unknown format: name it .csv, .tsv or .parquet')
  if (info.size === 0) throw unreadable(label, 'the file is empty')
  const source = format === 'parquet' ? `read_parquet(${quoteString(path)})` : `read_csv(${quoteString(path)})`

  const threads = String(Math.max(1, Math.min(availableParallelism(), 8)))
  const instance = await DuckDBInstance.create(':memory:', { threads })
  try {
    const connection = await instance.connect()
    try {
      return await readColumns(instance, connection, source, format, options)
    } finally {
      connection.closeSync()
    }
  } catch (error) {
    if (error instanceof KeelError) throw error
    throw unreadable(label, (error as Error).message.split('\n')[0]!.slice(0, 300))
  } finally {
    instance.closeSync()
  }
}

type Kind = 'number' | 'boolean' | 'text'

interface Column {
  readonly name: string
  readonly type: string
  readonly kind: Kind
}

/** The SQL that hands a column over as DOUBLE without nulls (see the file header). */
function doubleOf(c: Column): string {
  const q = quoteIdent(c.name)
  if (c.kind === 'number') return `COALESCE(CAST(${q} AS DOUBLE), 'NaN'::DOUBLE)`
  if (c.kind === 'boolean') return `CASE WHEN ${q} IS NULL THEN -1 WHEN ${q} THEN 1 ELSE 0 END::DOUBLE`
  return `CASE WHEN ${q} IS NULL THEN -1 ELSE ${hashOf(textOf(c))} END`
}

/** Tuning for tests: a larger shift leaves fewer hash bits, so values share hashes. */
export const readerTuning = { hashShift: 11 }

/** A text's hash as an exact DOUBLE (53 bits of DuckDB's 64-bit hash). */
function hashOf(text: string): string {
  return `(hash(${text}) >> ${readerTuning.hashShift})::DOUBLE`
}

/** A categorical column's cells as text (VARCHAR columns as they are). */
function textOf(c: Column): string {
  return /^VARCHAR$/i.test(c.type) ? quoteIdent(c.name) : `CAST(${quoteIdent(c.name)} AS VARCHAR)`
}

const BOOLEAN_DICTIONARY: readonly boolean[] = [false, true]

async function readColumns(
  instance: DuckDBInstance,
  connection: DuckDBConnection,
  source: string,
  format: TableFormat,
  options: ReadTableOptions,
): Promise<ReadTableResult<DriftTable>> {
  const described = await connection.runAndReadAll(`DESCRIBE SELECT * FROM ${source}`)
  let schema: Column[] = described.getRowObjectsJS().map((r) => {
    const type = String(r.column_type)
    return {
      name: String(r.column_name),
      type,
      kind: NUMERIC.test(type) ? 'number' : /^BOOLEAN$/i.test(type) ? 'boolean' : 'text',
    }
  })
  if (options.columns) {
    const wanted = new Set(options.columns)
    schema = schema.filter((c) => wanted.has(c.name))
  }
  const sqlTypes: Record<string, string> = {}
  const featureTypes: Record<string, FeatureType> = {}
  for (const c of schema) {
    sqlTypes[c.name] = c.type
    if (FLOATING.test(c.type)) featureTypes[c.name] = 'num'
  }
  if (schema.length === 0) return { table: {}, rows: 0, sqlTypes, featureTypes }

  const texts = schema.filter((c) => c.kind === 'text')
  // Parquet says how many rows it has without reading them; a CSV file is parsed by both passes
  // (measured: parsing it once into a table costs more than parsing it twice, in parallel)
  const expected = format === 'parquet' ? await countRows(connection, source) : undefined
  // the dictionaries are read on a second connection while the data pass runs on this one
  const side = texts.length > 0 ? await instance.connect() : undefined
  let data: { columns: Map<string, Growing<Float64Array>>; rows: number }
  let dictionaries: Map<string, Dictionary>
  try {
    const pending = side
      ? readDictionaries(side, source, texts, options.dictionaries === true)
      : Promise.resolve(new Map<string, Dictionary>())
    const settled = await Promise.allSettled([
      readDoubles(connection, source, schema, expected, options.onProgress),
      pending,
    ])
    for (const s of settled) if (s.status === 'rejected') throw s.reason
    data = (settled[0] as PromiseFulfilledResult<typeof data>).value
    dictionaries = (settled[1] as PromiseFulfilledResult<typeof dictionaries>).value
  } finally {
    side?.closeSync()
  }

  const booleans = CodeTable.build([0, 1])!
  const collided: Column[] = []
  const coded = new Map<string, DictionaryColumn>()
  for (const c of schema) {
    if (c.kind === 'number') continue
    const dictionary = c.kind === 'boolean' ? undefined : dictionaries.get(c.name)!
    const codeTable = dictionary ? CodeTable.build(dictionary.hashes) : booleans
    // two values of one column with one hash (astronomically rare with 53 bits): read it as text
    if (!codeTable) {
      collided.push(c)
      continue
    }
    // in shared memory, as the numbers: the drift workers read the codes without a copy
    const codes = new Int32Array(new SharedArrayBuffer(data.rows * 4))
    codeTable.encode(data.columns.get(c.name)!.view(), codes, 0)
    coded.set(c.name, { codes, dictionary: dictionary?.values ?? BOOLEAN_DICTIONARY })
  }
  if (collided.length > 0)
    for (const [name, column] of await readAsText(connection, source, collided, data.rows)) coded.set(name, column)

  const table: Record<string, Float64Array | RawValue[] | DictionaryColumn> = {}
  for (const c of schema) {
    const column = coded.get(c.name)
    if (!column) {
      table[c.name] = data.columns.get(c.name)!.view()
      continue
    }
    const asNumbers = c.kind === 'text' && format === 'csv' ? numericText(column) : undefined
    if (asNumbers) featureTypes[c.name] = 'num'
    table[c.name] = asNumbers ?? (options.dictionaries ? column : expandDictionary(column))
  }
  return { table, rows: data.rows, sqlTypes, featureTypes }
}

/**
 * The data pass: every column as DOUBLE without nulls (`doubleOf`), a whole vector at a time.
 * A streamed result that fails midway can end as if complete (@duckdb/node-api 1.5 gives no error
 * for it), so the rows are streamed only when their number is known and checked against it;
 * otherwise the result is materialised first, which raises DuckDB's errors.
 */
async function readDoubles(
  connection: DuckDBConnection,
  from: string,
  schema: readonly Column[],
  expected: number | undefined,
  onProgress: ((rows: number) => void) | undefined,
): Promise<{ columns: Map<string, Growing<Float64Array>>; rows: number }> {
  const sql = `SELECT ${schema.map(doubleOf).join(', ')} FROM ${from}`
  const materialized = expected === undefined ? await connection.run(sql) : undefined
  const result = materialized ?? (await connection.stream(sql))
  const columns = new Map(schema.map((c) => [c.name, growingFloat64(materialized?.rowCount ?? expected ?? 0)]))
  const targets = [...columns.values()]
  let rows = 0
  for (;;) {
    const chunk = await result.fetchChunk()
    if (!chunk || chunk.rowCount === 0) break
    const n = chunk.rowCount
    targets.forEach((target, i) => {
      copyDoubles(chunk.getColumnVector(i), target.reserve(n), target.length)
      target.length += n
    })
    rows += n
    onProgress?.(rows)
  }
  if (expected !== undefined && rows !== expected) await failedStream(connection, sql, rows, expected)
  return { columns, rows }
}

/** A stream that ended early: DuckDB's error, from the query run again materialised. */
async function failedStream(connection: DuckDBConnection, sql: string, rows: number, expected: number): Promise<never> {
  await connection.run(`SELECT count(*) FROM (${sql})`)
  throw new Error(`DuckDB returned ${rows} of ${expected} rows`)
}

async function countRows(connection: DuckDBConnection, from: string): Promise<number> {
  const counted = await connection.runAndReadAll(`SELECT count(*)::DOUBLE FROM ${from}`)
  return Number(counted.getRowsJS()[0]?.[0] ?? 0)
}

interface Dictionary {
  /** the distinct values as text (sorted when `sorted`) */
  readonly values: string[]
  /** each value's hash, as the data pass computes it */
  readonly hashes: number[]
}

/**
 * The distinct values of the text columns and their hashes, in one pass. DuckDB gives them in no
 * particular order; `sorted` sorts them (by UTF-16 code units) so dictionary columns come out the
 * same on every read, which arrays of cells do not need.
 */
async function readDictionaries(
  connection: DuckDBConnection,
  from: string,
  texts: readonly Column[],
  sorted: boolean,
): Promise<Map<string, Dictionary>> {
  const out = new Map<string, Dictionary>()
  if (texts.length === 0) return out
  const lists = texts.map((c, i) => {
    const text = textOf(c)
    return `list(DISTINCT ${text}) FILTER (WHERE ${text} IS NOT NULL) AS l${i}`
  })
  const hashed = texts.map((_, i) => `l${i}, list_transform(l${i}, x -> ${hashOf('x')})`)
  const result = await connection.runAndReadAll(
    `SELECT ${hashed.join(', ')} FROM (SELECT ${lists.join(', ')} FROM ${from})`,
  )
  const row = result.getRowsJS()[0] ?? []
  texts.forEach((c, i) => {
    const values = (row[2 * i] ?? []) as string[]
    const hashes = (row[2 * i + 1] ?? []) as number[]
    if (sorted) {
      const order = values
        .map((_, k) => k)
        .sort((a, b) => (values[a]! < values[b]! ? -1 : values[a]! > values[b]! ? 1 : 0))
      out.set(c.name, { values: order.map((k) => values[k]!), hashes: order.map((k) => hashes[k]!) })
    } else out.set(c.name, { values, hashes })
  })
  return out
}

/** The slow path: columns read as text, value by value, into dictionary columns. */
async function readAsText(
  connection: DuckDBConnection,
  from: string,
  columns: readonly Column[],
  expected: number,
): Promise<Map<string, DictionaryColumn>> {
  const sql = `SELECT ${columns.map((c) => (c.kind === 'boolean' ? quoteIdent(c.name) : textOf(c))).join(', ')} FROM ${from}`
  const result = await connection.stream(sql)
  const codes = columns.map(() => growingInt32(1 << 14))
  const seen = columns.map(() => new Map<RawValue, number>())
  for (;;) {
    const chunk = await result.fetchChunk()
    if (!chunk || chunk.rowCount === 0) break
    const n = chunk.rowCount
    columns.forEach((_, c) => {
      const vector = chunk.getColumnVector(c)
      const out = codes[c]!
      const target = out.reserve(n)
      const dictionary = seen[c]!
      for (let i = 0; i < n; i++) {
        const v = vector.getItem(i) as RawValue
        let code = -1
        if (v !== null && v !== undefined) {
          code = dictionary.get(v) ?? dictionary.size
          if (code === dictionary.size) dictionary.set(v, code)
        }
        target[out.length + i] = code
      }
      out.length += n
    })
  }
  if (codes[0]!.length !== expected) await failedStream(connection, sql, codes[0]!.length, expected)
  return new Map(columns.map((c, i) => [c.name, { codes: codes[i]!.view(), dictionary: [...seen[i]!.keys()] }]))
}
