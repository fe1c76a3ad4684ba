/**
 * The contract of PredictionLogStore (src/predictions/prediction-log-store.ts) as executable
 * tests. Every implementation calls `runPredictionLogStoreConformance` with a factory for a fresh,
 * empty store.
 */
import type { PredictionRecord } from '@keel/contracts'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type {
  PredictionLogStore,
  PredictionQuery,
  StoredPrediction,
} from '../../src/predictions/prediction-log-store.js'

export interface PredictionLogStoreHandle {
  readonly store: PredictionLogStore
  close(): Promise<void>
}

export interface PredictionLogConformanceOptions {
  readonly name: string
  readonly newStore: () => Promise<PredictionLogStoreHandle>
}

const T0 = 1_764_200_000_000

/** A record with every required field; `over` replaces some. */
export function record(requestId: string, over: Partial<PredictionRecord> = {}): PredictionRecord {
  return {
    requestId,
    deployment: 'iris',
    modelName: 'iris-classifier',
    modelVersion: '1',
    modelUri: 'models:/iris-classifier/1',
    variant: 'champion',
    shadow: false,
    timestampMs: T0,
    latencyMs: 0.42,
    protocol: 'v2',
    inputs: [{ sepal_length: 5.1, species_hint: 'setosa', missing: null }],
    outputs: [0],
    statusCode: 200,
    ...over,
  }
}

export function runPredictionLogStoreConformance({ name, newStore }: PredictionLogConformanceOptions): void {
  describe(`PredictionLogStore conformance: ${name}`, () => {
    let handle: PredictionLogStoreHandle
    let store: PredictionLogStore
    beforeEach(async () => {
      handle = await newStore()
      store = handle.store
    })
    afterEach(async () => {
      await handle.close()
    })

    const search = (q: Partial<PredictionQuery> = {}) => store.search({ order: 'asc', limit: 1000, ...q })
    const ids = async (q: Partial<PredictionQuery> = {}) => (await search(q)).items.map((p) => p.requestId)
    const strip = ({ seq: _, ...p }: StoredPrediction) => p

    it('round-trips every field, optional ones absent when not given', async () => {
      const full = record('full', {
        shadow: true,
        variant: 'challenger',
        protocol: 'mlflow',
        inputs: [{ a: 1.5, b: 'x', c: null, d: [1, 2], e: { nested: true } }, { a: -2 }],
        outputs: ['setosa', 'virginica'],
        probabilities: [
          [0.9, 0.05, 0.05],
          [0.1, 0.2, 0.7],
        ],
        statusCode: 200,
        latencyMs: 12.25,
      })
      const { modelVersion: _, ...noVersion } = record('bare', {
        inputs: [],
        outputs: [],
        statusCode: 500,
        error: 'model crashed',
      })
      expect(await store.logBatch([full, noVersion])).toBe(2)
      const got = (await search()).items.map(strip)
      expect(got).toEqual([full, noVersion])
      expect(got[1]).not.toHaveProperty('modelVersion')
      expect(got[0]).not.toHaveProperty('error')
      expect(got[0]).not.toHaveProperty('label')
    })

    it('orders by timestamp then arrival, both ways', async () => {
      await store.logBatch([
        record('b', { timestampMs: T0 + 5 }),
        record('a', { timestampMs: T0 + 1 }),
        record('c', { timestampMs: T0 + 5 }),
      ])
      await store.logBatch([record('d', { timestampMs: T0 + 5 }), record('e', { timestampMs: T0 })])
      expect(await ids()).toEqual(['e', 'a', 'b', 'c', 'd'])
      expect(await ids({ order: 'desc' })).toEqual(['d', 'c', 'b', 'a', 'e'])
      const seqs = (await search()).items.filter((p) => p.timestampMs === T0 + 5).map((p) => p.seq)
      expect(seqs).toEqual([...seqs].sort((x, y) => x - y))
    })

    it("stops a deployment's dropped total at 2^53 - 1, the largest that reads back exact", async () => {
      await store.logBatch([], { deployment: 'busy', count: Number.MAX_SAFE_INTEGER })
      await store.logBatch([], { deployment: 'busy', count: Number.MAX_SAFE_INTEGER - 1 })
      expect(await store.deployments()).toMatchObject([{ deployment: 'busy', dropped: Number.MAX_SAFE_INTEGER }])
    })

    it('takes time bounds that are fractions or beyond every timestamp, as the half-open window they describe', async () => {
      await store.logBatch([0, 1, 2, 3].map((i) => record(`t${i}`, { timestampMs: T0 + i })))
      expect(await ids({ startTime: T0 + 0.5, endTime: T0 + 2.5 })).toEqual(['t1', 't2'])
      expect(await ids({ startTime: T0 + 1, endTime: T0 + 2 })).toEqual(['t1'])
      expect(await ids({ startTime: 1e300 })).toEqual([])
      expect(await ids({ endTime: 1e300, order: 'desc', limit: 1 })).toEqual(['t3'])
      expect(await ids({ startTime: -1e300, limit: 1 })).toEqual(['t0'])
    })

    it('keeps one record per (deployment, request id, variant): retries and duplicates are no-ops, the first write wins', async () => {
      const batch = [
        record('r1'),
        record('r1', { variant: 'challenger', shadow: true }),
        record('r1', { deployment: 'other' }),
      ]
      expect(await store.logBatch(batch)).toBe(3)
      expect(await store.logBatch(batch)).toBe(0)
      expect(await store.logBatch([record('r1', { outputs: [2], latencyMs: 99 }), record('r2'), record('r2')])).toBe(1)
      const all = await search()
      expect(all.items.map((p) => `${p.deployment}/${p.requestId}/${p.variant}`).sort()).toEqual([
        'iris/r1/challenger',
        'iris/r1/champion',
        'iris/r2/champion',
        'other/r1/champion',
      ])
      const champion = all.items.find(
        (p) => p.deployment === 'iris' && p.requestId === 'r1' && p.variant === 'champion',
      )!
      expect(champion.outputs).toEqual([0])
      expect(champion.latencyMs).toBe(0.42)
    })

    it('filters on deployment, model, version, variant, shadow and a half-open time window', async () => {
      await store.logBatch([
        record('a', { timestampMs: T0 }),
        record('b', { timestampMs: T0 + 10, variant: 'challenger', shadow: true, modelVersion: '2' }),
        record('c', { timestampMs: T0 + 20, deployment: 'fraud', modelName: 'fraud-model' }),
        record('d', { timestampMs: T0 + 30 }),
      ])
      expect(await ids({ deployment: 'iris' })).toEqual(['a', 'b', 'd'])
      expect(await ids({ deployment: 'nope' })).toEqual([])
      expect(await ids({ modelName: 'fraud-model' })).toEqual(['c'])
      expect(await ids({ modelName: 'iris-classifier', modelVersion: '2' })).toEqual(['b'])
      expect(await ids({ variant: 'champion' })).toEqual(['a', 'c', 'd'])
      expect(await ids({ shadow: true })).toEqual(['b'])
      expect(await ids({ shadow: false })).toEqual(['a', 'c', 'd'])
      expect(await ids({ startTime: T0 + 10, endTime: T0 + 30 })).toEqual(['b', 'c'])
      expect(await ids({ startTime: T0 + 10, endTime: T0 + 10 })).toEqual([])
      expect(await ids({ deployment: 'iris', startTime: T0 + 5, order: 'desc' })).toEqual(['d', 'b'])
    })

    it('pages with a cursor after the last record: every record exactly once, ties included, both orders', async () => {
      const records = Array.from({ length: 23 }, (_, i) => record(`r${i}`, { timestampMs: T0 + Math.floor(i / 4) }))
      await store.logBatch(records.slice(0, 10))
      await store.logBatch(records.slice(10))
      for (const order of ['asc', 'desc'] as const) {
        const seen: string[] = []
        let after: StoredPrediction | undefined
        for (let pages = 0; pages < 20; pages++) {
          const page = await search({
            order,
            limit: 5,
            ...(after && { after: { timestampMs: after.timestampMs, seq: after.seq } }),
          })
          seen.push(...page.items.map((p) => p.requestId))
          after = page.items.at(-1)
          if (!page.hasMore) break
        }
        expect(seen).toEqual(await ids({ order }))
        expect(new Set(seen).size).toBe(23)
      }
      const last = await search({ limit: 23 })
      expect(last.hasMore).toBe(false)
      expect((await search({ limit: 22 })).hasMore).toBe(true)
    })

    it('joins labels by request id: before or after the prediction, on every variant, a later post replacing', async () => {
      await store.upsertLabels([{ requestId: 'early', label: 'setosa', timestampMs: T0 - 1 }])
      await store.logBatch([
        record('early'),
        record('late'),
        record('late', { variant: 'challenger', shadow: true }),
        record('none'),
      ])
      await store.upsertLabels([{ requestId: 'late', label: 1, timestampMs: T0 + 100 }])
      const byId = async () => new Map((await search()).items.map((p) => [`${p.requestId}/${p.variant}`, p]))
      let got = await byId()
      expect(got.get('early/champion')).toMatchObject({ label: 'setosa', labelTimestampMs: T0 - 1 })
      expect(got.get('late/champion')).toMatchObject({ label: 1, labelTimestampMs: T0 + 100 })
      expect(got.get('late/challenger')).toMatchObject({ label: 1, labelTimestampMs: T0 + 100 })
      expect(got.get('none/champion')).not.toHaveProperty('label')
      expect(got.get('none/champion')).not.toHaveProperty('labelTimestampMs')

      await store.upsertLabels([
        { requestId: 'late', label: '1', timestampMs: T0 + 200 },
        { requestId: 'early', label: false, timestampMs: T0 + 201 },
        { requestId: 'early', label: true, timestampMs: T0 + 202 },
      ])
      got = await byId()
      expect(got.get('late/champion')).toMatchObject({ label: '1', labelTimestampMs: T0 + 200 })
      expect(got.get('early/champion')).toMatchObject({ label: true, labelTimestampMs: T0 + 202 })
    })

    it('gets every variant of a request id, across deployments, by time', async () => {
      await store.logBatch([
        record('x', { variant: 'challenger', shadow: true, timestampMs: T0 + 1 }),
        record('x', { timestampMs: T0 }),
        record('x', { deployment: 'canary', timestampMs: T0 + 2 }),
        record('y'),
      ])
      await store.upsertLabels([{ requestId: 'x', label: 2, timestampMs: T0 + 9 }])
      const got = await store.get('x')
      expect(got.map((p) => `${p.deployment}/${p.variant}`)).toEqual([
        'iris/champion',
        'iris/challenger',
        'canary/champion',
      ])
      expect(got.every((p) => p.label === 2)).toBe(true)
      expect(await store.get('never')).toEqual([])
    })

    it('summarises deployments: records, dropped (not counted twice on a retry), time span, variants, versions', async () => {
      const batch = [
        record('a', { timestampMs: T0 + 50, modelVersion: '10' }),
        record('a', { timestampMs: T0 + 50, variant: 'challenger', shadow: true, modelVersion: '2' }),
        record('b', { timestampMs: T0 + 10 }),
      ]
      await store.logBatch(batch, { deployment: 'iris', count: 4 })
      await store.logBatch(batch, { deployment: 'iris', count: 4 }) // the same batch retried
      await store.logBatch([record('c', { timestampMs: T0 + 99 }), record('b', { timestampMs: T0 })], {
        deployment: 'iris',
        count: 1,
      })
      const { modelVersion: _, ...unversioned } = record('z', { deployment: 'fraud', timestampMs: T0 + 5 })
      await store.logBatch([unversioned])
      await store.logBatch([], { deployment: 'quiet', count: 7 })
      await store.logBatch([], { deployment: 'quiet', count: 2 })
      expect(await store.deployments()).toEqual([
        {
          deployment: 'fraud',
          records: 1,
          dropped: 0,
          firstTimestampMs: T0 + 5,
          lastTimestampMs: T0 + 5,
          variants: ['champion'],
          modelVersions: [],
        },
        {
          deployment: 'iris',
          records: 4,
          dropped: 5,
          firstTimestampMs: T0 + 10,
          lastTimestampMs: T0 + 99,
          variants: ['challenger', 'champion'],
          modelVersions: ['1', '2', '10'],
        },
        { deployment: 'quiet', records: 0, dropped: 9, variants: [], modelVersions: [] },
      ])
      // The summary agrees with the log it summarises.
      const iris = (await search({ deployment: 'iris' })).items
      expect(iris.length).toBe(4)
      expect(Math.min(...iris.map((p) => p.timestampMs))).toBe(T0 + 10)
    })

    it('writes a batch all or nothing: a failing record rolls back the records before it and the summary', async () => {
      await store.logBatch([record('kept')])
      const batch = Array.from({ length: 450 }, (_, i) => record(`n${i}`))
      // Past the first INSERT of a chunked batch; a store refuses a record without a deployment.
      batch[420] = { ...batch[420]!, deployment: null as unknown as string }
      await expect(store.logBatch(batch, { deployment: 'iris', count: 3 })).rejects.toThrow()
      expect(await ids()).toEqual(['kept'])
      expect(await store.deployments()).toMatchObject([{ deployment: 'iris', records: 1, dropped: 0 }])
    })

    it('logs 1,000 records of one batch and reads them back in pages', async () => {
      const batch = Array.from({ length: 1000 }, (_, i) =>
        record(`bulk-${i}`, { timestampMs: T0 + (i % 97), outputs: [i % 3] }),
      )
      expect(await store.logBatch(batch)).toBe(1000)
      const first = await search({ limit: 600 })
      const second = await search({
        limit: 600,
        after: { timestampMs: first.items.at(-1)!.timestampMs, seq: first.items.at(-1)!.seq },
      })
      expect(first.hasMore).toBe(true)
      expect(second.hasMore).toBe(false)
      expect(new Set([...first.items, ...second.items].map((p) => p.requestId)).size).toBe(1000)
    })
  })
}
