// Distribution functions the drift tests need. The classical ones come from @stdlib (incomplete
// gamma and beta functions, erfc, log-gamma); what no library ships is ported from SciPy's
// published algorithms (cited per function) and tested against SciPy in test/distributions.test.ts.

import { gammaln, special } from './special-functions.js'

export { gammaln }

/** Standard normal CDF Φ(x) (scipy.special.ndtr). */
export function normalCdf(x: number): number {
  return 0.5 * special().erfc(-x / Math.SQRT2)
}

/** Standard normal survival function 1 − Φ(x), accurate in the upper tail. */
export function normalSf(x: number): number {
  return 0.5 * special().erfc(x / Math.SQRT2)
}

/** Chi-square survival function P(X >= x), X ~ χ²(df) (scipy.stats.chi2.sf). */
export function chi2Sf(x: number, df: number): number {
  if (Number.isNaN(x) || !(df > 0)) return Number.NaN
  if (x <= 0) return 1
  if (x === Number.POSITIVE_INFINITY) return 0
  return special().gammainc(x / 2, df / 2, true, true)
}

/** Two-sided p-value of Student's t: P(|T| >= |t|), T ~ t(df) (2 · scipy.stats.t.sf(|t|, df)). */
export function studentTTwoSided(t: number, df: number): number {
  if (Number.isNaN(t) || !(df > 0)) return Number.NaN
  if (!Number.isFinite(t)) return 0
  // P(|T| >= |t|) = I_{df/(df+t²)}(df/2, 1/2)
  return special().betainc(df / (df + t * t), df / 2, 0.5, true, false)
}

/** ln C(n, k) for integers 0 <= k <= n. */
export function logBinom(n: number, k: number): number {
  return gammaln(n + 1) - gammaln(k + 1) - gammaln(n - k + 1)
}

// ---------------------------------------------------------------------------------------------
// Kolmogorov–Smirnov distributions (scipy.stats._ksstats, scipy.special.smirnov).

const E128 = 2 ** 128
const EM128 = 2 ** -128
const LOG_2PI = Math.log(2 * Math.PI)
const SQRT2PI = Math.sqrt(2 * Math.PI)
const PI2 = Math.PI ** 2
const PI4 = Math.PI ** 4
const PI6 = Math.PI ** 6
const STIRLING = [
  -0.029550653594771242, 0.00641025641025641, -0.0019175269175269176, 0.0008417508417508417, -0.0005952380952380953,
  0.0007936507936507937, -0.002777777777777778, 0.08333333333333333,
]

function clip01(p: number): number {
  return p < 0 ? 0 : Math.min(p, 1)
}

function logNFactorialDivNPowN(n: number): number {
  const rn = 1 / n
  let poly = 0
  const z = rn / n
  for (const c of STIRLING) poly = poly * z + c
  return Math.log(n) / 2 - n + LOG_2PI / 2 + rn * poly
}

/**
 * One-sided Smirnov survival function P(D+_n >= x) (scipy.special.smirnov): the Birnbaum–Tingey
 * sum x·Σ_j C(n,j)(1−x−j/n)^(n−j)(x+j/n)^(j−1), all terms positive, summed in log space.
 */
export function smirnov(n: number, x: number): number {
  if (!(n > 0 && x >= 0 && x <= 1)) return Number.NaN
  if (n === 1) return x
  if (x === 0) return 1
  if (x === 1) return 0
  const nx = n * x
  let nxfl = Math.floor(nx)
  let alpha = nx - nxfl
  // modNX in xsf: guard against nx rounding just below an integer
  if (1 - alpha < 1e-15 * Math.max(1, nx)) {
    nxfl += 1
    alpha = 0
  }
  if (nxfl === 0 || (nxfl === 1 && alpha === 0)) {
    const t = (1 + x) ** (n - 1)
    return 1 - x * t
  }
  if (-2 * n * x * x < -708.3964185322641) return 0
  if (nxfl >= n - 1) return (1 - x) ** n
  if (n > 1_000_000) {
    const logp = -((6 * n * x + 1) ** 2) / 18 / n
    return logp < -Math.LN2 ? Math.exp(logp) : 1 + Math.expm1(logp)
  }
  let n1mxfl = n - nxfl - (alpha === 0 ? 0 : 1)
  if (alpha === 0) n1mxfl -= 1
  const nTerms = n1mxfl + 1
  // log terms: lnC(n,j) + (n−j)·ln(1−x−j/n) + (j−1)·ln(x+j/n)
  const lgn1 = gammaln(n + 1)
  let maxLog = Number.NEGATIVE_INFINITY
  const logs = new Float64Array(nTerms)
  let count = 0
  for (let j = 0; j < nTerms; j++) {
    const a = (n - j) / n - x
    const b = j / n + x
    const lt = lgn1 - gammaln(j + 1) - gammaln(n - j + 1) + (n - j) * Math.log(a) + (j - 1) * Math.log(b)
    logs[j] = lt
    count = j + 1
    if (lt > maxLog) maxLog = lt
    else if (lt < maxLog - 40) break // the terms are unimodal in j; the rest are below 1e-17 of the sum
  }
  let s = 0
  for (let j = 0; j < count; j++) s += Math.exp(logs[j]! - maxLog)
  return clip01(x * s * Math.exp(maxLog))
}

function kolmognDMTW(n: number, d: number): number {
  // Durbin matrix, Marsaglia–Tsang–Wang; returns the CDF.
  if (d >= 1) return 1
  const nd = n * d
  if (nd <= 0.5) return 0
  const k = Math.ceil(nd)
  const h = k - nd
  const m = 2 * k - 1
  let H: Float64Array = new Float64Array(m * m)
  const v = new Float64Array(m)
  const w = new Float64Array(m)
  let fac = 1
  for (let j = 1; j <= m; j++) {
    v[j - 1] = 1 - h ** j
    w[j - 1] = fac
    fac /= j
    v[j - 1] = v[j - 1]! * fac
  }
  const tt = Math.max(2 * h - 1, 0) ** m - 2 * h ** m
  v[m - 1] = (1 + tt) * fac
  for (let i = 1; i < m; i++) {
    for (let r = i - 1; r < m; r++) H[r * m + i] = w[r - (i - 1)]!
  }
  for (let r = 0; r < m; r++) H[r * m] = v[r]!
  for (let c = 0; c < m; c++) H[(m - 1) * m + c] = v[m - 1 - c]!
  let P: Float64Array = new Float64Array(m * m)
  for (let i = 0; i < m; i++) P[i * m + i] = 1
  const mul = (A: Float64Array, B: Float64Array): Float64Array => {
    const C = new Float64Array(m * m)
    for (let i = 0; i < m; i++)
      for (let l = 0; l < m; l++) {
        const a = A[i * m + l]!
        if (a === 0) continue
        for (let j = 0; j < m; j++) C[i * m + j] = C[i * m + j]! + a * B[l * m + j]!
      }
    return C
  }
  let nn = n
  let expnt = 0
  let Hexpnt = 0
  while (nn > 0) {
    if (nn % 2) {
      P = mul(P, H)
      expnt += Hexpnt
    }
    H = mul(H, H)
    Hexpnt *= 2
    if (Math.abs(H[(k - 1) * m + (k - 1)]!) > E128) {
      for (let i = 0; i < m * m; i++) H[i] = H[i]! / E128
      Hexpnt += 128
    }
    nn = Math.floor(nn / 2)
  }
  let p = P[(k - 1) * m + (k - 1)]!
  for (let i = 1; i <= n; i++) {
    p = (i * p) / n
    if (Math.abs(p) < EM128) {
      p *= E128
      expnt -= 128
    }
  }
  if (expnt !== 0) p = p * 2 ** expnt
  return clip01(p)
}

function pomeranzJ1J2(i: number, n: number, ll: number, ceilf: number, roundf: number): [number, number] {
  let j1: number
  let j2: number
  if (i === 0) {
    j1 = -ll - ceilf - 1
    j2 = ll + ceilf - 1
  } else {
    const ip1div2 = Math.floor((i + 1) / 2)
    const ip1mod2 = (i + 1) % 2
    if (ip1mod2 === 0) {
      if (ip1div2 === n + 1) {
        j1 = n - ll - ceilf - 1
        j2 = n + ll + ceilf - 1
      } else {
        j1 = ip1div2 - 1 - ll - roundf - 1
        j2 = ip1div2 + ll - 1 + ceilf - 1
      }
    } else {
      j1 = ip1div2 - 1 - ll - 1
      j2 = ip1div2 + ll + roundf - 1
    }
  }
  return [Math.max(j1 + 2, 0), Math.min(j2, n)]
}

function kolmognPomeranz(n: number, x: number): number {
  const t = n * x
  const ll = Math.floor(t)
  const f = t - ll
  const g = Math.min(f, 1 - f)
  const ceilf = f > 0 ? 1 : 0
  const roundf = f > 0.5 ? 1 : 0
  const npwrs = 2 * (ll + 1)
  const gpower = new Float64Array(npwrs)
  const twogpower = new Float64Array(npwrs)
  const onem2gpower = new Float64Array(npwrs)
  gpower[0] = 1
  twogpower[0] = 1
  onem2gpower[0] = 1
  let expnt = 0
  const gn = g / n
  const g2n = (2 * g) / n
  const om2gn = (1 - 2 * g) / n
  for (let m = 1; m < npwrs; m++) {
    gpower[m] = (gpower[m - 1]! * gn) / m
    twogpower[m] = (twogpower[m - 1]! * g2n) / m
    onem2gpower[m] = (onem2gpower[m - 1]! * om2gn) / m
  }
  let V0 = new Float64Array(npwrs)
  let V1 = new Float64Array(npwrs)
  V1[0] = 1
  let V0s = 0
  let V1s = 0
  let [j1, j2] = pomeranzJ1J2(0, n, ll, ceilf, roundf)
  for (let i = 1; i < 2 * n + 2; i++) {
    const k1 = j1
    ;[V0, V1] = [V1, V0]
    ;[V0s, V1s] = [V1s, V0s]
    V1.fill(0)
    ;[j1, j2] = pomeranzJ1J2(i, n, ll, ceilf, roundf)
    const pwrs = i === 1 || i === 2 * n + 1 ? gpower : i % 2 ? twogpower : onem2gpower
    const ln2 = j2 - k1 + 1
    if (ln2 > 0) {
      const convStart = j1 - k1
      const convLen = j2 - j1 + 1
      const off = k1 - V0s
      let maxV = 0
      for (let c = 0; c < convLen; c++) {
        const idx = convStart + c // index into the full convolution of V0[off..off+ln2) and pwrs[0..ln2)
        let s = 0
        const lo = Math.max(0, idx - (ln2 - 1))
        const hi = Math.min(idx, ln2 - 1)
        for (let a = lo; a <= hi; a++) s += V0[off + a]! * pwrs[idx - a]!
        V1[c] = s
        if (s > maxV) maxV = s
      }
      if (maxV > 0 && maxV < EM128) {
        for (let c = 0; c < npwrs; c++) V1[c] = V1[c]! * E128
        expnt -= 128
      }
      V1s = V0s + j1 - k1
    }
  }
  let ans = V1[n - V1s]!
  for (let m = 1; m <= n; m++) {
    if (Math.abs(ans) > E128) {
      ans *= EM128
      expnt += 128
    }
    ans *= m
  }
  if (expnt !== 0) ans = ans * 2 ** expnt
  return clip01(ans)
}

function kolmognPelzGood(n: number, x: number): number {
  if (x <= 0) return 0
  if (x >= 1) return 1
  const z = Math.sqrt(n) * x
  const z2 = z * z
  const z3 = z2 * z
  const z4 = z2 * z2
  const z6 = z4 * z2
  const qlog = -PI2 / 8 / z2
  if (qlog < -708) return 0
  let q = Math.exp(qlog)
  const k1a = -z2
  const k1b = PI2 / 4
  const k2a = 6 * z6 + 2 * z4
  const k2b = ((2 * z4 - 5 * z2) * PI2) / 4
  const k2c = (PI4 * (1 - 2 * z2)) / 16
  const k3d = (PI6 * (5 - 30 * z2)) / 64
  const k3c = (PI4 * (-60 * z2 + 212 * z4)) / 16
  const k3b = (PI2 * (135 * z4 - 96 * z6)) / 4
  const k3a = -30 * z6 - 90 * z ** 8
  const K = [0, 0, 0, 0]
  const maxk = Math.ceil((16 * z) / Math.PI)
  for (let k = maxk; k > 0; k--) {
    const m = 2 * k - 1
    const m2 = m * m
    const m4 = m2 * m2
    const m6 = m4 * m2
    const qp = q ** (8 * k)
    const coeffs = [1, k1a + k1b * m2, k2a + k2b * m2 + k2c * m4, k3a + k3b * m2 + k3c * m4 + k3d * m6]
    for (let i = 0; i < 4; i++) K[i] = K[i]! * qp + coeffs[i]!
  }
  const div = [z, 6 * z4, 72 * z ** 7, 6480 * z ** 10]
  for (let i = 0; i < 4; i++) K[i] = (K[i]! * q * SQRT2PI) / div[i]!
  q = Math.exp(-PI2 / 2 / z2)
  let k2extra = 0
  let k3extra = 0
  const sqrt3z = Math.sqrt(3) * z
  for (let k = maxk; k > 0; k--) {
    const k2 = k * k
    const qp = q ** k2
    k2extra += k2 * qp
    const kspi = Math.PI * k
    k3extra += (sqrt3z + kspi) * (sqrt3z - kspi) * k2 * qp
  }
  K[2] = K[2]! + (k2extra * PI2 * SQRT2PI) / (-36 * z3)
  K[3] = K[3]! + (k3extra * PI2 * SQRT2PI) / (216 * z6)
  let sum = 0
  for (let i = 0; i < 4; i++) sum += K[i]! / n ** (i / 2)
  return sum
}

/**
 * Survival function of the two-sided one-sample Kolmogorov–Smirnov statistic D_n
 * (scipy.stats.kstwo.sf, Simard & L'Ecuyer 2011 as in scipy.stats._ksstats._kolmogn).
 */
export function kstwoSf(n: number, x: number): number {
  if (!Number.isInteger(n) || n <= 0 || Number.isNaN(x)) return Number.NaN
  if (x >= 1) return 0
  if (x <= 0) return 1
  const t = n * x
  if (t <= 1) {
    if (t <= 0.5) return 1
    let prob: number
    if (n <= 140) {
      prob = 1
      for (let i = 1; i <= n; i++) prob *= i * (1 / n) * (2 * t - 1)
    } else prob = Math.exp(logNFactorialDivNPowN(n) + n * Math.log(2 * t - 1))
    return clip01(1 - prob)
  }
  if (t >= n - 1) return clip01(2 * (1 - x) ** n)
  if (x >= 0.5) return clip01(2 * smirnov(n, x))
  const nxsquared = t * x
  if (n <= 140) {
    if (nxsquared <= 0.754693) return clip01(1 - kolmognDMTW(n, x))
    if (nxsquared <= 4) return clip01(1 - kolmognPomeranz(n, x))
    return clip01(2 * smirnov(n, x))
  }
  if (nxsquared >= 370) return 0
  if (nxsquared >= 2.2) return clip01(2 * smirnov(n, x))
  let cdf: number
  if (nxsquared >= 18) cdf = 1
  else if (n <= 100000 && n * x ** 1.5 <= 1.4) cdf = kolmognDMTW(n, x)
  else cdf = kolmognPelzGood(n, x)
  return clip01(1 - cdf)
}

// ---------------------------------------------------------------------------------------------
// Modified Bessel function of the second kind K_ν(x), x > 0, by the integral
// K_ν(x) = ∫_0^∞ exp(−x·cosh t)·cosh(νt) dt. The integrand decays double-exponentially, so the
// trapezoidal rule converges geometrically; step 1/64 gives full double precision for x >= 1e-3.

export function besselK(nu: number, x: number): number {
  if (!(x > 0)) return x === 0 ? Number.POSITIVE_INFINITY : Number.NaN
  const h = 1 / 64
  let sum = 0.5 * Math.exp(-x)
  for (let k = 1; ; k++) {
    const t = k * h
    const term = Math.exp(-x * Math.cosh(t)) * Math.cosh(nu * t)
    sum += term
    if (term < 1e-18 * sum) break
    if (k > 100000) break
  }
  return sum * h
}
