/**
 * The DuckDB table reader (src/monitoring/table-reader.ts) on real CSV and Parquet files: the cells
 * it returns are checked against the files' own text, or against DuckDB's value-by-value reader
 * (`getColumnsJS`) for files too large to write out by hand; dictionary columns against arrays;
 * the slow path (hash collisions forced) against the fast one.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DuckDBInstance } from '@duckdb/node-api'
import {
  datasetDrift,
  isDictionaryColumn,
  type DictionaryColumn,
  type DriftColumn,
  type RawValue,
} from '@keel/monitoring'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { readerTuning, readTable } from '../src/monitoring/table-reader.js'

const dir = mkdtempSync(join(tmpdir(), 'keel-table-reader-'))
const file = (name: string) => join(dir, name)

const EDGE_CSV = [
  'id,price,flag,day,city,empty,weird,numtext,mixed,"we""ird name"',
  '1,1.5,true,2024-01-02,Zürich,,inf,1e3,a,x',
  '2,,false,2024-01-03,東京,,nan,  7 ,1,y',
  '3,2.5,,,😀 emoji,,-inf,,b,',
  '4,3.5,true,2024-01-05,"quoted, comma",,5,-2.5,2,x',
  '5,4.5,false,2024-01-06,"",,6,Infinity,c,z',
].join('\n')

// 50,000 rows (25 DuckDB chunks): numbers of several SQL types, strings of low and high
// cardinality, unicode, booleans, timestamps, lists, nulls everywhere, one all-null column.
const BIG_SELECT = `SELECT
  CASE WHEN i % 17 = 0 THEN NULL ELSE i END AS int_col,
  CASE WHEN i % 13 = 0 THEN NULL ELSE i / 7 END AS dbl_col,
  (i % 1000)::DECIMAL(8,2) / 3 AS dec_col,
  (i * 3)::UBIGINT AS ubig_col,
  CASE WHEN i % 11 = 0 THEN NULL ELSE 'seg-' || (i % 5) END AS low_card,
  CASE WHEN i % 7 = 0 THEN NULL ELSE 'ü-' || (hash(i) % 20000) || '-東京-' || repeat('x', (i % 30)::INTEGER) END AS high_card,
  CASE WHEN i % 3 = 0 THEN NULL ELSE i % 2 = 0 END AS bool_col,
  TIMESTAMP '2024-01-01' + INTERVAL (i % 500) MINUTE AS ts_col,
  [i % 3, 1] AS list_col,
  NULL::VARCHAR AS null_col
FROM range(50000) t(i)`

async function withDuckDB<T>(work: (con: Awaited<ReturnType<DuckDBInstance['connect']>>) => Promise<T>): Promise<T> {
  const db = await DuckDBInstance.create(':memory:')
  const con = await db.connect()
  try {
    return await work(con)
  } finally {
    con.closeSync()
    db.closeSync()
  }
}

beforeAll(async () => {
  writeFileSync(file('edge.csv'), `${EDGE_CSV}\n`)
  writeFileSync(file('header-only.csv'), 'a,b\n')
  writeFileSync(file('empty.csv'), '')
  writeFileSync(file('data.json'), '{}')
  // a value the sniffer's sample did not see, 60,000 lines in: DuckDB fails midway through
  const lines = (row: (i: number) => string) => Array.from({ length: 60_000 }, (_, i) => row(i)).join('\n')
  writeFileSync(file('late-error.csv'), `a,b\n${lines((i) => `${i},x${i % 5}`)}\noops,y\n`)
  writeFileSync(file('late-error-numbers.csv'), `a,b,c\n${lines((i) => `${i},${i % 5},${i}.5`)}\noops,1,2\n`)
  writeFileSync(file('broken.parquet'), 'this is not parquet')
  writeFileSync(
    file('numbers.csv'),
    `a,b\n${Array.from({ length: 40_000 }, (_, i) => `${i},${i % 9 === 0 ? '' : i / 4}`).join('\n')}\n`,
  )
  await withDuckDB(async (con) => {
    await con.run(`COPY (${BIG_SELECT}) TO '${file('big.parquet')}' (FORMAT parquet)`)
    await con.run(`COPY (${BIG_SELECT}) TO '${file('big.csv')}' (HEADER)`)
  })
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const plain = (col: DriftColumn | undefined): RawValue[] => {
  if (col === undefined) throw new Error('no such column')
  if (!isDictionaryColumn(col)) return Array.from(col as ArrayLike<RawValue>)
  return Array.from(col.codes, (c) => (c < 0 ? null : col.dictionary[c]))
}

/** DuckDB's own value-by-value read of the same file: numbers as DOUBLE, the rest as text. */
async function referenceRead(path: string, source: string): Promise<Record<string, RawValue[]>> {
  return withDuckDB(async (con) => {
    const described = (await con.runAndReadAll(`DESCRIBE SELECT * FROM ${source}('${path}')`)).getRowObjectsJS()
    const numeric = (t: string) => /^(BIGINT|INTEGER|DOUBLE|UBIGINT|DECIMAL\(\d+,\d+\))$/.test(t)
    const select = described.map(
      (r) =>
        `CAST("${String(r.column_name)}" AS ${numeric(String(r.column_type)) ? 'DOUBLE' : String(r.column_type) === 'BOOLEAN' ? 'BOOLEAN' : 'VARCHAR'})`,
    )
    const columns = (await con.runAndReadAll(`SELECT ${select.join(', ')} FROM ${source}('${path}')`)).getColumnsJS()
    return Object.fromEntries(
      described.map((r, i) => [
        String(r.column_name),
        columns[i]!.map((v) => (numeric(String(r.column_type)) && v === null ? Number.NaN : v) as RawValue),
      ]),
    )
  })
}

describe('readTable', () => {
  it('CSV: every cell as the file has it; numeric text, inf and nan as numbers; unicode, quotes, nulls', async () => {
    const read = await readTable(file('edge.csv'))
    expect(read.rows).toBe(5)
    const t = read.table
    expect(Array.from(t.id as Float64Array)).toEqual([1, 2, 3, 4, 5])
    expect(Array.from(t.price as Float64Array)).toEqual([1.5, Number.NaN, 2.5, 3.5, 4.5])
    expect(t.flag).toEqual([true, false, null, true, false])
    expect(t.day).toEqual(['2024-01-02', '2024-01-03', null, '2024-01-05', '2024-01-06'])
    expect(t.city).toEqual(['Zürich', '東京', '😀 emoji', 'quoted, comma', null])
    expect(t.empty).toEqual([null, null, null, null, null])
    expect(Array.from(t.weird as Float64Array)).toEqual([Infinity, Number.NaN, -Infinity, 5, 6])
    expect(Array.from(t.numtext as Float64Array)).toEqual([1000, 7, Number.NaN, -2.5, Infinity])
    expect(t.mixed).toEqual(['a', '1', 'b', '2', 'c'])
    expect(t['we"ird name']).toEqual(['x', 'y', null, 'x', 'z'])
    expect(read.featureTypes).toEqual({ price: 'num', weird: 'num', numtext: 'num' })
    expect(read.sqlTypes).toMatchObject({
      id: 'BIGINT',
      price: 'DOUBLE',
      flag: 'BOOLEAN',
      day: 'DATE',
      city: 'VARCHAR',
    })
  })

  it('dictionaries: true gives { codes, dictionary } columns that expand to the arrays', async () => {
    const arrays = await readTable(file('edge.csv'))
    const dicts = await readTable(file('edge.csv'), { dictionaries: true })
    for (const name of ['flag', 'day', 'city', 'empty', 'mixed', 'we"ird name']) {
      const col = dicts.table[name]
      expect(isDictionaryColumn(col), name).toBe(true)
      const { codes, dictionary } = col as DictionaryColumn
      expect(codes).toBeInstanceOf(Int32Array)
      expect(new Set(dictionary).size).toBe(dictionary.length)
      expect(plain(col)).toEqual(arrays.table[name])
    }
    expect((dicts.table.city as DictionaryColumn).dictionary).toEqual(['Zürich', 'quoted, comma', '東京', '😀 emoji']) // UTF-16 code-unit order
    expect((dicts.table.empty as DictionaryColumn).dictionary).toEqual([])
    expect(dicts.table.numtext).toBeInstanceOf(Float64Array)
  })

  it.each([
    ['big.parquet', 'read_parquet'],
    ['big.csv', 'read_csv'],
  ])('%s (50,000 rows): equal to DuckDB value-by-value read, as arrays and as dictionaries', async (name, source) => {
    const expected = await referenceRead(file(name), source)
    const progress: number[] = []
    const read = await readTable(file(name), { onProgress: (rows) => progress.push(rows) })
    const dicts = await readTable(file(name), { dictionaries: true })
    expect(read.rows).toBe(50_000)
    expect(Object.keys(read.table)).toEqual(Object.keys(expected))
    for (const [column, values] of Object.entries(expected)) {
      expect(plain(read.table[column]), column).toEqual(values)
      expect(plain(dicts.table[column]), column).toEqual(values)
    }
    expect(read.table.list_col).toContain('[2, 1]')
    expect(read.table.null_col).toEqual(new Array(50_000).fill(null))
    expect(progress.at(-1)).toBe(50_000)
    expect(progress).toEqual([...progress].sort((a, b) => a - b))
    expect(progress.length).toBeGreaterThan(10)
  })

  it('values that share a hash (forced) are read as text, to the same result', async () => {
    const fast = await readTable(file('big.parquet'), { dictionaries: true })
    readerTuning.hashShift = 62 // 2 hash bits: every column with more than 4 values collides
    try {
      const slow = await readTable(file('big.parquet'), { dictionaries: true })
      for (const column of Object.keys(fast.table))
        expect(plain(slow.table[column]), column).toEqual(plain(fast.table[column]))
      const csv = await readTable(file('edge.csv'))
      expect(csv.table.city).toEqual(['Zürich', '東京', '😀 emoji', 'quoted, comma', null])
    } finally {
      readerTuning.hashShift = 11
    }
  })

  it('dictionary columns give the drift that arrays give', async () => {
    const arrays = await readTable(file('big.parquet'), { columns: ['low_card', 'high_card', 'bool_col'] })
    const dicts = await readTable(file('big.parquet'), {
      columns: ['low_card', 'high_card', 'bool_col'],
      dictionaries: true,
    })
    const half = (t: Record<string, DriftColumn>, from: number) =>
      Object.fromEntries(
        Object.entries(t).map(([k, v]) => [
          k,
          isDictionaryColumn(v)
            ? { codes: v.codes.subarray(from, from + 25_000), dictionary: v.dictionary }
            : (v as RawValue[]).slice(from, from + 25_000),
        ]),
      )
    expect(datasetDrift(half(dicts.table, 0), half(dicts.table, 25_000))).toEqual(
      datasetDrift(half(arrays.table, 0), half(arrays.table, 25_000)),
    )
  })

  it('a CSV of numbers only, longer than the first buffer; only the requested columns', async () => {
    const read = await readTable(file('numbers.csv'), { columns: ['b', 'nope'] })
    expect(Object.keys(read.table)).toEqual(['b'])
    const b = read.table.b as Float64Array
    expect(b.length).toBe(40_000)
    expect(b[39_999]).toBe(39_999 / 4)
    expect(b[9]).toBeNaN()
    expect(read.featureTypes).toEqual({ b: 'num' })
  })

  it('a header without rows: the columns, empty', async () => {
    const read = await readTable(file('header-only.csv'))
    expect(read.rows).toBe(0)
    expect(read.table).toEqual({ a: [], b: [] })
  })

  it.each([
    ['missing.csv', /^Cannot read 'missing.csv': no such file$/],
    ['empty.csv', /^Cannot read 'empty.csv': the file is empty$/],
    ['broken.parquet', /^Cannot read 'broken.parquet': .*/],
    ['data.json', /^Cannot read 'data.json': unknown format/],
    // never the rows before the error as if they were the file
    ['late-error.csv', /^Cannot read 'late-error.csv': Conversion Error: CSV Error on Line: 60002/],
    ['late-error-numbers.csv', /^Cannot read 'late-error-numbers.csv': Conversion Error: CSV Error on Line: 60002/],
  ])('errors name the file (%s)', async (name, message) => {
    await expect(readTable(file(name), { label: name })).rejects.toMatchObject({
      code: 'INVALID_PARAMETER_VALUE',
      message: expect.stringMatching(message),
    })
  })
})

afterEach(() => {
  readerTuning.hashShift = 11
})
