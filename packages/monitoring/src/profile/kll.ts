// KLL quantile sketch (Karnin, Lang, Liberty, "Optimal quantile approximation in streams", 2016),
// in the lazy-compaction form of the authors' reference code (github.com/edoliberty/
// streaming-quantiles) with DataSketches' level capacities: level h (of H) holds up to
// max(8, round(k·(2/3)^(H−h−1))) items of weight 2^h; when the sketch is full the lowest full
// level is sorted and every other item (random offset) moves up with double weight.
//
// Why KLL rather than t-digest: its rank error is uniform and proven (additive in rank, the same
// at the median and in the tails, independent of the distribution's shape, duplicates included),
// and merging is concatenation plus compaction, so the error bound holds for any merge tree;
// t-digest's accuracy is better at the extreme tails but has no worst-case guarantee and depends
// on merge order. min and max are kept exactly.
//
// Rank error: with k = 200 the normalized rank error is below ε ≈ 1.33% with 99% confidence
// (DataSketches' KLL bound ε(k) = 2.296 / k^0.9723 for a single rank, 2.446 / k^0.9433 ≈ 1.65%
// for all the ranks of a PMF/histogram at once); see `kllRankError`.
//
// Serialised as { kind: 'kll', v: 1, k, n, min, max, levels: [items per level], items: base64 of
// the float64 items level by level } — about 600 items (≈ 6.5 KB) at k = 200, whatever n.

import {
  base64ToFloat64,
  checkCount,
  checkNumber,
  checkObject,
  checkVersion,
  float64ToBase64,
  ProfileFormatError,
} from './encoding.js'
import { hoarePartition } from '../stats/partition.js'

export const KLL_DEFAULT_K = 200
const MIN_WIDTH = 8

/** DataSketches' normalized rank error of a KLL sketch with parameter k (99% confidence). */
export function kllRankError(k: number, pmf = false): number {
  return pmf ? 2.446 / k ** 0.9433 : 2.296 / k ** 0.9723
}

export interface KllJson {
  kind: 'kll'
  v: 1
  k: number
  n: number
  min: number | null
  max: number | null
  levels: number[]
  items: string
}

export class KllSketch {
  readonly k: number
  n = 0
  min = Number.POSITIVE_INFINITY
  max = Number.NEGATIVE_INFINITY
  private levels: Float64Array[] = [new Float64Array(16)]
  private sizes: number[] = [0]
  private size = 0
  private maxSize = 0
  private seed: number
  private view: { values: Float64Array; cum: Float64Array } | undefined

  constructor(k = KLL_DEFAULT_K) {
    if (!Number.isInteger(k) || k < MIN_WIDTH || k > 65535)
      throw new RangeError(`KLL k must be an integer in ${MIN_WIDTH}..65535, got ${k}`)
    this.k = k
    this.seed = 0x2545f491
    this.setCapacities()
  }

  /** Normalized rank error of this sketch (99% confidence, single rank). */
  get rankError(): number {
    return kllRankError(this.k)
  }

  /** Items retained. */
  get retained(): number {
    return this.size
  }

  get isEmpty(): boolean {
    return this.n === 0
  }

  private caps: number[] = []

  private capacity(h: number): number {
    return this.caps[h]!
  }

  private setCapacities(): void {
    const H = this.levels.length
    this.caps = this.levels.map((_, h) => Math.max(MIN_WIDTH, Math.round(this.k * (2 / 3) ** (H - h - 1))))
    // level 0 is compacted in batches of at least k/2 (a larger capacity only lowers the error; it
    // saves a compaction every few items and costs k/2 retained items)
    this.caps[0] = Math.max(this.caps[0]!, Math.ceil(this.k / 2))
    this.maxSize = this.caps.reduce((a, b) => a + b, 0)
  }

  private random(): number {
    // xorshift32: one bit per compaction, reproducible
    let x = this.seed
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    this.seed = x >>> 0
    return this.seed & 1
  }

  private ensure(h: number, extra: number): Float64Array {
    let buf = this.levels[h]!
    const need = this.sizes[h]! + extra
    if (need > buf.length) {
      const next = new Float64Array(Math.max(need, buf.length * 2))
      next.set(buf.subarray(0, this.sizes[h]!))
      this.levels[h] = buf = next
    }
    return buf
  }

  private grow(): void {
    this.levels.push(new Float64Array(16))
    this.sizes.push(0)
    this.setCapacities()
  }

  /** Adds one finite value (the caller filters NaN and ±Infinity). */
  update(x: number): void {
    if (x < this.min) this.min = x
    if (x > this.max) this.max = x
    this.n++
    const buf = this.ensure(0, 1)
    buf[this.sizes[0]!++] = x
    this.view = undefined
    if (++this.size >= this.maxSize) this.compress()
  }

  /** Adds values[0..count), all finite. */
  updateMany(values: Float64Array, count = values.length): void {
    let i = 0
    let min = this.min
    let max = this.max
    while (i < count) {
      const room = Math.min(count - i, this.maxSize - this.size)
      const buf = this.ensure(0, room)
      let s = this.sizes[0]!
      for (let j = 0; j < room; j++) {
        const x = values[i + j]!
        if (x < min) min = x
        if (x > max) max = x
        buf[s++] = x
      }
      this.sizes[0] = s
      i += room
      this.size += room
      if (this.size >= this.maxSize) this.compress()
    }
    this.min = min
    this.max = max
    this.n += count
    this.view = undefined
  }

  private compress(): void {
    for (let h = 0; h < this.levels.length; h++) {
      if (this.sizes[h]! >= this.capacity(h)) {
        if (h + 1 >= this.levels.length) this.grow()
        this.compactLevel(h)
        if (this.size < this.maxSize) break
      }
    }
  }

  private compactLevel(h: number): void {
    const count = this.sizes[h]!
    const buf = this.levels[h]!
    sortRange(buf, 0, count - 1)
    const keep = count & 1 // an odd item stays (the smallest)
    const half = (count - keep) >>> 1
    const up = this.ensure(h + 1, half)
    let s = this.sizes[h + 1]!
    const src = this.levels[h]!
    for (let j = keep + this.random(); j < count; j += 2) up[s++] = src[j]!
    this.sizes[h + 1] = s
    this.sizes[h] = keep
    this.size -= half
  }

  /** Merges `other` into this sketch (other is unchanged). Associative and commutative within the rank error. */
  merge(other: KllSketch): this {
    if (other.k !== this.k) throw new RangeError(`cannot merge KLL sketches of k ${this.k} and ${other.k}`)
    if (other.n === 0) return this
    while (this.levels.length < other.levels.length) this.grow()
    for (let h = 0; h < other.levels.length; h++) {
      const m = other.sizes[h]!
      if (m === 0) continue
      const buf = this.ensure(h, m)
      buf.set(other.levels[h]!.subarray(0, m), this.sizes[h]!)
      this.sizes[h]! += m
      this.size += m
    }
    this.n += other.n
    if (other.min < this.min) this.min = other.min
    if (other.max > this.max) this.max = other.max
    this.view = undefined
    while (this.size >= this.maxSize) this.compress()
    return this
  }

  clone(): KllSketch {
    return KllSketch.fromJSON(this.toJSON())
  }

  /** Retained items sorted, with cumulative weights. */
  private sorted(): { values: Float64Array; cum: Float64Array } {
    if (this.view) return this.view
    const values = new Float64Array(this.size)
    const weights = new Float64Array(this.size)
    let o = 0
    for (let h = 0; h < this.levels.length; h++) {
      const m = this.sizes[h]!
      values.set(this.levels[h]!.subarray(0, m), o)
      weights.fill(2 ** h, o, o + m)
      o += m
    }
    const order = new Uint32Array(this.size)
    for (let i = 0; i < order.length; i++) order[i] = i
    order.sort((a, b) => values[a]! - values[b]!)
    const sv = new Float64Array(this.size)
    const cum = new Float64Array(this.size)
    let c = 0
    for (let i = 0; i < order.length; i++) {
      sv[i] = values[order[i]!]!
      c += weights[order[i]!]!
      cum[i] = c
    }
    this.view = { values: sv, cum }
    return this.view
  }

  /** Estimated share of values <= x (inclusive) or < x (exclusive); exact below min and from max up. */
  rank(x: number, inclusive = true): number {
    if (this.n === 0) return Number.NaN
    if (x < this.min || (!inclusive && x === this.min)) return 0
    if (x > this.max || (inclusive && x === this.max)) return 1
    const { values, cum } = this.sorted()
    // first index with values[i] > x (inclusive) or >= x (exclusive)
    let lo = 0
    let hi = values.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (inclusive ? values[mid]! <= x : values[mid]! < x) lo = mid + 1
      else hi = mid
    }
    return lo === 0 ? 0 : cum[lo - 1]! / this.n
  }

  /** rank at each split point (the sketch's CDF). */
  cdf(splits: ArrayLike<number>, inclusive = true): Float64Array {
    const out = new Float64Array(splits.length)
    for (let i = 0; i < splits.length; i++) out[i] = this.rank(splits[i]!, inclusive)
    return out
  }

  /** The smallest retained value whose estimated rank is >= q; quantile(0) = min, quantile(1) = max exactly. */
  quantile(q: number): number {
    if (this.n === 0 || !(q >= 0 && q <= 1)) return Number.NaN
    if (q === 0) return this.min
    if (q === 1) return this.max
    const { values, cum } = this.sorted()
    const target = q * this.n
    let lo = 0
    let hi = values.length - 1
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (cum[mid]! < target) lo = mid + 1
      else hi = mid
    }
    return values[lo]!
  }

  /** The retained items in order with their weights (for distances computed from the sketch). */
  weightedItems(): { values: Float64Array; cum: Float64Array } {
    return this.sorted()
  }

  toJSON(): KllJson {
    const items = new Float64Array(this.size)
    let o = 0
    for (let h = 0; h < this.levels.length; h++) {
      items.set(this.levels[h]!.subarray(0, this.sizes[h]!), o)
      o += this.sizes[h]!
    }
    const empty = this.n === 0
    return {
      kind: 'kll',
      v: 1,
      k: this.k,
      n: this.n,
      min: empty ? null : this.min,
      max: empty ? null : this.max,
      levels: [...this.sizes],
      items: float64ToBase64(items),
    }
  }

  static fromJSON(json: unknown): KllSketch {
    const o = checkObject(json, 'kll')
    checkVersion(o, 'kll', 1)
    const k = checkCount(o.k, 'kll.k')
    if (k < MIN_WIDTH || k > 65535) throw new ProfileFormatError(`kll.k must be in ${MIN_WIDTH}..65535`)
    const s = new KllSketch(k)
    const n = checkCount(o.n, 'kll.n')
    if (!Array.isArray(o.levels) || o.levels.length === 0 || o.levels.length > 64)
      throw new ProfileFormatError('kll.levels: expected 1..64 level sizes')
    const sizes = o.levels.map((x, i) => checkCount(x, `kll.levels[${i}]`))
    const items = base64ToFloat64(o.items, 'kll.items')
    let total = 0
    let weight = 0
    sizes.forEach((m, h) => {
      total += m
      weight += m * 2 ** h
    })
    if (total !== items.length)
      throw new ProfileFormatError(`kll: ${items.length} items for level sizes totalling ${total}`)
    if (weight !== n) throw new ProfileFormatError(`kll: items weigh ${weight}, expected n = ${n}`)
    for (let i = 0; i < items.length; i++)
      if (!Number.isFinite(items[i]!)) throw new ProfileFormatError('kll: items must be finite')
    while (s.levels.length < sizes.length) s.grow()
    let off = 0
    sizes.forEach((m, h) => {
      const buf = s.ensure(h, m)
      buf.set(items.subarray(off, off + m))
      s.sizes[h] = m
      off += m
    })
    s.size = total
    s.n = n
    if (n > 0) {
      s.min = checkNumber(o.min, 'kll.min')
      s.max = checkNumber(o.max, 'kll.max')
      if (!(s.min <= s.max)) throw new ProfileFormatError('kll: min > max')
    }
    s.seed = (0x2545f491 ^ n) >>> 0 || 1
    while (s.size >= s.maxSize) s.compress()
    return s
  }
}

/** In-place ascending sort of a[lo..hi] (finite values): quicksort, insertion sort below 24 items; no allocation. */
function sortRange(a: Float64Array, lo: number, hi: number): void {
  while (hi - lo > 24) {
    const mid = (lo + hi) >>> 1
    // median of three as pivot
    let x = a[lo]!
    let y = a[mid]!
    let z = a[hi]!
    if (x > y) [x, y] = [y, x]
    if (y > z) [y, z] = [z, y]
    if (x > y) [x, y] = [y, x]
    const { i, j } = hoarePartition(a, lo, hi, y)
    // recurse into the smaller side, loop on the larger
    if (j - lo < hi - i) {
      sortRange(a, lo, j)
      lo = i
    } else {
      sortRange(a, i, hi)
      hi = j
    }
  }
  for (let i = lo + 1; i <= hi; i++) {
    const v = a[i]!
    let j = i - 1
    while (j >= lo && a[j]! > v) {
      a[j + 1] = a[j]!
      j--
    }
    a[j + 1] = v
  }
}
