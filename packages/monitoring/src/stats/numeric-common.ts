// Shared by the numeric drift tests: options, sample preparation (sorted, checked), tie groups of
// the pooled sample, and the seeded generator of the permutation tests.

import { createRng } from '@keel/ml'
import { sortedSample, upperBound } from './sample.js'
import { StatTestError, type StatTestName } from './types.js'

export interface NumericTestOptions {
  threshold?: number
}

export function prepare(test: StatTestName, reference: ArrayLike<number>, current: ArrayLike<number>, min = 1) {
  const r = sortedSample(reference)
  const c = sortedSample(current)
  if (r.length < min)
    throw new StatTestError(
      test,
      min === 1 ? 'the reference sample is empty' : `needs at least ${min} reference values`,
    )
  if (c.length < min)
    throw new StatTestError(test, min === 1 ? 'the current sample is empty' : `needs at least ${min} current values`)
  if (Number.isNaN(r[r.length - 1]!) || Number.isNaN(c[c.length - 1]!))
    throw new StatTestError(test, 'the samples contain NaN')
  if (
    !Number.isFinite(r[0]!) ||
    !Number.isFinite(r[r.length - 1]!) ||
    !Number.isFinite(c[0]!) ||
    !Number.isFinite(c[c.length - 1]!)
  )
    throw new StatTestError(test, 'the samples contain ±Infinity')
  return { r, c }
}

// ---------------------------------------------------------------------------------------------

// ---------------------------------------------------------------------------------------------
// Ranks of the pooled sample (midranks for ties), walked group by group.

export interface TieGroup {
  /** pooled 0-based start position */
  start: number
  /** members from reference, from current */
  nr: number
  nc: number
}

export function forEachTieGroup(r: Float64Array, c: Float64Array, fn: (g: TieGroup, value: number) => void): void {
  let i = 0
  let j = 0
  const g: TieGroup = { start: 0, nr: 0, nc: 0 }
  while (i < r.length || j < c.length) {
    const v = j >= c.length || (i < r.length && r[i]! <= c[j]!) ? r[i]! : c[j]!
    const i2 = i < r.length && r[i] === v ? upperBound(r, v, i) : i
    const j2 = j < c.length && c[j] === v ? upperBound(c, v, j) : j
    g.start = i + j
    g.nr = i2 - i
    g.nc = j2 - j
    fn(g, v)
    i = i2
    j = j2
  }
}

// ---------------------------------------------------------------------------------------------
// Anderson–Darling k-sample (k = 2), midrank version, with SciPy's p-value interpolation.

/** A small seeded PRNG (mulberry32, @keel/ml's) for the permutation tests. */
export const seededRandom = (seed: number): (() => number) => createRng(Math.trunc(seed))

export function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b]
  return a
}
