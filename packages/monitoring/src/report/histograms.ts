// Histograms of reference against current for the report, bounded whatever the row count or the
// number of distinct values: numeric columns get at most `maxBins` bins on shared edges, categorical
// columns their `topK` most frequent categories plus one "other" count.

import type { ColumnValues } from '../drift/column-drift.js'
import { isDictionaryColumn, type DictionaryColumn } from '../drift/columns.js'
import { isSortedNaNLast, valueCounts } from '../quality/summary.js'
import { lowerBound } from '../stats/sample.js'

export interface NumericHistogram {
  kind: 'numeric'
  /** bins + 1 ascending edges, shared by both datasets; the last bin includes its right edge */
  edges: number[]
  reference: number[]
  current: number[]
}

export interface CategoricalHistogram {
  kind: 'categorical'
  /** the most frequent categories of both datasets together (labels cut to `maxLabelLength`) */
  categories: string[]
  reference: number[]
  current: number[]
  /** counts of every other category */
  referenceOther: number
  currentOther: number
  /** distinct categories of both datasets together */
  totalCategories: number
}

export type Histogram = NumericHistogram | CategoricalHistogram

export interface HistogramOptions {
  /** most bins of a numeric histogram (default 40; Sturges' rule below that) */
  maxBins?: number
  /** categories shown (default 20) */
  topK?: number
  /** longest category label kept, in characters (default 80) */
  maxLabelLength?: number
}

function finiteRange(values: ColumnValues | DictionaryColumn): { min: number; max: number; n: number } {
  let min = Number.POSITIVE_INFINITY
  let max = Number.NEGATIVE_INFINITY
  let n = 0
  // a dictionary column here holds no number (the report expands those): no finite value
  if (isDictionaryColumn(values)) return { min, max, n }
  const finite = finiteOfSorted(values)
  if (finite) return finite.length === 0 ? { min, max, n } : { min: finite[0]!, max: finite.at(-1)!, n: finite.length }
  for (let i = 0; i < values.length; i++) {
    const v = values[i]
    if (typeof v !== 'number' || !Number.isFinite(v)) continue
    n++
    if (v < min) min = v
    if (v > max) max = v
  }
  return { min, max, n }
}

/** The finite part of a Float64Array sorted ascending with NaN last (a view), else undefined. */
function finiteOfSorted(values: ColumnValues): Float64Array | undefined {
  if (!(values instanceof Float64Array) || !isSortedNaNLast(values)) return undefined
  let lo = 0
  let hi = values.length
  while (lo < hi && values[lo] === Number.NEGATIVE_INFINITY) lo++
  while (hi > lo && !Number.isFinite(values[hi - 1]!)) hi--
  return values.subarray(lo, hi)
}

/**
 * The bin counts of sorted finite values: a value's bin is the number of edges[1 .. bins-1] at or
 * below it (what countInto's search ends at, the edges being ascending), so each bin is the run
 * between two binary searches.
 */
function countSortedInto(sorted: Float64Array, edges: number[], counts: number[]): void {
  const bins = counts.length
  let start = 0
  for (let b = 0; b < bins; b++) {
    const end = b === bins - 1 ? sorted.length : lowerBound(sorted, edges[b + 1]!, start)
    counts[b]! += end - start
    start = end
  }
}

function countInto(values: ColumnValues | DictionaryColumn, edges: number[], counts: number[]): void {
  if (isDictionaryColumn(values)) return
  const sorted = finiteOfSorted(values)
  if (sorted) {
    countSortedInto(sorted, edges, counts)
    return
  }
  const lo = edges[0]!
  const hi = edges[edges.length - 1]!
  const bins = counts.length
  const width = (hi - lo) / bins
  for (let i = 0; i < values.length; i++) {
    const v = values[i]
    if (typeof v !== 'number' || !Number.isFinite(v)) continue
    let b = width > 0 ? Math.floor((v - lo) / width) : 0
    if (b >= bins) b = bins - 1
    if (b < 0) b = 0
    // floating-point edges: move to the bin whose [edge, next edge) holds v
    while (b > 0 && v < edges[b]!) b--
    while (b < bins - 1 && v >= edges[b + 1]!) b++
    counts[b]!++
  }
}

/** A numeric histogram of both samples on shared equal-width edges over their finite values. */
export function numericHistogram(
  reference: ColumnValues | DictionaryColumn,
  current: ColumnValues | DictionaryColumn,
  options: HistogramOptions = {},
): NumericHistogram | undefined {
  const r = finiteRange(reference)
  const c = finiteRange(current)
  const n = r.n + c.n
  if (n === 0) return undefined
  const min = Math.min(r.min, c.min)
  const max = Math.max(r.max, c.max)
  const maxBins = Math.max(1, Math.floor(options.maxBins ?? 40))
  const bins = max > min ? Math.min(maxBins, Math.ceil(Math.log2(n) + 1)) : 1
  const edges = Array.from({ length: bins + 1 }, (_, i) => (i === bins ? max : min + ((max - min) * i) / bins))
  const ref = new Array<number>(bins).fill(0)
  const cur = new Array<number>(bins).fill(0)
  countInto(reference, edges, ref)
  countInto(current, edges, cur)
  return { kind: 'numeric', edges, reference: ref, current: cur }
}

/** The top-k categories of both samples together (by combined share), and the rest as "other". */
export function categoricalHistogram(
  reference: ColumnValues | DictionaryColumn,
  current: ColumnValues | DictionaryColumn,
  options: HistogramOptions = {},
): CategoricalHistogram {
  const rc = valueCounts(reference)
  const cc = valueCounts(current)
  let rn = 0
  let cn = 0
  for (const v of rc.values()) rn += v
  for (const v of cc.values()) cn += v
  const keys = new Set([...rc.keys(), ...cc.keys()])
  const weight = (k: string | number | boolean) => (rn ? (rc.get(k) ?? 0) / rn : 0) + (cn ? (cc.get(k) ?? 0) / cn : 0)
  const top = [...keys]
    .map((k) => ({ k, w: weight(k) }))
    .sort((a, b) => b.w - a.w)
    .slice(0, Math.max(1, options.topK ?? 20))
  const maxLen = options.maxLabelLength ?? 80
  const label = (k: string | number | boolean) => {
    const s = String(k)
    return s.length > maxLen ? `${s.slice(0, maxLen - 1)}…` : s
  }
  const reference_ = top.map(({ k }) => rc.get(k) ?? 0)
  const current_ = top.map(({ k }) => cc.get(k) ?? 0)
  return {
    kind: 'categorical',
    categories: top.map(({ k }) => label(k)),
    reference: reference_,
    current: current_,
    referenceOther: rn - reference_.reduce((a, b) => a + b, 0),
    currentOther: cn - current_.reduce((a, b) => a + b, 0),
    totalCategories: keys.size,
  }
}
