import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Metric } from '@keel/contracts'
import { describe, expect, it } from 'vitest'
import { openDatabase } from '../src/sql/open-database.js'
import { createSqlTrackingStore } from '../src/sql/tracking/sql-tracking-store.js'

/** A small seeded generator (mulberry32), so a failure replays. */
function rng(seed: number): () => number {
  let a = seed
  return () => {
    a = (a + 0x6d2b79f5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

describe('latest metric values written in batches', () => {
  it('match the same points logged one at a time: max step, then timestamp, then value (NaN as 0)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'keel-latest-'))
    const database = await openDatabase(`sqlite:///${join(dir, 'k.db')}`)
    try {
      const store = createSqlTrackingStore(database)
      await store.ensureDefaultExperiment(join(dir, 'art'))
      const newRun = async (runId: string) =>
        store.runs.create({
          runId,
          experimentId: '0',
          name: runId,
          userId: 'u',
          startTime: 1,
          artifactUri: join(dir, runId),
          tags: [],
        })
      await newRun('batched')
      await newRun('single')
      const r = rng(7)
      const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!
      // 23 keys (two ten-key statements and three single ones), few steps, timestamps and values,
      // so that ties on step and timestamp are common; NaN and 0 tie on value.
      const keys = Array.from({ length: 23 }, (_, i) => `k${i}`)
      const batches: Metric[][] = Array.from({ length: 6 }, () =>
        Array.from({ length: 1 + Math.floor(r() * 120) }, () => ({
          key: pick(keys),
          value: pick([0, Number.NaN, 1, -1, 0.5, 2]),
          timestamp: pick([10, 20, 30]),
          step: pick([0, 1, 2, 3]),
        })),
      )
      for (const metrics of batches) {
        await store.runs.logBatch('batched', { metrics, params: [], tags: [] })
        for (const m of metrics) await store.runs.logBatch('single', { metrics: [m], params: [], tags: [] })
      }
      const latest = async (runId: string) =>
        (await store.runs.get(runId))!.data.metrics
          .map((m) => ({ key: m.key, value: m.value, timestamp: m.timestamp, step: m.step }))
          .sort((a, b) => a.key.localeCompare(b.key))
      const batched = await latest('batched')
      expect(batched.length).toBeGreaterThan(10)
      expect(batched).toEqual(await latest('single'))
      // And the rule itself, from the points sent.
      for (const got of batched) {
        const points = batches.flat().filter((m) => m.key === got.key)
        const v = (m: Metric) => (Number.isNaN(m.value) ? 0 : m.value)
        const best = points.reduce((a, b) =>
          b.step > a.step ||
          (b.step === a.step && (b.timestamp > a.timestamp || (b.timestamp === a.timestamp && v(b) > v(a))))
            ? b
            : a,
        )
        expect([got.step, got.timestamp, Number.isNaN(got.value) ? 0 : got.value]).toEqual([
          best.step,
          best.timestamp,
          v(best),
        ])
      }
    } finally {
      await database.close()
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
