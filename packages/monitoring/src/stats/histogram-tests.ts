// Distance tests over Evidently's histograms: psi, kl_div, jensenshannon, hellinger.

import {
  alignCounts,
  binnedPercents,
  categoryCounts,
  histogramSorted,
  sturgesEdges,
  type BinnableSample,
} from './binning.js'
import { sortedSample } from './sample.js'
import { distanceResult, StatTestError, type FeatureType, type StatTestName, type StatTestResult } from './types.js'

export interface HistogramTestOptions {
  featureType?: FeatureType
  threshold?: number
}

function checkNonEmpty(test: StatTestName, r: BinnableSample, c: BinnableSample): void {
  if (r.length === 0) throw new StatTestError(test, 'the reference sample is empty')
  if (c.length === 0) throw new StatTestError(test, 'the current sample is empty')
}

/** Population Stability Index, Σ (ref − cur)·ln(ref / cur) over zero-filled bins; drift when >= 0.1. */
export function psi(
  reference: BinnableSample,
  current: BinnableSample,
  opts: HistogramTestOptions = {},
): StatTestResult {
  checkNonEmpty('psi', reference, current)
  const { reference: r, current: c } = binnedPercents(reference, current, opts.featureType ?? 'num', true)
  let s = 0
  for (let i = 0; i < r.length; i++) s += (r[i]! - c[i]!) * Math.log(r[i]! / c[i]!)
  return distanceResult('psi', s, opts.threshold ?? 0.1, '>=')
}

function xlogy_rel(p: number, q: number): number {
  // scipy.special.rel_entr
  if (p > 0 && q > 0) return p * Math.log(p / q)
  if (p === 0 && q >= 0) return 0
  return Number.POSITIVE_INFINITY
}

/** Kullback–Leibler divergence scipy.stats.entropy(ref, cur) over zero-filled bins; drift when >= 0.1. */
export function klDiv(
  reference: BinnableSample,
  current: BinnableSample,
  opts: HistogramTestOptions = {},
): StatTestResult {
  checkNonEmpty('kl_div', reference, current)
  const { reference: r, current: c } = binnedPercents(reference, current, opts.featureType ?? 'num', true)
  let sr = 0
  let sc = 0
  for (let i = 0; i < r.length; i++) {
    sr += r[i]!
    sc += c[i]!
  }
  let s = 0
  for (let i = 0; i < r.length; i++) s += xlogy_rel(r[i]! / sr, c[i]! / sc)
  return distanceResult('kl_div', s, opts.threshold ?? 0.1, '>=')
}

/** Jensen–Shannon distance scipy.spatial.distance.jensenshannon (natural log) over the bins; drift when >= 0.1. */
export function jensenShannon(
  reference: BinnableSample,
  current: BinnableSample,
  opts: HistogramTestOptions = {},
): StatTestResult {
  checkNonEmpty('jensenshannon', reference, current)
  const { reference: r, current: c } = binnedPercents(reference, current, opts.featureType ?? 'num', false)
  return distanceResult('jensenshannon', jensenShannonDistance(r, c), opts.threshold ?? 0.1, '>=')
}

/** scipy.spatial.distance.jensenshannon(p, q) with base e. */
export function jensenShannonDistance(p: Float64Array, q: Float64Array): number {
  let sp = 0
  let sq = 0
  for (let i = 0; i < p.length; i++) {
    sp += p[i]!
    sq += q[i]!
  }
  let left = 0
  let right = 0
  for (let i = 0; i < p.length; i++) {
    const pi = p[i]! / sp
    const qi = q[i]! / sq
    const m = (pi + qi) / 2
    left += xlogy_rel(pi, m)
    right += xlogy_rel(qi, m)
  }
  const js = left + right
  return Math.sqrt(js / 2)
}

/**
 * Evidently's Hellinger distance sqrt(1 − clip(BC, 0, 1)). Categorical: BC = Σ sqrt(p_ref·p_cur)
 * over the categories. Numerical: Sturges edges over the union of the distinct values, density
 * histograms, BC = Σ sqrt(h_ref·h_cur)·bin_width. Drift when >= 0.1.
 */
export function hellinger(
  reference: BinnableSample,
  current: BinnableSample,
  opts: HistogramTestOptions = {},
): StatTestResult {
  checkNonEmpty('hellinger', reference, current)
  let bc = 0
  if ((opts.featureType ?? 'num') === 'cat') {
    const al = alignCounts(categoryCounts(reference), categoryCounts(current))
    const nr = reference.length
    const nc = current.length
    for (let i = 0; i < al.keys.length; i++) bc += Math.sqrt((al.ref[i]! / nr) * (al.cur[i]! / nc))
  } else {
    const r = sortedSample(reference as ArrayLike<number>)
    const c = sortedSample(current as ArrayLike<number>)
    // distinct values of the union
    let nKeys = 0
    {
      let i = 0
      let j = 0
      let last = Number.NaN
      while (i < r.length || j < c.length) {
        const v = j >= c.length || (i < r.length && r[i]! <= c[j]!) ? r[i++]! : c[j++]!
        if (v !== last) {
          nKeys++
          last = v
        }
      }
    }
    const min = Math.min(r[0]!, c[0]!)
    const max = Math.max(r[r.length - 1]!, c[c.length - 1]!)
    const edges = sturgesEdges(min, max, nKeys)
    const h1 = histogramSorted(r, edges)
    const h2 = histogramSorted(c, edges)
    densityInPlace(h1, edges)
    densityInPlace(h2, edges)
    const binWidth = (edges[edges.length - 1]! - edges[0]!) / (edges.length - 1)
    for (let i = 0; i < h1.length; i++) bc += Math.sqrt(h1[i]! * h2[i]!) * binWidth
  }
  bc = Math.min(Math.max(bc, 0), 1)
  return distanceResult('hellinger', Math.sqrt(1 - bc), opts.threshold ?? 0.1, '>=')
}

function densityInPlace(h: Float64Array, edges: Float64Array): void {
  // np.histogram(density=True): n / diff(edges) / n.sum()
  let total = 0
  for (let i = 0; i < h.length; i++) total += h[i]!
  for (let i = 0; i < h.length; i++) h[i] = h[i]! / (edges[i + 1]! - edges[i]!) / total
}
