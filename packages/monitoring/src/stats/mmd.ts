// Empirical MMD with an RBF kernel and the median heuristic (Evidently's mmd_stattest).

import { pValueResult, StatTestError, type StatTestResult } from './types.js'
import { type NumericTestOptions, seededRandom } from './numeric-common.js'
import { hoarePartition } from './partition.js'

function quickselect(a: Float64Array, k: number): number {
  let lo = 0
  let hi = a.length - 1
  while (lo < hi) {
    const { i, j } = hoarePartition(a, lo, hi, a[(lo + hi) >>> 1]!)
    if (k <= j) hi = j
    else if (k >= i) lo = i
    else return a[k]!
  }
  return a[k]!
}

function roundHalfEven(x: number): number {
  const f = Math.floor(x)
  const d = x - f
  if (d > 0.5) return f + 1
  if (d < 0.5) return f
  return f % 2 === 0 ? f : f + 1
}

export interface MmdOptions extends NumericTestOptions {
  permutations?: number
  seed?: number
  /** largest pooled size accepted: the kernel matrix is N×N (default 3000) */
  maxPooledSize?: number
}

/**
 * Empirical maximum mean discrepancy (Evidently's empirical_mmd): RBF kernel with σ from the
 * median of the reference's squared distances, unbiased MMD², permutation p-value over
 * `permutations` (100) shuffles of a seeded PRNG (Evidently's is unseeded); drift when p < 0.1.
 */
export function empiricalMmd(
  reference: ArrayLike<number>,
  current: ArrayLike<number>,
  opts: MmdOptions = {},
): StatTestResult {
  const x = Float64Array.from(reference)
  const y = Float64Array.from(current)
  const nx = x.length
  const ny = y.length
  if (nx < 2 || ny < 2) throw new StatTestError('empirical_mmd', 'needs at least 2 values in each sample')
  const N = nx + ny
  const maxN = opts.maxPooledSize ?? 3000
  if (N > maxN)
    throw new StatTestError(
      'empirical_mmd',
      `builds an N×N kernel matrix; sample the data to at most ${maxN} values in total (got ${N})`,
    )
  for (const v of x)
    if (!Number.isFinite(v)) throw new StatTestError('empirical_mmd', 'the samples contain NaN or ±Infinity')
  for (const v of y)
    if (!Number.isFinite(v)) throw new StatTestError('empirical_mmd', 'the samples contain NaN or ±Infinity')
  const dist = (a: number, b: number): number => b * b - 2 * (a * b) + a * a
  const dxx = new Float64Array(nx * nx)
  for (let i = 0; i < nx; i++) for (let j = 0; j < nx; j++) dxx[i * nx + j] = dist(x[i]!, x[j]!)
  const sel = dxx.slice()
  const med = quickselect(sel, roundHalfEven((sel.length - 1) * 0.5))
  let sigma = Math.sqrt(0.5 * med)
  if (sigma === 0) sigma = Math.sqrt(0.5)
  const gamma = 1 / (2 * sigma * sigma)
  const pool = new Float64Array(N)
  pool.set(x, 0)
  pool.set(y, nx)
  const K = new Float64Array(N * N)
  for (let i = 0; i < N; i++)
    for (let j = 0; j < N; j++) {
      if (i === j) continue
      // rbf(x, y) evaluates dist(row sample value, column sample value)
      const d =
        i < nx && j < nx
          ? dxx[i * nx + j]!
          : i < nx
            ? dist(pool[i]!, pool[j]!)
            : j < nx
              ? dist(pool[j]!, pool[i]!)
              : dist(pool[i]!, pool[j]!)
      K[i * N + j] = Math.exp(-gamma * d)
    }
  const A = 1 / (nx * (nx - 1))
  const B = 1 / (ny * (ny - 1))
  const label = new Uint8Array(N)
  const mmdOf = (): number => {
    let sxx = 0
    let syy = 0
    let sxy = 0
    for (let i = 0; i < N; i++) {
      const li = label[i]
      const row = i * N
      for (let j = 0; j < N; j++) {
        const v = K[row + j]!
        const lj = label[j]
        if (li === 0 && lj === 0) sxx += v
        else if (li === 1 && lj === 1) syy += v
        else if (li === 1 && lj === 0) sxy += v
      }
    }
    return A * sxx + B * syy - (2 * sxy) / (nx * ny)
  }
  for (let i = nx; i < N; i++) label[i] = 1
  const mmd = mmdOf()
  const rand = seededRandom(opts.seed ?? 0)
  const perms = opts.permutations ?? 100
  const idx = new Int32Array(N)
  let ge = 0
  for (let p = 0; p < perms; p++) {
    for (let i = 0; i < N; i++) idx[i] = i
    for (let i = N - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1))
      const t = idx[i]!
      idx[i] = idx[j]!
      idx[j] = t
    }
    // positions 0..nx-1 of the permuted matrix form the new reference
    for (let i = 0; i < N; i++) label[idx[i]!] = i < nx ? 0 : 1
    if (mmd <= mmdOf()) ge++
  }
  const pValue = ge / perms
  return pValueResult('empirical_mmd', mmd, pValue, opts.threshold ?? 0.1, '<')
}
