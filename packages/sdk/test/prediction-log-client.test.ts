import { LIMITS } from '@keel/contracts'
import { describe, expect, it } from 'vitest'
import { splitPredictionBatch } from '../src/prediction-log-client.js'

const records = (n: number, size = 1) =>
  Array.from({ length: n }, (_, i) => ({ request_id: `r${i}`, inputs: [{ text: 'x'.repeat(size) }] }))
const bytes = (chunk: readonly object[]) => Buffer.byteLength(JSON.stringify({ records: chunk, dropped: 1 }))

describe('splitPredictionBatch', () => {
  it('returns nothing for no records', () => {
    expect(splitPredictionBatch([])).toEqual([])
  })

  it('splits by count at 1,000, keeping the order', () => {
    const all = records(2500)
    const chunks = splitPredictionBatch(all)
    expect(chunks.map((c) => c.length)).toEqual([1000, 1000, 500])
    expect(chunks.flat()).toEqual(all)
  })

  it('splits by bytes so that every body stays under the cap, envelope included', () => {
    const all = records(40, 1000)
    const cap = 10_000
    const chunks = splitPredictionBatch(all, LIMITS.predictionRecordsPerBatch, cap - 100)
    expect(chunks.length).toBeGreaterThan(3)
    for (const chunk of chunks) expect(bytes(chunk)).toBeLessThanOrEqual(cap)
    expect(chunks.flat()).toEqual(all)
  })

  it('sends a record larger than the budget alone', () => {
    const all = [...records(2, 10), { request_id: 'big', inputs: [{ text: 'x'.repeat(5000) }] }, ...records(2, 10)]
    const chunks = splitPredictionBatch(all, 1000, 1000)
    expect(chunks.map((c) => c.map((r) => r.request_id))).toEqual([['r0', 'r1'], ['big'], ['r0', 'r1']])
  })

  it('fits 1,000 records of the largest inputs the server accepts into calls under its body cap', () => {
    const inputs = [{ text: 'x'.repeat(LIMITS.predictionFieldBytes - 20) }]
    const big = Array.from({ length: 300 }, (_, i) => ({ request_id: `r${i}`, inputs }))
    const chunks = splitPredictionBatch(big)
    for (const chunk of chunks) expect(bytes(chunk)).toBeLessThanOrEqual(LIMITS.predictionBatchBytes)
    expect(chunks.flat().length).toBe(300)
  })
})
