// Exact count, mean and variance, mergeable with Chan et al.'s parallel formula
// (m2 = m2_a + m2_b + δ²·n_a·n_b/n, mean = mean_a + δ·n_b/n), exact up to floating point as NumPy's
// mean/var, also for data far from zero:
//  - values are added in blocks of 512 as deviations from the running mean (no cancellation);
//  - the mean is kept as a double-double (hi + lo), so the error of the running mean does not feed
//    back into δ over millions of merges (with a plain double, data around 1e6 with unit variance
//    lose ~1e-11 relative variance over 1M values);
//  - single values are buffered and added 256 at a time the same way.

import { checkCount, checkNumber, checkObject, checkVersion, ProfileFormatError } from './encoding.js'

export interface MomentsJson {
  kind: 'moments'
  v: 1
  n: number
  /** mean = mean + meanLo (double-double) */
  mean: number
  meanLo: number
  m2: number
  min: number | null
  max: number | null
}

export class Moments {
  private _n = 0
  private hi = 0
  private lo = 0
  private _m2 = 0
  min = Number.POSITIVE_INFINITY
  max = Number.NEGATIVE_INFINITY
  private readonly pending = new Float64Array(256)
  private pendingCount = 0

  private flush(): void {
    if (this.pendingCount === 0) return
    const m = this.pendingCount
    this.pendingCount = 0
    this.updateMany(this.pending, m)
  }

  get n(): number {
    this.flush()
    return this._n
  }

  get mean(): number {
    this.flush()
    return this._n === 0 ? Number.NaN : this.hi + this.lo
  }

  /** sum of squared deviations from the mean */
  get m2(): number {
    this.flush()
    return this._m2
  }

  /** population variance (ddof = 0, NumPy's default) */
  get variance(): number {
    const n = this.n
    return n === 0 ? Number.NaN : this._m2 / n
  }

  /** sample variance (ddof = 1, pandas' default) */
  get sampleVariance(): number {
    const n = this.n
    return n < 2 ? Number.NaN : this._m2 / (n - 1)
  }

  get std(): number {
    return Math.sqrt(this.variance)
  }

  /** Adds one finite value. */
  update(x: number): void {
    this.pending[this.pendingCount++] = x
    if (this.pendingCount === this.pending.length) this.flush()
  }

  /** Adds values[0..count), all finite. */
  updateMany(values: Float64Array, count = values.length): void {
    for (let start = 0; start < count; start += 512) this.addBlock(values, start, Math.min(count, start + 512))
  }

  private addBlock(values: Float64Array, from: number, to: number): void {
    const nb = to - from
    if (nb === 0) return
    // shift: the running mean, or the block's first value
    const shift = this._n === 0 ? values[from]! : this.hi
    let s1 = 0
    let min = this.min
    let max = this.max
    for (let i = from; i < to; i++) {
      const x = values[i]!
      s1 += x - shift
      if (x < min) min = x
      if (x > max) max = x
    }
    const d1 = s1 / nb // block mean − shift
    let s2 = 0
    let c = 0
    for (let i = from; i < to; i++) {
      const d = values[i]! - shift - d1
      s2 += d * d
      c += d
    }
    const m2b = Math.max(0, s2 - (c * c) / nb)
    this.combine(nb, shift, d1 + c / nb, m2b)
    this.min = min
    this.max = max
  }

  /** Chan's merge with another part given by its count, mean (hiB + loB) and m2. */
  private combine(nb: number, hiB: number, loB: number, m2b: number): void {
    const na = this._n
    if (na === 0) {
      this._n = nb
      const s = twoSum(hiB, loB)
      this.hi = s[0]
      this.lo = s[1]
      this._m2 = m2b
      return
    }
    const n = na + nb
    const delta = hiB - this.hi + (loB - this.lo)
    this._m2 = this._m2 + m2b + (delta * delta * na * nb) / n
    const s = twoSum(this.hi, (delta * nb) / n)
    const t = twoSum(s[0], s[1] + this.lo)
    this.hi = t[0]
    this.lo = t[1]
    this._n = n
  }

  merge(other: Moments): this {
    this.flush()
    other.flush()
    if (other._n === 0) return this
    this.combine(other._n, other.hi, other.lo, other._m2)
    if (other.min < this.min) this.min = other.min
    if (other.max > this.max) this.max = other.max
    return this
  }

  clone(): Moments {
    return Moments.fromJSON(this.toJSON())
  }

  toJSON(): MomentsJson {
    this.flush()
    const e = this._n === 0
    return {
      kind: 'moments',
      v: 1,
      n: this._n,
      mean: this.hi,
      meanLo: this.lo,
      m2: this._m2,
      min: e ? null : this.min,
      max: e ? null : this.max,
    }
  }

  static fromJSON(json: unknown): Moments {
    const o = checkObject(json, 'moments')
    checkVersion(o, 'moments', 1)
    const m = new Moments()
    m._n = checkCount(o.n, 'moments.n')
    m.hi = checkNumber(o.mean, 'moments.mean')
    m.lo = checkNumber(o.meanLo, 'moments.meanLo')
    m._m2 = checkNumber(o.m2, 'moments.m2')
    if (m._n > 0) {
      if (!(m._m2 >= 0) || !Number.isFinite(m.hi) || !Number.isFinite(m.lo))
        throw new ProfileFormatError('moments: mean must be finite and m2 >= 0')
      m.min = checkNumber(o.min, 'moments.min')
      m.max = checkNumber(o.max, 'moments.max')
    }
    return m
  }
}

const pair: [number, number] = [0, 0]

/** Knuth's TwoSum: a + b = s + e exactly. (Returns a shared pair: read it before the next call.) */
function twoSum(a: number, b: number): [number, number] {
  const s = a + b
  const bb = s - a
  pair[0] = s
  pair[1] = a - (s - bb) + (b - bb)
  return pair
}
