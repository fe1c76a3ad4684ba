/**
 * The contract of TrackingStore as executable tests. Every implementation (SQLite today,
 * PostgreSQL next) calls `runTrackingStoreConformance` with a factory for a fresh, empty store.
 */
import type { Metric } from '@keel/contracts'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { RUN_SEARCH, parseFilter, parseOrderBy } from '../../src/search/index.js'
import type { RunSearchQuery, TrackingStore } from '../../src/tracking/tracking-store.js'

export interface ConformanceOptions {
  readonly name: string
  readonly newStore: () => Promise<TrackingStore>
}

let seq = 0
const uid = () => `${Date.now().toString(16)}${(seq++).toString(16).padStart(8, '0')}`.padEnd(32, '0').slice(0, 32)
const metric = (key: string, value: number, step = 0, timestamp = 1): Metric => ({ key, value, step, timestamp })

export function runTrackingStoreConformance({ name, newStore }: ConformanceOptions): void {
  describe(`TrackingStore conformance: ${name}`, () => {
    let store: TrackingStore
    beforeEach(async () => {
      store = await newStore()
      await store.ensureDefaultExperiment('mlflow-artifacts:/0')
    })
    afterEach(async () => {
      await store.close()
    })

    async function experiment(name = `e-${uid()}`): Promise<string> {
      return store.experiments.create({ name, artifactLocation: (id) => `mlflow-artifacts:/${id}`, tags: [], time: 1 })
    }

    async function run(experimentId: string, overrides: { name?: string; startTime?: number } = {}): Promise<string> {
      const runId = uid()
      await store.runs.create({
        runId,
        experimentId,
        name: overrides.name ?? runId.slice(-6),
        userId: 'tester',
        startTime: overrides.startTime ?? 1000,
        artifactUri: `mlflow-artifacts:/${experimentId}/${runId}/artifacts`,
        tags: [],
      })
      return runId
    }

    const search = (
      experimentId: string,
      q: { filter?: string; orderBy?: string[]; limit?: number; offset?: number } = {},
    ) => {
      const filter = parseFilter(q.filter, RUN_SEARCH)
      const query: RunSearchQuery = {
        experimentIds: [experimentId],
        ...(filter ? { filter } : {}),
        orderBy: parseOrderBy(q.orderBy, RUN_SEARCH),
        viewType: 'ACTIVE_ONLY',
        offset: q.offset ?? 0,
        limit: q.limit ?? 100,
      }
      return store.runs.search(query)
    }

    it('has the Default experiment "0" once, however often it is ensured', async () => {
      await store.ensureDefaultExperiment('elsewhere:/0')
      const def = await store.experiments.get('0')
      expect(def).toMatchObject({ experimentId: '0', name: 'Default', artifactLocation: 'mlflow-artifacts:/0' })
    })

    it('creates experiments with computed artifact locations and unique names', async () => {
      const id = await experiment('unique-name')
      expect((await store.experiments.get(id))?.artifactLocation).toBe(`mlflow-artifacts:/${id}`)
      expect((await store.experiments.getByName('unique-name'))?.experimentId).toBe(id)
      await expect(experiment('unique-name')).rejects.toMatchObject({ code: 'RESOURCE_ALREADY_EXISTS' })
      expect(await store.experiments.get('123456')).toBeUndefined()
      expect(await store.experiments.get('not-a-number')).toBeUndefined()
    })

    it('deleting an experiment deletes its runs; restoring brings back exactly those', async () => {
      const id = await experiment()
      const kept = await run(id)
      const deletedBefore = await run(id)
      await store.runs.setLifecycle(deletedBefore, 'deleted', 5)
      await store.experiments.setLifecycle(id, 'deleted', 10)
      expect((await store.runs.getInfo(kept))?.lifecycleStage).toBe('deleted')
      await store.experiments.setLifecycle(id, 'active', 20)
      expect((await store.runs.getInfo(kept))?.lifecycleStage).toBe('active')
      expect((await store.runs.getInfo(deletedBefore))?.lifecycleStage).toBe('deleted')
    })

    it('keeps params immutable and writes nothing of a batch that conflicts', async () => {
      const runId = await run(await experiment())
      await store.runs.logBatch(runId, { metrics: [], params: [{ key: 'p', value: '1' }], tags: [] })
      await store.runs.logBatch(runId, { metrics: [], params: [{ key: 'p', value: '1' }], tags: [] })
      await expect(
        store.runs.logBatch(runId, {
          metrics: [metric('m', 1)],
          params: [{ key: 'p', value: '2' }],
          tags: [{ key: 't', value: 'x' }],
        }),
      ).rejects.toMatchObject({ code: 'INVALID_PARAMETER_VALUE' })
      const r = await store.runs.get(runId)
      expect(r?.data.params).toEqual([{ key: 'p', value: '1' }])
      expect(r?.data.metrics).toEqual([])
      expect(r?.data.tags.find((t) => t.key === 't')).toBeUndefined()
    })

    it('ignores a retried metric point and keeps the newest value by (step, timestamp, value)', async () => {
      const runId = await run(await experiment())
      await store.runs.logBatch(runId, { metrics: [metric('acc', 0.5, 2, 10)], params: [], tags: [] })
      await store.runs.logBatch(runId, { metrics: [metric('acc', 0.5, 2, 10)], params: [], tags: [] })
      await store.runs.logBatch(runId, { metrics: [metric('acc', 0.9, 1, 99)], params: [], tags: [] })
      const history = await store.runs.metricHistory(runId, 'acc', { offset: 0, limit: 10 })
      expect(history.items.map((m) => m.value)).toEqual([0.5, 0.9])
      expect((await store.runs.get(runId))?.data.metrics).toEqual([metric('acc', 0.5, 2, 10)])
    })

    it('a batch repeating points (within itself, or from an earlier batch) writes each point once and the rest of the batch whole', async () => {
      const runId = await run(await experiment())
      await store.runs.logBatch(runId, { metrics: [metric('a', 1, 0, 1), metric('a', 2, 1, 2)], params: [], tags: [] })
      // A retry that also carries new points, and one point twice.
      const again = [metric('a', 1, 0, 1), metric('a', 2, 1, 2), metric('a', 3, 2, 3), metric('a', 3, 2, 3)]
      await store.runs.logBatch(runId, { metrics: [...again, metric('b', 7, 0, 1)], params: [], tags: [] })
      const history = await store.runs.metricHistory(runId, 'a', { offset: 0, limit: 10 })
      expect(history.items.map((m) => [m.step, m.value])).toEqual([
        [0, 1],
        [1, 2],
        [2, 3],
      ])
      expect((await store.runs.metricHistory(runId, 'b', { offset: 0, limit: 10 })).items).toHaveLength(1)
      expect((await store.runs.get(runId))?.data.metrics).toEqual([metric('a', 3, 2, 3), metric('b', 7, 0, 1)])
    })

    it('keeps text as sent in a large batch: quotes, backslashes, braces, commas, "NULL", non-ASCII', async () => {
      const runId = await run(await experiment())
      const names = ['plain', 'say "hi"', 'back\\slash', '{a,b}', 'NULL', 'é 日本 ✓', ' padded ', '']
      const metrics: Metric[] = Array.from({ length: 1_200 }, (_, i) => ({
        key: `k/${i % 7} x:y`,
        value: i % 11 === 0 ? Number.NaN : i / 3,
        step: i,
        timestamp: 1_700_000_000_000 + i,
        ...(i % 3 === 0 && { datasetName: names[i % names.length]!, datasetDigest: `d${i % 5}` }),
      }))
      await store.runs.logBatch(runId, { metrics, params: [], tags: [] })
      for (let k = 0; k < 7; k++) {
        const key = `k/${k} x:y`
        const sent = metrics.filter((m) => m.key === key)
        const stored = (await store.runs.metricHistory(runId, key, { offset: 0, limit: 1_000 })).items
        expect(stored.map((m) => [m.step, m.timestamp, m.datasetName ?? null, m.datasetDigest ?? null])).toEqual(
          sent.map((m) => [m.step, m.timestamp, m.datasetName ?? null, m.datasetDigest ?? null]),
        )
        expect(stored.map((m) => m.value)).toEqual(sent.map((m) => m.value))
      }
    })

    it('stores NaN and infinities', async () => {
      const runId = await run(await experiment())
      await store.runs.logBatch(runId, {
        metrics: [metric('x', Number.NaN, 0, 1), metric('x', Infinity, 1, 2), metric('x', -Infinity, 2, 3)],
        params: [],
        tags: [],
      })
      const values = (await store.runs.metricHistory(runId, 'x', { offset: 0, limit: 10 })).items.map((m) => m.value)
      expect(values).toEqual([Number.NaN, Infinity, -Infinity])
    })

    it('refuses writes to a missing or deleted run', async () => {
      await expect(
        store.runs.logBatch(uid(), { metrics: [metric('m', 1)], params: [], tags: [] }),
      ).rejects.toMatchObject({
        code: 'RESOURCE_DOES_NOT_EXIST',
      })
      const runId = await run(await experiment())
      await store.runs.setLifecycle(runId, 'deleted', 1)
      await expect(
        store.runs.logBatch(runId, { metrics: [metric('m', 1)], params: [], tags: [] }),
      ).rejects.toMatchObject({
        code: 'INVALID_PARAMETER_VALUE',
      })
    })

    it('renames a run through the mlflow.runName tag', async () => {
      const runId = await run(await experiment(), { name: 'before' })
      await store.runs.logBatch(runId, { metrics: [], params: [], tags: [{ key: 'mlflow.runName', value: 'after' }] })
      expect((await store.runs.getInfo(runId))?.runName).toBe('after')
    })

    it('matches param and tag equality exactly around the length PostgreSQL indexes (200 characters)', async () => {
      const exp = await experiment()
      const lengths = [199, 200, 201, 450]
      for (const [i, n] of lengths.entries()) {
        const value = 'é'.repeat(n)
        const runId = await run(exp, { name: `len-${n}`, startTime: 100 + i })
        await store.runs.logBatch(runId, { metrics: [], params: [{ key: 'v', value }], tags: [{ key: 'v', value }] })
      }
      for (const n of [...lengths, 198, 202]) {
        const literal = 'é'.repeat(n)
        const expected = lengths.includes(n) ? [`len-${n}`] : []
        for (const entity of ['params', 'tags']) {
          const found = await search(exp, { filter: `${entity}.v = '${literal}'` })
          expect(
            found.items.map((r) => r.info.runName),
            `${entity}.v = ${n} characters`,
          ).toEqual(expected)
        }
      }
    })

    it('searches: filters, order with NULLs last, NaN after numbers, default order, paging', async () => {
      const exp = await experiment()
      const ids: Record<string, string> = {}
      const spec: [string, number | undefined, string][] = [
        ['a', 0.5, 'x'],
        ['b', 0.9, 'y'],
        ['c', undefined, 'x'],
        ['d', Number.NaN, 'y'],
        ['e', 0.7, 'x'],
      ]
      for (const [i, [n, acc, tag]] of spec.entries()) {
        ids[n] = await run(exp, { name: n, startTime: 100 + i })
        await store.runs.logBatch(ids[n]!, {
          metrics: acc === undefined ? [] : [metric('acc', acc)],
          params: [{ key: 'letter', value: n }],
          tags: [{ key: 'group', value: tag }],
        })
      }
      const names = async (q: Parameters<typeof search>[1]) => (await search(exp, q)).items.map((r) => r.info.runName)
      expect(await names({ orderBy: ['metrics.acc DESC'] })).toEqual(['b', 'e', 'a', 'd', 'c'])
      expect(await names({ orderBy: ['metrics.acc ASC'] })).toEqual(['a', 'e', 'b', 'd', 'c'])
      expect(await names({})).toEqual(['e', 'd', 'c', 'b', 'a'])
      expect(await names({ filter: 'metrics.acc >= 0.7', orderBy: ['params.letter'] })).toEqual(['b', 'e'])
      expect(
        await names({ filter: "tags.group = 'x' AND params.letter != 'a'", orderBy: ['params.letter DESC'] }),
      ).toEqual(['e', 'c'])
      expect(await names({ filter: 'params.letter IS NULL' })).toEqual([])
      expect(await names({ filter: "params.letter LIKE 'A%'" })).toEqual([])
      expect(await names({ filter: "params.letter ILIKE 'A%'" })).toEqual(['a'])
      expect(await names({ filter: "run_name LIKE '_'", orderBy: ['run_name'], limit: 2 })).toEqual(['a', 'b'])
      const page1 = await search(exp, { orderBy: ['run_name'], limit: 2 })
      expect(page1.hasMore).toBe(true)
      const page3 = await search(exp, { orderBy: ['run_name'], limit: 2, offset: 4 })
      expect(page3.items.map((r) => r.info.runName)).toEqual(['e'])
      expect(page3.hasMore).toBe(false)
    })

    it('pages a metric order through numbers, ties, NaN and runs without the metric, at any offset', async () => {
      const exp = await experiment()
      const other = await experiment()
      // value per run (undefined: no metric); equal values tie-break newest first, then by id.
      const spec: (number | undefined)[] = [0.5, 0.9, undefined, Number.NaN, 0.7, 0.9, undefined, Number.NaN, 0.5, -1]
      const names: string[] = []
      for (const [i, acc] of spec.entries()) {
        const name = `r${i}`
        names.push(name)
        const id = await run(exp, { name, startTime: 100 + i })
        await store.runs.logBatch(id, {
          metrics: acc === undefined ? [] : [metric('acc', acc)],
          params: [],
          tags: [{ key: 'odd', value: String(i % 2) }],
        })
      }
      await store.runs.logBatch(await run(other, { name: 'elsewhere' }), {
        metrics: [metric('acc', 5)],
        params: [],
        tags: [],
      })
      const runNames = async (q: Parameters<typeof search>[1]) => {
        const page = await search(exp, q)
        return { names: page.items.map((r) => r.info.runName), hasMore: page.hasMore }
      }
      const desc = ['r5', 'r1', 'r4', 'r8', 'r0', 'r9', 'r7', 'r3', 'r6', 'r2']
      const asc = ['r9', 'r8', 'r0', 'r4', 'r5', 'r1', 'r7', 'r3', 'r6', 'r2']
      expect((await runNames({ orderBy: ['metrics.acc DESC'], limit: 100 })).names).toEqual(desc)
      expect((await runNames({ orderBy: ['metrics.acc ASC'], limit: 100 })).names).toEqual(asc)
      for (const [order, full] of [
        ['metrics.acc DESC', desc],
        ['metrics.acc ASC', asc],
      ] as const) {
        for (let limit = 1; limit <= 4; limit++) {
          for (let offset = 0; offset <= full.length + 1; offset++) {
            const page = await runNames({ orderBy: [order], limit, offset })
            expect(page.names, `${order} limit ${limit} offset ${offset}`).toEqual(full.slice(offset, offset + limit))
            expect(page.hasMore).toBe(offset + limit < full.length)
          }
        }
      }
      // With a filter, the same order over the matching runs only.
      expect((await runNames({ filter: "tags.odd = '1'", orderBy: ['metrics.acc DESC'], limit: 100 })).names).toEqual(
        desc.filter((n) => Number(n.slice(1)) % 2 === 1),
      )
    })

    it("lists the distinct param, metric and tag keys of an experiment's active runs", async () => {
      const a = await experiment()
      const b = await experiment()
      const empty = await experiment()
      // More runs than a sample of the first ones, a key only a late run has, a key only a deleted run has.
      for (let i = 0; i < 60; i++) {
        const id = await run(a, { startTime: 1000 + i })
        await store.runs.logBatch(id, {
          metrics: [metric('acc', i / 60), ...(i === 59 ? [metric('rare_metric', 1)] : [])],
          params: [{ key: 'lr', value: String(i) }],
          tags: [{ key: 'team', value: 'x' }],
        })
      }
      const gone = await run(a)
      await store.runs.logBatch(gone, {
        metrics: [metric('gone_metric', 1)],
        params: [{ key: 'gone_param', value: '1' }],
        tags: [],
      })
      await store.runs.setLifecycle(gone, 'deleted', 5)
      // Another experiment's keys, one of them on many runs.
      for (let i = 0; i < 260; i++) {
        const id = await run(b)
        await store.runs.logBatch(id, {
          metrics: [metric('b_metric', i)],
          params: [{ key: 'b_param', value: '1' }],
          tags: [],
        })
      }
      expect(await store.experiments.keys(a)).toEqual({
        params: ['lr'],
        metrics: ['acc', 'rare_metric'],
        tags: ['team'],
      })
      expect(await store.experiments.keys(b)).toEqual({ params: ['b_param'], metrics: ['b_metric'], tags: [] })
      expect(await store.experiments.keys(empty)).toEqual({ params: [], metrics: [], tags: [] })
      await expect(store.experiments.keys('98765')).rejects.toMatchObject({ code: 'RESOURCE_DOES_NOT_EXIST' })
    })

    it('returns metric history by step for several runs', async () => {
      const exp = await experiment()
      const [r1, r2] = [await run(exp), await run(exp)]
      for (const id of [r1, r2]) {
        await store.runs.logBatch(id, {
          metrics: [0, 1, 2, 3].map((s) => metric('loss', 1 / (s + 1), s, s)),
          params: [],
          tags: [],
        })
      }
      const points = await store.runs.metricHistoryByStep([r1, r2], 'loss', { startStep: 1, endStep: 2 })
      expect(points.map((p) => [p.runId === r1 ? 'r1' : 'r2', p.step])).toEqual(
        [
          [r1, 1],
          [r1, 2],
          [r2, 1],
          [r2, 2],
        ].map(([id, s]) => [id === r1 ? 'r1' : 'r2', s]),
      )
    })
  })
}
