/** The traces views' pure parts: AnyValue decoding, the span tree, the waterfall, durations, trace info, URL state. */
import { describe, expect, it } from 'vitest'
import { formatMillis } from '../src/format.js'
import { compactJson, decodeAnyValue, decodeAttributes, mlflowValue, prettyJson } from '../src/traces/any-value.js'
import {
  type WireSpan,
  buildSpanTree,
  exceptionsOf,
  idToHex,
  spanBar,
  spanDurationMs,
  spanFromWire,
  statusOf,
  toNanos,
  visibleRows,
} from '../src/traces/span-tree.js'
import { shortTraceId, traceRowFromWire, userTags } from '../src/traces/trace-data.js'
import { readTraceView, readTracesView, writeTraceView, writeTracesView } from '../src/traces/view-state.js'

/** Hex as proto-JSON's base64 bytes. */
const b64 = (hex: string) => Buffer.from(hex, 'hex').toString('base64')

describe('decodeAnyValue', () => {
  it('reads each scalar kind', () => {
    expect(decodeAnyValue({ string_value: 'hi' })).toBe('hi')
    expect(decodeAnyValue({ string_value: '' })).toBe('')
    expect(decodeAnyValue({ bool_value: false })).toBe(false)
    expect(decodeAnyValue({ int_value: 42 })).toBe(42)
    expect(decodeAnyValue({ int_value: '-7' })).toBe(-7)
    expect(decodeAnyValue({ double_value: 0.5 })).toBe(0.5)
    expect(decodeAnyValue({ double_value: '2.5' })).toBe(2.5)
    expect(decodeAnyValue({ bytes_value: 'AAE=' })).toBe('AAE=')
  })
  it('keeps int64s that a double cannot hold exactly as their decimal strings, and non-finite doubles as words', () => {
    expect(decodeAnyValue({ int_value: '9007199254740993' })).toBe('9007199254740993')
    expect(decodeAnyValue({ double_value: 'NaN' })).toBe('NaN')
    expect(decodeAnyValue({ double_value: '-Infinity' })).toBe('-Infinity')
  })
  it('reads arrays and kvlists, nested, as JSON arrays and objects', () => {
    const value = {
      kvlist_value: {
        values: [
          { key: 'model', value: { string_value: 'gpt' } },
          {
            key: 'messages',
            value: {
              array_value: {
                values: [
                  {
                    kvlist_value: {
                      values: [
                        { key: 'role', value: { string_value: 'user' } },
                        { key: 'n', value: { int_value: '3' } },
                      ],
                    },
                  },
                ],
              },
            },
          },
          { key: 'empty', value: {} },
          { key: 'none' },
        ],
      },
    }
    expect(decodeAnyValue(value)).toEqual({
      model: 'gpt',
      messages: [{ role: 'user', n: 3 }],
      empty: null,
      none: null,
    })
    expect(decodeAnyValue({ array_value: {} })).toEqual([])
    expect(decodeAnyValue({ kvlist_value: {} })).toEqual({})
  })
  it('reads OTLP/JSON spelling (camelCase) too, and an empty or missing value as null', () => {
    expect(decodeAnyValue({ stringValue: 'x' })).toBe('x')
    expect(decodeAnyValue({ arrayValue: { values: [{ intValue: '1' }, { boolValue: true }] } })).toEqual([1, true])
    expect(decodeAnyValue({})).toBeNull()
    expect(decodeAnyValue(undefined)).toBeNull()
    expect(decodeAnyValue('not a message')).toBeNull()
  })
  it('decodes attribute lists, skipping malformed entries', () => {
    expect(decodeAttributes([{ key: 'a', value: { int_value: 1 } }, { nokey: true }, null, { key: 'b' }])).toEqual({
      a: 1,
      b: null,
    })
    expect(decodeAttributes(undefined)).toEqual({})
  })
})

describe('mlflowValue and JSON display', () => {
  it('parses the JSON that MLflow writes into string attributes', () => {
    expect(mlflowValue('"LLM"')).toBe('LLM')
    expect(mlflowValue('{"q": "hi"}')).toEqual({ q: 'hi' })
    expect(mlflowValue('[1, 2]')).toEqual([1, 2])
  })
  it('keeps a string that is not JSON, and a structured value, as they are', () => {
    expect(mlflowValue('LLM')).toBe('LLM')
    expect(mlflowValue('')).toBe('')
    expect(mlflowValue({ q: 'hi' })).toEqual({ q: 'hi' })
    expect(mlflowValue(3)).toBe(3)
  })
  it('pretty-prints objects and leaves strings alone', () => {
    expect(prettyJson({ q: 'hi' })).toBe('{\n  "q": "hi"\n}')
    expect(prettyJson('plain text')).toBe('plain text')
    expect(prettyJson(null)).toBe('null')
    expect(compactJson({ a: [1] })).toBe('{"a":[1]}')
    expect(compactJson(undefined)).toBe('')
  })
})

describe('ids, times and status', () => {
  it('turns base64 ids into hex and keeps hex ids', () => {
    expect(idToHex(b64('00f067aa0ba902b7'))).toBe('00f067aa0ba902b7')
    expect(idToHex(b64('4bf92f3577b34da6a3ce929d0e0e4736'))).toBe('4bf92f3577b34da6a3ce929d0e0e4736')
    expect(idToHex('00F067AA0BA902B7')).toBe('00f067aa0ba902b7')
  })
  it('reads nanoseconds exactly from decimal strings', () => {
    expect(toNanos('1700000000123456789')).toBe(1700000000123456789n)
    expect(toNanos(1500)).toBe(1500n)
    expect(toNanos('12.5')).toBeUndefined()
    expect(toNanos(undefined)).toBeUndefined()
    expect(toNanos(-1)).toBeUndefined()
  })
  it('reads status codes however they are spelled', () => {
    expect(statusOf('STATUS_CODE_OK')).toBe('OK')
    expect(statusOf('STATUS_CODE_ERROR')).toBe('ERROR')
    expect(statusOf(2)).toBe('ERROR')
    expect(statusOf('STATUS_CODE_UNSET')).toBe('UNSET')
    expect(statusOf(undefined)).toBe('UNSET')
  })
})

const T0 = 1_700_000_000_000_000_000n
/** A span `ms` after T0 lasting `dur` ms, with an optional parent (hex ids, base64 on the wire). */
function span(
  id: string,
  parent: string | undefined,
  ms: number,
  dur: number | undefined,
  extra: Partial<WireSpan> = {},
) {
  const hex = id.padStart(16, '0')
  const start = T0 + BigInt(ms) * 1_000_000n
  return {
    span_id: b64(hex),
    ...(parent !== undefined && { parent_span_id: b64(parent.padStart(16, '0')) }),
    name: `span-${id}`,
    start_time_unix_nano: String(start),
    ...(dur !== undefined && { end_time_unix_nano: String(start + BigInt(dur) * 1_000_000n) }),
    ...extra,
  } satisfies WireSpan
}
const hex = (id: string) => id.padStart(16, '0')

describe('spanFromWire', () => {
  it("reads MLflow's span type, inputs and outputs from JSON strings, and the status and events", () => {
    const s = spanFromWire(
      span('a', undefined, 0, 5, {
        attributes: [
          { key: 'mlflow.spanType', value: { string_value: '"LLM"' } },
          { key: 'mlflow.spanInputs', value: { string_value: '{"q": "hi"}' } },
          { key: 'mlflow.spanOutputs', value: { string_value: '"hello"' } },
          { key: 'llm.tokens', value: { int_value: '12' } },
          { key: 'note', value: { string_value: '{"not": "parsed"}' } },
        ],
        status: { code: 'STATUS_CODE_ERROR', message: 'boom' },
        events: [
          {
            name: 'exception',
            time_unix_nano: String(T0 + 3_000_000n),
            attributes: [{ key: 'exception.message', value: { string_value: 'boom' } }],
          },
        ],
      }),
    )
    expect(s.spanId).toBe(hex('a'))
    expect(s.parentId).toBeUndefined()
    expect(s.type).toBe('LLM')
    expect(s.inputs).toEqual({ q: 'hi' })
    expect(s.outputs).toBe('hello')
    expect(s.attributes['llm.tokens']).toBe(12)
    // Only MLflow's own attributes are JSON it wrote; others are shown as sent.
    expect(s.attributes.note).toBe('{"not": "parsed"}')
    expect(s.status).toBe('ERROR')
    expect(s.statusMessage).toBe('boom')
    expect(exceptionsOf(s)).toEqual([
      { name: 'exception', timeNs: T0 + 3_000_000n, attributes: { 'exception.message': 'boom' } },
    ])
    expect(spanDurationMs(s)).toBe(5)
  })
  it('reads structured inputs (a kvlist) and a span type without JSON quotes; no type is UNKNOWN', () => {
    const s = spanFromWire(
      span('b', undefined, 0, 1, {
        attributes: [
          { key: 'mlflow.spanType', value: { string_value: 'TOOL' } },
          {
            key: 'mlflow.spanInputs',
            value: { kvlist_value: { values: [{ key: 'city', value: { string_value: 'Oslo' } }] } },
          },
        ],
      }),
    )
    expect(s.type).toBe('TOOL')
    expect(s.inputs).toEqual({ city: 'Oslo' })
    expect(s.outputs).toBeUndefined()
    const bare = spanFromWire(span('c', undefined, 0, undefined))
    expect(bare.type).toBe('UNKNOWN')
    expect(bare.endNs).toBeUndefined()
    expect(spanDurationMs(bare)).toBeUndefined()
  })
  it('takes an all-zero parent id as no parent', () => {
    expect(spanFromWire(span('d', '0', 0, 1)).parentId).toBeUndefined()
  })
})

describe('buildSpanTree', () => {
  // root ─┬─ retrieve (starts 10)
  //       └─ llm (starts 40) ── tool (starts 45)
  const spans = [
    span('4', '3', 45, 5), // listed before its parent
    span('3', '1', 40, 50),
    span('1', undefined, 0, 100),
    span('2', '1', 10, 20),
  ]
  it('nests spans under their parents, children in order of start, with their depth', () => {
    const tree = buildSpanTree(spans)
    expect(tree.roots.map((r) => r.spanId)).toEqual([hex('1')])
    const root = tree.roots[0]!
    expect(root.children.map((c) => c.spanId)).toEqual([hex('2'), hex('3')])
    expect(root.children[1]!.children.map((c) => c.spanId)).toEqual([hex('4')])
    expect(tree.byId.get(hex('4'))!.depth).toBe(2)
    expect(tree.byId.get(hex('4'))!.treeParent).toBe(hex('3'))
    expect(tree.byId.size).toBe(4)
    expect(tree.startNs).toBe(T0)
    expect(tree.endNs).toBe(T0 + 100_000_000n)
  })
  it('makes a span whose parent is missing a root, keeping the parent id it names', () => {
    const tree = buildSpanTree([span('1', undefined, 0, 10), span('5', '99', 2, 3)])
    expect(tree.roots.map((r) => r.spanId)).toEqual([hex('1'), hex('5')])
    expect(tree.byId.get(hex('5'))!.parentId).toBe(hex('99'))
    expect(tree.byId.get(hex('5'))!.treeParent).toBeUndefined()
  })
  it('cuts a cycle of parents (every span is still shown once) and ignores a span that is its own parent', () => {
    const tree = buildSpanTree([span('a', 'b', 0, 1), span('b', 'a', 1, 1), span('c', 'c', 2, 1)])
    const shown = visibleRows(tree.roots, new Set()).map((r) => r.span.spanId)
    expect(shown.sort()).toEqual([hex('a'), hex('b'), hex('c')])
    expect(tree.roots).toHaveLength(2)
  })
  it('keeps the first of two spans with the same id', () => {
    const tree = buildSpanTree([span('1', undefined, 0, 10), { ...span('1', undefined, 5, 1), name: 'dup' }])
    expect(tree.byId.size).toBe(1)
    expect(tree.roots[0]!.name).toBe('span-1')
  })
  it('is empty for no spans', () => {
    const tree = buildSpanTree([])
    expect(tree.roots).toEqual([])
    expect(tree.startNs).toBe(0n)
  })
})

describe('visibleRows', () => {
  const tree = buildSpanTree([
    span('1', undefined, 0, 100),
    span('2', '1', 10, 20),
    span('3', '1', 40, 50),
    span('4', '3', 45, 5),
  ])
  it('lists the spans depth first, top to bottom', () => {
    const rows = visibleRows(tree.roots, new Set())
    expect(rows.map((r) => [r.span.spanId, r.span.depth, r.hasChildren, r.expanded])).toEqual([
      [hex('1'), 0, true, true],
      [hex('2'), 1, false, false],
      [hex('3'), 1, true, true],
      [hex('4'), 2, false, false],
    ])
  })
  it('hides what is under a collapsed span', () => {
    expect(visibleRows(tree.roots, new Set([hex('3')])).map((r) => r.span.spanId)).toEqual([
      hex('1'),
      hex('2'),
      hex('3'),
    ])
    const closed = visibleRows(tree.roots, new Set([hex('1')]))
    expect(closed.map((r) => [r.span.spanId, r.expanded])).toEqual([[hex('1'), false]])
  })
})

describe('spanBar', () => {
  const trace = { startNs: T0, endNs: T0 + 100_000_000n }
  it('places a span by its start and length within the trace', () => {
    const s = spanFromWire(span('2', '1', 10, 20))
    expect(spanBar(s, trace)).toEqual({ offset: 0.1, width: 0.2 })
    expect(spanBar(spanFromWire(span('1', undefined, 0, 100)), trace)).toEqual({ offset: 0, width: 1 })
  })
  it('runs an open span to the end of the trace, and never past it', () => {
    expect(spanBar(spanFromWire(span('3', '1', 60, undefined)), trace)).toEqual({ offset: 0.6, width: 0.4 })
    expect(spanBar(spanFromWire(span('3', '1', 90, 50)), trace)).toEqual({ offset: 0.9, width: expect.closeTo(0.1) })
  })
  it('fills the track for a trace of no length', () => {
    const s = spanFromWire(span('1', undefined, 0, 0))
    expect(spanBar(s, { startNs: T0, endNs: T0 })).toEqual({ offset: 0, width: 1 })
  })
})

describe('formatMillis', () => {
  it('picks a unit and a precision for the size', () => {
    expect(formatMillis(0.25)).toBe('250µs')
    expect(formatMillis(3.4167)).toBe('3.42ms')
    expect(formatMillis(12.34)).toBe('12.3ms')
    expect(formatMillis(230.4)).toBe('230ms')
    expect(formatMillis(1530)).toBe('1.53s')
    expect(formatMillis(12_340)).toBe('12.3s')
    expect(formatMillis(125_000)).toBe('2m 5s')
    expect(formatMillis(3_720_000)).toBe('1h 2m')
  })
  it('carries into the next unit rather than writing 1000ms', () => {
    expect(formatMillis(0.9997)).toBe('1.00ms')
    expect(formatMillis(999.7)).toBe('1.00s')
    expect(formatMillis(9.999)).toBe('10.0ms')
    expect(formatMillis(59_990)).toBe('1m 0s')
  })
  it('is empty without a duration', () => {
    expect(formatMillis(undefined)).toBe('')
    expect(formatMillis(Number.NaN)).toBe('')
    expect(formatMillis(0)).toBe('0µs')
  })
})

describe('traceRowFromWire', () => {
  it("reads a trace's name, run, times, state, tags and assessments", () => {
    const row = traceRowFromWire({
      trace_id: 'tr-4bf92f3577b34da6a3ce929d0e0e4736',
      trace_location: { mlflow_experiment: { experiment_id: '7' } },
      request_time: '2024-05-01T10:00:00.250Z',
      execution_duration: '0.033s',
      state: 'ERROR',
      request_preview: '{"q": "hi"}',
      trace_metadata: { 'mlflow.sourceRun': 'abc123' },
      tags: { 'mlflow.traceName': 'chat', team: 'search' },
      assessments: [
        {
          assessment_id: 'a-1',
          assessment_name: 'relevance',
          source: { source_type: 'HUMAN', source_id: 'ada' },
          feedback: { value: true },
          rationale: 'on topic',
          create_time: '2024-05-01T10:01:00Z',
        },
        { assessment_name: 'expected', expectation: { value: 'hello' } },
      ],
    })
    expect(row).toMatchObject({
      traceId: 'tr-4bf92f3577b34da6a3ce929d0e0e4736',
      experimentId: '7',
      name: 'chat',
      state: 'ERROR',
      requestTimeMs: Date.parse('2024-05-01T10:00:00.250Z'),
      durationMs: 33,
      runId: 'abc123',
      requestPreview: '{"q": "hi"}',
      responsePreview: '',
    })
    expect(row.assessments[0]).toMatchObject({
      name: 'relevance',
      kind: 'feedback',
      value: true,
      rationale: 'on topic',
      sourceType: 'HUMAN',
      sourceId: 'ada',
      createTimeMs: Date.parse('2024-05-01T10:01:00Z'),
    })
    expect(row.assessments[1]).toMatchObject({ name: 'expected', kind: 'expectation', value: 'hello' })
    expect(userTags(row.tags)).toEqual([['team', 'search']])
  })
  it('does without what a trace in progress lacks', () => {
    const row = traceRowFromWire({ trace_id: 'tr-1', state: 'IN_PROGRESS' })
    expect(row).toMatchObject({ name: undefined, runId: undefined, durationMs: undefined, requestTimeMs: undefined })
    expect(traceRowFromWire({ trace_id: 'tr-2' }).state).toBe('STATE_UNSPECIFIED')
  })
  it('shortens trace ids', () => {
    expect(shortTraceId('tr-4bf92f3577b34da6a3ce929d0e0e4736')).toBe('tr-4bf92f35…')
    expect(shortTraceId('custom-id')).toBe('custom-id')
  })
})

describe('URL state', () => {
  it('round-trips the traces list view, leaving defaults out', () => {
    const view = readTracesView(new URLSearchParams())
    expect(view).toEqual({ filter: '', order: { field: 'timestamp_ms', ascending: false }, size: 25, pages: [] })
    expect(writeTracesView(view).toString()).toBe('')
    const custom = {
      filter: "trace.status = 'OK'",
      order: { field: 'execution_time_ms' as const, ascending: true },
      size: 10,
      pages: ['tok1', 'tok2'],
    }
    const written = writeTracesView(custom)
    expect(written.getAll('page')).toEqual(['tok1', 'tok2'])
    expect(readTracesView(new URLSearchParams(written.toString()))).toEqual(custom)
  })
  it('falls back to the defaults for an order or a size it does not know', () => {
    const view = readTracesView(new URLSearchParams('order=name%20ASC&size=7'))
    expect(view.order).toEqual({ field: 'timestamp_ms', ascending: false })
    expect(view.size).toBe(25)
  })
  it('round-trips the trace view', () => {
    const view = { span: 'ab', collapsed: new Set(['c1', 'c2']) }
    expect(readTraceView(writeTraceView(view))).toEqual(view)
    expect(readTraceView(new URLSearchParams())).toEqual({ span: undefined, collapsed: new Set() })
  })
})
