// Distances between the two empirical CDFs: Wasserstein (normed) and energy distance.

import { meanStd } from './sample.js'
import { distanceResult, type StatTestResult } from './types.js'
import { type NumericTestOptions, prepare } from './numeric-common.js'

/** ∫|F_u − F_v|^p dx over two sorted samples (p = 1 or 2; for p = 2 returns the integral before the root). */
export function cdfDistanceIntegral(u: Float64Array, v: Float64Array, p: 1 | 2): number {
  const nu = u.length
  const nv = v.length
  let i = 0
  let j = 0
  let sum = 0
  let prev = Number.NaN
  let fu = 0
  let fv = 0
  while (i < nu || j < nv) {
    const x = j >= nv || (i < nu && u[i]! <= v[j]!) ? u[i]! : v[j]!
    if (i + j > 0) {
      const diff = Math.abs(fu - fv)
      sum += (p === 1 ? diff : diff * diff) * (x - prev)
    }
    while (i < nu && u[i]! <= x) i++
    while (j < nv && v[j]! <= x) j++
    fu = i / nu
    fv = j / nv
    prev = x
  }
  return sum
}

/** Wasserstein-1 distance normed by the reference's population std (floored at 0.001); drift when >= 0.1. */
export function wasserstein(
  reference: ArrayLike<number>,
  current: ArrayLike<number>,
  opts: NumericTestOptions = {},
): StatTestResult {
  const { r, c } = prepare('wasserstein', reference, current)
  const norm = Math.max(meanStd(r).std, 0.001)
  const w = cdfDistanceIntegral(r, c, 1)
  return distanceResult('wasserstein', w / norm, opts.threshold ?? 0.1, '>=')
}

/** Energy distance scipy.stats.energy_distance = sqrt(2·∫(F_ref − F_cur)²); drift when > 0.1. */
export function energyDistance(
  reference: ArrayLike<number>,
  current: ArrayLike<number>,
  opts: NumericTestOptions = {},
): StatTestResult {
  const { r, c } = prepare('ed', reference, current)
  const d = Math.SQRT2 * Math.sqrt(cdfDistanceIntegral(r, c, 2))
  return distanceResult('ed', d, opts.threshold ?? 0.1, '>')
}
