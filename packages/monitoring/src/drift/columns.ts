// The column forms the drift API accepts, and their reduction to what the tests need.
//
// A column (`DriftColumn`) is one of:
//  - a plain array of cells (`RawValue[]`): numbers, strings, booleans; null, undefined, NaN and
//    ±Infinity are missing;
//  - a `Float64Array`: NaN and ±Infinity are missing;
//  - a `DictionaryColumn` `{ codes: Int32Array, dictionary }`: row i holds `dictionary[codes[i]]`;
//    a negative code, or a code whose dictionary entry is itself missing (null, NaN...), is a
//    missing value. This is the form for categorical data at scale (what a Parquet/DuckDB reader
//    gets from a dictionary or ENUM column): no JS string per row, counted by code. The two sides
//    of a column may have different dictionaries; values are matched by value, and a value may
//    appear under several codes. All three forms of the same cells give exactly the same result.
//
// Each column reduces to a `PreparedColumn`: when every non-missing value is a number, its finite
// values in a Float64Array (sorted ascending, our own copy); otherwise the count of each category
// in the order the values first appear (what the categorical tests read).

import { markSorted, sortedFinite, sortFloat64 } from '../stats/sample.js'
import type { Category } from '../stats/types.js'
import { finiteIfSorted } from './sort-columns.js'

/** A cell: numbers, strings and booleans are values; null, undefined, NaN and ±Infinity are missing. */
export type RawValue = number | string | boolean | null | undefined

/** A categorical column as codes into a dictionary (see the file header). */
export interface DictionaryColumn {
  /** per row, an index into `dictionary`; negative = missing */
  readonly codes: Int32Array
  /** the values the codes stand for; missing entries (null, NaN...) make their rows missing */
  readonly dictionary: ReadonlyArray<RawValue>
}

/** Every column form the drift functions accept (`ColumnValues` plus `DictionaryColumn`). */
export type DriftColumn = ReadonlyArray<RawValue> | Float64Array | DictionaryColumn

/** Columns by name, in any form the drift functions accept. */
export type DriftTable = Readonly<Record<string, DriftColumn>>

export function isDictionaryColumn(col: unknown): col is DictionaryColumn {
  return (
    typeof col === 'object' &&
    col !== null &&
    !Array.isArray(col) &&
    !ArrayBuffer.isView(col) &&
    'codes' in col &&
    'dictionary' in col
  )
}

/** Rows in a column of any form. */
export function columnLength(col: DriftColumn): number {
  return isDictionaryColumn(col) ? col.codes.length : col.length
}

export function isMissing(v: RawValue): boolean {
  return v === null || v === undefined || (typeof v === 'number' && !Number.isFinite(v))
}

export interface PreparedNumeric {
  kind: 'num'
  rows: number
  missing: number
  /** the finite values, sorted ascending (marked sorted) */
  values: Float64Array
  allIntegers: boolean
}

export interface PreparedCategorical {
  kind: 'cat'
  rows: number
  missing: number
  /** non-missing values */
  size: number
  /** count of each value, in first-seen order */
  counts: Map<Category, number>
}

export type PreparedColumn = PreparedNumeric | PreparedCategorical

/** A column that cannot be read (a code outside its dictionary, codes that are not an Int32Array). */
export class InvalidColumnError extends Error {}

function numeric(rows: number, values: Float64Array, allIntegers: boolean): PreparedNumeric {
  sortFloat64(values)
  return { kind: 'num', rows, missing: rows - values.length, values: markSorted(values), allIntegers }
}

function fromFloat64(col: Float64Array): PreparedNumeric {
  // a column sorted beforehand (sortNaNLast): its finite part as it is, no copy and no sort
  const { values, allIntegers } = finiteIfSorted(col) ?? sortedFinite(col)
  return { kind: 'num', rows: col.length, missing: col.length - values.length, values: markSorted(values), allIntegers }
}

function fromArray(col: ReadonlyArray<RawValue>): PreparedColumn {
  let present = 0
  let allNumbers = true
  for (let i = 0; i < col.length; i++) {
    const v = col[i]
    if (isMissing(v)) continue
    present++
    if (typeof v !== 'number') allNumbers = false
  }
  if (allNumbers) {
    const out = new Float64Array(present)
    let allIntegers = true
    let k = 0
    for (let i = 0; i < col.length; i++) {
      const v = col[i]
      if (typeof v === 'number' && Number.isFinite(v)) {
        out[k++] = v
        if (allIntegers && !Number.isInteger(v)) allIntegers = false
      }
    }
    return numeric(col.length, out, allIntegers)
  }
  const counts = new Map<Category, number>()
  for (let i = 0; i < col.length; i++) {
    const v = col[i]
    if (isMissing(v)) continue
    counts.set(v as Category, (counts.get(v as Category) ?? 0) + 1)
  }
  return { kind: 'cat', rows: col.length, missing: col.length - present, size: present, counts }
}

function fromDictionary(col: DictionaryColumn): PreparedColumn {
  const { codes, dictionary } = col
  if (!(codes instanceof Int32Array))
    throw new InvalidColumnError('a dictionary column needs its codes as an Int32Array')
  const d = dictionary.length
  const perCode = new Float64Array(d)
  const order: number[] = []
  let negative = 0
  for (let i = 0; i < codes.length; i++) {
    const c = codes[i]!
    if (c < 0) {
      negative++
      continue
    }
    if (c >= d) throw new InvalidColumnError(`code ${c} at row ${i} is outside its dictionary of ${d} values`)
    if (perCode[c] === 0) order.push(c)
    perCode[c] = perCode[c]! + 1
  }
  let missing = negative
  let allNumbers = true
  let allIntegers = true
  for (const c of order) {
    const v = dictionary[c]
    if (isMissing(v)) missing += perCode[c]!
    else if (typeof v !== 'number') allNumbers = false
    else if (!Number.isInteger(v)) allIntegers = false
  }
  const rows = codes.length
  if (allNumbers) {
    // numbers behind codes: the values themselves, as a numeric column
    const out = new Float64Array(rows - missing)
    const value = new Float64Array(d)
    const keep = new Uint8Array(d)
    for (const c of order) {
      const v = dictionary[c]
      if (!isMissing(v)) {
        value[c] = v as number
        keep[c] = 1
      }
    }
    let k = 0
    for (let i = 0; i < rows; i++) {
      const c = codes[i]!
      if (c >= 0 && keep[c] === 1) out[k++] = value[c]!
    }
    return numeric(rows, out, allIntegers)
  }
  const counts = new Map<Category, number>()
  for (const c of order) {
    const v = dictionary[c]
    if (isMissing(v)) continue
    counts.set(v as Category, (counts.get(v as Category) ?? 0) + perCode[c]!)
  }
  return { kind: 'cat', rows, missing, size: rows - missing, counts }
}

/** Reduces a column of any form (see the file header). Throws InvalidColumnError on a malformed dictionary column. */
export function prepareColumn(col: DriftColumn): PreparedColumn {
  if (col instanceof Float64Array) return fromFloat64(col)
  if (isDictionaryColumn(col)) return fromDictionary(col)
  return fromArray(col)
}
