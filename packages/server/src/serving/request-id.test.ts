import { describe, expect, it } from 'vitest'
import { uuidv7 } from './request-id.js'

describe('uuidv7', () => {
  it('is an RFC 9562 version-7 UUID carrying the millisecond timestamp', () => {
    const now = Date.UTC(2026, 10, 27, 2, 10, 0, 123)
    const id = uuidv7(now)
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    expect(Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16)).toBe(now)
  })

  it('sorts by time and does not repeat', () => {
    const ids = Array.from({ length: 20_000 }, (_, i) => uuidv7(1_800_000_000_000 + Math.floor(i / 100)))
    expect(new Set(ids).size).toBe(ids.length)
    const byTime = ids.map((id) => id.slice(0, 13))
    expect([...byTime].sort()).toEqual(byTime)
  })
})
