/**
 * Seeds a real keel server with traces for the traces views' end-to-end tests, as an application
 * would: spans over OTLP/JSON (`POST /v1/traces`, the experiment in `x-mlflow-experiment-id`), then,
 * for a trace made inside a run, its finished info as MLflow's client sends it (StartTraceV3, with
 * the run in `mlflow.sourceRun`), and feedback on it (an assessment).
 */
import { randomBytes } from 'node:crypto'

export interface SeedSpan {
  readonly id: string
  readonly parent?: string
  readonly name: string
  readonly type?: string
  /** Milliseconds after the trace's start. */
  readonly startMs: number
  /** undefined: the span is still open. */
  readonly endMs?: number
  readonly inputs?: unknown
  readonly outputs?: unknown
  /** Extra attributes in OTLP/JSON (`{key, value: {stringValue|intValue|…}}`). */
  readonly attributes?: readonly { key: string; value: Record<string, unknown> }[]
  readonly error?: { message: string; type: string; stacktrace?: string }
}

const hexId = (bytes: number) => randomBytes(bytes).toString('hex')

/** A span id (16 hex digits) that reads well in a failure: its name, padded. */
export function spanId(name: string): string {
  return Buffer.from(name).toString('hex').padEnd(16, '0').slice(0, 16)
}

async function expectOk(res: Response, what: string): Promise<unknown> {
  const text = await res.text()
  if (!res.ok) throw new Error(`${what} failed: ${res.status} ${text}`)
  return text ? (JSON.parse(text) as unknown) : {}
}

/** Sends a trace's spans over OTLP/JSON; returns the MLflow trace id (`tr-` and the OpenTelemetry id). */
export async function sendSpans(
  base: string,
  experimentId: string,
  spans: readonly SeedSpan[],
  startMs: number,
  /** OpenTelemetry's trace id (32 hex digits): more spans of a trace sent before. */
  otelTraceId = hexId(16),
): Promise<string> {
  const traceId = otelTraceId
  const nanos = (ms: number) => String(BigInt(Math.round((startMs + ms) * 1000)) * 1000n)
  const json = (value: unknown) => ({ stringValue: JSON.stringify(value) })
  const body = {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'support-bot' } }] },
        scopeSpans: [
          {
            scope: { name: 'keel-ui-e2e' },
            spans: spans.map((s) => ({
              traceId,
              spanId: spanId(s.id),
              ...(s.parent && { parentSpanId: spanId(s.parent) }),
              name: s.name,
              kind: 1,
              startTimeUnixNano: nanos(s.startMs),
              ...(s.endMs !== undefined && { endTimeUnixNano: nanos(s.endMs) }),
              attributes: [
                ...(s.type ? [{ key: 'mlflow.spanType', value: json(s.type) }] : []),
                ...(s.inputs !== undefined ? [{ key: 'mlflow.spanInputs', value: json(s.inputs) }] : []),
                ...(s.outputs !== undefined ? [{ key: 'mlflow.spanOutputs', value: json(s.outputs) }] : []),
                ...(s.attributes ?? []),
              ],
              ...(s.error && {
                events: [
                  {
                    name: 'exception',
                    timeUnixNano: nanos(s.endMs ?? s.startMs),
                    attributes: [
                      { key: 'exception.type', value: { stringValue: s.error.type } },
                      { key: 'exception.message', value: { stringValue: s.error.message } },
                      ...(s.error.stacktrace
                        ? [{ key: 'exception.stacktrace', value: { stringValue: s.error.stacktrace } }]
                        : []),
                    ],
                  },
                ],
              }),
              status: s.error ? { code: 2, message: `${s.error.type}: ${s.error.message}` } : { code: 1 },
            })),
          },
        ],
      },
    ],
  }
  await expectOk(
    await fetch(`${base}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-mlflow-experiment-id': experimentId },
      body: JSON.stringify(body),
    }),
    'POST /v1/traces',
  )
  return `tr-${traceId}`
}

async function api3(base: string, method: string, path: string, body: unknown): Promise<any> {
  return expectOk(
    await fetch(`${base}/api/3.0/mlflow${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    }),
    `${method} ${path}`,
  )
}

export async function getTraceInfo(base: string, traceId: string): Promise<any> {
  const res = await fetch(`${base}/api/3.0/mlflow/traces/get?trace_id=${encodeURIComponent(traceId)}`)
  return ((await expectOk(res, 'GET /traces/get')) as { trace: { trace_info: unknown } }).trace.trace_info
}

/** The trace's info finished as MLflow's client does at the end of a trace in a run: its run and tags added. */
export async function finishInRun(
  base: string,
  traceId: string,
  runId: string,
  tags: Readonly<Record<string, string>>,
): Promise<void> {
  const info = await getTraceInfo(base, traceId)
  await api3(base, 'POST', '/traces', {
    trace: {
      trace_info: {
        ...info,
        trace_metadata: { ...info.trace_metadata, 'mlflow.sourceRun': runId },
        tags: { ...info.tags, ...tags },
      },
    },
  })
}

export async function addFeedback(
  base: string,
  traceId: string,
  feedback: { name: string; value: unknown; rationale?: string; source: string; sourceId: string },
): Promise<void> {
  await api3(base, 'POST', `/traces/${encodeURIComponent(traceId)}/assessments`, {
    assessment: {
      assessment_name: feedback.name,
      source: { source_type: feedback.source, source_id: feedback.sourceId },
      feedback: { value: feedback.value },
      ...(feedback.rationale && { rationale: feedback.rationale }),
    },
  })
}

/** A RAG answer: retrieve, then a model call that uses two tools, then parse; `failed` makes the model call fail. */
export function answerSpans(question: string, failed = false): SeedSpan[] {
  return [
    {
      id: 'root',
      name: 'answer_question',
      type: 'CHAIN',
      startMs: 0,
      endMs: failed ? 420 : 820,
      inputs: { question },
      ...(failed
        ? { error: { type: 'RateLimitError', message: '429 Too Many Requests' } }
        : { outputs: { answer: 'Cloudy, 7°C, light wind from the north.' } }),
    },
    {
      id: 'retrieve',
      parent: 'root',
      name: 'retrieve_docs',
      type: 'RETRIEVER',
      startMs: 12,
      endMs: 180,
      inputs: { query: question, k: 3 },
      outputs: [
        { id: 'doc-12', score: 0.91 },
        { id: 'doc-40', score: 0.77 },
      ],
    },
    {
      id: 'llm',
      parent: 'root',
      name: 'chat_completion',
      type: 'LLM',
      startMs: 200,
      endMs: failed ? 410 : 780,
      inputs: {
        model: 'gpt-4o-mini',
        messages: [
          { role: 'system', content: 'Answer with the documents.' },
          { role: 'user', content: question },
        ],
      },
      attributes: [
        { key: 'llm.model', value: { stringValue: 'gpt-4o-mini' } },
        { key: 'llm.usage.total_tokens', value: { intValue: '412' } },
        { key: 'llm.temperature', value: { doubleValue: 0.2 } },
      ],
      ...(failed
        ? {
            error: {
              type: 'RateLimitError',
              message: '429 Too Many Requests',
              stacktrace:
                'Traceback (most recent call last):\n  File "bot.py", line 42, in chat_completion\n    raise RateLimitError("429 Too Many Requests")',
            },
          }
        : { outputs: { content: 'Cloudy, 7°C, light wind from the north.', finish_reason: 'stop' } }),
    },
    ...(failed
      ? []
      : [
          {
            id: 'weather',
            parent: 'llm',
            name: 'get_weather',
            type: 'TOOL',
            startMs: 260,
            endMs: 330,
            inputs: { city: 'Oslo' },
            outputs: { sky: 'cloudy', celsius: 7 },
          },
          {
            id: 'search',
            parent: 'llm',
            name: 'search_web',
            type: 'TOOL',
            startMs: 340,
            endMs: 520,
            inputs: { q: 'Oslo wind today' },
            outputs: { results: 2 },
          },
          {
            id: 'parse',
            parent: 'root',
            name: 'parse_answer',
            type: 'PARSER',
            startMs: 785,
            endMs: 800,
          },
        ]),
  ]
}

/** A one-span summary trace (for volume: the list's pages). */
export function summarySpans(i: number): SeedSpan[] {
  return [
    {
      id: 'root',
      name: 'summarize',
      type: 'LLM',
      startMs: 0,
      endMs: 40 + i * 7,
      inputs: { text: `Document ${i}: the quarterly report says revenue grew.` },
      outputs: `Summary ${i}: revenue grew.`,
    },
  ]
}
