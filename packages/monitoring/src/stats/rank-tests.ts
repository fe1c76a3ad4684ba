// Tests over the ranks of the pooled sample: Anderson–Darling (k-sample), Cramér–von Mises,
// Mann–Whitney U, and the two-sample t-test beside them.

import { besselK, gammaln, normalSf, studentTTwoSided } from './distributions.js'
import { meanStd } from './sample.js'
import { pValueResult, StatTestError, type StatTestResult } from './types.js'
import { forEachTieGroup, gcd, type NumericTestOptions, prepare } from './numeric-common.js'

const AD_B0 = [0.675, 1.281, 1.645, 1.96, 2.326, 2.573, 3.085]
const AD_B1 = [-0.245, 0.25, 0.678, 1.149, 1.822, 2.364, 3.615]
const AD_B2 = [-0.105, -0.305, -0.362, -0.391, -0.396, -0.345, -0.154]
const AD_SIG = [0.25, 0.1, 0.05, 0.025, 0.01, 0.005, 0.001]

/** Least-squares quadratic through (x, y) (np.polyfit(x, y, 2)), highest power first. */
function polyfit2(x: number[], y: number[]): [number, number, number] {
  // normal equations on centred x for conditioning, then expand back
  const n = x.length
  const mx = x.reduce((a, b) => a + b, 0) / n
  const S = new Array<number>(5).fill(0)
  const T = new Array<number>(3).fill(0)
  for (let i = 0; i < n; i++) {
    const t = x[i]! - mx
    let p = 1
    for (let k = 0; k < 5; k++) {
      S[k] = S[k]! + p
      if (k < 3) T[k] = T[k]! + p * y[i]!
      p *= t
    }
  }
  // solve [[S0 S1 S2],[S1 S2 S3],[S2 S3 S4]] [c0 c1 c2] = T  (c0 + c1 t + c2 t²)
  const M = [
    [S[0]!, S[1]!, S[2]!, T[0]!],
    [S[1]!, S[2]!, S[3]!, T[1]!],
    [S[2]!, S[3]!, S[4]!, T[2]!],
  ]
  for (let col = 0; col < 3; col++) {
    let piv = col
    for (let row = col + 1; row < 3; row++) if (Math.abs(M[row]![col]!) > Math.abs(M[piv]![col]!)) piv = row
    ;[M[col], M[piv]] = [M[piv]!, M[col]!]
    for (let row = 0; row < 3; row++) {
      if (row === col) continue
      const f = M[row]![col]! / M[col]![col]!
      for (let k = col; k < 4; k++) M[row]![k] = M[row]![k]! - f * M[col]![k]!
    }
  }
  const c0 = M[0]![3]! / M[0]![0]!
  const c1 = M[1]![3]! / M[1]![1]!
  const c2 = M[2]![3]! / M[2]![2]!
  // c0 + c1 (x − mx) + c2 (x − mx)² = c2 x² + (c1 − 2 c2 mx) x + (c0 − c1 mx + c2 mx²)
  return [c2, c1 - 2 * c2 * mx, c0 - c1 * mx + c2 * mx * mx]
}

/**
 * k-sample Anderson–Darling for two samples (scipy.stats.anderson_ksamp, midrank): the
 * standardized statistic and SciPy's p-value, interpolated from Scholz & Stephens' table and
 * capped to [0.001, 0.25]. Drift when p < 0.1.
 */
export function anderson(
  reference: ArrayLike<number>,
  current: ArrayLike<number>,
  opts: NumericTestOptions = {},
): StatTestResult {
  const { r, c } = prepare('anderson', reference, current)
  const n = [r.length, c.length]
  const N = n[0]! + n[1]!
  let distinct = 0
  forEachTieGroup(r, c, () => distinct++)
  if (distinct < 2) throw new StatTestError('anderson', 'needs more than one distinct value in the pooled sample')
  const k = 2
  let A2akN = 0
  const inner = [0, 0]
  const allUnique = distinct === N
  let mr = 0
  let mc = 0
  forEachTieGroup(r, c, (g) => {
    const lj = allUnique ? 1 : g.nr + g.nc
    const Bj = g.start + lj / 2
    mr += g.nr
    mc += g.nc
    const den = Bj * (N - Bj) - (N * lj) / 4
    const Mr = mr - g.nr / 2
    const Mc = mc - g.nc / 2
    const tr = N * Mr - Bj * n[0]!
    const tc = N * Mc - Bj * n[1]!
    inner[0] = inner[0]! + ((lj / N) * tr * tr) / den
    inner[1] = inner[1]! + ((lj / N) * tc * tc) / den
  })
  A2akN = inner[0]! / n[0]! + inner[1]! / n[1]!
  A2akN *= (N - 1) / N
  const H = 1 / n[0]! + 1 / n[1]!
  // hs_cs = cumsum(1 / arange(N-1, 1, -1)); h = hs_cs[-1] + 1; g = sum(hs_cs / arange(2, N))
  let cs = 0
  let gsum = 0
  for (let idx = 0, d = N - 1; d > 1; idx++, d--) {
    cs += 1 / d
    gsum += cs / (idx + 2)
  }
  const h = cs + 1
  const gg = gsum
  const a = (4 * gg - 6) * (k - 1) + (10 - 6 * gg) * H
  const b = (2 * gg - 4) * k ** 2 + 8 * h * k + (2 * gg - 14 * h - 4) * H - 8 * h + 4 * gg - 6
  const cc = (6 * h + 2 * gg - 2) * k ** 2 + (4 * h - 4 * gg + 6) * k + (2 * h - 6) * H + 4 * h
  const d = (2 * h + 6) * k ** 2 - 4 * h * k
  const sigmasq = (a * N ** 3 + b * N ** 2 + cc * N + d) / ((N - 1) * (N - 2) * (N - 3))
  const m = k - 1
  const A2 = (A2akN - m) / Math.sqrt(sigmasq)
  const critical = AD_B0.map((b0, i) => b0 + AD_B1[i]! / Math.sqrt(m) + AD_B2[i]! / m)
  let p: number
  if (A2 < Math.min(...critical)) p = 0.25
  else if (A2 > Math.max(...critical)) p = 0.001
  else {
    const [p2, p1, p0] = polyfit2(critical, AD_SIG.map(Math.log))
    p = Math.exp((p2 * A2 + p1) * A2 + p0)
  }
  if (!Number.isFinite(A2))
    throw new StatTestError('anderson', 'the statistic is undefined for these samples (too few values)')
  return pValueResult('anderson', A2, p, opts.threshold ?? 0.1, '<')
}

// ---------------------------------------------------------------------------------------------
// Cramér–von Mises two-sample (scipy.stats.cramervonmises_2samp; Evidently ships the same code)

function cdfCvmInf(x: number): number {
  let tot = 0
  for (let k = 0; ; k++) {
    const u = Math.exp(gammaln(k + 0.5) - gammaln(k + 1)) / (Math.PI ** 1.5 * Math.sqrt(x))
    const y = 4 * k + 1
    const q = (y * y) / (16 * x)
    const z = u * Math.sqrt(y) * Math.exp(-q) * besselK(0.25, q)
    tot += z
    if (!(Math.abs(z) >= 1e-7)) break
  }
  return tot
}

function cvmExactPValue(s: number, m: number, n: number): number {
  const l = (m / gcd(m, n)) * n
  const a = l / m
  const b = l / n
  const mn = m * n
  const zeta = Math.floor((l ** 2 * (m + n) * (6 * s - mn * (4 * mn - 1))) / (6 * mn ** 2))
  let combinations = 1
  for (let i = 1; i <= m; i++) combinations = (combinations * (n + i)) / i
  combinations = Math.round(combinations)
  // gs[v]: map value -> frequency
  let gs: Array<Map<number, number>> = [new Map([[0, 1]])]
  for (let v = 0; v < m; v++) gs.push(new Map())
  for (let u = 0; u <= n; u++) {
    const next: Array<Map<number, number>> = []
    let tmp = new Map<number, number>()
    for (let v = 0; v < gs.length; v++) {
      const g = gs[v]!
      const merged = new Map<number, number>(tmp)
      for (const [val, f] of g) merged.set(val, (merged.get(val) ?? 0) + f)
      const res = (a * v - b * u) ** 2
      tmp = new Map<number, number>()
      for (const [val, f] of merged) tmp.set(val + res, f)
      next.push(tmp)
    }
    gs = next
  }
  let sum = 0
  for (const [val, f] of gs[m]!) if (val >= zeta) sum += f
  return sum / combinations
}

/** Two-sample Cramér–von Mises (exact when both sizes <= 20, else asymptotic); drift when p <= 0.1. */
export function cramerVonMises(
  reference: ArrayLike<number>,
  current: ArrayLike<number>,
  opts: NumericTestOptions = {},
): StatTestResult {
  const { r, c } = prepare('cramer_von_mises', reference, current, 2)
  const nx = r.length
  const ny = c.length
  let sx = 0
  let sy = 0
  let ix = 0
  let iy = 0
  forEachTieGroup(r, c, (g) => {
    const rank = g.start + (g.nr + g.nc + 1) / 2
    for (let t = 0; t < g.nr; t++) {
      ix++
      const d = rank - ix
      sx += d * d
    }
    for (let t = 0; t < g.nc; t++) {
      iy++
      const d = rank - iy
      sy += d * d
    }
  })
  const u = nx * sx + ny * sy
  const k = nx * ny
  const N = nx + ny
  const t = u / (k * N) - (4 * k - 1) / (6 * N)
  let p: number
  if (Math.max(nx, ny) <= 20) p = cvmExactPValue(u, nx, ny)
  else {
    const et = (1 + 1 / N) / 6
    let vt = (N + 1) * (4 * k * N - 3 * (nx ** 2 + ny ** 2) - 2 * k)
    vt = vt / (45 * N ** 2 * 4 * k)
    const tn = 1 / 6 + (t - et) / Math.sqrt(45 * vt)
    p = tn < 0.003 ? 1 : Math.max(0, 1 - cdfCvmInf(tn))
  }
  return pValueResult('cramer_von_mises', t, p, opts.threshold ?? 0.1, '<=')
}

// ---------------------------------------------------------------------------------------------
// Mann–Whitney U (scipy.stats.mannwhitneyu, method='auto', continuity correction)

export type Alternative = 'two-sided' | 'less' | 'greater'

/** P(U >= u) under H0 for sizes (n1, n2), no ties: the Gaussian binomial coefficients [n1+n2, n1]_q. */
function mwuExactSf(u: number, n1: number, n2: number): number {
  const m = Math.min(n1, n2)
  const n = Math.max(n1, n2)
  const maxDeg = m * n
  // coefficients of prod_{i=1..m} (1 − q^(n+i)) / (1 − q^i)
  const c = new Float64Array(maxDeg + 1)
  c[0] = 1
  let deg = 0
  for (let i = 1; i <= m; i++) {
    const s = n + i
    // multiply by (1 − q^s)
    for (let k = deg + s; k >= s; k--) c[k] = c[k]! - c[k - s]!
    deg += s
    // divide by (1 − q^i): b[k] = a[k] + b[k − i]
    for (let k = i; k <= deg; k++) c[k] = c[k]! + c[k - i]!
    deg -= i
  }
  let total = 0
  for (let k = 0; k <= maxDeg; k++) total += c[k]!
  // P(U >= u) = P(U <= mn − u) by symmetry; sum the shorter tail
  const kc = maxDeg - u
  let s = 0
  if (u < kc) {
    for (let k = 0; k < u; k++) s += c[k]!
    return 1 - s / total
  }
  for (let k = 0; k <= kc; k++) s += c[k]!
  return s / total
}

export interface MannWhitneyOptions extends NumericTestOptions {
  /** Evidently calls scipy with alternative="less" (reference stochastically less than current) */
  alternative?: Alternative
}

/** Mann–Whitney U with Evidently's alternative="less" by default; statistic = U of the reference; drift when p < 0.05. */
export function mannWhitney(
  reference: ArrayLike<number>,
  current: ArrayLike<number>,
  opts: MannWhitneyOptions = {},
): StatTestResult {
  const { r, c } = prepare('mannw', reference, current)
  const n1 = r.length
  const n2 = c.length
  let R1 = 0
  let tieTerm = 0
  let ties = false
  forEachTieGroup(r, c, (g) => {
    const t = g.nr + g.nc
    const rank = g.start + (t + 1) / 2
    R1 += rank * g.nr
    if (t > 1) {
      ties = true
      tieTerm += t ** 3 - t
    }
  })
  const U1 = R1 - (n1 * (n1 + 1)) / 2
  const U2 = n1 * n2 - U1
  const alternative = opts.alternative ?? 'less'
  const [U, f] = alternative === 'greater' ? [U1, 1] : alternative === 'less' ? [U2, 1] : [Math.max(U1, U2), 2]
  let p: number
  if ((n1 > 8 && n2 > 8) || ties) {
    const mu = (n1 * n2) / 2
    const n = n1 + n2
    const s = Math.sqrt(((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1))))
    const z = (U - mu - 0.5) / s
    p = normalSf(z)
  } else p = mwuExactSf(U, n1, n2)
  p = Math.min(Math.max(p * f, 0), 1)
  if (Number.isNaN(p)) throw new StatTestError('mannw', 'the p-value is undefined (every value is the same)')
  return pValueResult('mannw', U1, p, opts.threshold ?? 0.05, '<')
}

// ---------------------------------------------------------------------------------------------
// Student's t (scipy.stats.ttest_ind, equal_var=True as Evidently calls it)

export interface TTestOptions extends NumericTestOptions {
  /** false: Welch's test. Evidently uses scipy's default, the pooled-variance Student test. */
  equalVar?: boolean
}

/** Two-sample t-test (pooled variance by default, as Evidently); drift when p < 0.05. */
export function tTest(
  reference: ArrayLike<number>,
  current: ArrayLike<number>,
  opts: TTestOptions = {},
): StatTestResult {
  const { r, c } = prepare('t_test', reference, current, 2)
  const n1 = r.length
  const n2 = c.length
  const a = meanStd(r)
  const b = meanStd(c)
  const v1 = (a.std * a.std * n1) / (n1 - 1)
  const v2 = (b.std * b.std * n2) / (n2 - 1)
  let df: number
  let denom: number
  if (opts.equalVar === false) {
    const vn1 = v1 / n1
    const vn2 = v2 / n2
    df = (vn1 + vn2) ** 2 / (vn1 ** 2 / (n1 - 1) + vn2 ** 2 / (n2 - 1))
    denom = Math.sqrt(vn1 + vn2)
  } else {
    df = n1 + n2 - 2
    const svar = ((n1 - 1) * v1 + (n2 - 1) * v2) / df
    denom = Math.sqrt(svar * (1 / n1 + 1 / n2))
  }
  const t = (a.mean - b.mean) / denom
  if (Number.isNaN(t))
    throw new StatTestError('t_test', 'the statistic is undefined: both samples are constant and equal')
  const p = studentTTwoSided(t, df)
  return pValueResult('t_test', t, p, opts.threshold ?? 0.05, '<')
}
