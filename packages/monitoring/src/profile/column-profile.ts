// A column's profile: everything keel's monitoring needs from a column in constant memory, built in
// one pass and mergeable across shards and time windows (whylogs' StandardResolver, see
// shared/reference/monitoring-drift-quality.md §4):
//  - counts: rows, null/undefined, NaN, +Infinity, −Infinity; value types (integer, fractional,
//    string, boolean);
//  - Moments (exact count, mean, variance, min, max) and a KLL quantile sketch of the finite numbers;
//  - HyperLogLog distinct count and Misra–Gries frequent items of the non-missing values. As in
//    whylogs, a column of fractional numbers keeps no frequent items once it has more than 2k
//    distinct values (they would be noise); while it has fewer, the counts are exact;
//  - the finite numbers themselves while there are at most `exactLimit` of them (default 1,000,
//    Evidently's switch to distances), so the exact tests still run on small windows.
// Memory and JSON size are bounded by the options, not by the rows.

import { isDictionaryColumn, isMissing, type DriftColumn } from '../drift/columns.js'
import type { Category } from '../stats/types.js'
import {
  base64ToFloat64,
  checkCount,
  checkObject,
  checkVersion,
  float64ToBase64,
  ProfileFormatError,
} from './encoding.js'
import { FrequentItems, FREQUENT_ITEMS_DEFAULT_K, type FrequentItem, type FrequentItemsJson } from './frequent-items.js'
import { HLL_DEFAULT_LG_K, HyperLogLog, type HllJson } from './hll.js'
import { KLL_DEFAULT_K, kllRankError, KllSketch, type KllJson } from './kll.js'
import { Moments, type MomentsJson } from './moments.js'

export interface ProfileOptions {
  /** KLL k (default 200) */
  kllK?: number
  /** HyperLogLog log2 of the registers (default 12) */
  hllLgK?: number
  /** frequent items: counters guaranteed (default 128; up to 2k kept) */
  frequentItemsK?: number
  /** finite numbers kept exactly while there are at most this many (default 1000; 0 disables) */
  exactLimit?: number
}

interface ResolvedOptions {
  kllK: number
  hllLgK: number
  frequentItemsK: number
  exactLimit: number
}

function resolve(o: ProfileOptions = {}): ResolvedOptions {
  const exactLimit = o.exactLimit ?? 1000
  if (!Number.isInteger(exactLimit) || exactLimit < 0 || exactLimit > 1_000_000)
    throw new RangeError(`exactLimit must be an integer in 0..1000000, got ${exactLimit}`)
  return {
    kllK: o.kllK ?? KLL_DEFAULT_K,
    hllLgK: o.hllLgK ?? HLL_DEFAULT_LG_K,
    frequentItemsK: o.frequentItemsK ?? FREQUENT_ITEMS_DEFAULT_K,
    exactLimit,
  }
}

export interface ColumnProfileJson {
  kind: 'column_profile'
  v: 1
  exactLimit: number
  counts: { rows: number; null: number; nan: number; posInf: number; negInf: number }
  types: { integer: number; fractional: number; string: number; boolean: number }
  moments: MomentsJson
  kll: KllJson
  hll: HllJson
  frequentItems: FrequentItemsJson | null
  exactValues: string | null
}

export interface ProfileHistogram {
  /** counts per bin, np.histogram's convention: [e_i, e_i+1), the last bin closed */
  counts: Float64Array
  /** true when computed from exact values or exact counts, not the quantile sketch */
  exact: boolean
  /** bound on each bin's count error (0 when exact): 2·ε_pmf·n, ε_pmf the KLL PMF rank error at 99% confidence */
  maxCountError: number
}

export interface ProfileFrequencies {
  items: FrequentItem[]
  /** true when every count is exact and every value is listed */
  exact: boolean
  /** non-missing values counted */
  n: number
  /** max undercount of any item (0 when exact) */
  maxError: number
}

const CHUNK = 4096

export class ColumnProfile {
  readonly options: ResolvedOptions
  rows = 0
  nulls = 0
  nan = 0
  posInf = 0
  negInf = 0
  integers = 0
  fractionals = 0
  strings = 0
  booleans = 0
  readonly moments = new Moments()
  readonly kll: KllSketch
  readonly hll: HyperLogLog
  frequentItems: FrequentItems | null
  /** the finite numbers while there are at most exactLimit of them, else null */
  exactValues: Float64Array | null = new Float64Array(0)
  private exactCount = 0

  constructor(options: ProfileOptions = {}) {
    this.options = resolve(options)
    this.kll = new KllSketch(this.options.kllK)
    this.hll = new HyperLogLog(this.options.hllLgK)
    this.frequentItems = new FrequentItems(this.options.frequentItemsK)
  }

  /** Profiles one column of any form keel's drift accepts (array of cells, Float64Array, dictionary column). */
  static fromColumn(col: DriftColumn, options: ProfileOptions = {}): ColumnProfile {
    const p = new ColumnProfile(options)
    p.update(col)
    return p
  }

  /** Non-missing values (not null, NaN or ±Infinity). */
  get present(): number {
    return this.rows - this.missing
  }

  /** Evidently's missing: null, undefined, NaN, ±Infinity. */
  get missing(): number {
    return this.nulls + this.nan + this.posInf + this.negInf
  }

  /** Every non-missing value is a number. */
  get isNumeric(): boolean {
    return this.strings === 0 && this.booleans === 0
  }

  /** Adds a column (or a batch of one) to the profile. */
  update(col: DriftColumn): this {
    if (col instanceof Float64Array) this.updateFloat64(col)
    else if (isDictionaryColumn(col)) this.updateDictionary(col.codes, col.dictionary)
    else this.updateArray(col)
    this.checkFrequentItems()
    return this
  }

  private flushNumbers(buf: Float64Array, m: number): void {
    if (m === 0) return
    this.moments.updateMany(buf, m)
    this.kll.updateMany(buf, m)
    const fi = this.frequentItems
    const hll = this.hll
    let ints = 0
    for (let i = 0; i < m; i++) {
      const x = buf[i]!
      hll.updateNumber(x)
      if (Number.isInteger(x)) ints++
    }
    this.integers += ints
    this.fractionals += m - ints
    if (fi !== null) {
      for (let i = 0; i < m; i++) fi.update(buf[i]! === 0 ? 0 : buf[i]!)
      this.checkFrequentItems()
    }
    if (this.exactValues !== null) {
      if (this.exactCount + m > this.options.exactLimit) this.exactValues = null
      else {
        const next = new Float64Array(this.exactCount + m)
        next.set(this.exactValues.subarray(0, this.exactCount))
        next.set(buf.subarray(0, m), this.exactCount)
        this.exactValues = next
        this.exactCount += m
      }
    }
  }

  private countNonFinite(x: number): void {
    if (Number.isNaN(x)) this.nan++
    else if (x > 0) this.posInf++
    else this.negInf++
  }

  private updateFloat64(col: Float64Array): void {
    const buf = new Float64Array(Math.min(CHUNK, col.length))
    this.rows += col.length
    for (let start = 0; start < col.length; start += CHUNK) {
      const end = Math.min(col.length, start + CHUNK)
      let m = 0
      for (let i = start; i < end; i++) {
        const x = col[i]!
        if (x - x === 0) buf[m++] = x
        else this.countNonFinite(x)
      }
      this.flushNumbers(buf, m)
    }
  }

  /** Strings and booleans are counted in a bounded map first, so the sketches see each distinct value once per batch. */
  private flushCategories(counts: Map<Category, number>): void {
    const fi = this.frequentItems
    for (const [v, c] of counts) {
      this.hll.update(v)
      fi?.update(v, c)
      if (typeof v === 'string') this.strings += c
      else this.booleans += c
    }
    counts.clear()
  }

  private updateArray(col: ReadonlyArray<unknown>): void {
    const buf = new Float64Array(Math.min(CHUNK, col.length))
    const cats = new Map<Category, number>()
    let m = 0
    this.rows += col.length
    for (let i = 0; i < col.length; i++) {
      const v = col[i]
      if (typeof v === 'number') {
        if (v - v === 0) {
          buf[m++] = v
          if (m === buf.length) {
            this.flushNumbers(buf, m)
            m = 0
          }
        } else this.countNonFinite(v)
      } else if (typeof v === 'string' || typeof v === 'boolean') {
        cats.set(v, (cats.get(v) ?? 0) + 1)
        if (cats.size >= CHUNK) this.flushCategories(cats)
      } else if (v === null || v === undefined) this.nulls++
      else
        throw new TypeError(
          `a column cell must be a number, string, boolean, null or undefined (row ${i} is ${typeof v})`,
        )
    }
    this.flushNumbers(buf, m)
    this.flushCategories(cats)
  }

  private updateDictionary(codes: Int32Array, dictionary: ReadonlyArray<unknown>): void {
    if (!(codes instanceof Int32Array)) throw new TypeError('a dictionary column needs its codes as an Int32Array')
    const perCode = new Float64Array(dictionary.length)
    this.rows += codes.length
    for (let i = 0; i < codes.length; i++) {
      const c = codes[i]!
      if (c < 0) this.nulls++
      else if (c >= dictionary.length)
        throw new RangeError(`code ${c} at row ${i} is outside its dictionary of ${dictionary.length} values`)
      else perCode[c]!++
    }
    const cats = new Map<Category, number>()
    const buf = new Float64Array(CHUNK)
    for (let c = 0; c < dictionary.length; c++) {
      const count = perCode[c]!
      if (count === 0) continue
      const v = dictionary[c]
      if (typeof v === 'number' && v - v === 0) {
        buf.fill(v)
        for (let left = count; left > 0; left -= CHUNK) this.flushNumbers(buf, Math.min(CHUNK, left))
      } else if (typeof v === 'number') for (let j = 0; j < count; j++) this.countNonFinite(v)
      else if (typeof v === 'string' || typeof v === 'boolean') cats.set(v, (cats.get(v) ?? 0) + count)
      else if (isMissing(v as null)) this.nulls += count
      else throw new TypeError(`dictionary entry ${c} must be a number, string, boolean or null`)
    }
    this.flushCategories(cats)
  }

  /** whylogs' rule: fractional numbers keep frequent items only while the counts are exact. */
  private checkFrequentItems(): void {
    const fi = this.frequentItems
    if (fi !== null && !fi.exact && this.fractionals > 0) this.frequentItems = null
  }

  /** Merges `other` into this profile (other is unchanged). Same result, within the sketches' bounds, for any order. */
  merge(other: ColumnProfile): this {
    const a = this.options
    const b = other.options
    if (
      a.kllK !== b.kllK ||
      a.hllLgK !== b.hllLgK ||
      a.frequentItemsK !== b.frequentItemsK ||
      a.exactLimit !== b.exactLimit
    ) {
      throw new RangeError('cannot merge column profiles built with different options')
    }
    this.rows += other.rows
    this.nulls += other.nulls
    this.nan += other.nan
    this.posInf += other.posInf
    this.negInf += other.negInf
    this.integers += other.integers
    this.fractionals += other.fractionals
    this.strings += other.strings
    this.booleans += other.booleans
    this.moments.merge(other.moments)
    this.kll.merge(other.kll)
    this.hll.merge(other.hll)
    if (this.frequentItems === null || other.frequentItems === null) this.frequentItems = null
    else this.frequentItems.merge(other.frequentItems)
    this.checkFrequentItems()
    if (this.exactValues !== null && other.exactValues !== null && this.exactCount + other.exactCount <= a.exactLimit) {
      const next = new Float64Array(this.exactCount + other.exactCount)
      next.set(this.exactValues.subarray(0, this.exactCount))
      next.set(other.exactValues.subarray(0, other.exactCount), this.exactCount)
      this.exactValues = next
      this.exactCount = next.length
    } else this.exactValues = null
    return this
  }

  clone(): ColumnProfile {
    return ColumnProfile.fromJSON(this.toJSON())
  }

  /** Estimated distinct non-missing values (exact when the frequent items are exact). */
  distinct(): { estimate: number; lower: number; upper: number; exact: boolean } {
    const fi = this.frequentItems
    if (fi?.exact) {
      const n = fi.counts.size
      return { estimate: n, lower: n, upper: n, exact: true }
    }
    return { ...this.hll.bounds(3), exact: false }
  }

  quantile(q: number): number {
    return this.kll.quantile(q)
  }

  /**
   * Counts of the finite numbers in the bins between `edges` (ascending), as np.histogram: exact
   * from the kept values or exact frequent items when there are any, else from the KLL sketch.
   */
  histogram(edges: ArrayLike<number>): ProfileHistogram {
    const k = edges.length - 1
    if (k < 1) throw new RangeError('histogram needs at least 2 edges')
    for (let i = 0; i < k; i++)
      if (!(edges[i]! < edges[i + 1]!)) throw new RangeError('histogram edges must be finite and strictly increasing')
    const counts = new Float64Array(k)
    const bin = (x: number): number => {
      if (x < edges[0]! || x > edges[k]!) return -1
      if (x === edges[k]) return k - 1
      let lo = 0
      let hi = k
      while (hi - lo > 1) {
        const mid = (lo + hi) >>> 1
        if (edges[mid]! <= x) lo = mid
        else hi = mid
      }
      return lo
    }
    if (this.exactValues !== null) {
      for (let i = 0; i < this.exactCount; i++) {
        const b = bin(this.exactValues[i]!)
        if (b >= 0) counts[b]!++
      }
      return { counts, exact: true, maxCountError: 0 }
    }
    const fi = this.frequentItems
    if (fi?.exact && this.isNumeric) {
      for (const [v, c] of fi.counts) {
        const b = bin(v as number)
        if (b >= 0) counts[b]! += c
      }
      return { counts, exact: true, maxCountError: 0 }
    }
    const n = this.kll.n
    if (n === 0) return { counts, exact: true, maxCountError: 0 }
    let prev = this.kll.rank(edges[0]!, false)
    for (let i = 0; i < k; i++) {
      const r = i === k - 1 ? this.kll.rank(edges[k]!, true) : this.kll.rank(edges[i + 1]!, false)
      counts[i] = Math.max(0, Math.round((r - prev) * n))
      prev = r
    }
    return { counts, exact: false, maxCountError: 2 * kllRankError(this.kll.k, true) * n }
  }

  /** The non-missing values with their counts (exact, or Misra–Gries bounds). Null when not kept (fractional column). */
  frequencies(): ProfileFrequencies | null {
    const fi = this.frequentItems
    if (fi === null) return null
    return { items: fi.top(), exact: fi.exact, n: fi.n, maxError: fi.offset }
  }

  /** The kept finite numbers (null once there were more than exactLimit). */
  exactNumbers(): Float64Array | null {
    return this.exactValues === null ? null : this.exactValues.subarray(0, this.exactCount)
  }

  toJSON(): ColumnProfileJson {
    return {
      kind: 'column_profile',
      v: 1,
      exactLimit: this.options.exactLimit,
      counts: { rows: this.rows, null: this.nulls, nan: this.nan, posInf: this.posInf, negInf: this.negInf },
      types: { integer: this.integers, fractional: this.fractionals, string: this.strings, boolean: this.booleans },
      moments: this.moments.toJSON(),
      kll: this.kll.toJSON(),
      hll: this.hll.toJSON(),
      frequentItems: this.frequentItems === null ? null : this.frequentItems.toJSON(),
      exactValues: this.exactValues === null ? null : float64ToBase64(this.exactValues.subarray(0, this.exactCount)),
    }
  }

  static fromJSON(json: unknown): ColumnProfile {
    const o = checkObject(json, 'column_profile')
    checkVersion(o, 'column_profile', 1)
    const kll = KllSketch.fromJSON(o.kll)
    const hll = HyperLogLog.fromJSON(o.hll)
    const fi = o.frequentItems === null ? null : FrequentItems.fromJSON(o.frequentItems)
    const p = new ColumnProfile({
      kllK: kll.k,
      hllLgK: hll.lgK,
      frequentItemsK: fi?.k ?? FREQUENT_ITEMS_DEFAULT_K,
      exactLimit: checkCount(o.exactLimit, 'column_profile.exactLimit'),
    })
    const counts = checkObject(o.counts, 'column_profile.counts')
    const types = checkObject(o.types, 'column_profile.types')
    p.rows = checkCount(counts.rows, 'counts.rows')
    p.nulls = checkCount(counts.null, 'counts.null')
    p.nan = checkCount(counts.nan, 'counts.nan')
    p.posInf = checkCount(counts.posInf, 'counts.posInf')
    p.negInf = checkCount(counts.negInf, 'counts.negInf')
    p.integers = checkCount(types.integer, 'types.integer')
    p.fractionals = checkCount(types.fractional, 'types.fractional')
    p.strings = checkCount(types.string, 'types.string')
    p.booleans = checkCount(types.boolean, 'types.boolean')
    const numbers = p.integers + p.fractionals
    if (p.missing + numbers + p.strings + p.booleans !== p.rows)
      throw new ProfileFormatError('column_profile: counts and types do not add up to rows')
    const m = Moments.fromJSON(o.moments)
    if (m.n !== numbers || kll.n !== numbers)
      throw new ProfileFormatError('column_profile: moments and quantiles must count every finite number')
    if (fi !== null && fi.n !== p.present)
      throw new ProfileFormatError('column_profile: frequent items must count every non-missing value')
    p.moments.merge(m)
    p.kll.merge(kll)
    p.hll.merge(hll)
    if (fi === null) p.frequentItems = null
    else p.frequentItems!.merge(fi)
    if (o.exactValues === null) p.exactValues = null
    else {
      const v = base64ToFloat64(o.exactValues, 'column_profile.exactValues')
      if (v.length !== numbers || v.length > p.options.exactLimit)
        throw new ProfileFormatError('column_profile: exactValues must hold every finite number, at most exactLimit')
      p.exactValues = v
      p.exactCount = v.length
    }
    return p
  }
}
