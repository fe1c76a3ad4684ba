/**
 * @keel/sdk's tracing against keel server: nested traced functions sent (OTLP/JSON spans, then
 * the info) and read back as a tree with their inputs, outputs and errors; search, tags and
 * feedback; and MLflow's Python client reading a trace the SDK wrote as it reads its own.
 */
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import type { Trace, TraceSpan } from '@keel/contracts'
import { type Keel, createKeel, spanAttributes, spanInputs, spanOutputs } from '@keel/sdk'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type InProcessKeel, startKeelApp } from './support/keel-app.js'

const PYTHON = fileURLToPath(new URL('../../../.venv/bin/python', import.meta.url))
const run = promisify(execFile)

let server: InProcessKeel
let keel: Keel
const exportErrors: unknown[] = []

beforeAll(async () => {
  // On a socket too: MLflow's Python client reads the traces from another process.
  server = await startKeelApp({ listen: true })
  keel = createKeel({
    trackingUri: server.url,
    fetch: server.fetch,
    lineage: false,
    onTraceExportError: (error) => exportErrors.push(error),
  })
})
afterAll(async () => {
  await server?.close()
})

const byName = (trace: Trace, name: string): TraceSpan => {
  const spans = trace.spans.filter((s) => s.name === name)
  expect(spans, `one span named ${name}`).toHaveLength(1)
  return spans[0]!
}

/** A small agent: a traced retriever and tool inside a traced root, the tool failing on demand. */
function agentFor(k: Keel) {
  const retrieve = k.traced(
    async (query: string) => {
      await new Promise((resolve) => setImmediate(resolve))
      return [{ id: 1, text: `doc about ${query}` }]
    },
    { name: 'retrieve', spanType: 'RETRIEVER', attributes: { k: 1 } },
  )
  const calculator = k.traced(
    function calculator(a: number, b: number) {
      if (b === 0) throw new RangeError('division by zero')
      return a / b
    },
    { spanType: 'TOOL' },
  )
  return k.traced(
    async function answer(question: string, divisor: number) {
      const docs = await retrieve(question)
      const ratio = k.trace('compute', () => calculator(10, divisor), { spanType: 'CHAIN' })
      return { answer: docs[0]!.text.toUpperCase(), ratio }
    },
    { spanType: 'AGENT' },
  )
}

describe('@keel/sdk tracing against keel server', () => {
  it('sends nested spans and reads the trace back as a tree with its inputs and outputs', async () => {
    const experiment = await keel.setExperiment('sdk-tracing')
    let traceId = ''
    const answer = agentFor(keel)
    const result = await keel.trace('request', async (span) => {
      traceId = span.traceId
      return answer('ducks', 4)
    })
    expect(result).toEqual({ answer: 'DOC ABOUT DUCKS', ratio: 2.5 })
    await keel.tracing.flush()
    expect(exportErrors).toEqual([])

    const trace = await keel.tracing.getTrace(traceId)
    expect(trace.info).toMatchObject({
      traceId,
      experimentId: experiment.experimentId,
      state: 'OK',
      tags: { 'mlflow.traceName': 'request' },
      responsePreview: '{"answer":"DOC ABOUT DUCKS","ratio":2.5}',
    })
    expect(trace.info.metadata['mlflow.trace_schema.version']).toBe('3')
    expect(trace.info.executionDurationMs).toBeGreaterThanOrEqual(0)

    expect(trace.spans.map((s) => s.name).sort()).toEqual(['answer', 'calculator', 'compute', 'request', 'retrieve'])
    const root = byName(trace, 'request')
    const parentOf = (name: string) => trace.spans.find((s) => s.spanId === byName(trace, name).parentSpanId)?.name
    expect(root.parentSpanId).toBeUndefined()
    expect(parentOf('answer')).toBe('request')
    expect(parentOf('retrieve')).toBe('answer')
    expect(parentOf('compute')).toBe('answer')
    expect(parentOf('calculator')).toBe('compute')
    expect(trace.spans.every((s) => s.traceId === traceId && `tr-${s.otelTraceId}` === traceId)).toBe(true)

    expect(Object.fromEntries(trace.spans.map((s) => [s.name, s.spanType]))).toEqual({
      request: 'UNKNOWN',
      answer: 'AGENT',
      retrieve: 'RETRIEVER',
      compute: 'CHAIN',
      calculator: 'TOOL',
    })
    expect(spanInputs(byName(trace, 'answer'))).toEqual({ question: 'ducks', divisor: 4 })
    expect(spanOutputs(byName(trace, 'answer'))).toEqual({ answer: 'DOC ABOUT DUCKS', ratio: 2.5 })
    expect(spanInputs(byName(trace, 'retrieve'))).toEqual({ query: 'ducks' })
    expect(spanOutputs(byName(trace, 'retrieve'))).toEqual([{ id: 1, text: 'doc about ducks' }])
    expect(spanAttributes(byName(trace, 'retrieve')).k).toBe(1)
    expect(spanInputs(byName(trace, 'calculator'))).toEqual({ a: 10, b: 4 })
    expect(spanOutputs(byName(trace, 'calculator'))).toBe(2.5)
    expect(spanInputs(root)).toBeUndefined()
    expect(trace.spans.every((s) => s.status.code === 'OK')).toBe(true)
    for (const span of trace.spans) {
      expect(BigInt(span.endTimeUnixNano!)).toBeGreaterThanOrEqual(BigInt(span.startTimeUnixNano))
      if (span !== root) expect(BigInt(span.startTimeUnixNano)).toBeGreaterThanOrEqual(BigInt(root.startTimeUnixNano))
    }
  })

  it('reads back an error: the failing span and its callers are ERROR, with the exception event', async () => {
    await keel.setExperiment('sdk-tracing')
    const answer = agentFor(keel)
    let traceId = ''
    await expect(
      keel.trace('request', (span) => {
        traceId = span.traceId
        return answer('geese', 0)
      }),
    ).rejects.toThrow('division by zero')
    await keel.tracing.flush()
    expect(exportErrors).toEqual([])

    const trace = await keel.tracing.getTrace(traceId)
    expect(trace.info.state).toBe('ERROR')
    expect(trace.info.metadata['mlflow.traceOutputs']).toBe('')
    const calculator = byName(trace, 'calculator')
    expect(calculator.status).toEqual({ code: 'ERROR', message: 'RangeError: division by zero' })
    const [event] = calculator.events
    expect(event?.name).toBe('exception')
    const attributes = Object.fromEntries((event?.attributes ?? []).map((a) => [a.key, a.value]))
    expect(attributes['exception.type']).toEqual({ stringValue: 'RangeError' })
    expect(attributes['exception.message']).toEqual({ stringValue: 'division by zero' })
    expect(attributes['exception.stacktrace']).toEqual({ stringValue: expect.stringContaining('division by zero') })
    for (const name of ['compute', 'answer', 'request']) expect(byName(trace, name).status.code).toBe('ERROR')
    expect(byName(trace, 'retrieve').status.code).toBe('OK')
    expect(spanOutputs(calculator)).toBeUndefined()
  })

  it('finds traces by search, tags them, and records feedback on them', async () => {
    const experiment = await keel.setExperiment('sdk-tracing-search')
    const ids: string[] = []
    for (const q of ['a', 'b']) {
      await keel.trace(`ask-${q}`, async (span) => {
        ids.push(span.traceId)
        return q.toUpperCase()
      })
    }
    expect(() =>
      keel.trace('broken', () => {
        throw new Error('nope')
      }),
    ).toThrow('nope')
    await keel.tracing.flush()
    expect(exportErrors).toEqual([])

    const all = await keel.tracing.searchTraces({ orderBy: ['timestamp_ms ASC'] })
    // Traces started within the same millisecond may come in either order.
    expect(all.items.map((t) => t.tags['mlflow.traceName']).sort()).toEqual(['ask-a', 'ask-b', 'broken'])
    const times = all.items.map((t) => t.requestTimeMs)
    expect(times).toEqual([...times].sort((a, b) => a - b))
    expect(all.items.every((t) => t.experimentId === experiment.experimentId)).toBe(true)
    const failed = await keel.tracing.searchTraces({
      experimentIds: [experiment.experimentId],
      filter: "trace.status = 'ERROR'",
    })
    expect(failed.items.map((t) => t.tags['mlflow.traceName'])).toEqual(['broken'])

    await keel.tracing.setTraceTag(ids[1]!, 'reviewed', 'yes')
    const reviewed = await keel.tracing.searchTraces({ filter: "tags.reviewed = 'yes'" })
    expect(reviewed.items.map((t) => t.traceId)).toEqual([ids[1]])
    await keel.tracing.deleteTraceTag(ids[1]!, 'reviewed')
    expect((await keel.tracing.getTrace(ids[1]!)).info.tags).not.toHaveProperty('reviewed')

    const feedback = await keel.tracing.logFeedback(ids[0]!, 'correct', true, {
      rationale: 'matches the reference',
      source: { sourceType: 'HUMAN', sourceId: 'reviewer' },
    })
    expect(feedback).toMatchObject({ traceId: ids[0], name: 'correct', feedback: { value: true } })
    const { assessments } = (await keel.tracing.getTrace(ids[0]!)).info
    expect(assessments).toHaveLength(1)
    expect(assessments[0]).toMatchObject({
      assessmentId: feedback.assessmentId,
      name: 'correct',
      feedback: { value: true },
      rationale: 'matches the reference',
      source: { sourceType: 'HUMAN', sourceId: 'reviewer' },
    })
  })

  it("is read by MLflow's Python client as it reads its own traces", async () => {
    const experiment = await keel.setExperiment('sdk-tracing-python')
    let traceId = ''
    const answer = agentFor(keel)
    await keel.trace('request', async (span) => {
      traceId = span.traceId
      return answer('swans', 4)
    })
    await keel.trace('failing', () => agentFor(keel)('owls', 0)).catch(() => undefined)
    await keel.tracing.flush()
    expect(exportErrors).toEqual([])
    const failedId = (await keel.tracing.searchTraces({ filter: "trace.status = 'ERROR'" })).items[0]!.traceId

    // The Python client writes the same agent, so that both traces can be compared as the SDK reads them.
    const script = `
import json, sys, mlflow
from mlflow.entities import SpanType

def describe(trace_id):
    trace = mlflow.get_trace(trace_id)
    names = {s.span_id: s.name for s in trace.data.spans}
    return {
        "trace_id": trace.info.trace_id,
        "state": trace.info.state.value,
        "name": trace.info.tags.get("mlflow.traceName"),
        "experiment_id": trace.info.experiment_id,
        "spans": sorted(
            [
                {
                    "name": s.name,
                    "parent": names.get(s.parent_id),
                    "span_type": s.span_type,
                    "inputs": s.inputs,
                    "outputs": s.outputs,
                    "status": s.status.status_code.value,
                    "trace_id": s.trace_id,
                    "exception": [e.attributes.get("exception.type") for e in s.events if e.name == "exception"],
                }
                for s in trace.data.spans
            ],
            key=lambda s: s["name"],
        ),
    }

@mlflow.trace(name="retrieve", span_type=SpanType.RETRIEVER, attributes={"k": 1})
def retrieve(query):
    return [{"id": 1, "text": f"doc about {query}"}]

@mlflow.trace(span_type=SpanType.TOOL)
def calculator(a, b):
    return a / b

@mlflow.trace(span_type=SpanType.AGENT)
def answer(question, divisor):
    docs = retrieve(question)
    with mlflow.start_span("compute", span_type=SpanType.CHAIN) as span:
        ratio = calculator(10, divisor)
        span.set_outputs(ratio)
    return {"answer": docs[0]["text"].upper(), "ratio": ratio}

@mlflow.trace(name="request")
def request(question, divisor):
    return answer(question, divisor)

mlflow.set_experiment(experiment_id=sys.argv[3])
request("swans", 4)
mlflow.flush_trace_async_logging()
print(json.dumps({
    "ts": describe(sys.argv[1]),
    "ts_failed": describe(sys.argv[2]),
    "python_trace_id": mlflow.get_last_active_trace_id(),
}))
`
    const { stdout } = await run(PYTHON, ['-c', script, traceId, failedId, experiment.experimentId], {
      env: { ...process.env, MLFLOW_TRACKING_URI: server.url, MLFLOW_ENABLE_ASYNC_TRACE_LOGGING: 'false' },
    })
    const seen = JSON.parse(stdout.trim().split('\n').at(-1)!)
    expect(seen.ts).toEqual({
      trace_id: traceId,
      state: 'OK',
      name: 'request',
      experiment_id: experiment.experimentId,
      spans: [
        span(
          'answer',
          'request',
          'AGENT',
          { question: 'swans', divisor: 4 },
          { answer: 'DOC ABOUT SWANS', ratio: 2.5 },
        ),
        span('calculator', 'compute', 'TOOL', { a: 10, b: 4 }, 2.5),
        span('compute', 'answer', 'CHAIN', null, 2.5),
        span('request', null, 'UNKNOWN', null, { answer: 'DOC ABOUT SWANS', ratio: 2.5 }),
        span('retrieve', 'answer', 'RETRIEVER', { query: 'swans' }, [{ id: 1, text: 'doc about swans' }]),
      ].map((s) => ({ ...s, trace_id: traceId })),
    })
    expect(seen.ts_failed.state).toBe('ERROR')
    const failedCalculator = seen.ts_failed.spans.find((s: { name: string }) => s.name === 'calculator')
    expect(failedCalculator).toMatchObject({ status: 'ERROR', exception: ['RangeError'], outputs: null })

    // Span by span, the SDK's attributes are encoded as the Python client's are.
    const ours = await keel.tracing.getTrace(traceId)
    const theirs = await keel.tracing.getTrace(seen.python_trace_id)
    for (const name of ['answer', 'retrieve', 'calculator']) {
      const mine = byName(ours, name).attributes
      const python = byName(theirs, name).attributes
      for (const key of ['mlflow.spanType', 'mlflow.spanInputs', 'mlflow.spanOutputs', 'mlflow.spanFunctionName']) {
        expect(mine.find((a) => a.key === key)?.value, `${name} ${key}`).toEqual(
          python.find((a) => a.key === key)?.value,
        )
      }
      const requestId = (attributes: typeof mine, id: string) =>
        expect(attributes.find((a) => a.key === 'mlflow.traceRequestId')?.value).toEqual({ stringValue: id })
      requestId(mine, traceId)
      requestId(python, seen.python_trace_id)
    }
  })
})

function span(name: string, parent: string | null, spanType: string, inputs: unknown, outputs: unknown) {
  return { name, parent, span_type: spanType, inputs, outputs, status: 'OK', exception: [] }
}
