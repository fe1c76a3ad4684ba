/**
 * The contract of TraceStore (src/tracing/trace-store.ts) as executable tests. Every engine calls
 * `runTraceStoreConformance` with a factory for a fresh, empty store.
 */
import type { Assessment, TraceInfo, TraceSpan } from '@keel/contracts'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { TRACE_SEARCH, parseFilter } from '../../src/search/index.js'
import type { SpanSummary, TraceOrder, TraceStore } from '../../src/tracing/trace-store.js'

export interface TraceStoreHandle {
  readonly store: TraceStore
  close(): Promise<void>
}

const T0 = 1_764_200_000_000

function info(id: string, over: Partial<TraceInfo> = {}): TraceInfo {
  return {
    traceId: id,
    experimentId: '1',
    requestTimeMs: T0,
    executionDurationMs: 10,
    state: 'OK',
    metadata: { 'mlflow.trace.infoFinalized': 'true' },
    tags: { 'mlflow.traceName': `name-${id}` },
    assessments: [],
    ...over,
  }
}

function span(traceId: string, spanId: string, over: Partial<TraceSpan> = {}): TraceSpan {
  return {
    traceId,
    otelTraceId: 'ab'.repeat(16),
    spanId,
    name: `span-${spanId}`,
    spanType: 'LLM',
    startTimeUnixNano: `${T0}000001`,
    endTimeUnixNano: `${T0 + 5}000000`,
    status: { code: 'OK' },
    attributes: [{ key: 'big', value: { intValue: '9007199254740993' } }],
    events: [],
    ...over,
  }
}

function summary(traceId: string, over: Partial<SpanSummary> = {}): SpanSummary {
  return { traceId, experimentId: '1', requestTimeMs: T0, state: 'IN_PROGRESS', tags: {}, metadata: {}, ...over }
}

function feedback(traceId: string, id: string, value: unknown): Assessment {
  return {
    assessmentId: id,
    traceId,
    name: 'helpful',
    source: { sourceType: 'HUMAN', sourceId: 'me' },
    createTimeMs: T0,
    lastUpdateTimeMs: T0,
    feedback: { value },
  }
}

const ids = (items: readonly TraceInfo[]) => items.map((i) => i.traceId)

export function runTraceStoreConformance(options: { name: string; newStore: () => Promise<TraceStoreHandle> }): void {
  describe(options.name, () => {
    let handle: TraceStoreHandle
    let store: TraceStore
    beforeEach(async () => {
      handle = await options.newStore()
      store = handle.store
    })
    afterEach(async () => {
      await handle.close()
    })

    it('keeps a trace info with its tags, metadata and assessments', async () => {
      const stored = await store.putTraceInfo(
        info('tr-1', {
          requestPreview: '{"q": 1}',
          clientRequestId: 'c-1',
          assessments: [feedback('tr-1', 'a-1', 0.5)],
        }),
      )
      expect(stored).toEqual(
        info('tr-1', {
          requestPreview: '{"q": 1}',
          clientRequestId: 'c-1',
          assessments: [feedback('tr-1', 'a-1', 0.5)],
        }),
      )
      expect(await store.getTraceInfo('tr-missing')).toBeUndefined()
      expect(ids(await store.getTraceInfos(['tr-missing', 'tr-1']))).toEqual(['tr-1'])
    })

    it('merges an info into the trace its spans made, keeping the spans-location tag', async () => {
      await store.logSpans([
        {
          summary: summary('tr-2', { state: 'OK', tags: { 'mlflow.traceName': 'root' } }),
          spans: [span('tr-2', '01')],
        },
      ])
      const before = await store.getTraceInfo('tr-2')
      expect(before?.tags['mlflow.trace.spansLocation']).toBe('TRACKING_STORE')
      const after = await store.putTraceInfo(info('tr-2', { tags: { extra: 'x' }, requestTimeMs: T0 - 5 }))
      expect(after.tags).toEqual({
        'mlflow.traceName': 'root',
        'mlflow.trace.spansLocation': 'TRACKING_STORE',
        extra: 'x',
      })
      expect(after.requestTimeMs).toBe(T0 - 5)
    })

    it('takes the time and state from spans until the info is final', async () => {
      await store.logSpans([{ summary: summary('tr-3', { requestTimeMs: T0 + 3 }), spans: [span('tr-3', '02')] }])
      expect((await store.getTraceInfo('tr-3'))?.state).toBe('IN_PROGRESS')
      await store.logSpans([
        {
          summary: summary('tr-3', { requestTimeMs: T0, state: 'ERROR', executionDurationMs: 7 }),
          spans: [span('tr-3', '01')],
        },
      ])
      const made = await store.getTraceInfo('tr-3')
      expect([made?.state, made?.requestTimeMs, made?.executionDurationMs]).toEqual(['ERROR', T0, 7])
      await store.putTraceInfo(info('tr-3', { state: 'OK' }))
      await store.logSpans([{ summary: summary('tr-3', { state: 'ERROR' }), spans: [span('tr-3', '03')] }])
      expect((await store.getTraceInfo('tr-3'))?.state).toBe('OK')
    })

    it('returns spans exactly, ordered by start, and replaces a span sent again', async () => {
      const late = span('tr-4', '02', { startTimeUnixNano: `${T0}000009` })
      const early = span('tr-4', '01', { parentSpanId: '02', startTimeUnixNano: `${T0}000002` })
      await store.logSpans([{ summary: summary('tr-4'), spans: [late, early] }])
      expect((await store.getSpans(['tr-4'])).get('tr-4')).toEqual([early, late])
      const renamed = { ...late, name: 'renamed' }
      await store.logSpans([{ summary: summary('tr-4'), spans: [renamed] }])
      expect((await store.getSpans(['tr-4', 'tr-none'])).get('tr-4')?.map((s) => s.name)).toEqual([
        'span-01',
        'renamed',
      ])
      expect((await store.getSpans(['tr-none'])).get('tr-none')).toEqual([])
    })

    it('refuses spans of a trace that belongs to another experiment', async () => {
      await store.putTraceInfo(info('tr-5'))
      const { refused } = await store.logSpans([
        { summary: summary('tr-5', { experimentId: '2' }), spans: [span('tr-5', '01')] },
      ])
      expect(refused).toEqual(['tr-5'])
      expect((await store.getSpans(['tr-5'])).get('tr-5')).toEqual([])
    })

    it('sets and deletes tags, and patches the info', async () => {
      await store.putTraceInfo(info('tr-6'))
      expect(await store.setTag('tr-6', 'k', 'v')).toBe(true)
      expect(await store.setTag('tr-none', 'k', 'v')).toBe(false)
      expect((await store.getTraceInfo('tr-6'))?.tags.k).toBe('v')
      expect(await store.deleteTag('tr-6', 'k')).toBe(true)
      expect(await store.deleteTag('tr-6', 'k')).toBe(false)
      expect(await store.patchTraceInfo('tr-6', { state: 'ERROR', metadata: { m: '1' } })).toBe(true)
      expect(await store.patchTraceInfo('tr-none', { state: 'ERROR' })).toBe(false)
      const patched = await store.getTraceInfo('tr-6')
      expect([patched?.state, patched?.metadata.m]).toEqual(['ERROR', '1'])
    })

    it('searches by attribute, tag, metadata, span, assessment and run, and pages', async () => {
      await store.putTraceInfo(info('tr-a', { requestTimeMs: T0 + 1, metadata: { 'mlflow.sourceRun': 'run1' } }))
      await store.putTraceInfo(
        info('tr-b', { requestTimeMs: T0 + 2, state: 'ERROR', tags: { 'mlflow.traceName': 'name-tr-b', team: 'x' } }),
      )
      await store.putTraceInfo(info('tr-c', { requestTimeMs: T0 + 3, executionDurationMs: 500 }))
      await store.putTraceInfo(info('tr-other', { experimentId: '2' }))
      await store.logSpans([
        { summary: summary('tr-c'), spans: [span('tr-c', '01', { name: 'retrieve', spanType: 'RETRIEVER' })] },
      ])
      await store.addAssessment(feedback('tr-b', 'a-b', true))
      expect(await store.linkToRun(['tr-c', 'tr-none'], 'run1')).toEqual(['tr-none'])

      const search = async (filter?: string, orderBy: TraceOrder[] = [{ key: 'timestamp_ms', ascending: true }]) =>
        ids(
          (
            await store.search({
              experimentIds: ['1'],
              ...(filter && { filter: parseFilter(filter, TRACE_SEARCH)! }),
              orderBy,
              offset: 0,
              limit: 10,
            })
          ).items,
        )
      expect(await search()).toEqual(['tr-a', 'tr-b', 'tr-c'])
      expect(await search(undefined, [])).toEqual(['tr-c', 'tr-b', 'tr-a'])
      expect(await search("trace.status = 'ERROR'")).toEqual(['tr-b'])
      expect(await search("trace.status IN ('OK')")).toEqual(['tr-a', 'tr-c'])
      expect(await search('trace.execution_time_ms > 100')).toEqual(['tr-c'])
      expect(await search(`trace.timestamp_ms >= ${T0 + 2}`)).toEqual(['tr-b', 'tr-c'])
      expect(await search("trace.name = 'name-tr-b'")).toEqual(['tr-b'])
      expect(await search("tags.team = 'x'")).toEqual(['tr-b'])
      expect(await search('tags.team IS NULL')).toEqual(['tr-a', 'tr-c'])
      expect(await search("metadata.`mlflow.sourceRun` = 'run1'")).toEqual(['tr-a'])
      expect(await search("run_id = 'run1'")).toEqual(['tr-a', 'tr-c'])
      expect(await search("span.type = 'RETRIEVER'")).toEqual(['tr-c'])
      expect(await search("span.name LIKE 'retr%'")).toEqual(['tr-c'])
      expect(await search("feedback.helpful = 'true'")).toEqual(['tr-b'])
      expect(await search("trace.status = 'OK' OR tags.team = 'x'")).toEqual(['tr-a', 'tr-b', 'tr-c'])
      expect(await search(undefined, [{ key: 'execution_time_ms', ascending: false }])).toEqual([
        'tr-c',
        'tr-b',
        'tr-a',
      ])

      const first = await store.search({ experimentIds: ['1'], orderBy: [], offset: 0, limit: 2 })
      const second = await store.search({ experimentIds: ['1'], orderBy: [], offset: 2, limit: 2 })
      expect([ids(first.items), first.hasMore, ids(second.items), second.hasMore]).toEqual([
        ['tr-c', 'tr-b'],
        true,
        ['tr-a'],
        false,
      ])
      expect(ids((await store.search({ experimentIds: [], orderBy: [], offset: 0, limit: 5 })).items)).toEqual([])
    })

    it('deletes traces by id and the oldest first by time, with all their rows', async () => {
      for (let i = 0; i < 4; i++) await store.putTraceInfo(info(`tr-${i}`, { requestTimeMs: T0 + i }))
      await store.logSpans([{ summary: summary('tr-0'), spans: [span('tr-0', '01')] }])
      await store.addAssessment(feedback('tr-0', 'a-0', 1))
      expect(await store.deleteTraces({ experimentId: '1', traceIds: ['tr-0', 'tr-none'] })).toBe(1)
      expect(await store.getAssessment('tr-0', 'a-0')).toBeUndefined()
      expect((await store.getSpans(['tr-0'])).get('tr-0')).toEqual([])
      expect(await store.deleteTraces({ experimentId: '2', traceIds: ['tr-1'] })).toBe(0)
      expect(await store.deleteTraces({ experimentId: '1', maxTimestampMs: T0 + 3, maxTraces: 1 })).toBe(1)
      expect(await store.getTraceInfo('tr-1')).toBeUndefined()
      expect(await store.deleteTraces({ experimentId: '1', maxTimestampMs: T0 + 2 })).toBe(1)
      expect(ids(await store.getTraceInfos(['tr-2', 'tr-3']))).toEqual(['tr-3'])
    })

    it('adds, replaces and deletes assessments', async () => {
      await store.putTraceInfo(info('tr-7'))
      await store.addAssessment(feedback('tr-7', 'a-1', 'good'))
      expect(await store.getAssessment('tr-7', 'a-1')).toEqual(feedback('tr-7', 'a-1', 'good'))
      expect(await store.getAssessment('tr-other', 'a-1')).toBeUndefined()
      expect(await store.replaceAssessment({ ...feedback('tr-7', 'a-1', 'bad'), rationale: 'why' })).toBe(true)
      expect(await store.replaceAssessment(feedback('tr-7', 'a-none', 'x'))).toBe(false)
      expect((await store.getTraceInfo('tr-7'))?.assessments).toEqual([
        { ...feedback('tr-7', 'a-1', 'bad'), rationale: 'why' },
      ])
      expect(await store.deleteAssessment('tr-7', 'a-1')).toBe(true)
      expect(await store.deleteAssessment('tr-7', 'a-1')).toBe(false)
    })
  })
}
