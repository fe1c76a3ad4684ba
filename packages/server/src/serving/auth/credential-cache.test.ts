import { describe, expect, it } from 'vitest'
import { CredentialCache, credentialKey } from './credential-cache.js'

const HEADER = 'Bearer keel_0123456789abcdef_secret-part-of-the-token'

function clock(start = 1_000) {
  let t = start
  return { now: () => t, advance: (ms: number) => (t += ms) }
}

describe('CredentialCache', () => {
  it('keys on a SHA-256 of the header, never the secret itself', () => {
    const key = credentialKey(HEADER)
    expect(key).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(key).not.toContain('secret')
    expect(credentialKey(`${HEADER}x`)).not.toBe(key)
  })

  it('remembers a verdict for its TTL, counted from when it was asked, then verifies again', async () => {
    const c = clock()
    const cache = new CredentialCache<string>(() => 1_000, 10, c.now)
    let calls = 0
    const verify = async () => {
      calls++
      c.advance(300) // the tracking server takes 300 ms
      return `verdict ${calls}`
    }
    expect(await cache.get(HEADER, verify)).toBe('verdict 1')
    c.advance(699) // 999 ms after it was asked
    expect(await cache.get(HEADER, verify)).toBe('verdict 1')
    c.advance(1)
    expect(await cache.get(HEADER, verify)).toBe('verdict 2')
    expect(calls).toBe(2)
  })

  it('shares one verification between concurrent misses, and does not remember a failure', async () => {
    const cache = new CredentialCache<string>(() => 60_000)
    let calls = 0
    let fail = true
    const verify = async () => {
      calls++
      await new Promise((r) => setImmediate(r))
      if (fail) throw new Error('tracking server down')
      return 'ok'
    }
    const results = await Promise.allSettled([cache.get(HEADER, verify), cache.get(HEADER, verify)])
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected'])
    expect(calls).toBe(1)
    fail = false
    expect(await cache.get(HEADER, verify)).toBe('ok')
    expect(calls).toBe(2)
  })

  it('keeps nothing with a TTL of 0, and stays within its bound', async () => {
    const none = new CredentialCache<string>(() => 0)
    await none.get(HEADER, async () => 'x')
    expect(none.size).toBe(0)
    const c = clock()
    const bounded = new CredentialCache<string>(() => 10_000, 3, c.now)
    for (let i = 0; i < 5; i++) await bounded.get(`Basic ${i}`, async () => String(i))
    expect(bounded.size).toBe(3)
    let asked = false
    expect(
      await bounded.get('Basic 4', async () => {
        asked = true
        return 'again'
      }),
    ).toBe('4')
    expect(asked).toBe(false)
    expect(await bounded.get('Basic 0', async () => 'evicted')).toBe('evicted')
  })
})
