/**
 * Reads a CSV or Parquet file into columns with DuckDB: numeric columns into Float64Arrays (NaN
 * for null), booleans and everything else (strings, dates) into plain arrays. The file's declared
 * types tell the report which columns are floating point (always numerical, as pandas' float64);
 * integer columns are left to Evidently's rule (few distinct values make them categorical).
 */
import { stat } from 'node:fs/promises'
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api'
import { KeelError } from '@keel/contracts'
import type { FeatureType, RawValue, Table } from '@keel/monitoring'

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
}

export interface ReadTableResult {
  readonly table: Table
  readonly rows: number
  /** DuckDB's type of each column, e.g. BIGINT, DOUBLE, VARCHAR */
  readonly sqlTypes: Readonly<Record<string, string>>
  /** floating-point columns are numerical whatever their values (pandas' float64) */
  readonly featureTypes: Readonly<Record<string, FeatureType>>
}

const NUMERIC = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|DOUBLE|REAL|DECIMAL)\b/i
const FLOATING = /^(FLOAT|DOUBLE|REAL|DECIMAL)\b/i

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
export async function readTable(path: string, options: ReadTableOptions = {}): Promise<ReadTableResult> {
  const label = options.label ?? path
  const info = await stat(path).catch(() => undefined)
  if (!info) throw unreadable(label, 'no such file')
  if (!info.isFile()) throw unreadable(label, 'not a file')
  const format = options.format ?? formatOf(path)
  if (!format) throw unreadable(label, 'unknown format: name it .csv, .tsv or .parquet')
  if (info.size === 0) throw unreadable(label, 'the file is empty')
  const source = format === 'parquet' ? `read_parquet(${quoteString(path)})` : `read_csv(${quoteString(path)})`

  const instance = await DuckDBInstance.create(':memory:', { threads: '2' })
  try {
    const connection = await instance.connect()
    try {
      return await readColumns(connection, source, format, options)
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

async function readColumns(connection: DuckDBConnection, source: string, format: TableFormat, options: ReadTableOptions): Promise<ReadTableResult> {
  const described = await connection.runAndReadAll(`DESCRIBE SELECT * FROM ${source}`)
  let schema = described.getRowObjectsJS().map((r) => ({ name: String(r.column_name), type: String(r.column_type) }))
  if (options.columns) {
    const wanted = new Set(options.columns)
    schema = schema.filter((c) => wanted.has(c.name))
  }
  const sqlTypes: Record<string, string> = {}
  const featureTypes: Record<string, FeatureType> = {}
  const kinds = schema.map((c) => {
    sqlTypes[c.name] = c.type
    if (FLOATING.test(c.type)) featureTypes[c.name] = 'num'
    return NUMERIC.test(c.type) ? 'number' : /^BOOLEAN$/i.test(c.type) ? 'boolean' : 'text'
  })
  if (schema.length === 0) {
    return { table: {}, rows: 0, sqlTypes, featureTypes }
  }
  const select = schema
    .map((c, i) => (kinds[i] === 'number' ? `CAST(${quoteIdent(c.name)} AS DOUBLE)` : kinds[i] === 'boolean' ? quoteIdent(c.name) : `CAST(${quoteIdent(c.name)} AS VARCHAR)`))
    .join(', ')
  const result = await connection.stream(`SELECT ${select} FROM ${source}`)
  let capacity = 1 << 14
  let numbers = kinds.map((k) => (k === 'number' ? new Float64Array(capacity) : undefined))
  const others: RawValue[][] = kinds.map(() => [])
  let rows = 0
  for (;;) {
    const chunk = await result.fetchChunk()
    if (!chunk || chunk.rowCount === 0) break
    const n = chunk.rowCount
    if (rows + n > capacity) {
      while (rows + n > capacity) capacity *= 2
      numbers = numbers.map((a) => {
        if (!a) return a
        const b = new Float64Array(capacity)
        b.set(a.subarray(0, rows))
        return b
      })
    }
    for (let c = 0; c < schema.length; c++) {
      const vector = chunk.getColumnVector(c)
      const target = numbers[c]
      if (target) {
        for (let i = 0; i < n; i++) {
          const v = vector.getItem(i) as number | null
          target[rows + i] = v === null ? Number.NaN : v
        }
      } else {
        const out = others[c]!
        for (let i = 0; i < n; i++) out.push(vector.getItem(i) as RawValue)
      }
    }
    rows += n
    options.onProgress?.(rows)
  }
  const table: Record<string, Float64Array | RawValue[]> = {}
  schema.forEach((c, i) => {
    const asNumbers = kinds[i] === 'text' && format === 'csv' ? numericText(others[i]!) : undefined
    if (asNumbers) featureTypes[c.name] = 'num'
    table[c.name] = numbers[i] ? numbers[i]!.slice(0, rows) : (asNumbers ?? others[i]!)
  })
  return { table, rows, sqlTypes, featureTypes }
}

const SPECIAL: Record<string, number> = { inf: Infinity, '+inf': Infinity, '-inf': -Infinity, infinity: Infinity, '+infinity': Infinity, '-infinity': -Infinity, nan: Number.NaN }

/**
 * A CSV text column whose every value is a number, inf or nan (DuckDB's sniffer reads those as
 * text; pandas reads them as float64): the numbers, else undefined.
 */
function numericText(values: RawValue[]): Float64Array | undefined {
  const out = new Float64Array(values.length)
  let seen = false
  for (let i = 0; i < values.length; i++) {
    const v = values[i]
    if (v === null || v === undefined) {
      out[i] = Number.NaN
      continue
    }
    const text = String(v).trim()
    const n = text === '' ? Number.NaN : Number(text)
    if (Number.isNaN(n)) {
      const special = SPECIAL[text.toLowerCase()]
      if (special === undefined) return undefined
      out[i] = special
    } else out[i] = n
    seen = true
  }
  return seen ? out : undefined
}
