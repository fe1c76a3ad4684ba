/**
 * MLflow's trace RPCs (service.proto: StartTraceV3, GetTrace, SearchTracesV3, … and the v2 ones
 * older clients and the client's fallbacks call), their messages in proto-JSON, and the
 * converters between them and the entities of `traces.ts`. Spans travel as OpenTelemetry's Span
 * message in proto-JSON, ids base64 as proto-JSON writes bytes.
 */
import { z } from 'zod'
import type {
  Assessment,
  OtelAttribute,
  OtelValue,
  SpanStatusCode,
  Trace,
  TraceInfo,
  TraceSpan,
  TraceState,
} from '../traces.js'
import { TRACE_STATES } from '../traces.js'
import { endpoint } from './endpoint.js'
import { NO_NUL, int64Within, nonEmpty, pageToken } from './documented.js'
import { bool, int64, keyValueList, protoEnum, str } from './primitives.js'

const empty = z.object({})
/** proto's google.protobuf.Timestamp in JSON: RFC 3339, UTC. */
const TIMESTAMP = '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\\.[0-9]{1,9})?Z$'
/** google.protobuf.Duration in JSON: seconds with up to nine decimals and an `s`. */
const DURATION = '^[0-9]{1,12}(?:\\.[0-9]{1,9})?s$'
/** Dates the document can promise: years 1970 to 2999. */
const DOCUMENTED_TIMESTAMP =
  '^(?:19[7-9][0-9]|2[0-9]{3})-(?:0[1-9]|1[0-2])-(?:0[1-9]|1[0-9]|2[0-8])T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\\.[0-9]{1,9})?Z$'
const timestamp = str
  .regex(new RegExp(TIMESTAMP), { error: 'expected an RFC 3339 time in UTC' })
  .refine((text) => !Number.isNaN(Date.parse(text.replace(/\.\d+Z$/, 'Z'))), { error: 'expected a real date and time' })
  .meta({ pattern: DOCUMENTED_TIMESTAMP })
const duration = str.regex(new RegExp(DURATION), { error: "expected a duration in seconds ('1.5s')" })
const stringMap = z.record(str, str)
const traceKey = str.meta({ minLength: 1, maxLength: 250, pattern: NO_NUL })

export const traceState = protoEnum(TRACE_STATES, 0)

export const traceLocationWire = z.object({
  type: str.optional(),
  mlflow_experiment: z.object({ experiment_id: str }).optional(),
})

export const assessmentWire = z.object({
  assessment_id: str.optional(),
  assessment_name: str.meta({ minLength: 1, maxLength: 250 }),
  trace_id: str.optional(),
  span_id: str.optional(),
  source: z.object({ source_type: str.optional(), source_id: str.optional() }).optional(),
  create_time: timestamp.optional(),
  last_update_time: timestamp.optional(),
  feedback: z
    .object({
      value: z.unknown().optional(),
      error: z
        .object({ error_code: str.optional(), error_message: str.optional(), stack_trace: str.optional() })
        .optional(),
    })
    .optional(),
  expectation: z
    .object({
      value: z.unknown().optional(),
      serialized_value: z.object({ serialization_format: str.optional(), value: str.optional() }).optional(),
    })
    .optional(),
  rationale: str.optional(),
  metadata: stringMap.optional(),
  overrides: str.optional(),
  valid: bool.optional(),
  run_id: str.optional(),
})

export const traceInfoWire = z.object({
  trace_id: str,
  client_request_id: str.optional(),
  trace_location: traceLocationWire.optional(),
  request_preview: str.optional(),
  response_preview: str.optional(),
  request_time: timestamp.optional(),
  execution_duration: duration.optional(),
  state: traceState.optional(),
  trace_metadata: stringMap.optional(),
  assessments: z.array(assessmentWire).optional(),
  tags: stringMap.optional(),
})

/** The v2 TraceInfo (MLflow 2.x clients and the v3 client's fallbacks). */
export const traceInfoV2Wire = z.object({
  request_id: str,
  experiment_id: str.optional(),
  timestamp_ms: int64.optional(),
  execution_time_ms: int64.optional(),
  status: str.optional(),
  request_metadata: keyValueList.optional(),
  tags: keyValueList.optional(),
})

const anyValueWire: z.ZodType<Record<string, unknown>> = z.lazy(() =>
  z.object({
    string_value: str.optional(),
    bool_value: z.boolean().optional(),
    int_value: z.union([z.number(), str]).optional(),
    double_value: z.union([z.number(), str]).optional(),
    bytes_value: str.optional(),
    array_value: z.object({ values: z.array(anyValueWire).optional() }).optional(),
    kvlist_value: z
      .object({ values: z.array(z.object({ key: str, value: anyValueWire.optional() })).optional() })
      .optional(),
  }),
)

export const spanWire = z.object({
  trace_id: str,
  span_id: str,
  parent_span_id: str.optional(),
  trace_state: str.optional(),
  name: str,
  kind: str.optional(),
  start_time_unix_nano: z.union([str, z.number()]),
  end_time_unix_nano: z.union([str, z.number()]).optional(),
  attributes: z.array(z.object({ key: str, value: anyValueWire.optional() })).optional(),
  events: z.array(z.record(str, z.unknown())).optional(),
  links: z.array(z.record(str, z.unknown())).optional(),
  status: z.object({ code: str.optional(), message: str.optional() }).optional(),
})

export const traceWire = z.object({ trace_info: traceInfoWire, spans: z.array(spanWire).optional() })

export type TraceInfoWire = z.input<typeof traceInfoWire>
export type TraceInfoV2Wire = z.input<typeof traceInfoV2Wire>
export type AssessmentWire = z.input<typeof assessmentWire>
export type SpanWire = z.input<typeof spanWire>
export type TraceWire = z.input<typeof traceWire>

// ---- converters ----

/** The last millisecond of year 9999, the latest time RFC 3339 (and the v2 calls' timestamp_ms) can name. */
export const MAX_TIMESTAMP_MS = 253_402_300_799_999

/** Epoch ms as a proto Timestamp (clamped to years 0000 to 9999, which RFC 3339 can write). */
export function msToTimestamp(ms: number): string {
  return new Date(Math.min(Math.max(ms, -62_167_219_200_000), MAX_TIMESTAMP_MS)).toISOString()
}

/** A proto Timestamp as epoch ms (nanoseconds beyond the millisecond are dropped). */
export function timestampToMs(text: string): number {
  const match = /^(.*T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?Z$/.exec(text)
  const whole = match ? Date.parse(`${match[1]}Z`) : Number.NaN
  if (Number.isNaN(whole)) throw new RangeError(`'${text}' is not an RFC 3339 time in UTC`)
  return whole + Number(`${match![2] ?? ''}000`.slice(0, 3))
}

/** Milliseconds as a proto Duration ("0.033s"). */
export function msToDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000)
  const rest = ms - seconds * 1000
  return rest === 0 ? `${seconds}s` : `${seconds}.${String(rest).padStart(3, '0').replace(/0+$/, '')}s`
}

/** A proto Duration as milliseconds, rounded down. */
export function durationToMs(text: string): number {
  const match = /^(\d+)(?:\.(\d{1,9}))?s$/.exec(text)
  if (!match) throw new RangeError(`'${text}' is not a duration in seconds`)
  return Number(match[1]) * 1000 + Number(`${match[2] ?? ''}000`.slice(0, 3))
}

export function assessmentToWire(a: Assessment): AssessmentWire {
  return {
    assessment_id: a.assessmentId,
    assessment_name: a.name,
    trace_id: a.traceId,
    ...(a.spanId !== undefined && { span_id: a.spanId }),
    source: {
      source_type: a.source.sourceType,
      ...(a.source.sourceId !== undefined && { source_id: a.source.sourceId }),
    },
    create_time: msToTimestamp(a.createTimeMs),
    last_update_time: msToTimestamp(a.lastUpdateTimeMs),
    ...(a.feedback && {
      feedback: {
        ...(a.feedback.value !== undefined && { value: a.feedback.value }),
        ...(a.feedback.error && {
          error: {
            ...(a.feedback.error.errorCode !== undefined && { error_code: a.feedback.error.errorCode }),
            ...(a.feedback.error.errorMessage !== undefined && { error_message: a.feedback.error.errorMessage }),
            ...(a.feedback.error.stackTrace !== undefined && { stack_trace: a.feedback.error.stackTrace }),
          },
        }),
      },
    }),
    ...(a.expectation && {
      expectation: {
        ...(a.expectation.value !== undefined && { value: a.expectation.value }),
        ...(a.expectation.serializedValue && {
          serialized_value: {
            ...(a.expectation.serializedValue.serializationFormat !== undefined && {
              serialization_format: a.expectation.serializedValue.serializationFormat,
            }),
            ...(a.expectation.serializedValue.value !== undefined && { value: a.expectation.serializedValue.value }),
          },
        }),
      },
    }),
    ...(a.rationale !== undefined && { rationale: a.rationale }),
    ...(a.metadata && Object.keys(a.metadata).length > 0 && { metadata: { ...a.metadata } }),
    ...(a.overrides !== undefined && { overrides: a.overrides }),
    ...(a.valid !== undefined && { valid: a.valid }),
    ...(a.runId !== undefined && { run_id: a.runId }),
  }
}

/** The fields of an assessment a client sends (ids and times are the server's). */
export type AssessmentInput = Omit<Assessment, 'assessmentId' | 'traceId' | 'createTimeMs' | 'lastUpdateTimeMs'> & {
  readonly createTimeMs?: number
  readonly lastUpdateTimeMs?: number
}

export function assessmentFromWire(w: z.output<typeof assessmentWire>): AssessmentInput {
  const f = w.feedback
  const e = w.expectation
  return {
    name: w.assessment_name,
    ...(w.span_id && { spanId: w.span_id }),
    source: {
      sourceType: w.source?.source_type || 'SOURCE_TYPE_UNSPECIFIED',
      ...(w.source?.source_id && { sourceId: w.source.source_id }),
    },
    ...(w.create_time && { createTimeMs: timestampToMs(w.create_time) }),
    ...(w.last_update_time && { lastUpdateTimeMs: timestampToMs(w.last_update_time) }),
    ...(f && {
      feedback: {
        ...(f.value !== undefined && { value: f.value }),
        ...(f.error && {
          error: {
            ...(f.error.error_code !== undefined && { errorCode: f.error.error_code }),
            ...(f.error.error_message !== undefined && { errorMessage: f.error.error_message }),
            ...(f.error.stack_trace !== undefined && { stackTrace: f.error.stack_trace }),
          },
        }),
      },
    }),
    ...(e && {
      expectation: {
        ...(e.value !== undefined && { value: e.value }),
        ...(e.serialized_value && {
          serializedValue: {
            ...(e.serialized_value.serialization_format !== undefined && {
              serializationFormat: e.serialized_value.serialization_format,
            }),
            ...(e.serialized_value.value !== undefined && { value: e.serialized_value.value }),
          },
        }),
      },
    }),
    ...(w.rationale !== undefined && { rationale: w.rationale }),
    ...(w.metadata && { metadata: w.metadata }),
    ...(w.overrides && { overrides: w.overrides }),
    ...(w.valid !== undefined && { valid: w.valid }),
    ...(w.run_id && { runId: w.run_id }),
  }
}

export function traceInfoToWire(t: TraceInfo): TraceInfoWire {
  return {
    trace_id: t.traceId,
    ...(t.clientRequestId !== undefined && { client_request_id: t.clientRequestId }),
    trace_location: { type: 'MLFLOW_EXPERIMENT', mlflow_experiment: { experiment_id: t.experimentId } },
    ...(t.requestPreview !== undefined && { request_preview: t.requestPreview }),
    ...(t.responsePreview !== undefined && { response_preview: t.responsePreview }),
    request_time: msToTimestamp(t.requestTimeMs),
    ...(t.executionDurationMs !== undefined && { execution_duration: msToDuration(t.executionDurationMs) }),
    state: t.state,
    trace_metadata: { ...t.metadata },
    ...(t.assessments.length > 0 && { assessments: t.assessments.map(assessmentToWire) }),
    tags: { ...t.tags },
  }
}

/** MLflow 2's statuses: UNSPECIFIED, OK, ERROR, IN_PROGRESS. */
export function traceStateToV2(state: TraceState): string {
  return state === 'STATE_UNSPECIFIED' ? 'TRACE_STATUS_UNSPECIFIED' : state
}

export function traceStateFromV2(status: string | undefined): TraceState {
  if (status === 'OK' || status === 'ERROR' || status === 'IN_PROGRESS') return status
  return 'STATE_UNSPECIFIED'
}

const pairs = (record: Readonly<Record<string, string>>) =>
  Object.entries(record).map(([key, value]) => ({ key, value }))

export function traceInfoToV2Wire(t: TraceInfo): TraceInfoV2Wire {
  return {
    request_id: t.traceId,
    experiment_id: t.experimentId,
    timestamp_ms: t.requestTimeMs,
    ...(t.executionDurationMs !== undefined && { execution_time_ms: t.executionDurationMs }),
    status: traceStateToV2(t.state),
    request_metadata: pairs(t.metadata),
    tags: pairs(t.tags),
  }
}

// ---- spans: OpenTelemetry's Span in proto-JSON ----

/** Hex digits as base64 (proto-JSON's bytes); btoa works in Node and in browsers alike. */
function hexToBase64(hex: string): string {
  let binary = ''
  for (let i = 0; i + 1 < hex.length; i += 2) binary += String.fromCharCode(Number.parseInt(hex.slice(i, i + 2), 16))
  return btoa(binary)
}

function valueToWire(v: OtelValue): Record<string, unknown> {
  if ('stringValue' in v) return { string_value: v.stringValue }
  if ('boolValue' in v) return { bool_value: v.boolValue }
  if ('intValue' in v) {
    const n = Number(v.intValue)
    return { int_value: Number.isSafeInteger(n) ? n : v.intValue }
  }
  if ('doubleValue' in v) {
    const d = v.doubleValue
    return { double_value: Number.isFinite(d) ? d : Number.isNaN(d) ? 'NaN' : d > 0 ? 'Infinity' : '-Infinity' }
  }
  if ('bytesValue' in v) return { bytes_value: v.bytesValue }
  if ('arrayValue' in v) return { array_value: { values: v.arrayValue.map(valueToWire) } }
  if ('kvlistValue' in v) return { kvlist_value: { values: attributesToWire(v.kvlistValue) } }
  return {}
}

export function attributesToWire(
  attributes: readonly OtelAttribute[],
): { key: string; value: Record<string, unknown> }[] {
  return attributes.map((a) => ({ key: a.key, value: valueToWire(a.value) }))
}

const STATUS_CODES: Readonly<Record<SpanStatusCode, string>> = {
  UNSET: 'STATUS_CODE_UNSET',
  OK: 'STATUS_CODE_OK',
  ERROR: 'STATUS_CODE_ERROR',
}
const SPAN_KINDS = [
  'SPAN_KIND_UNSPECIFIED',
  'SPAN_KIND_INTERNAL',
  'SPAN_KIND_SERVER',
  'SPAN_KIND_CLIENT',
  'SPAN_KIND_PRODUCER',
  'SPAN_KIND_CONSUMER',
]

export function spanToWire(s: TraceSpan): SpanWire {
  return {
    trace_id: hexToBase64(s.otelTraceId),
    span_id: hexToBase64(s.spanId),
    ...(s.traceState && { trace_state: s.traceState }),
    ...(s.parentSpanId && { parent_span_id: hexToBase64(s.parentSpanId) }),
    name: s.name,
    ...(s.kind !== undefined && s.kind > 0 && { kind: SPAN_KINDS[s.kind] ?? 'SPAN_KIND_UNSPECIFIED' }),
    start_time_unix_nano: s.startTimeUnixNano,
    ...(s.endTimeUnixNano !== undefined && { end_time_unix_nano: s.endTimeUnixNano }),
    attributes: attributesToWire(s.attributes),
    ...(s.events.length > 0 && {
      events: s.events.map((e) => ({
        time_unix_nano: e.timeUnixNano,
        name: e.name,
        attributes: attributesToWire(e.attributes),
      })),
    }),
    ...(s.links &&
      s.links.length > 0 && {
        links: s.links.map((l) => ({
          trace_id: hexToBase64(l.traceId),
          span_id: hexToBase64(l.spanId),
          attributes: attributesToWire(l.attributes),
        })),
      }),
    status: {
      code: STATUS_CODES[s.status.code],
      ...(s.status.message ? { message: s.status.message } : {}),
    },
  }
}

export function traceToWire(t: Trace): TraceWire {
  return { trace_info: traceInfoToWire(t.info), spans: t.spans.map(spanToWire) }
}

// ---- endpoints ----

const v3 = 3
const traceId = nonEmpty.meta({ pattern: '^[^\\x00/]{1,64}$' })
const traceLocationRequest = z
  .object({ type: str.optional(), mlflow_experiment: z.object({ experiment_id: nonEmpty }).optional() })
  .meta({ required: ['mlflow_experiment'] })
/** MLflow's cap on one search page of traces. */
export const MAX_TRACES_PER_PAGE = 500
export const traceSearchFilter = str.meta({
  pattern: "^(?:(?:trace\\.status|trace\\.name|tags\\.`[a-z][a-z0-9_]{0,19}`) (?:=|!=) '[A-Za-z0-9_ .-]{0,40}')?$",
  maxLength: 1000,
  description: "A trace filter in MLflow's syntax (the pattern shows a plain part of it)",
})
const traceOrderBy = z.array(
  str.meta({ pattern: '^(?:timestamp_ms|execution_time_ms|status|request_id|name)(?: (?:ASC|DESC))?$' }),
)
/** The fields an assessment update may name, as proto-JSON writes a FieldMask's paths. */
const MASK_PATH = '(?:assessmentName|feedback|expectation|rationale|metadata)'
const assessmentUpdate = assessmentWire.partial().extend({ assessment_name: str.optional() })

/** A trace info as StartTraceV3 takes it: an id, and the experiment it goes to. */
const traceInfoRequest = traceInfoWire
  .extend({
    trace_id: traceId,
    trace_location: traceLocationRequest.optional(),
  })
  .meta({ required: ['trace_id', 'trace_location'] })
/** Which traces delete-traces removes: by id, or those at or before a time (the oldest first, up to max_traces). */
const deleteTracesRequest = z
  .object({
    experiment_id: nonEmpty,
    max_timestamp_millis: int64.optional(),
    max_traces: int64Within(1, 100_000).optional(),
    request_ids: z.array(str).optional(),
  })
  .meta({ anyOf: [{ required: ['request_ids'] }, { required: ['max_timestamp_millis'] }] })

export const tracingApi = {
  startTraceV3: endpoint(
    'POST',
    '/mlflow/traces',
    'Record a finished trace (its info; the spans come over OTLP or as an artifact)',
    z.object({ trace: z.object({ trace_info: traceInfoRequest, spans: z.array(z.unknown()).optional() }) }),
    z.object({ trace: z.object({ trace_info: traceInfoWire }) }),
    v3,
  ),
  getTrace: endpoint(
    'GET',
    '/mlflow/traces/get',
    'Get a trace with its spans',
    z.object({ trace_id: traceId, allow_partial: bool.optional() }),
    z.object({ trace: traceWire }),
    v3,
  ),
  batchGetTraces: endpoint(
    'GET',
    '/mlflow/traces/batchGet',
    'Get several traces with their spans',
    z.object({ trace_ids: z.array(traceId).meta({ maxItems: 100 }), experiment_ids: z.array(str).optional() }),
    z.object({ traces: z.array(traceWire).optional() }),
    v3,
  ),
  batchGetTraceInfos: endpoint(
    'POST',
    '/mlflow/traces/batchGetInfos',
    "Get several traces' info",
    z.object({ trace_ids: z.array(traceId).meta({ maxItems: 100 }), experiment_ids: z.array(str).optional() }),
    z.object({ trace_infos: z.array(traceInfoWire).optional() }),
    v3,
  ),
  searchTracesV3: endpoint(
    'POST',
    '/mlflow/traces/search',
    'Search traces',
    z
      .object({
        locations: z.array(traceLocationRequest).meta({ minItems: 1 }).optional(),
        filter: traceSearchFilter.optional(),
        max_results: int64Within(1, MAX_TRACES_PER_PAGE).optional(),
        order_by: traceOrderBy.optional(),
        page_token: pageToken.optional(),
      })
      .meta({ required: ['locations'] }),
    z.object({ traces: z.array(traceInfoWire).optional(), next_page_token: str.optional() }),
    v3,
  ),
  deleteTracesV3: endpoint(
    'POST',
    '/mlflow/traces/delete-traces',
    "Delete an experiment's traces: by id, or the oldest before a time",
    deleteTracesRequest,
    z.object({ traces_deleted: int64.optional() }),
    v3,
  ),
  setTraceTagV3: endpoint(
    'PATCH',
    '/mlflow/traces/{trace_id}/tags',
    'Set a tag on a trace',
    z.object({ trace_id: traceId, key: traceKey, value: str.optional() }),
    empty,
    v3,
  ),
  deleteTraceTagV3: endpoint(
    'DELETE',
    '/mlflow/traces/{trace_id}/tags',
    'Delete a tag of a trace',
    z.object({ trace_id: traceId, key: traceKey }),
    empty,
    v3,
  ),
  createAssessment: endpoint(
    'POST',
    '/mlflow/traces/{trace_id}/assessments',
    'Log feedback or an expectation on a trace',
    z.object({
      trace_id: traceId,
      assessment: assessmentWire.meta({ oneOf: [{ required: ['feedback'] }, { required: ['expectation'] }] }),
    }),
    z.object({ assessment: assessmentWire }),
    v3,
  ),
  getAssessment: endpoint(
    'GET',
    '/mlflow/traces/{trace_id}/assessments/{assessment_id}',
    "Get one of a trace's assessments",
    z.object({ trace_id: traceId, assessment_id: nonEmpty }),
    z.object({ assessment: assessmentWire }),
    v3,
  ),
  updateAssessment: endpoint(
    'PATCH',
    '/mlflow/traces/{trace_id}/assessments/{assessment_id}',
    "Change an assessment's fields named in update_mask",
    z.object({
      trace_id: traceId,
      assessment_id: nonEmpty,
      assessment: assessmentUpdate,
      update_mask: z
        .union([
          str.meta({ pattern: `^(?:${MASK_PATH}(?:,${MASK_PATH}){0,4})?$` }),
          z.object({ paths: z.array(str).optional() }),
        ])
        .optional(),
    }),
    z.object({ assessment: assessmentWire }),
    v3,
  ),
  deleteAssessment: endpoint(
    'DELETE',
    '/mlflow/traces/{trace_id}/assessments/{assessment_id}',
    "Delete one of a trace's assessments",
    z.object({ trace_id: traceId, assessment_id: nonEmpty }),
    empty,
    v3,
  ),
  getTraceInfoV3: endpoint(
    'GET',
    '/mlflow/traces/{trace_id}',
    "Get a trace's info",
    z.object({ trace_id: traceId }),
    z.object({ trace: z.object({ trace_info: traceInfoWire }) }),
    v3,
  ),
  // ---- v2 ----
  startTraceV2: endpoint(
    'POST',
    '/mlflow/traces',
    'Start a trace (MLflow 2)',
    z.object({
      experiment_id: nonEmpty,
      timestamp_ms: int64Within(0, MAX_TIMESTAMP_MS).optional(),
      request_metadata: keyValueList.optional(),
      tags: keyValueList.optional(),
    }),
    z.object({ trace_info: traceInfoV2Wire }),
  ),
  endTraceV2: endpoint(
    'PATCH',
    '/mlflow/traces/{request_id}',
    'End a trace (MLflow 2)',
    z.object({
      request_id: traceId,
      timestamp_ms: int64Within(0, MAX_TIMESTAMP_MS).optional(),
      status: str.optional(),
      request_metadata: keyValueList.optional(),
      tags: keyValueList.optional(),
    }),
    z.object({ trace_info: traceInfoV2Wire }),
  ),
  getTraceInfoV2: endpoint(
    'GET',
    '/mlflow/traces/{request_id}/info',
    "Get a trace's info (MLflow 2)",
    z.object({ request_id: traceId }),
    z.object({ trace_info: traceInfoV2Wire }),
  ),
  searchTracesV2: endpoint(
    'GET',
    '/mlflow/traces',
    'Search traces (MLflow 2)',
    z
      .object({
        experiment_ids: z.array(nonEmpty).meta({ minItems: 1 }).optional(),
        filter: traceSearchFilter.optional(),
        max_results: int64Within(1, MAX_TRACES_PER_PAGE).optional(),
        order_by: traceOrderBy.optional(),
        page_token: pageToken.optional(),
      })
      .meta({ required: ['experiment_ids'] }),
    z.object({ traces: z.array(traceInfoV2Wire).optional(), next_page_token: str.optional() }),
  ),
  deleteTracesV2: endpoint(
    'POST',
    '/mlflow/traces/delete-traces',
    "Delete an experiment's traces (MLflow 2)",
    deleteTracesRequest,
    z.object({ traces_deleted: int64.optional() }),
  ),
  setTraceTagV2: endpoint(
    'PATCH',
    '/mlflow/traces/{request_id}/tags',
    'Set a tag on a trace (MLflow 2)',
    z.object({ request_id: traceId, key: traceKey, value: str.optional() }),
    empty,
  ),
  deleteTraceTagV2: endpoint(
    'DELETE',
    '/mlflow/traces/{request_id}/tags',
    'Delete a tag of a trace (MLflow 2)',
    z.object({ request_id: traceId, key: traceKey }),
    empty,
  ),
  linkTracesToRun: endpoint(
    'POST',
    '/mlflow/traces/link-to-run',
    'Link traces to a run',
    z.object({ trace_ids: z.array(traceId).meta({ maxItems: 100 }), run_id: nonEmpty }),
    empty,
  ),
} as const
