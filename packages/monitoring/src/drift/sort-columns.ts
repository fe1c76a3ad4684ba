// Sorting numeric columns once, before a report reads them: ascending with NaN at the end, exactly
// the order Float64Array.prototype.sort gives (so code that checks `isSortedNaNLast` skips its own
// sort), with the radix sort of stats/sample.ts. Row order means nothing to the drift report, so a
// caller that owns its columns can sort them in place (datasetDrift and the report then only check
// the order: a linear pass instead of a sort per use).

import { sortFloat64 } from '../stats/sample.js'

/** Sorts `a` in place: ascending, NaN last (Float64Array.prototype.sort's order). */
export function sortNaNLast(a: Float64Array): void {
  let n = 0
  for (let i = 0; i < a.length; i++) {
    const v = a[i]!
    if (!Number.isNaN(v)) a[n++] = v
  }
  a.fill(Number.NaN, n)
  sortFloat64(a.subarray(0, n))
}

/**
 * When `a` is already ascending with NaN last, its finite values (a view: ±Infinity and NaN are at
 * the ends) and whether they are all integers; else undefined. One linear pass.
 */
export function finiteIfSorted(a: Float64Array): { values: Float64Array; allIntegers: boolean } | undefined {
  const n = a.length
  let end = n
  while (end > 0 && Number.isNaN(a[end - 1]!)) end--
  for (let i = 1; i < end; i++) if (!(a[i - 1]! <= a[i]!)) return undefined
  let lo = 0
  while (lo < end && a[lo] === Number.NEGATIVE_INFINITY) lo++
  let hi = end
  while (hi > lo && a[hi - 1] === Number.POSITIVE_INFINITY) hi--
  let allIntegers = true
  for (let i = lo; i < hi; i++)
    if (!Number.isInteger(a[i]!)) {
      allIntegers = false
      break
    }
  return { values: a.subarray(lo, hi), allIntegers }
}
