// Frequent items: the Misra–Gries summary in its mergeable form (Agarwal et al., "Mergeable
// summaries", 2012), with DataSketches' amortisation: the map holds up to 2k counters and, when it
// overflows, every counter is lowered by the (k+1)-th largest count (those reaching 0 leave), so
// at most k remain and a purge costs O(k) per k new items.
//
// Guarantees (n = total weight, `offset` = the sum of all amounts subtracted):
//  - every reported count is a lower bound, count + offset an upper bound of the true frequency;
//  - offset <= (n − Σ counts)/(k+1) <= n/(k+1): every item more frequent than `offset` is
//    present (no false negatives above the threshold);
//  - offset = 0 exactly when the column has at most 2k distinct values: then the counts are exact
//    (the same whatever the order of updates and merges).
// Merge adds counts and offsets, then purges: the same bounds hold for any merge tree.
//
// Serialised as { kind: 'frequent_items', v: 1, k, n, offset, items: [[value, count], ...] }, the
// values as JSON strings, numbers and booleans (1, "1" and true stay distinct).

import type { Category } from '../stats/types.js'
import { checkCount, checkObject, checkVersion, ProfileFormatError } from './encoding.js'

export const FREQUENT_ITEMS_DEFAULT_K = 128

export interface FrequentItemsJson {
  kind: 'frequent_items'
  v: 1
  k: number
  n: number
  offset: number
  items: Array<[Category, number]>
}

export interface FrequentItem {
  value: Category
  /** the lower bound (the counter) */
  estimate: number
  lower: number
  upper: number
}

export class FrequentItems {
  readonly k: number
  n = 0
  offset = 0
  readonly counts = new Map<Category, number>()

  constructor(k = FREQUENT_ITEMS_DEFAULT_K) {
    if (!Number.isInteger(k) || k < 1 || k > 1 << 20)
      throw new RangeError(`frequent items k must be an integer in 1..${1 << 20}, got ${k}`)
    this.k = k
  }

  /** true while every count is exact (at most 2k distinct values seen) */
  get exact(): boolean {
    return this.offset === 0
  }

  /** Adds `weight` (a positive integer) occurrences of `value`. */
  update(value: Category, weight = 1): void {
    this.n += weight
    const c = this.counts.get(value)
    if (c !== undefined) this.counts.set(value, c + weight)
    else {
      this.counts.set(value, weight)
      if (this.counts.size > 2 * this.k) this.purge()
    }
  }

  private purge(): void {
    const all = new Float64Array(this.counts.size)
    let i = 0
    for (const c of this.counts.values()) all[i++] = c
    all.sort()
    const d = all[all.length - 1 - this.k]! // the (k+1)-th largest
    for (const [v, c] of this.counts) {
      if (c <= d) this.counts.delete(v)
      else this.counts.set(v, c - d)
    }
    this.offset += d
  }

  merge(other: FrequentItems): this {
    if (other.k !== this.k) throw new RangeError(`cannot merge frequent-items sketches of k ${this.k} and ${other.k}`)
    this.n += other.n
    this.offset += other.offset
    for (const [v, c] of other.counts) this.counts.set(v, (this.counts.get(v) ?? 0) + c)
    if (this.counts.size > 2 * this.k) this.purge()
    return this
  }

  clone(): FrequentItems {
    const f = new FrequentItems(this.k)
    f.n = this.n
    f.offset = this.offset
    for (const [v, c] of this.counts) f.counts.set(v, c)
    return f
  }

  /** Bounds on the frequency of `value` (0..offset when it is not tracked). */
  bounds(value: Category): { lower: number; upper: number } {
    const c = this.counts.get(value) ?? 0
    return { lower: c, upper: c + this.offset }
  }

  /** Tracked items by decreasing count (at most `limit`), with their bounds. */
  top(limit = Number.POSITIVE_INFINITY): FrequentItem[] {
    const out: FrequentItem[] = []
    for (const [value, c] of this.counts) out.push({ value, estimate: c, lower: c, upper: c + this.offset })
    out.sort((a, b) => b.estimate - a.estimate)
    return out.length > limit ? out.slice(0, limit) : out
  }

  /** Items certainly more frequent than `threshold` (lower bound above it). No false positives. */
  frequentAbove(threshold: number): FrequentItem[] {
    return this.top().filter((x) => x.lower > threshold)
  }

  toJSON(): FrequentItemsJson {
    return { kind: 'frequent_items', v: 1, k: this.k, n: this.n, offset: this.offset, items: [...this.counts] }
  }

  static fromJSON(json: unknown): FrequentItems {
    const o = checkObject(json, 'frequent_items')
    checkVersion(o, 'frequent_items', 1)
    const k = checkCount(o.k, 'frequent_items.k')
    if (k < 1 || k > 1 << 20) throw new ProfileFormatError('frequent_items.k out of range')
    const f = new FrequentItems(k)
    f.n = checkCount(o.n, 'frequent_items.n')
    f.offset = checkCount(o.offset, 'frequent_items.offset')
    if (!Array.isArray(o.items) || o.items.length > 2 * k)
      throw new ProfileFormatError('frequent_items.items: expected at most 2k [value, count] pairs')
    let total = 0
    for (const it of o.items as unknown[]) {
      if (!Array.isArray(it) || it.length !== 2)
        throw new ProfileFormatError('frequent_items.items: expected [value, count] pairs')
      const [v, c] = it as [unknown, unknown]
      const isNum = typeof v === 'number' && Number.isFinite(v)
      if (!(isNum || typeof v === 'string' || typeof v === 'boolean'))
        throw new ProfileFormatError('frequent_items: a value must be a string, a finite number or a boolean')
      const count = checkCount(c, 'frequent_items count')
      if (count === 0 || f.counts.has(v as Category))
        throw new ProfileFormatError('frequent_items: counts must be positive and values distinct')
      f.counts.set(v as Category, count)
      total += count
    }
    if (total > f.n) throw new ProfileFormatError('frequent_items: counts exceed n')
    return f
  }
}
