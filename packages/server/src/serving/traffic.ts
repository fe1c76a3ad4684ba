/**
 * The traffic policy: which live variant answers a request. Without a key the choice is weighted
 * at random; with one (a header's or an input field's value) it is a hash of the key, so one user
 * always sees the same variant for as long as the weights stay the same.
 */
import { fmix32 } from '@keel/monitoring'

/** A 32-bit FNV-1a hash of the key's UTF-16 units, finished with murmur3's avalanche, in [0, 1). */
export function stickyPoint(key: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return fmix32(h) / 4294967296
}

export class TrafficPolicy {
  /** Cumulative shares in (0, 1], one per live variant; the last is exactly 1. */
  private readonly bounds: Float64Array

  constructor(weights: readonly number[]) {
    const total = weights.reduce((s, w) => s + w, 0)
    if (!(total > 0)) throw new Error('TrafficPolicy: weights must sum to more than 0')
    this.bounds = new Float64Array(weights.length)
    let acc = 0
    weights.forEach((w, i) => {
      acc += w
      this.bounds[i] = acc / total
    })
    this.bounds[weights.length - 1] = 1
  }

  /** The index of the variant for a point in [0, 1). */
  private at(point: number): number {
    const b = this.bounds
    for (let i = 0; i < b.length - 1; i++) if (point < b[i]!) return i
    return b.length - 1
  }

  /** The variant for a request: by the key's hash when there is one, else at random. */
  pick(key?: string): number {
    if (this.bounds.length === 1) return 0
    return this.at(key === undefined ? Math.random() : stickyPoint(key))
  }
}
