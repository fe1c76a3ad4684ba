// Two-sample Kolmogorov–Smirnov: the statistic, scipy's exact and asymptotic p-values, the test.

import { kstwoSf } from './distributions.js'
import { pValueResult, type StatTestResult } from './types.js'
import { gcd, type NumericTestOptions, prepare } from './numeric-common.js'

// ---------------------------------------------------------------------------------------------
// Kolmogorov–Smirnov

/** The two-sided two-sample KS statistic D = max |F_ref − F_cur| of two sorted samples. */
export function ksStatistic(r: Float64Array, c: Float64Array): number {
  const n1 = r.length
  const n2 = c.length
  let i = 0
  let j = 0
  let maxS = 0
  let minS = 0
  while (i < n1 || j < n2) {
    const v = j >= n2 || (i < n1 && r[i]! <= c[j]!) ? r[i]! : c[j]!
    while (i < n1 && r[i]! <= v) i++
    while (j < n2 && c[j]! <= v) j++
    const d = i / n1 - j / n2
    if (d > maxS) maxS = d
    if (-d > minS) minS = -d
  }
  return Math.min(Math.max(minS, 0), 1) > maxS ? Math.min(minS, 1) : maxS
}

function probOutsideSquare(n: number, h: number): number {
  let P = 0
  let k = Math.floor(n / h)
  while (k >= 0) {
    let p1 = 1
    for (let j = 0; j < h; j++) p1 = ((n - k * h - j) * p1) / (n + k * h + j + 1)
    P = p1 * (1 - P)
    k -= 1
  }
  return 2 * P
}

function outerProbInsideMethod(m: number, n: number, g: number, h: number): number {
  if (m < n) [m, n] = [n, m]
  const mg = m / g
  const ng = n / g
  let minj = 0
  let maxj = Math.min(Math.ceil(h / mg), n + 1)
  let curlen = maxj - minj
  const lenA = Math.min(2 * maxj + 2, n + 1)
  const A = new Float64Array(lenA).fill(1)
  for (let t = minj; t < maxj; t++) A[t] = 0
  for (let i = 1; i <= m; i++) {
    const lastminj = minj
    const lastlen = curlen
    minj = Math.max(Math.floor((ng * i - h) / mg) + 1, 0)
    minj = Math.min(minj, n)
    maxj = Math.min(Math.ceil((ng * i + h) / mg), n + 1)
    if (maxj <= minj) return 1
    let val = minj === 0 ? 0 : 1
    for (let jj = 0; jj < maxj - minj; jj++) {
      const j = jj + minj
      val = (A[jj + minj - lastminj]! * i + val * j) / (i + j)
      A[jj] = val
    }
    curlen = maxj - minj
    if (lastlen > curlen) for (let t = maxj - minj; t < maxj - minj + (lastlen - curlen); t++) A[t] = 1
  }
  return A[maxj - minj - 1]!
}

/** The p-value of the two-sided two-sample KS test as scipy.stats.ks_2samp(method='auto'). */
export function ksPValue(d: number, n1: number, n2: number): { d: number; pValue: number; method: 'exact' | 'asymp' } {
  const g = gcd(n1, n2)
  if (Math.max(n1, n2) <= 10000) {
    const lcm = (n1 / g) * n2
    const h = Math.round(d * lcm)
    const dd = h / lcm
    if (h === 0) return { d: dd, pValue: 1, method: 'exact' }
    const prob = n1 === n2 ? probOutsideSquare(n1, h) : outerProbInsideMethod(n1, n2, g, h)
    if (Number.isFinite(prob) && prob >= 0 && prob <= 1) return { d: dd, pValue: prob, method: 'exact' }
    d = dd
  }
  const m = Math.max(n1, n2)
  const n = Math.min(n1, n2)
  const en = (m * n) / (m + n)
  const p = kstwoSf(Math.round(en), d)
  return { d, pValue: Math.min(Math.max(p, 0), 1), method: 'asymp' }
}

/** Two-sample Kolmogorov–Smirnov (scipy.stats.ks_2samp, two-sided, method='auto'); drift when p <= 0.05. */
export function ks(
  reference: ArrayLike<number>,
  current: ArrayLike<number>,
  opts: NumericTestOptions = {},
): StatTestResult {
  const { r, c } = prepare('ks', reference, current)
  const res = ksPValue(ksStatistic(r, c), r.length, c.length)
  return pValueResult('ks', res.d, res.pValue, opts.threshold ?? 0.05, '<=')
}

// ---------------------------------------------------------------------------------------------
// CDF distances: Wasserstein-1 and energy distance (scipy.stats._cdf_distance)
