// Categorical drift tests: chisquare, z, fisher_exact, g_test, TVD (Evidently's wrappers over SciPy).

import { alignCounts, categoryCounts, type BinnableSample } from './binning.js'
import { chi2Sf, logBinom, normalCdf } from './distributions.js'
import { seededRandom } from './numeric-common.js'
import { pValueResult, StatTestError, type Category, type StatTestName, type StatTestResult } from './types.js'

export interface CategoricalTestOptions {
  threshold?: number
}

function nonEmpty(test: StatTestName, r: BinnableSample, c: BinnableSample): void {
  if (r.length === 0) throw new StatTestError(test, 'the reference sample is empty')
  if (c.length === 0) throw new StatTestError(test, 'the current sample is empty')
}

/**
 * Evidently's chi-square: categories = union of both samples; expected = reference counts scaled
 * to the current size; scipy.stats.chisquare(observed=current counts, expected). A category seen
 * only in current makes the statistic infinite (p = 0). Drift when p < 0.05.
 */
export function chiSquare(
  reference: BinnableSample,
  current: BinnableSample,
  opts: CategoricalTestOptions = {},
): StatTestResult {
  nonEmpty('chisquare', reference, current)
  const al = alignCounts(categoryCounts(reference), categoryCounts(current))
  if (al.keys.length < 2)
    throw new StatTestError('chisquare', 'needs at least 2 categories across both samples (found 1)')
  const kNorm = current.length / reference.length
  let stat = 0
  for (let i = 0; i < al.keys.length; i++) {
    const e = al.ref[i]! * kNorm
    const o = al.cur[i]!
    const d = o - e
    stat += e === 0 ? (d === 0 ? Number.NaN : Number.POSITIVE_INFINITY) : (d * d) / e
  }
  const p = chi2Sf(stat, al.keys.length - 1)
  return pValueResult('chisquare', stat, p, opts.threshold ?? 0.05, '<')
}

function compareCategories(a: Category, b: Category): number {
  // Python's sorted(): numbers (and booleans) by value, strings by code point
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0
  if (typeof a !== 'string' && typeof b !== 'string') return Number(a) - Number(b)
  return typeof a === 'string' ? 1 : -1
}

/**
 * Evidently's Z-test: both samples the same single value → p = 1; otherwise the first category in
 * sorted order against all others, two-proportion z with the pooled proportion,
 * p = 2·(1 − Φ(|z|)). Drift when p < 0.05.
 */
export function zTest(
  reference: BinnableSample,
  current: BinnableSample,
  opts: CategoricalTestOptions = {},
): StatTestResult {
  nonEmpty('z', reference, current)
  const rc = categoryCounts(reference)
  const cc = categoryCounts(current)
  const threshold = opts.threshold ?? 0.05
  if (rc.size === 1 && cc.size === 1 && [...rc.keys()][0] === [...cc.keys()][0]) {
    return pValueResult('z', 0, 1, threshold, '<')
  }
  const keys = [...new Set([...rc.keys(), ...cc.keys()])].sort(compareCategories)
  const key = keys[0]!
  const n1 = reference.length
  const n2 = current.length
  // encoded 0 for the key, 1 otherwise: the proportion of "others"
  const p1 = (n1 - (rc.get(key) ?? 0)) / n1
  const p2 = (n2 - (cc.get(key) ?? 0)) / n2
  const P = (p1 * n1 + p2 * n2) / (n1 + n2)
  const z = (p1 - p2) / Math.sqrt(P * (1 - P) * (1 / n1 + 1 / n2))
  const p = 2 * (1 - normalCdf(Math.abs(z)))
  return pValueResult('z', z, p, threshold, '<')
}

/**
 * G-test scipy.stats.power_divergence(f_obs=current counts, f_exp=reference counts,
 * lambda_="log-likelihood"), as Evidently calls it: the expected counts are NOT rescaled, so SciPy
 * (and therefore Evidently) rejects samples whose sizes differ by more than a relative 1e-8.
 * Drift when p < 0.1.
 */
export function gTest(
  reference: BinnableSample,
  current: BinnableSample,
  opts: CategoricalTestOptions = {},
): StatTestResult {
  nonEmpty('g_test', reference, current)
  const al = alignCounts(categoryCounts(reference), categoryCounts(current))
  const sumObs = current.length
  const sumExp = reference.length
  if (Math.abs(sumObs - sumExp) > 1e-8 * Math.max(sumObs, sumExp)) {
    throw new StatTestError(
      'g_test',
      `Evidently compares raw counts, so the samples must have the same size (reference ${sumExp}, current ${sumObs})`,
    )
  }
  if (al.keys.length < 2) throw new StatTestError('g_test', 'needs at least 2 categories across both samples (found 1)')
  let stat = 0
  for (let i = 0; i < al.keys.length; i++) {
    const o = al.cur[i]!
    const e = al.ref[i]!
    // 2 · Σ xlogy(o, o/e)
    if (o === 0) continue
    stat += e === 0 ? Number.POSITIVE_INFINITY : o * Math.log(o / e)
  }
  stat *= 2
  const p = chi2Sf(stat, al.keys.length - 1)
  return pValueResult('g_test', stat, p, opts.threshold ?? 0.1, '<')
}

/** Two-sided Fisher exact p-value of the 2×2 table [[a, b], [c, d]] (scipy.stats.fisher_exact). */
export function fisherExact2x2(a: number, b: number, c: number, d: number): { oddsRatio: number; pValue: number } {
  if (a + b === 0 || c + d === 0 || a + c === 0 || b + d === 0) return { oddsRatio: Number.NaN, pValue: 1 }
  const oddsRatio = c > 0 && b > 0 ? (a * d) / (c * b) : Number.POSITIVE_INFINITY
  const n1 = a + b
  const n2 = c + d
  const n = a + c
  const M = n1 + n2
  // hypergeometric pmf of x (draws n from M with n1 successes)
  const lo = Math.max(0, n - n2)
  const hi = Math.min(n, n1)
  const logpmf = (x: number): number => logBinom(n1, x) + logBinom(n2, n - x) - logBinom(M, n)
  const mode = Math.floor(((n + 1) * (n1 + 1)) / (M + 2))
  const pexact = Math.exp(logpmf(a))
  const pmode = Math.exp(logpmf(mode))
  if (Math.abs(pexact - pmode) / Math.max(pexact, pmode) <= 1e-14) return { oddsRatio, pValue: 1 }
  // pmf relative to the mode by the ratio recurrence (accurate far into the tails)
  const len = hi - lo + 1
  const rel = new Float64Array(len)
  rel[mode - lo] = 1
  for (let x = mode; x < hi; x++) rel[x + 1 - lo] = (rel[x - lo]! * (n1 - x) * (n - x)) / ((x + 1) * (n2 - n + x + 1))
  for (let x = mode; x > lo; x--) rel[x - 1 - lo] = (rel[x - lo]! * x * (n2 - n + x)) / ((n1 - x + 1) * (n - x + 1))
  const target = rel[a - lo]! * (1 + 1e-14)
  let s = 0
  for (let i = 0; i < len; i++) if (rel[i]! <= target) s += rel[i]!
  return { oddsRatio, pValue: Math.min(s * pmode, 1) }
}

/**
 * Evidently's fisher_exact: binary data of equal-size samples; table
 * [[cur ones, cur zeros], [ref ones, ref zeros]]. Drift when p < 0.1.
 */
export function fisherExact(
  reference: BinnableSample,
  current: BinnableSample,
  opts: CategoricalTestOptions = {},
): StatTestResult {
  nonEmpty('fisher_exact', reference, current)
  if (reference.length !== current.length) {
    throw new StatTestError(
      'fisher_exact',
      `Evidently requires samples of equal length (reference ${reference.length}, current ${current.length})`,
    )
  }
  const rc = categoryCounts(reference)
  const cc = categoryCounts(current)
  if (rc.size > 2 || cc.size > 2)
    throw new StatTestError('fisher_exact', 'expects binary data, found more than 2 categories')
  const keys = [...new Set([...rc.keys(), ...cc.keys()])]
  if (keys.length > 2)
    throw new StatTestError('fisher_exact', 'expects binary data, found more than 2 categories in the union')
  const one = keys[1]
  const oneRef = one === undefined ? 0 : (rc.get(one) ?? 0)
  const oneCur = one === undefined ? 0 : (cc.get(one) ?? 0)
  const { oddsRatio, pValue } = fisherExact2x2(oneCur, current.length - oneCur, oneRef, reference.length - oneRef)
  return pValueResult('fisher_exact', oddsRatio, pValue, opts.threshold ?? 0.1, '<')
}

export interface TvdOptions extends CategoricalTestOptions {
  iterations?: number
  seed?: number
}

/**
 * Total variation distance 0.5·Σ|p_ref − p_cur| with Evidently's permutation p-value
 * (share of `iterations` (1000) random splits of the pooled sample whose TVD >= the observed;
 * seeded here, numpy's seed-0 stream in Evidently). Drift when p < 0.1.
 */
export function tvd(reference: BinnableSample, current: BinnableSample, opts: TvdOptions = {}): StatTestResult {
  nonEmpty('TVD', reference, current)
  const al = alignCounts(categoryCounts(reference), categoryCounts(current))
  const k = al.keys.length
  const nr = reference.length
  const nc = current.length
  const tvdOf = (r: Float64Array, c: Float64Array, sr: number, sc: number): number => {
    let s = 0
    for (let i = 0; i < k; i++) s += Math.abs(r[i]! / sr - c[i]! / sc)
    return 0.5 * s
  }
  const observed = tvdOf(al.ref, al.cur, nr, nc)
  // pooled sample as category codes; each iteration draws the smaller side without replacement
  const N = nr + nc
  const codes = new Int32Array(N)
  let pos = 0
  for (let i = 0; i < k; i++) {
    const tot = al.ref[i]! + al.cur[i]!
    codes.fill(i, pos, pos + tot)
    pos += tot
  }
  const total = new Float64Array(k)
  for (let i = 0; i < k; i++) total[i] = al.ref[i]! + al.cur[i]!
  const draws = Math.min(nr, nc)
  const drawRef = nr <= nc
  const rand = seededRandom(opts.seed ?? 0)
  const iterations = opts.iterations ?? 1000
  const a = new Float64Array(k)
  const b = new Float64Array(k)
  let ge = 0
  for (let it = 0; it < iterations; it++) {
    a.fill(0)
    for (let i = 0; i < draws; i++) {
      const j = i + Math.floor(rand() * (N - i))
      const t = codes[i]!
      codes[i] = codes[j]!
      codes[j] = t
      a[codes[i]!] = a[codes[i]!]! + 1
    }
    for (let i = 0; i < k; i++) b[i] = total[i]! - a[i]!
    const stat = drawRef ? tvdOf(a, b, nr, nc) : tvdOf(b, a, nr, nc)
    if (observed <= Math.abs(stat)) ge++
  }
  return pValueResult('TVD', observed, ge / iterations, opts.threshold ?? 0.1, '<')
}
