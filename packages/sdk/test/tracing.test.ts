import { KeelError, type Trace, durationToMs, timestampToMs, traceToWire } from '@keel/contracts'
import { fileURLToPath } from 'node:url'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { currentUser } from '../src/config.js'
import { type KeelOptions, createKeel } from '../src/keel.js'
import { spanFromWire } from '../src/tracing/convert.js'
import { namedArguments, parameterNames } from '../src/tracing/preview.js'
import { toAnyValue, toJsonValue } from '../src/tracing/values.js'
import { type FakeMlflow, startFakeMlflow } from './support/fake-mlflow.js'

let fake: FakeMlflow
const OTLP = '/v1/traces'
const TRACES = '/api/3.0/mlflow/traces'

beforeAll(async () => {
  fake = await startFakeMlflow()
})
afterAll(() => fake.close())
afterEach(() => {
  fake.reset()
  vi.unstubAllEnvs()
})

const keelFor = (options: KeelOptions = {}) =>
  createKeel({
    trackingUri: fake.url,
    lineage: false,
    retry: { maxAttempts: 1 },
    flushIntervalMs: 60_000,
    ...options,
  })

/** The spans of every OTLP request so far, in order. */
const sentSpans = (): any[] =>
  fake.calls('POST', OTLP).flatMap((r) => r.body.resourceSpans.flatMap((rs: any) => rs.scopeSpans[0].spans))
const sentInfos = (): any[] => fake.calls('POST', TRACES).map((r) => r.body.trace.trace_info)
const attr = (span: any, key: string) => span.attributes.find((a: any) => a.key === key)?.value
const byName = (spans: any[], name: string) => {
  const found = spans.filter((s) => s.name === name)
  expect(found, `one span named ${name}`).toHaveLength(1)
  return found[0]
}

describe('nesting', () => {
  it('nests spans of trace() and traced() calls, sync and async, and sends the trace when the root ends', async () => {
    const keel = keelFor()
    const add = keel.traced(
      function add(a: number, b: number) {
        return a + b
      },
      { spanType: 'TOOL' },
    )
    const retrieve = keel.traced(
      async (query: string) => {
        await new Promise((resolve) => setImmediate(resolve))
        return [`doc about ${query}`]
      },
      { name: 'retrieve', spanType: 'RETRIEVER' },
    )
    const result = await keel.trace(
      'agent',
      async (span) => {
        span.setInputs({ question: 'what about cats?' })
        const [docs, sum] = await Promise.all([retrieve('cats'), Promise.resolve().then(() => add(1, 2))])
        return keel.trace('format', () => `${docs[0]} ${sum}`)
      },
      { spanType: 'AGENT' },
    )
    expect(result).toBe('doc about cats 3')
    await keel.tracing.flush()

    expect(fake.calls('POST', OTLP)).toHaveLength(1)
    const spans = sentSpans()
    expect(spans.map((s) => s.name).sort()).toEqual(['add', 'agent', 'format', 'retrieve'])
    const root = byName(spans, 'agent')
    expect(root.parentSpanId).toBeUndefined()
    for (const name of ['add', 'retrieve', 'format']) expect(byName(spans, name).parentSpanId).toBe(root.spanId)
    expect(new Set(spans.map((s) => s.traceId))).toEqual(new Set([root.traceId]))
    expect(new Set(spans.map((s) => s.spanId)).size).toBe(4)
    expect(attr(byName(spans, 'retrieve'), 'mlflow.spanInputs')).toEqual({
      kvlistValue: { values: [{ key: 'query', value: { stringValue: 'cats' } }] },
    })
    expect(attr(byName(spans, 'add'), 'mlflow.spanOutputs')).toEqual({ intValue: '3' })
    expect(attr(byName(spans, 'format'), 'mlflow.spanOutputs')).toEqual({ stringValue: 'doc about cats 3' })
    expect(attr(root, 'mlflow.spanType')).toEqual({ stringValue: 'AGENT' })

    const infos = sentInfos()
    expect(infos).toHaveLength(1)
    expect(infos[0].trace_id).toBe(`tr-${root.traceId}`)
    expect(infos[0].tags).toEqual({ 'mlflow.traceName': 'agent' })
  })

  it('keeps concurrent traces apart: each async context has its own current span', async () => {
    const keel = keelFor()
    const step = keel.traced(async (label: string) => {
      await new Promise((resolve) => setImmediate(resolve))
      return label
    })
    const request = (id: string) =>
      keel.trace(`request-${id}`, async () => {
        const first = await step(`${id}-1`)
        const second = await step(`${id}-2`)
        return [first, second]
      })
    expect(await Promise.all([request('a'), request('b')])).toEqual([
      ['a-1', 'a-2'],
      ['b-1', 'b-2'],
    ])
    await keel.tracing.flush()

    const spans = sentSpans()
    expect(sentInfos()).toHaveLength(2)
    for (const id of ['a', 'b']) {
      const root = byName(spans, `request-${id}`)
      const children = spans.filter((s) => s.parentSpanId === root.spanId)
      expect(children.map((s) => attr(s, 'mlflow.spanInputs').kvlistValue.values[0].value.stringValue).sort()).toEqual([
        `${id}-1`,
        `${id}-2`,
      ])
      expect(children.every((s) => s.traceId === root.traceId)).toBe(true)
    }
  })

  it('sends a span that ends after its root on its own, once it ends', async () => {
    const keel = keelFor()
    let release!: () => void
    const gate = new Promise<void>((resolve) => {
      release = resolve
    })
    let background!: Promise<void>
    keel.trace('root', () => {
      background = keel.trace('background', async () => {
        await gate
      })
    })
    await keel.tracing.flush()
    expect(sentSpans().map((s) => s.name)).toEqual(['root'])
    expect(sentInfos()).toHaveLength(1)

    release()
    await background
    await keel.tracing.flush()
    expect(fake.calls('POST', OTLP)).toHaveLength(2)
    const [root, late] = sentSpans()
    expect(late.name).toBe('background')
    expect(late.parentSpanId).toBe(root.spanId)
    expect(late.traceId).toBe(root.traceId)
    expect(sentInfos()).toHaveLength(1)
  })

  it('startSpan and withActiveSpan serve code that is not one function; parent: null starts a new trace', async () => {
    const keel = keelFor()
    const pipeline = keel.tracing.startSpan('pipeline', { spanType: 'CHAIN', inputs: { rows: 3 } })
    expect(keel.tracing.activeSpan()).toBeUndefined() // starting a span does not make it current
    const manual = keel.tracing.startSpan('load', { parent: pipeline })
    manual.end({ outputs: ['r1', 'r2', 'r3'] })
    const seen = keel.tracing.withActiveSpan(pipeline, () => {
      expect(keel.tracing.activeSpan()).toBe(pipeline)
      keel.trace('detached', () => 1, { parent: null })
      return keel.trace('transform', (span) => span.parentSpanId)
    })
    expect(seen).toBe(pipeline.spanId)
    pipeline.end({ outputs: { written: 3 } })
    pipeline.end({ outputs: 'ignored: already ended' })
    await keel.tracing.flush()

    const spans = sentSpans()
    const root = byName(spans, 'pipeline')
    expect(byName(spans, 'load').parentSpanId).toBe(root.spanId)
    expect(byName(spans, 'transform').parentSpanId).toBe(root.spanId)
    const detached = byName(spans, 'detached')
    expect(detached.parentSpanId).toBeUndefined()
    expect(detached.traceId).not.toBe(root.traceId)
    expect(attr(root, 'mlflow.spanOutputs')).toEqual({
      kvlistValue: { values: [{ key: 'written', value: { intValue: '3' } }] },
    })
    expect(
      sentInfos()
        .map((i) => i.tags['mlflow.traceName'])
        .sort(),
    ).toEqual(['detached', 'pipeline'])
  })
})

describe('errors', () => {
  it('records a thrown error on the span (status, exception event) and rethrows the same error', async () => {
    const keel = keelFor()
    const boom = new TypeError('bad input')
    let caught: unknown
    try {
      keel.trace('parse', () => {
        throw boom
      })
    } catch (error) {
      caught = error
    }
    expect(caught).toBe(boom)
    await keel.tracing.flush()

    const [span] = sentSpans()
    expect(span.status).toEqual({ code: 2, message: 'TypeError: bad input' })
    expect(span.events).toHaveLength(1)
    expect(span.events[0].name).toBe('exception')
    expect(BigInt(span.events[0].timeUnixNano)).toBeGreaterThanOrEqual(BigInt(span.startTimeUnixNano))
    const event = Object.fromEntries(span.events[0].attributes.map((a: any) => [a.key, a.value.stringValue]))
    expect(event['exception.type']).toBe('TypeError')
    expect(event['exception.message']).toBe('bad input')
    expect(event['exception.stacktrace']).toBe(boom.stack)
    expect(attr(span, 'mlflow.spanLogLevel')).toEqual({ intValue: '40' })
    expect(sentInfos()[0].state).toBe('ERROR')
  })

  it('records a rejection where it happened: a caught child error leaves the parent OK', async () => {
    const keel = keelFor()
    const flaky = keel.traced(async function callTool(attempt: number) {
      if (attempt === 0) throw new Error('timeout')
      return 'ok'
    })
    const result = await keel.trace('agent', async () => {
      try {
        return await flaky(0)
      } catch {
        return flaky(1)
      }
    })
    expect(result).toBe('ok')
    await keel.tracing.flush()
    const spans = sentSpans()
    const calls = spans.filter((s) => s.name === 'callTool')
    expect(calls.map((s) => s.status.code)).toEqual([2, 1])
    expect(calls[0].status.message).toBe('Error: timeout')
    expect(byName(spans, 'agent').status).toEqual({ code: 1 })
    expect(sentInfos()[0].state).toBe('OK')
  })

  it('rejects with the same error when an async root fails, and marks the trace ERROR', async () => {
    const keel = keelFor()
    const failure = { code: 42 } // not an Error
    await expect(
      keel.trace('root', async () => {
        await keel.trace('child', () => 'fine')
        throw failure
      }),
    ).rejects.toBe(failure)
    await keel.tracing.flush()
    const root = byName(sentSpans(), 'root')
    expect(root.status).toEqual({ code: 2, message: 'Object: {"code":42}' })
    expect(byName(sentSpans(), 'child').status).toEqual({ code: 1 })
    expect(sentInfos()[0].state).toBe('ERROR')
    expect(sentInfos()[0].trace_metadata['mlflow.traceOutputs']).toBe('')
  })
})

describe('export', () => {
  it('sends OTLP/JSON to /v1/traces in the trace experiment, attributes encoded as MLflow Python client does', async () => {
    const keel = keelFor()
    const before = Date.now()
    keel.trace(
      'chat',
      (span) => {
        span.addEvent('retry', { attempt: 1 })
        return { content: 'hi', tokens: 7 }
      },
      {
        spanType: 'LLM',
        inputs: { messages: [{ role: 'user', content: 'hello' }] },
        attributes: { model: 'gpt', temperature: 0.5, n: 3, stream: false, stop: ['\n'], none: null, skip: undefined },
      },
    )
    const after = Date.now()
    await keel.tracing.flush()

    const request = fake.calls('POST', OTLP)[0]!
    expect(request.headers['content-type']).toBe('application/json')
    expect(request.headers['x-mlflow-experiment-id']).toBe('0')
    expect(request.body.resourceSpans).toHaveLength(1)
    const [resourceSpans] = request.body.resourceSpans
    expect(resourceSpans.resource).toEqual({
      attributes: [{ key: 'service.name', value: { stringValue: 'keel-sdk' } }],
    })
    expect(resourceSpans.scopeSpans).toHaveLength(1)
    expect(resourceSpans.scopeSpans[0].scope.name).toBe('keel')

    const [span] = resourceSpans.scopeSpans[0].spans
    expect(span.traceId).toMatch(/^[0-9a-f]{32}$/)
    expect(span.spanId).toMatch(/^[0-9a-f]{16}$/)
    expect(span).not.toHaveProperty('parentSpanId')
    expect(span.name).toBe('chat')
    expect(span.kind).toBe(1)
    expect(span.startTimeUnixNano).toMatch(/^\d+$/)
    expect(span.endTimeUnixNano).toMatch(/^\d+$/)
    const startMs = Number(BigInt(span.startTimeUnixNano) / 1_000_000n)
    expect(startMs).toBeGreaterThanOrEqual(before - 5)
    expect(startMs).toBeLessThanOrEqual(after + 5)
    expect(BigInt(span.endTimeUnixNano)).toBeGreaterThanOrEqual(BigInt(span.startTimeUnixNano))
    expect(span.status).toEqual({ code: 1 })
    expect(span.attributes).toEqual([
      { key: 'mlflow.traceRequestId', value: { stringValue: `tr-${span.traceId}` } },
      { key: 'mlflow.spanType', value: { stringValue: 'LLM' } },
      { key: 'model', value: { stringValue: 'gpt' } },
      { key: 'temperature', value: { doubleValue: 0.5 } },
      { key: 'n', value: { intValue: '3' } },
      { key: 'stream', value: { boolValue: false } },
      { key: 'stop', value: { arrayValue: { values: [{ stringValue: '\n' }] } } },
      { key: 'none', value: {} },
      {
        key: 'mlflow.spanInputs',
        value: {
          kvlistValue: {
            values: [
              {
                key: 'messages',
                value: {
                  arrayValue: {
                    values: [
                      {
                        kvlistValue: {
                          values: [
                            { key: 'role', value: { stringValue: 'user' } },
                            { key: 'content', value: { stringValue: 'hello' } },
                          ],
                        },
                      },
                    ],
                  },
                },
              },
            ],
          },
        },
      },
      {
        key: 'mlflow.spanOutputs',
        value: {
          kvlistValue: {
            values: [
              { key: 'content', value: { stringValue: 'hi' } },
              { key: 'tokens', value: { intValue: '7' } },
            ],
          },
        },
      },
      { key: 'mlflow.spanLogLevel', value: { intValue: '20' } },
    ])
    expect(span.events).toEqual([
      {
        name: 'retry',
        timeUnixNano: expect.stringMatching(/^\d+$/),
        attributes: [{ key: 'attempt', value: { intValue: '1' } }],
      },
    ])
  })

  it('then sends the trace info: id, experiment, time, duration, state, metadata, tags, previews', async () => {
    const keel = keelFor()
    keel.trace('chat', () => ({ choices: [{ message: { role: 'assistant', content: 'Hello!' } }] }), {
      inputs: {
        messages: [
          { role: 'system', content: 'be nice' },
          { role: 'user', content: 'hi there' },
        ],
      },
    })
    await keel.tracing.flush()

    // Spans first, then the info, as the MLflow client's exporter does.
    expect(fake.requests.map((r) => r.path)).toEqual([OTLP, TRACES])
    const [span] = sentSpans()
    const [info] = sentInfos()
    const startNs = BigInt(span.startTimeUnixNano)
    expect(info).toEqual({
      trace_id: `tr-${span.traceId}`,
      trace_location: { type: 'MLFLOW_EXPERIMENT', mlflow_experiment: { experiment_id: '0' } },
      request_time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      execution_duration: expect.stringMatching(/^\d+(\.\d+)?s$/),
      state: 'OK',
      trace_metadata: {
        'mlflow.trace_schema.version': '3',
        'mlflow.traceInputs':
          '{"messages":[{"role":"system","content":"be nice"},{"role":"user","content":"hi there"}]}',
        'mlflow.traceOutputs': '{"choices":[{"message":{"role":"assistant","content":"Hello!"}}]}',
      },
      tags: { 'mlflow.traceName': 'chat' },
      request_preview: 'hi there',
      response_preview: 'Hello!',
    })
    expect(timestampToMs(info.request_time)).toBe(Number(startNs / 1_000_000n))
    expect(durationToMs(info.execution_duration)).toBe(Number((BigInt(span.endTimeUnixNano) - startNs) / 1_000_000n))
  })

  it('cuts long metadata to 250 characters and previews to 1000, with "..."', async () => {
    const keel = keelFor()
    const long = 'x'.repeat(2000)
    keel.trace('echo', () => long, { inputs: long })
    await keel.tracing.flush()
    const [info] = sentInfos()
    expect(info.trace_metadata['mlflow.traceInputs']).toBe(`${JSON.stringify(long).slice(0, 247)}...`)
    expect(info.trace_metadata['mlflow.traceOutputs']).toHaveLength(250)
    expect(info.request_preview).toBe(`${JSON.stringify(long).slice(0, 997)}...`)
    expect(info.response_preview).toHaveLength(1000)
  })

  it('goes to the experiment of the active run, which it names as its source run; experimentId overrides', async () => {
    const keel = keelFor()
    const experiment = await keel.setExperiment('tracing-runs')
    expect(experiment.experimentId).not.toBe('0')
    let runId = ''
    await keel.withRun({ runName: 'with-traces' }, async (run) => {
      runId = run.runId
      keel.trace('in-run', () => 1)
      keel.trace('elsewhere', () => 2, { experimentId: '0' })
    })
    keel.trace('after-run', () => 3)
    await keel.tracing.flush()

    const infos = Object.fromEntries(sentInfos().map((i) => [i.tags['mlflow.traceName'], i]))
    expect(infos['in-run'].trace_location.mlflow_experiment.experiment_id).toBe(experiment.experimentId)
    expect(infos['in-run'].trace_metadata['mlflow.sourceRun']).toBe(runId)
    expect(infos.elsewhere.trace_location.mlflow_experiment.experiment_id).toBe('0')
    expect(infos.elsewhere.trace_metadata['mlflow.sourceRun']).toBe(runId)
    expect(infos['after-run'].trace_location.mlflow_experiment.experiment_id).toBe(experiment.experimentId)
    expect(infos['after-run'].trace_metadata).not.toHaveProperty('mlflow.sourceRun')
    const headers = fake.calls('POST', OTLP).map((r) => {
      const name = r.body.resourceSpans[0].scopeSpans[0].spans[0].name
      return [name, r.headers['x-mlflow-experiment-id']]
    })
    expect(Object.fromEntries(headers)).toEqual({
      'in-run': experiment.experimentId,
      elsewhere: '0',
      'after-run': experiment.experimentId,
    })
  })

  it('records where the trace came from as MLflow does (mlflow.user, mlflow.source.*), no other lineage', async () => {
    const keel = keelFor({ lineage: { entryPoint: fileURLToPath(import.meta.url) } })
    keel.trace('with-lineage', () => 1)
    await keel.tracing.flush()
    const metadata = sentInfos()[0].trace_metadata
    expect(metadata['mlflow.user']).toBe(currentUser())
    expect(metadata['mlflow.source.type']).toBe('LOCAL')
    expect(metadata['mlflow.source.name']).toBe('packages/sdk/test/tracing.test.ts')
    expect(Object.keys(metadata).filter((k) => !k.startsWith('mlflow.'))).toEqual([])
    expect(metadata['mlflow.trace_schema.version']).toBe('3')
  })

  it('uses MLFLOW_EXPERIMENT_ID when nothing else names an experiment', async () => {
    vi.stubEnv('MLFLOW_EXPERIMENT_ID', '42')
    const keel = keelFor()
    keel.trace('env', () => 'x')
    await keel.tracing.flush()
    expect(fake.calls('POST', OTLP)[0]?.headers['x-mlflow-experiment-id']).toBe('42')
    expect(sentInfos()[0].trace_location.mlflow_experiment.experiment_id).toBe('42')
  })

  it('never fails the traced code: a refused export goes to onTraceExportError, the info is still sent', async () => {
    const errors: [unknown, string][] = []
    const keel = keelFor({ onTraceExportError: (error, traceId) => errors.push([error, traceId]) })
    fake.script('POST', OTLP, { status: 400, body: { error_code: 'INVALID_PARAMETER_VALUE', message: 'bad spans' } })
    let traceId = ''
    const result = keel.trace('ok', (span) => {
      traceId = span.traceId
      return 'result'
    })
    expect(result).toBe('result')
    await keel.tracing.flush()
    expect(errors).toHaveLength(1)
    const [error, failedTrace] = errors[0]!
    expect(failedTrace).toBe(traceId)
    expect(error).toBeInstanceOf(KeelError)
    expect((error as KeelError).message).toBe('bad spans')
    expect(sentInfos().map((i) => i.trace_id)).toEqual([traceId])
  })

  it('reports spans the server rejected in an OTLP partial success', async () => {
    const errors: unknown[] = []
    const keel = keelFor({ onTraceExportError: (error) => errors.push(error) })
    fake.script('POST', OTLP, { status: 200, body: { partialSuccess: { rejectedSpans: '1', errorMessage: 'no' } } })
    keel.trace('root', () => keel.trace('child', () => 1))
    await keel.tracing.flush()
    expect(errors.map(String)).toEqual([expect.stringContaining('rejected 1 of 2 spans: no')])
  })

  it('reports an unreachable server and a bad tracking URI without throwing, even from a throwing reporter', async () => {
    const errors: unknown[] = []
    const unreachable = createKeel({
      trackingUri: 'http://127.0.0.1:1',
      lineage: false,
      retry: { maxAttempts: 1 },
      onTraceExportError: (error) => {
        errors.push(error)
        throw new Error('the reporter failed too')
      },
    })
    expect(unreachable.trace('a', () => 'still runs')).toBe('still runs')
    await unreachable.tracing.flush()
    expect(errors).toHaveLength(1)
    expect(errors[0]).toBeInstanceOf(AggregateError) // the spans and the info both failed
    expect((errors[0] as AggregateError).errors.map((e: KeelError) => e.code)).toEqual([
      'TEMPORARILY_UNAVAILABLE',
      'TEMPORARILY_UNAVAILABLE',
    ])

    const bad: unknown[] = []
    const misconfigured = createKeel({ trackingUri: 'ftp://nowhere', onTraceExportError: (error) => bad.push(error) })
    expect(await misconfigured.trace('b', async () => 'still runs')).toBe('still runs')
    await misconfigured.tracing.flush()
    expect(bad.map(String)).toEqual([expect.stringContaining("Tracking URI 'ftp://nowhere' is not supported")])
  })

  it('flush() waits for the exports in flight', async () => {
    let release!: () => void
    const gate = new Promise<void>((resolve) => {
      release = resolve
    })
    const started: string[] = []
    const keel = keelFor({
      fetch: async (input, init) => {
        started.push(new URL(String(input)).pathname)
        await gate
        return fetch(input, init)
      },
    })
    keel.trace('slow', () => 1)
    let flushed = false
    const flushing = keel.tracing.flush().then(() => {
      flushed = true
    })
    await vi.waitFor(() => expect(started).toEqual([OTLP]))
    expect(flushed).toBe(false)
    release()
    await flushing
    expect(started).toEqual([OTLP, TRACES])
    expect(fake.calls('POST', TRACES)).toHaveLength(1)
  })
})

describe('traced', () => {
  it('records the arguments by parameter name, passes `this` through, and names the function', async () => {
    const keel = keelFor()
    class Scaler {
      factor = 10
      scale = keel.traced(function scale(this: Scaler, x: number, ...extra: number[]) {
        return x * this.factor + extra.length
      })
    }
    const destructured = keel.traced(({ a, b }: { a: number; b: number }) => a - b, { name: 'minus' })
    const custom = keel.traced((prompt: string, _apiKey: string) => prompt.length, {
      name: 'measure',
      inputs: (prompt) => ({ prompt }),
    })
    expect(new Scaler().scale.name).toBe('scale')
    expect(new Scaler().scale(3, 7, 8)).toBe(32)
    expect(destructured({ a: 5, b: 2 })).toBe(3)
    expect(custom('hello', 'secret')).toBe(5)
    await keel.tracing.flush()

    const spans = sentSpans()
    const scale = byName(spans, 'scale')
    expect(attr(scale, 'mlflow.spanFunctionName')).toEqual({ stringValue: 'scale' })
    expect(attr(scale, 'mlflow.spanInputs')).toEqual(toAnyValue({ x: 3, extra: [7, 8] }))
    expect(attr(byName(spans, 'minus'), 'mlflow.spanInputs')).toEqual(toAnyValue({ arg0: { a: 5, b: 2 } }))
    expect(attr(byName(spans, 'measure'), 'mlflow.spanInputs')).toEqual(toAnyValue({ prompt: 'hello' }))
    expect(JSON.stringify(spans)).not.toContain('secret')
  })

  it('reads parameter names of plain functions only, and keys arguments by them', () => {
    expect(
      parameterNames(function f(a: number, b: number) {
        return a + b
      }),
    ).toEqual(['a', 'b'])
    expect(parameterNames((x: number) => x)).toEqual(['x'])
    expect(parameterNames(async (first: string, ...rest: string[]) => [first, ...rest])).toEqual(['first', '...rest'])
    expect(parameterNames(() => 0)).toEqual([])
    expect(parameterNames(({ a }: { a: number }) => a)).toBeUndefined()
    expect(parameterNames((a = 1) => a)).toBeUndefined()
    expect(parameterNames(Math.max)).toBeUndefined()
    expect(namedArguments(['a', 'b'], [1])).toEqual({ a: 1 })
    expect(namedArguments(['a'], [1, 2])).toEqual({ a: 1, arg1: 2 })
    expect(namedArguments(undefined, ['x', 'y'])).toEqual({ arg0: 'x', arg1: 'y' })
    expect(namedArguments(['a', '...rest'], [1, 2, 3])).toEqual({ a: 1, rest: [2, 3] })
  })
})

describe('recorded values', () => {
  it('copies values as JSON when they are recorded, including what JSON.stringify cannot take', () => {
    const cyclic: Record<string, unknown> = { name: 'loop' }
    cyclic.self = cyclic
    const shared = { n: 1 }
    expect(
      toJsonValue({
        when: new Date(0),
        big: 2n ** 70n,
        small: 5n,
        map: new Map<unknown, unknown>([[1, 'one']]),
        set: new Set(['a']),
        error: new RangeError('out'),
        list: [undefined, () => 1, Number.NaN],
        gone: undefined,
        bytes: new Uint8Array([1, 2]),
        cyclic,
        twice: [shared, shared],
      }),
    ).toEqual({
      when: '1970-01-01T00:00:00.000Z',
      big: '1180591620717411303424',
      small: 5,
      map: { '1': 'one' },
      set: ['a'],
      error: 'RangeError: out',
      list: [null, null, null],
      bytes: [1, 2],
      cyclic: { name: 'loop', self: '[Circular]' },
      twice: [{ n: 1 }, { n: 1 }],
    })
    expect(toJsonValue(undefined)).toBeUndefined()
    const throwing = {
      get boom(): never {
        throw new Error('getter')
      },
    }
    expect(toJsonValue(throwing)).toBe('[object Object]')
  })

  it('takes a copy: later changes to a recorded object do not change the span', async () => {
    const keel = keelFor()
    const state = { step: 1 }
    keel.trace('copy', (span) => {
      span.setInputs(state)
      state.step = 2
    })
    await keel.tracing.flush()
    expect(attr(sentSpans()[0], 'mlflow.spanInputs')).toEqual(toAnyValue({ step: 1 }))
    expect(attr(sentSpans()[0], 'mlflow.spanOutputs')).toBeUndefined()
  })
})

describe('reading traces back', () => {
  const otelTraceId = '0123456789abcdef0123456789abcdef'
  const traceId = `tr-${otelTraceId}`
  const trace: Trace = {
    info: {
      traceId,
      experimentId: '7',
      requestTimeMs: 1_700_000_000_123,
      executionDurationMs: 1_500,
      state: 'ERROR',
      requestPreview: 'hi',
      responsePreview: '',
      metadata: { 'mlflow.trace_schema.version': '3', 'mlflow.sourceRun': 'run-1' },
      tags: { 'mlflow.traceName': 'agent', team: 'ml' },
      assessments: [
        {
          assessmentId: 'a-1',
          traceId,
          name: 'helpful',
          source: { sourceType: 'HUMAN', sourceId: 'me' },
          createTimeMs: 1_700_000_001_000,
          lastUpdateTimeMs: 1_700_000_002_000,
          feedback: { value: true },
          rationale: 'clear',
        },
      ],
    },
    spans: [
      {
        traceId,
        otelTraceId,
        spanId: '00000000000000aa',
        name: 'agent',
        spanType: 'AGENT',
        kind: 1,
        startTimeUnixNano: '1700000000123000001',
        endTimeUnixNano: '1700000001623000001',
        status: { code: 'ERROR', message: 'Error: boom' },
        attributes: [
          { key: 'mlflow.spanType', value: { stringValue: 'AGENT' } },
          { key: 'mlflow.spanInputs', value: { kvlistValue: [{ key: 'q', value: { stringValue: 'hi' } }] } },
          { key: 'n', value: { intValue: '9007199254740993' } },
          { key: 'small', value: { intValue: '3' } },
          { key: 'ratio', value: { doubleValue: 0.25 } },
          { key: 'flags', value: { arrayValue: [{ boolValue: true }, {}] } },
        ],
        events: [
          {
            name: 'exception',
            timeUnixNano: '1700000001000000000',
            attributes: [{ key: 'exception.message', value: { stringValue: 'boom' } }],
          },
        ],
      },
      {
        traceId,
        otelTraceId,
        spanId: 'ff000000000000bb',
        parentSpanId: '00000000000000aa',
        name: 'tool',
        spanType: 'UNKNOWN',
        kind: 1,
        startTimeUnixNano: '1700000000200000000',
        endTimeUnixNano: '1700000000300000000',
        status: { code: 'OK' },
        attributes: [{ key: 'mlflow.spanOutputs', value: { doubleValue: 1.5 } }],
        events: [],
        links: [{ traceId: 'ffffffffffffffffffffffffffffffff', spanId: '0000000000000001', attributes: [] }],
      },
    ],
  }

  it('getTrace turns what the server sends (ids in base64) back into the entities', async () => {
    const wire = JSON.parse(JSON.stringify({ trace: traceToWire(trace) }))
    expect(wire.trace.spans[0].span_id).toBe('AAAAAAAAAKo=') // base64, as proto-JSON writes bytes
    fake.script('GET', `${TRACES}/get`, { status: 200, body: wire })
    const keel = keelFor()
    expect(await keel.tracing.getTrace(traceId)).toEqual(trace)
    expect(fake.calls('GET', `${TRACES}/get`)[0]?.query).toEqual([['trace_id', traceId]])
  })

  it('reads a span type sent JSON-encoded (as OpenTelemetry exporters of MLflow spans send it)', () => {
    const span = spanFromWire({
      trace_id: 'ASNFZ4mrze8BI0VniavN7w==',
      span_id: 'AAAAAAAAAKo=',
      name: 'x',
      start_time_unix_nano: 1,
      attributes: [{ key: 'mlflow.spanType', value: { string_value: '"LLM"' } }],
    })
    expect(span).toMatchObject({ otelTraceId, traceId, spanId: '00000000000000aa', spanType: 'LLM' })
    expect(span).not.toHaveProperty('endTimeUnixNano')
  })

  it('searchTraces asks for the experiments given, else the current one, and returns trace infos', async () => {
    const keel = keelFor()
    fake.script('POST', `${TRACES}/search`, {
      status: 200,
      body: { traces: [traceToWire(trace).trace_info], next_page_token: 'next' },
    })
    const page = await keel.tracing.searchTraces({
      filter: "trace.status = 'ERROR'",
      maxResults: 10,
      orderBy: ['timestamp_ms DESC'],
    })
    expect(page).toEqual({ items: [trace.info], nextPageToken: 'next' })
    expect(fake.calls('POST', `${TRACES}/search`)[0]?.body).toEqual({
      locations: [{ type: 'MLFLOW_EXPERIMENT', mlflow_experiment: { experiment_id: '0' } }],
      filter: "trace.status = 'ERROR'",
      max_results: 10,
      order_by: ['timestamp_ms DESC'],
    })
    await keel.tracing.searchTraces({ experimentIds: ['3', '4'], pageToken: 'next' })
    expect(fake.calls('POST', `${TRACES}/search`)[1]?.body).toEqual({
      locations: [
        { type: 'MLFLOW_EXPERIMENT', mlflow_experiment: { experiment_id: '3' } },
        { type: 'MLFLOW_EXPERIMENT', mlflow_experiment: { experiment_id: '4' } },
      ],
      page_token: 'next',
    })
  })

  it('sets and deletes trace tags, and logs feedback as an assessment', async () => {
    const keel = keelFor()
    await keel.tracing.setTraceTag(traceId, 'team', 'ml')
    await keel.tracing.deleteTraceTag(traceId, 'team')
    expect(fake.calls('PATCH', `${TRACES}/${traceId}/tags`)[0]?.body).toEqual({
      trace_id: traceId,
      key: 'team',
      value: 'ml',
    })
    expect(fake.calls('DELETE', `${TRACES}/${traceId}/tags`)[0]?.body).toEqual({ trace_id: traceId, key: 'team' })

    const before = Date.now()
    const feedback = await keel.tracing.logFeedback(traceId, 'relevance', 0.9, {
      rationale: 'on topic',
      source: { sourceType: 'HUMAN', sourceId: 'reviewer@example.com' },
    })
    const body = fake.calls('POST', `${TRACES}/${traceId}/assessments`)[0]?.body
    expect(body).toEqual({
      trace_id: traceId,
      assessment: {
        assessment_name: 'relevance',
        trace_id: traceId,
        source: { source_type: 'HUMAN', source_id: 'reviewer@example.com' },
        create_time: expect.any(String),
        last_update_time: body.assessment.create_time,
        feedback: { value: 0.9 },
        rationale: 'on topic',
      },
    })
    expect(feedback).toEqual({
      assessmentId: expect.stringMatching(/^a-/),
      traceId,
      name: 'relevance',
      source: { sourceType: 'HUMAN', sourceId: 'reviewer@example.com' },
      createTimeMs: expect.any(Number),
      lastUpdateTimeMs: feedback.createTimeMs,
      feedback: { value: 0.9 },
      rationale: 'on topic',
    })
    expect(feedback.createTimeMs).toBeGreaterThanOrEqual(before)

    await keel.tracing.logFeedback(traceId, 'ok', true)
    expect(fake.calls('POST', `${TRACES}/${traceId}/assessments`)[1]?.body.assessment.source).toEqual({
      source_type: 'CODE',
    })
  })
})
