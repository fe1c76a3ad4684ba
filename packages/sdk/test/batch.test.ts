import { LIMITS } from '@keel/contracts'
import { describe, expect, it } from 'vitest'
import { splitBatch } from '../src/batch.js'

const metrics = (n: number) => Array.from({ length: n }, (_, i) => ({ key: 'loss', value: i, timestamp: 1, step: i }))
const kvs = (n: number, prefix: string, size = 1) =>
  Array.from({ length: n }, (_, i) => ({ key: `${prefix}${i}`, value: 'v'.repeat(size) }))

describe('splitBatch', () => {
  it('returns nothing for an empty batch', () => {
    expect(splitBatch({ metrics: [], params: [], tags: [] })).toEqual([])
  })

  it('splits 2,500 metrics into 1000 + 1000 + 500', () => {
    const chunks = splitBatch({ metrics: metrics(2500), params: [], tags: [] })
    expect(chunks.map((c) => c.metrics.length)).toEqual([1000, 1000, 500])
    expect(chunks.flatMap((c) => c.metrics).map((m) => m.step)).toEqual(metrics(2500).map((m) => m.step))
  })

  it('takes at most 100 params and 100 tags per request and fills up to 1000 entities with metrics', () => {
    const chunks = splitBatch({ metrics: metrics(1000), params: kvs(250, 'p'), tags: kvs(150, 't') })
    expect(chunks.map((c) => [c.params.length, c.tags.length, c.metrics.length])).toEqual([
      [100, 100, 800],
      [100, 50, 200],
      [50, 0, 0],
    ])
    for (const c of chunks) {
      expect(c.params.length + c.tags.length + c.metrics.length).toBeLessThanOrEqual(LIMITS.entitiesPerBatch)
    }
  })

  it('keeps each request body under 1 MB', () => {
    const chunks = splitBatch({ metrics: [], params: kvs(100, 'p', 6000), tags: kvs(100, 't', 8000) })
    for (const c of chunks)
      expect(Buffer.byteLength(JSON.stringify({ run_id: 'x'.repeat(32), ...c }))).toBeLessThan(LIMITS.batchRequestBytes)
    expect(chunks.flatMap((c) => c.params)).toHaveLength(100)
    expect(chunks.flatMap((c) => c.tags)).toHaveLength(100)
    expect(chunks.length).toBeGreaterThan(1)
  })
})
