// Evidently's binning for the histogram tests (stattests/utils.py::get_binned_data) and NumPy's
// pieces it relies on: np.histogram_bin_edges(bins="sturges") and np.histogram over given edges.

import type { Category, FeatureType } from './types.js'
import { distinctSorted, lowerBound, sortedSample, upperBound } from './sample.js'

/**
 * np.histogram_bin_edges(a, bins="sturges") for a non-empty finite sample given as its sorted
 * values (min = a[0], max = a[n-1]): width = ptp / (log2(n) + 1), bins = ceil(ptp / width),
 * edges = np.linspace(min, max, bins + 1); a zero range widens to [min − 0.5, max + 0.5], 1 bin.
 */
export function sturgesEdges(min: number, max: number, n: number): Float64Array {
  let first = min
  let last = max
  let bins: number
  if (first === last) {
    first -= 0.5
    last += 0.5
    bins = 1
  } else {
    const ptp = max - min
    const width = ptp / (Math.log2(n) + 1)
    bins = width ? Math.ceil((last - first) / width) : 1
  }
  return linspace(first, last, bins + 1)
}

/** np.linspace(start, stop, num) with endpoint: arange(num) * step + start, last = stop. */
export function linspace(start: number, stop: number, num: number): Float64Array {
  const out = new Float64Array(num)
  const div = num - 1
  const delta = stop - start
  const step = delta / div
  for (let i = 0; i < num; i++) out[i] = step === 0 ? (i / div) * delta + start : i * step + start
  if (num > 1) out[num - 1] = stop
  return out
}

/**
 * np.histogram(a, bins=edges)[0] for a sorted sample: bin i holds edges[i] <= x < edges[i+1],
 * the last bin also holds x == edges[last]; values outside the edges are not counted.
 */
export function histogramSorted(a: Float64Array, edges: Float64Array): Float64Array {
  const k = edges.length - 1
  const counts = new Float64Array(k)
  let prev = lowerBound(a, edges[0]!)
  for (let i = 0; i < k; i++) {
    const next = i === k - 1 ? upperBound(a, edges[k]!, prev) : lowerBound(a, edges[i + 1]!, prev)
    counts[i] = next - prev
    prev = next
  }
  return counts
}

/** Counts of each category, in first-seen order. */
export function countCategories(values: ReadonlyArray<Category>): Map<Category, number> {
  const m = new Map<Category, number>()
  for (const v of values) m.set(v, (m.get(v) ?? 0) + 1)
  return m
}

/** Counts of each distinct value of a sorted numeric sample. */
export function countSorted(a: Float64Array): Map<Category, number> {
  const m = new Map<Category, number>()
  let i = 0
  while (i < a.length) {
    const v = a[i]!
    const j = upperBound(a, v, i)
    m.set(v, j - i)
    i = j
  }
  return m
}

/** Union of the keys of two count maps (reference's first), with both counts (0 when absent). */
export function alignCounts(
  ref: ReadonlyMap<Category, number>,
  cur: ReadonlyMap<Category, number>,
): { keys: Category[]; ref: Float64Array; cur: Float64Array } {
  const keys: Category[] = [...ref.keys()]
  for (const k of cur.keys()) if (!ref.has(k)) keys.push(k)
  const r = new Float64Array(keys.length)
  const c = new Float64Array(keys.length)
  keys.forEach((k, i) => {
    r[i] = ref.get(k) ?? 0
    c[i] = cur.get(k) ?? 0
  })
  return { keys, ref: r, cur: c }
}

/**
 * A categorical sample given by its counts instead of its values (what a dictionary-encoded
 * column reduces to): `counts` in the order the categories would first be seen in the values,
 * `length` the number of values. Every categorical test accepts it in place of the values and
 * gives exactly the same result.
 */
export class CategoryCountSample {
  readonly length: number
  constructor(readonly counts: ReadonlyMap<Category, number>) {
    let n = 0
    for (const c of counts.values()) n += c
    this.length = n
  }
}

export type BinnableSample = ArrayLike<number> | ReadonlyArray<Category> | CategoryCountSample

function isNumericArray(x: BinnableSample): x is ArrayLike<number> {
  if (x instanceof CategoryCountSample) return false
  if (ArrayBuffer.isView(x)) return true
  const a = x as ReadonlyArray<unknown>
  for (let i = 0; i < a.length; i++) if (typeof a[i] !== 'number') return false
  return true
}

/** The category counts of a sample (numbers counted by value). */
export function categoryCounts(x: BinnableSample): ReadonlyMap<Category, number> {
  if (x instanceof CategoryCountSample) return x.counts
  return isNumericArray(x) ? countSorted(sortedSample(x)) : countCategories(x as ReadonlyArray<Category>)
}

/**
 * Evidently's get_binned_data: the share of each sample in each bin.
 * Numerical with more than 20 distinct reference values: Sturges bins over the combined sample.
 * Otherwise one bin per distinct value of the union. With `fillZeroes` (PSI, KL), each side's
 * zero shares become min(nonzero share)/1e6 when that minimum is <= 0.0001, else 0.0001.
 */
export function binnedPercents(
  reference: BinnableSample,
  current: BinnableSample,
  featureType: FeatureType,
  fillZeroes: boolean,
): { reference: Float64Array; current: Float64Array } {
  let refPct: Float64Array
  let curPct: Float64Array
  const nr = reference.length
  const nc = current.length
  if (featureType === 'num' && isNumericArray(reference) && isNumericArray(current)) {
    const r = sortedSample(reference)
    const c = sortedSample(current)
    if (distinctSorted(r) > 20) {
      const min = Math.min(r[0]!, c[0]!)
      const max = Math.max(r[nr - 1]!, c[nc - 1]!)
      const edges = sturgesEdges(min, max, nr + nc)
      refPct = histogramSorted(r, edges)
      curPct = histogramSorted(c, edges)
    } else {
      const al = alignCounts(countSorted(r), countSorted(c))
      refPct = al.ref
      curPct = al.cur
    }
  } else {
    const al = alignCounts(categoryCounts(reference), categoryCounts(current))
    refPct = al.ref
    curPct = al.cur
  }
  for (let i = 0; i < refPct.length; i++) {
    refPct[i] = refPct[i]! / nr
    curPct[i] = curPct[i]! / nc
  }
  if (fillZeroes) {
    fillZeroShares(refPct)
    fillZeroShares(curPct)
  }
  return { reference: refPct, current: curPct }
}

/**
 * Evidently's feel_zeroes (stattests/utils.py), in place: empty shares become min / 10^6 when the
 * smallest non-zero share is at most 0.0001, else 0.0001.
 */
export function fillZeroShares(p: Float64Array): void {
  let min = Number.POSITIVE_INFINITY
  for (let i = 0; i < p.length; i++) if (p[i] !== 0 && p[i]! < min) min = p[i]!
  if (min === Number.POSITIVE_INFINITY) return
  const fill = min <= 0.0001 ? min / 10 ** 6 : 0.0001
  for (let i = 0; i < p.length; i++) if (p[i] === 0) p[i] = fill
}
