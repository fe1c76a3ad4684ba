/**
 * Traces from the wire to `@keel/contracts`' entities: the inverse of `traceInfoToWire` and
 * `spanToWire`. Spans arrive as OpenTelemetry's Span in proto-JSON (snake_case, ids in base64,
 * enums by name); the entities keep OTLP's camelCase values with ids in hex.
 */
import {
  type Assessment,
  type OtelAttribute,
  type OtelValue,
  type SpanEvent,
  type SpanLink,
  type SpanStatusCode,
  TRACE_ID_PREFIX,
  TRACE_KEYS,
  type Trace,
  type TraceInfo,
  type TraceSpan,
  assessmentFromWire,
  durationToMs,
  timestampToMs,
  type tracingApi,
} from '@keel/contracts'
import type { ResponseOutputOf } from '../http.js'

type TraceOut = ResponseOutputOf<typeof tracingApi.getTrace>['trace']
export type TraceInfoOut = TraceOut['trace_info']
type SpanOut = NonNullable<TraceOut['spans']>[number]
type AssessmentOut = NonNullable<TraceInfoOut['assessments']>[number]
type WireValue = Readonly<Record<string, unknown>> | undefined

/** An id as hex: proto-JSON sends bytes in base64; hex of the expected length is taken as it is. */
export function idToHex(id: string, bytes: number): string {
  if (new RegExp(`^[0-9a-fA-F]{${bytes * 2}}$`).test(id)) return id.toLowerCase()
  return Buffer.from(id, 'base64').toString('hex')
}

const record = (value: unknown): Readonly<Record<string, unknown>> | undefined =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined

const list = (value: unknown): readonly unknown[] => (Array.isArray(value) ? value : [])

/** A proto-JSON AnyValue (snake_case) as the entities' OtelValue. */
export function otelValueFromWire(value: WireValue): OtelValue {
  if (value === undefined) return {}
  if (typeof value.string_value === 'string') return { stringValue: value.string_value }
  if (typeof value.bool_value === 'boolean') return { boolValue: value.bool_value }
  if (typeof value.int_value === 'number' || typeof value.int_value === 'string')
    return { intValue: String(value.int_value) }
  if (typeof value.double_value === 'number' || typeof value.double_value === 'string') {
    return { doubleValue: Number(value.double_value) }
  }
  if (typeof value.bytes_value === 'string') return { bytesValue: value.bytes_value }
  const array = record(value.array_value)
  if (array) return { arrayValue: list(array.values).map((v) => otelValueFromWire(record(v))) }
  const kvlist = record(value.kvlist_value)
  if (kvlist) return { kvlistValue: attributesFromWire(list(kvlist.values)) }
  return {}
}

export function attributesFromWire(attributes: readonly unknown[] | undefined): OtelAttribute[] {
  const out: OtelAttribute[] = []
  for (const item of attributes ?? []) {
    const kv = record(item)
    if (kv && typeof kv.key === 'string') out.push({ key: kv.key, value: otelValueFromWire(record(kv.value)) })
  }
  return out
}

/**
 * An OtelValue as a JavaScript value, as MLflow's Python client decodes it: strings, numbers,
 * booleans, arrays, objects (from key-value lists); an int64 beyond 2^53 stays a string of digits.
 */
export function otelValueToJs(value: OtelValue): unknown {
  if ('stringValue' in value) return value.stringValue
  if ('boolValue' in value) return value.boolValue
  if ('intValue' in value) {
    const n = Number(value.intValue)
    return Number.isSafeInteger(n) ? n : value.intValue
  }
  if ('doubleValue' in value) return value.doubleValue
  if ('bytesValue' in value) return value.bytesValue
  if ('arrayValue' in value) return value.arrayValue.map(otelValueToJs)
  if ('kvlistValue' in value) return Object.fromEntries(value.kvlistValue.map((a) => [a.key, otelValueToJs(a.value)]))
  return null
}

/** A span's attributes as JavaScript values (see `otelValueToJs`). */
export function spanAttributes(span: Pick<TraceSpan, 'attributes'>): Record<string, unknown> {
  return Object.fromEntries(span.attributes.map((a) => [a.key, otelValueToJs(a.value)]))
}

/** The span's inputs (`mlflow.spanInputs`), undefined when it recorded none. */
export function spanInputs(span: Pick<TraceSpan, 'attributes'>): unknown {
  const attribute = span.attributes.find((a) => a.key === TRACE_KEYS.spanInputs)
  return attribute === undefined ? undefined : otelValueToJs(attribute.value)
}

/** The span's outputs (`mlflow.spanOutputs`), undefined when it recorded none. */
export function spanOutputs(span: Pick<TraceSpan, 'attributes'>): unknown {
  const attribute = span.attributes.find((a) => a.key === TRACE_KEYS.spanOutputs)
  return attribute === undefined ? undefined : otelValueToJs(attribute.value)
}

/** `mlflow.spanType`: a plain string, or (as OpenTelemetry exporters of MLflow spans send it) a JSON string. */
function spanTypeOf(attributes: readonly OtelAttribute[]): string {
  const value = attributes.find((a) => a.key === TRACE_KEYS.spanType)?.value
  if (value === undefined || !('stringValue' in value) || value.stringValue === '') return 'UNKNOWN'
  const text = value.stringValue
  if (text.startsWith('"')) {
    try {
      const parsed: unknown = JSON.parse(text)
      if (typeof parsed === 'string') return parsed
    } catch {
      // not JSON: the string itself
    }
  }
  return text
}

const STATUS_CODES: Readonly<Record<string, SpanStatusCode>> = {
  STATUS_CODE_OK: 'OK',
  STATUS_CODE_ERROR: 'ERROR',
  OK: 'OK',
  ERROR: 'ERROR',
  '1': 'OK',
  '2': 'ERROR',
}
const SPAN_KINDS = [
  'SPAN_KIND_UNSPECIFIED',
  'SPAN_KIND_INTERNAL',
  'SPAN_KIND_SERVER',
  'SPAN_KIND_CLIENT',
  'SPAN_KIND_PRODUCER',
  'SPAN_KIND_CONSUMER',
]

const nanos = (value: unknown): string | undefined =>
  typeof value === 'string' || typeof value === 'number' ? String(value) : undefined

function eventFromWire(event: Readonly<Record<string, unknown>>): SpanEvent {
  return {
    name: typeof event.name === 'string' ? event.name : '',
    timeUnixNano: nanos(event.time_unix_nano) ?? '0',
    attributes: attributesFromWire(list(event.attributes)),
  }
}

function linkFromWire(link: Readonly<Record<string, unknown>>): SpanLink {
  return {
    traceId: idToHex(String(link.trace_id ?? ''), 16),
    spanId: idToHex(String(link.span_id ?? ''), 8),
    attributes: attributesFromWire(list(link.attributes)),
  }
}

/** One span of a trace; `traceId` is the MLflow id of the trace it came in. */
export function spanFromWire(span: SpanOut, traceId?: string): TraceSpan {
  const otelTraceId = idToHex(span.trace_id, 16)
  const attributes = attributesFromWire(span.attributes)
  const kind = span.kind === undefined ? -1 : SPAN_KINDS.indexOf(span.kind)
  const code = STATUS_CODES[span.status?.code ?? ''] ?? 'UNSET'
  const end = nanos(span.end_time_unix_nano)
  return {
    traceId: traceId ?? `${TRACE_ID_PREFIX}${otelTraceId}`,
    otelTraceId,
    spanId: idToHex(span.span_id, 8),
    ...(span.parent_span_id && { parentSpanId: idToHex(span.parent_span_id, 8) }),
    name: span.name,
    spanType: spanTypeOf(attributes),
    ...(kind >= 0 && { kind }),
    ...(span.trace_state && { traceState: span.trace_state }),
    startTimeUnixNano: String(span.start_time_unix_nano),
    ...(end !== undefined && end !== '0' && { endTimeUnixNano: end }),
    status: span.status?.message ? { code, message: span.status.message } : { code },
    attributes,
    events: (span.events ?? []).map(eventFromWire),
    ...(span.links && span.links.length > 0 && { links: span.links.map(linkFromWire) }),
  }
}

/** An assessment as the server sent it, as an entity (`traceId`: the trace it came with). */
export function assessmentEntityFromWire(wire: AssessmentOut, traceId: string): Assessment {
  const input = assessmentFromWire(wire)
  const created = input.createTimeMs ?? 0
  return {
    ...input,
    assessmentId: wire.assessment_id ?? '',
    traceId: wire.trace_id || traceId,
    createTimeMs: created,
    lastUpdateTimeMs: input.lastUpdateTimeMs ?? created,
  }
}

export function traceInfoFromWire(info: TraceInfoOut): TraceInfo {
  return {
    traceId: info.trace_id,
    experimentId: info.trace_location?.mlflow_experiment?.experiment_id ?? '',
    ...(info.client_request_id && { clientRequestId: info.client_request_id }),
    requestTimeMs: info.request_time ? timestampToMs(info.request_time) : 0,
    ...(info.execution_duration && { executionDurationMs: durationToMs(info.execution_duration) }),
    state: info.state ?? 'STATE_UNSPECIFIED',
    ...(info.request_preview !== undefined && { requestPreview: info.request_preview }),
    ...(info.response_preview !== undefined && { responsePreview: info.response_preview }),
    metadata: { ...info.trace_metadata },
    tags: { ...info.tags },
    assessments: (info.assessments ?? []).map((a) => assessmentEntityFromWire(a, info.trace_id)),
  }
}

/** A trace with its spans, ordered by start time (as the server sends them). */
export function traceFromWire(trace: TraceOut): Trace {
  const info = traceInfoFromWire(trace.trace_info)
  return { info, spans: (trace.spans ?? []).map((s) => spanFromWire(s, info.traceId)) }
}
