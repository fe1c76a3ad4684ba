/**
 * The trace routes' edges on a real app: OTLP/HTTP in protobuf, JSON and gzip; what bad input
 * gets (a 4xx naming the problem, never a 5xx); the v3 routes whose paths overlap ('get',
 * 'batchGet' and a trace id); assessment updates by field mask.
 */
import { gzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import protobuf from 'protobufjs'
import { type InProcessKeel, startKeelApp } from './support/keel-app.js'

let server: InProcessKeel
let experimentId: string

const T0 = 1_764_200_000_000_000_000n

async function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await server.fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body),
  })
  const text = await res.text()
  return { status: res.status, text, json: text.startsWith('{') ? JSON.parse(text) : undefined }
}

async function get(path: string) {
  const res = await server.fetch(`${server.url}${path}`)
  return { status: res.status, json: (await res.json()) as any }
}

function otlpJson(traceId: string, spans: { id: string; parent?: string; name: string; code?: number }[]) {
  return {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'test' } }] },
        scopeSpans: [
          {
            spans: spans.map((s, i) => ({
              traceId,
              spanId: s.id,
              ...(s.parent && { parentSpanId: s.parent }),
              name: s.name,
              kind: 1,
              startTimeUnixNano: String(T0 + BigInt(i) * 1_000_000n),
              endTimeUnixNano: String(T0 + 50_000_000n - BigInt(i)),
              attributes: [
                { key: 'mlflow.spanType', value: { stringValue: '"LLM"' } },
                {
                  key: 'mlflow.spanInputs',
                  value: { kvlistValue: { values: [{ key: 'q', value: { intValue: '7' } }] } },
                },
                { key: 'ratio', value: { doubleValue: 0.5 } },
              ],
              status: { code: s.code ?? 1 },
            })),
          },
        ],
      },
    ],
  }
}

const traceHex = (n: number) => n.toString(16).padStart(32, '0')
const spanHex = (n: number) => n.toString(16).padStart(16, '0')
const otlp = (body: unknown, extra: Record<string, string> = {}) =>
  post('/v1/traces', body, { 'x-mlflow-experiment-id': experimentId, ...extra })

beforeAll(async () => {
  server = await startKeelApp({ args: ['--monitor-interval', '0'] })
  const created = await post('/api/2.0/mlflow/experiments/create', { name: 'traces' })
  experimentId = created.json.experiment_id
})
afterAll(async () => {
  await server.close()
})

describe('OTLP/HTTP spans', () => {
  it('makes a trace of OTLP/JSON spans, read back in proto-JSON with exact times and typed values', async () => {
    const sent = await otlp(
      otlpJson(traceHex(1), [
        { id: spanHex(1), name: 'root' },
        { id: spanHex(2), parent: spanHex(1), name: 'child' },
      ]),
    )
    expect(sent.status).toBe(200)
    const { status, json } = await get(`/api/3.0/mlflow/traces/get?trace_id=tr-${traceHex(1)}`)
    expect(status).toBe(200)
    const info = json.trace.trace_info
    expect([info.state, info.tags['mlflow.traceName'], info.request_preview]).toEqual(['OK', 'root', '{"q":7}'])
    expect(info.execution_duration).toBe('0.05s')
    const [root, child] = json.trace.spans
    expect(root.name).toBe('root')
    expect(root.start_time_unix_nano).toBe(String(T0))
    expect(Buffer.from(root.trace_id, 'base64').toString('hex')).toBe(traceHex(1))
    expect(Buffer.from(child.parent_span_id, 'base64').toString('hex')).toBe(spanHex(1))
    expect(root.attributes).toEqual([
      { key: 'mlflow.spanType', value: { string_value: '"LLM"' } },
      { key: 'mlflow.spanInputs', value: { kvlist_value: { values: [{ key: 'q', value: { int_value: 7 } }] } } },
      { key: 'ratio', value: { double_value: 0.5 } },
    ])
    expect(root.status).toEqual({ code: 'STATUS_CODE_OK' })
  })

  it('takes protobuf, gzip-compressed or not', async () => {
    // The request written with protobufjs' reflection from its own copy of the message shapes.
    const root = protobuf.Root.fromJSON({
      nested: {
        KeyValue: { fields: { key: { type: 'string', id: 1 }, value: { type: 'AnyValue', id: 2 } } },
        AnyValue: { fields: { stringValue: { type: 'string', id: 1 } } },
        Status: { fields: { code: { type: 'int32', id: 3 } } },
        Span: {
          fields: {
            traceId: { type: 'bytes', id: 1 },
            spanId: { type: 'bytes', id: 2 },
            name: { type: 'string', id: 5 },
            startTimeUnixNano: { type: 'fixed64', id: 7 },
            endTimeUnixNano: { type: 'fixed64', id: 8 },
            attributes: { rule: 'repeated', type: 'KeyValue', id: 9 },
            status: { type: 'Status', id: 15 },
          },
        },
        ScopeSpans: { fields: { spans: { rule: 'repeated', type: 'Span', id: 2 } } },
        ResourceSpans: { fields: { scopeSpans: { rule: 'repeated', type: 'ScopeSpans', id: 2 } } },
        Request: { fields: { resourceSpans: { rule: 'repeated', type: 'ResourceSpans', id: 1 } } },
      },
    })
    const Request = root.lookupType('Request')
    for (const [n, gzip] of [
      [2, false],
      [3, true],
    ] as const) {
      const bytes = Request.encode(
        Request.fromObject({
          resourceSpans: [
            {
              scopeSpans: [
                {
                  spans: [
                    {
                      traceId: Buffer.from(traceHex(n), 'hex'),
                      spanId: Buffer.from(spanHex(n), 'hex'),
                      name: `proto-${n}`,
                      startTimeUnixNano: String(T0),
                      endTimeUnixNano: String(T0 + 2_000_000n),
                      attributes: [{ key: 'who', value: { stringValue: 'proto' } }],
                      status: { code: 2 },
                    },
                  ],
                },
              ],
            },
          ],
        }),
      ).finish()
      const sent = await otlp(gzip ? gzipSync(bytes) : bytes, {
        'content-type': 'application/x-protobuf',
        ...(gzip && { 'content-encoding': 'gzip' }),
      })
      expect(sent.status).toBe(200)
      const { json } = await get(`/api/3.0/mlflow/traces/get?trace_id=tr-${traceHex(n)}`)
      expect(json.trace.trace_info.state).toBe('ERROR')
      expect(json.trace.spans[0].name).toBe(`proto-${n}`)
      expect(json.trace.spans[0].end_time_unix_nano).toBe(String(T0 + 2_000_000n))
    }
  })

  it('answers bad OTLP requests with a 4xx that names the problem', async () => {
    const good = otlpJson(traceHex(9), [{ id: spanHex(9), name: 'x' }])
    const cases: [Promise<{ status: number; text: string }>, number, RegExp][] = [
      [post('/v1/traces', good), 400, /x-mlflow-experiment-id/],
      [post('/v1/traces', good, { 'x-mlflow-experiment-id': '99999' }), 404, /99999/],
      [otlp('{not json'), 400, /not JSON/],
      [otlp(new Uint8Array([0xff, 0xff, 0xff]), { 'content-type': 'application/x-protobuf' }), 400, /not an OTLP/],
      [otlp('x', { 'content-type': 'text/csv' }), 403, /Content-Type/],
      [otlp(good, { 'content-encoding': 'gzip' }), 400, /not valid gzip/],
      [otlp(otlpJson('abc', [{ id: spanHex(1), name: 'x' }])), 400, /hex digits|trace id/],
      [otlp(otlpJson(traceHex(0), [{ id: spanHex(1), name: 'x' }])), 400, /not all zero/],
      [otlp({ resourceSpans: 5 }), 400, /resourceSpans/],
      [
        otlp(otlpJson(traceHex(8), [{ id: spanHex(1), name: 'x' }]).resourceSpans[0]!.scopeSpans[0]!.spans[0]!),
        200,
        /./,
      ],
    ]
    for (const [pending, status, message] of cases) {
      const res = await pending
      expect(res.status, res.text).toBe(status)
      expect(res.text).toMatch(message)
    }
  })
})

describe('trace RPCs', () => {
  it("routes 'get' and 'batchGet' apart from a trace id", async () => {
    await otlp(otlpJson(traceHex(20), [{ id: spanHex(1), name: 'a' }]))
    const info = await get(`/api/3.0/mlflow/traces/tr-${traceHex(20)}`)
    expect([info.status, info.json.trace.spans]).toEqual([200, undefined])
    const batch = await get(`/api/3.0/mlflow/traces/batchGet?trace_ids=tr-${traceHex(20)}&trace_ids=tr-none`)
    expect(batch.json.traces.map((t: any) => t.trace_info.trace_id)).toEqual([`tr-${traceHex(20)}`])
    const missing = await get('/api/3.0/mlflow/traces/get?trace_id=tr-none')
    expect([missing.status, missing.json.error_code, missing.json.message]).toEqual([
      404,
      'RESOURCE_DOES_NOT_EXIST',
      "Trace with ID 'tr-none' not found.",
    ])
  })

  it('refuses bad trace input with 400s', async () => {
    const location = { type: 'MLFLOW_EXPERIMENT', mlflow_experiment: { experiment_id: experimentId } }
    const bad = [
      post('/api/3.0/mlflow/traces', {
        trace: { trace_info: { trace_id: 'tr-x', request_time: 'yesterday', trace_location: location } },
      }),
      post('/api/3.0/mlflow/traces', {
        trace: { trace_info: { trace_id: 'tr-x', execution_duration: '5 minutes', trace_location: location } },
      }),
      post('/api/3.0/mlflow/traces', { trace: { trace_info: { trace_id: 'tr-x' } } }),
      post('/api/3.0/mlflow/traces', { trace: { trace_info: { trace_id: 'a/b', trace_location: location } } }),
      post('/api/3.0/mlflow/traces/search', { locations: [location], filter: 'trace.nope = 1' }),
      post('/api/3.0/mlflow/traces/search', { locations: [] }),
      post('/api/3.0/mlflow/traces/search', { locations: [location], max_results: 5000 }),
      post('/api/2.0/mlflow/traces/delete-traces', { experiment_id: experimentId }),
      post(`/api/3.0/mlflow/traces/tr-${traceHex(1)}/assessments`, { assessment: { assessment_name: 'x' } }),
    ]
    for (const res of await Promise.all(bad)) {
      expect(res.status, res.text).toBe(400)
      expect(res.json.error_code).toBe('INVALID_PARAMETER_VALUE')
      expect(res.json.message.length).toBeGreaterThan(10)
    }
  })

  it('updates only the fields an update mask names', async () => {
    const traceId = `tr-${traceHex(1)}`
    const created = await post(`/api/3.0/mlflow/traces/${traceId}/assessments`, {
      assessment: { assessment_name: 'score', feedback: { value: 0.2 }, rationale: 'first' },
    })
    expect(created.status).toBe(200)
    const id = created.json.assessment.assessment_id
    const res = await server.fetch(`${server.url}/api/3.0/mlflow/traces/${traceId}/assessments/${id}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ assessment: { feedback: { value: 0.9 }, rationale: 'ignored' }, update_mask: 'feedback' }),
    })
    const updated = (await res.json()) as any
    expect([updated.assessment.feedback.value, updated.assessment.rationale]).toEqual([0.9, 'first'])
    const wrong = await server.fetch(`${server.url}/api/3.0/mlflow/traces/${traceId}/assessments/${id}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ assessment: { expectation: { value: 1 } }, update_mask: 'expectation' }),
    })
    // The other kind named: the assessment becomes an expectation.
    const turned = (await wrong.json()) as any
    expect([wrong.status, turned.assessment.expectation, turned.assessment.feedback]).toEqual([
      200,
      { value: 1 },
      undefined,
    ])
    const unknown = await server.fetch(`${server.url}/api/3.0/mlflow/traces/${traceId}/assessments/${id}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ assessment: {}, update_mask: 'sourceType' }),
    })
    expect(unknown.status).toBe(400)
  })
})
