// Summary statistics of one column, as pandas' describe / nunique / value_counts compute them:
// std with ddof=1, quartiles by linear interpolation (numpy's 'linear' method, same rounding).
// Missing = null, undefined and NaN; ±Infinity is counted apart and left out of the statistics.

import type { ColumnValues, RawValue } from '../drift/column-drift.js'
import { isDictionaryColumn, type DictionaryColumn, type DriftColumn } from '../drift/columns.js'

/** What a column holds once missing values are dropped. */
export type DataType = 'numeric' | 'boolean' | 'string' | 'mixed' | 'empty'

export interface TopValue {
  /** the value as text (numbers and booleans as JavaScript prints them), cut to MAX_VALUE_LENGTH */
  value: string
  count: number
}

export interface ColumnSummary {
  /** rows, missing values included */
  rows: number
  /** non-missing values (±Infinity included) */
  count: number
  /** null, undefined and NaN */
  missing: number
  /** ±Infinity (numeric columns) */
  infinite: number
  dataType: DataType
  /** distinct non-missing values */
  distinct: number
  /** numeric columns, over the finite values; null when there are none (std: fewer than two) */
  mean: number | null
  std: number | null
  min: number | null
  q25: number | null
  median: number | null
  q75: number | null
  max: number | null
  /** categorical columns: the most frequent values, most frequent first (ties: first seen first) */
  top?: TopValue[]
}

export interface SummaryOptions {
  /** compute the top values (categorical columns); default: for non-numeric columns */
  categorical?: boolean
  /** how many top values (default 10) */
  topK?: number
  /** the column's valueCounts, when the caller has them already */
  counts?: Map<string | number | boolean, number>
}

const isMissing = (v: RawValue): boolean => v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v))

/**
 * A dictionary column's codes counted: the count of each code, and the codes in the order their
 * rows first appear (the order a plain array's values first appear in).
 */
function codeCounts(col: DictionaryColumn): { perCode: Float64Array; order: number[]; negative: number } {
  const { codes, dictionary } = col
  const perCode = new Float64Array(dictionary.length)
  const order: number[] = []
  let negative = 0
  for (let i = 0; i < codes.length; i++) {
    const c = codes[i]!
    if (c < 0 || c >= dictionary.length) {
      negative++
      continue
    }
    if (perCode[c] === 0) order.push(c)
    perCode[c]!++
  }
  return { perCode, order, negative }
}

/** A dictionary column as the plain array of cells it stands for (null for a negative code). */
export function expandDictionary(col: DictionaryColumn): RawValue[] {
  const { codes, dictionary } = col
  const out = new Array<RawValue>(codes.length)
  for (let i = 0; i < codes.length; i++) {
    const c = codes[i]!
    out[i] = c < 0 ? null : dictionary[c]
  }
  return out
}

/**
 * A column in a form the quality checks and histograms read: a dictionary column holding no
 * number stays as it is (counted by code, no value per row); one holding numbers becomes the array
 * of cells it stands for (their statistics read values, and such columns are rare).
 */
export function qualityColumn(col: DriftColumn): ColumnValues | DictionaryColumn {
  if (!isDictionaryColumn(col)) return col
  if (!col.dictionary.some((v) => typeof v === 'number')) return col
  const { order } = codeCounts(col)
  for (const c of order) if (typeof col.dictionary[c] === 'number') return expandDictionary(col)
  return col
}

/** The data type of a column's non-missing values. */
export function dataTypeOf(values: ColumnValues | DictionaryColumn): DataType {
  if (isDictionaryColumn(values)) {
    const { order } = codeCounts(values)
    return dataTypeOf(order.map((c) => values.dictionary[c]))
  }
  if (values instanceof Float64Array) {
    for (let i = 0; i < values.length; i++) if (!Number.isNaN(values[i]!)) return 'numeric'
    return 'empty'
  }
  let seen: DataType = 'empty'
  for (const v of values) {
    if (isMissing(v)) continue
    const t: DataType = typeof v === 'number' ? 'numeric' : typeof v === 'boolean' ? 'boolean' : 'string'
    if (seen === 'empty') seen = t
    else if (seen !== t) return 'mixed'
  }
  return seen
}

/** numpy's linear-interpolation quantile of a sorted array (its _lerp, for the same rounding). */
export function quantileSorted(sorted: Float64Array, q: number): number {
  const n = sorted.length
  const pos = (n - 1) * q
  const lo = Math.floor(pos)
  const hi = Math.min(lo + 1, n - 1)
  const t = pos - lo
  const a = sorted[lo]!
  const b = sorted[hi]!
  const d = b - a
  return t >= 0.5 ? b - d * (1 - t) : a + d * t
}

/** The finite numbers of a column, sorted ascending (a view, not a copy, when already sorted). */
export function finiteSorted(values: ColumnValues): Float64Array {
  if (values instanceof Float64Array && isSortedNaNLast(values)) {
    let lo = 0
    let hi = values.length
    while (lo < hi && values[lo] === Number.NEGATIVE_INFINITY) lo++
    while (hi > lo && !Number.isFinite(values[hi - 1]!)) hi--
    return values.subarray(lo, hi)
  }
  let out: Float64Array
  if (values instanceof Float64Array) {
    out = new Float64Array(values.length)
    let n = 0
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!
      if (Number.isFinite(v)) out[n++] = v
    }
    out = out.subarray(0, n)
  } else {
    const nums: number[] = []
    for (const v of values) if (typeof v === 'number' && Number.isFinite(v)) nums.push(v)
    out = Float64Array.from(nums)
  }
  out.sort()
  return out
}

/**
 * Float64Arrays a drift report has sorted or checked (ascending, NaN last), marked while it runs
 * (its columns are not written to meanwhile): its quality checks and histograms then skip the
 * linear check that each of them would make of every column.
 */
const knownSorted = new WeakSet<Float64Array>()

/** Marks the Float64Arrays among `columns` as sorted; returns the function that unmarks them. */
export function markSortedNaNLast(columns: Iterable<unknown>): () => void {
  const marked: Float64Array[] = []
  for (const c of columns)
    if (c instanceof Float64Array && !knownSorted.has(c)) {
      knownSorted.add(c)
      marked.push(c)
    }
  return () => {
    for (const c of marked) knownSorted.delete(c)
  }
}

/** Ascending with NaN at the end, as Float64Array.prototype.sort leaves it. */
export function isSortedNaNLast(a: Float64Array): boolean {
  if (knownSorted.has(a)) return true
  // past the trailing NaNs, every pair must be in order (a NaN fails the comparison)
  let end = a.length
  while (end > 0 && Number.isNaN(a[end - 1]!)) end--
  for (let i = 1; i < end; i++) if (!(a[i - 1]! <= a[i]!)) return false
  return true
}

function numericStats(
  sorted: Float64Array,
): Pick<ColumnSummary, 'mean' | 'std' | 'min' | 'q25' | 'median' | 'q75' | 'max'> {
  const n = sorted.length
  if (n === 0) return { mean: null, std: null, min: null, q25: null, median: null, q75: null, max: null }
  let s = 0
  for (let i = 0; i < n; i++) s += sorted[i]!
  const mean = s / n
  let ss = 0
  for (let i = 0; i < n; i++) {
    const d = sorted[i]! - mean
    ss += d * d
  }
  return {
    mean,
    std: n > 1 ? Math.sqrt(ss / (n - 1)) : null,
    min: sorted[0]!,
    q25: quantileSorted(sorted, 0.25),
    median: quantileSorted(sorted, 0.5),
    q75: quantileSorted(sorted, 0.75),
    max: sorted[n - 1]!,
  }
}

/** Counts of each non-missing value, in order of first appearance. */
export function valueCounts(values: ColumnValues | DictionaryColumn): Map<string | number | boolean, number> {
  const counts = new Map<string | number | boolean, number>()
  if (isDictionaryColumn(values)) {
    const { perCode, order } = codeCounts(values)
    for (const c of order) {
      const v = values.dictionary[c]
      if (isMissing(v)) continue
      const k = v as string | number | boolean
      counts.set(k, (counts.get(k) ?? 0) + perCode[c]!)
    }
    return counts
  }
  if (values instanceof Float64Array) {
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!
      if (!Number.isNaN(v)) counts.set(v, (counts.get(v) ?? 0) + 1)
    }
    return counts
  }
  for (const v of values) {
    if (isMissing(v)) continue
    const k = v as string | number | boolean
    counts.set(k, (counts.get(k) ?? 0) + 1)
  }
  return counts
}

/** Longest top value kept, in characters (longer ones are cut, so summaries stay small). */
export const MAX_VALUE_LENGTH = 100

/** The k most frequent values (ties in order of first appearance, as pandas' value_counts). */
export function topValues(counts: Map<string | number | boolean, number>, k: number): TopValue[] {
  return [...counts.entries()]
    .map(([value, count], i) => ({ value, count, i }))
    .sort((a, b) => b.count - a.count || a.i - b.i)
    .slice(0, k)
    .map(({ value, count }) => {
      const text = String(value)
      return { value: text.length > MAX_VALUE_LENGTH ? `${text.slice(0, MAX_VALUE_LENGTH - 1)}…` : text, count }
    })
}

function distinctSorted(a: Float64Array): number {
  let d = a.length > 0 ? 1 : 0
  for (let i = 1; i < a.length; i++) if (a[i] !== a[i - 1]) d++
  return d
}

/** Summary statistics of one column. */
export function summarizeColumn(values: ColumnValues | DictionaryColumn, options: SummaryOptions = {}): ColumnSummary {
  if (isDictionaryColumn(values)) return summarizeDictionary(values, options)
  const dataType = dataTypeOf(values)
  let missing = 0
  let infinite = 0
  let posInf = 0
  let negInf = 0
  if (values instanceof Float64Array && knownSorted.has(values)) {
    // the same counts, from the ends: -Infinity first, then the numbers, +Infinity, NaN
    let end = values.length
    while (end > 0 && Number.isNaN(values[end - 1]!)) end--
    let lo = 0
    while (lo < end && values[lo] === Number.NEGATIVE_INFINITY) lo++
    let hi = end
    while (hi > lo && values[hi - 1] === Number.POSITIVE_INFINITY) hi--
    missing = values.length - end
    infinite = lo + (end - hi)
    negInf = lo > 0 ? 1 : 0
    posInf = hi < end ? 1 : 0
  } else if (values instanceof Float64Array) {
    // the same counts, in a loop over doubles only
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!
      if (Number.isNaN(v)) missing++
      else if (v === Number.POSITIVE_INFINITY) {
        infinite++
        posInf = 1
      } else if (v === Number.NEGATIVE_INFINITY) {
        infinite++
        negInf = 1
      }
    }
  } else
    for (let i = 0; i < values.length; i++) {
      const v = values[i] as RawValue
      if (isMissing(v)) missing++
      else if (v === Number.POSITIVE_INFINITY || v === Number.NEGATIVE_INFINITY) {
        infinite++
        if (v === Number.POSITIVE_INFINITY) posInf = 1
        else negInf = 1
      }
    }
  const rows = values.length
  const count = rows - missing
  const numeric = dataType === 'numeric'
  const categorical = options.categorical ?? !numeric
  const sorted = numeric ? finiteSorted(values) : new Float64Array(0)
  let distinct: number
  let counts: Map<string | number | boolean, number> | undefined
  if (numeric && !categorical) {
    // ±Infinity are distinct values too (pandas' nunique counts them)
    distinct = distinctSorted(sorted) + posInf + negInf
  } else {
    counts = options.counts ?? valueCounts(values)
    distinct = counts.size
  }
  const summary: ColumnSummary = { rows, count, missing, infinite, dataType, distinct, ...numericStats(sorted) }
  if (categorical) summary.top = topValues(counts ?? valueCounts(values), options.topK ?? 10)
  return summary
}

/** summarizeColumn of a dictionary column, from its code counts (its values read once each). */
function summarizeDictionary(col: DictionaryColumn, options: SummaryOptions): ColumnSummary {
  const { perCode, order, negative } = codeCounts(col)
  // numbers behind the codes: the statistics read values, so the column is read as its cells
  if (order.some((c) => typeof col.dictionary[c] === 'number')) return summarizeColumn(expandDictionary(col), options)
  let missing = negative
  for (const c of order) if (isMissing(col.dictionary[c])) missing += perCode[c]!
  const dataType = dataTypeOf(order.map((c) => col.dictionary[c]))
  const rows = col.codes.length
  const counts = options.counts ?? valueCounts(col)
  const summary: ColumnSummary = {
    rows,
    count: rows - missing,
    missing,
    infinite: 0,
    dataType,
    distinct: counts.size,
    ...numericStats(new Float64Array(0)),
  }
  // a column holding no number: categorical unless told otherwise (as for arrays)
  if (options.categorical ?? true) summary.top = topValues(counts, options.topK ?? 10)
  return summary
}
