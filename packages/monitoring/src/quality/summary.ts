// Summary statistics of one column, as pandas' describe / nunique / value_counts compute them:
// std with ddof=1, quartiles by linear interpolation (numpy's 'linear' method, same rounding).
// Missing = null, undefined and NaN; ±Infinity is counted apart and left out of the statistics.

import type { ColumnValues, RawValue } from '../drift/column-drift.js'

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

/** The data type of a column's non-missing values. */
export function dataTypeOf(values: ColumnValues): DataType {
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

/** Ascending with NaN at the end, as Float64Array.prototype.sort leaves it. */
export function isSortedNaNLast(a: Float64Array): boolean {
  let i = 1
  for (; i < a.length && !Number.isNaN(a[i]!); i++) if (a[i - 1]! > a[i]! || Number.isNaN(a[i - 1]!)) return false
  if (i < a.length && i > 0 && Number.isNaN(a[i - 1]!) && !Number.isNaN(a[i]!)) return false
  for (; i < a.length; i++) if (!Number.isNaN(a[i]!)) return false
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
export function valueCounts(values: ColumnValues): Map<string | number | boolean, number> {
  const counts = new Map<string | number | boolean, number>()
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
  let d = 0
  for (let i = 0; i < a.length; i++) if (i === 0 || a[i] !== a[i - 1]) d++
  return d
}

/** Summary statistics of one column. */
export function summarizeColumn(values: ColumnValues, options: SummaryOptions = {}): ColumnSummary {
  const dataType = dataTypeOf(values)
  let missing = 0
  let infinite = 0
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as RawValue
    if (isMissing(v)) missing++
    else if (v === Number.POSITIVE_INFINITY || v === Number.NEGATIVE_INFINITY) infinite++
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
    let posInf = 0
    let negInf = 0
    for (let i = 0; i < values.length; i++) {
      if (values[i] === Number.POSITIVE_INFINITY) posInf = 1
      else if (values[i] === Number.NEGATIVE_INFINITY) negInf = 1
    }
    distinct = distinctSorted(sorted) + posInf + negInf
  } else {
    counts = options.counts ?? valueCounts(values)
    distinct = counts.size
  }
  const summary: ColumnSummary = { rows, count, missing, infinite, dataType, distinct, ...numericStats(sorted) }
  if (categorical) summary.top = topValues(counts ?? valueCounts(values), options.topK ?? 10)
  return summary
}
