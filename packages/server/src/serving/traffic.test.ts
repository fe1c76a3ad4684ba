/**
 * The sticky hash decides which variant a user sees, across restarts and releases: its values are
 * pinned here (computed by the implementation that shipped first, FNV-1a with murmur3's finaliser
 * written out in traffic.ts), so moving the finaliser to its one implementation in @keel/monitoring
 * changed no user's variant.
 */
import { describe, expect, it } from 'vitest'
import { TrafficPolicy, stickyPoint } from './traffic.js'

const PINNED: [string, number][] = [
  ['', 2872998923],
  ['a', 444641715],
  ['b', 2193908274],
  ['user-0', 2422961277],
  ['user-1', 2005895916],
  ['user-42', 2083131798],
  ['user-9999', 3287312483],
  ['X-User-Id', 2494235492],
  ['ß', 1483267445],
  ['é', 3136788073],
  ['😀', 1787143206],
  ['a'.repeat(1000), 1363347395],
  ['\u0000', 91794203],
  ['alice@example.com', 1337026280],
]

describe('stickyPoint', () => {
  it('gives every key the point it always had, bit for bit', () => {
    for (const [key, word] of PINNED) expect(stickyPoint(key) * 2 ** 32, JSON.stringify(key)).toBe(word)
  })

  it('gives 10,000 user ids the points they always had (a checksum of all of them)', () => {
    let checksum = 0
    for (let i = 0; i < 10_000; i++) checksum = (Math.imul(checksum, 31) + stickyPoint(`user-${i}`) * 2 ** 32) >>> 0
    expect(checksum).toBe(1410666979)
  })

  it('stays in [0, 1)', () => {
    for (let i = 0; i < 10_000; i++) {
      const point = stickyPoint(`k${i}`)
      expect(point >= 0 && point < 1).toBe(true)
    }
  })
})

describe('TrafficPolicy', () => {
  it('sends a key to the variant whose share its point falls in', () => {
    const policy = new TrafficPolicy([70, 30])
    for (const [key, word] of PINNED) expect(policy.pick(key)).toBe(word / 2 ** 32 < 0.7 ? 0 : 1)
  })
})
