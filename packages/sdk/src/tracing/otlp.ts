/**
 * Spans as OTLP/JSON (an ExportTraceServiceRequest, https://opentelemetry.io/docs/specs/otlp/):
 * ids in hex, times as decimal strings of nanoseconds, attribute values as AnyValue. MLflow's
 * attributes are encoded as MLflow's Python client sends them (`Span.to_otel_proto`): the value
 * itself (`mlflow.spanType` a string, `mlflow.spanInputs` a key-value list for an object), which is
 * what `mlflow.get_trace` decodes back into the same value.
 */
import type { LiveSpan, LiveSpanStatus } from './span.js'
import { type OtlpKeyValue, toAnyValue } from './values.js'
import type { JsonValue } from './values.js'

/** OpenTelemetry's status codes: UNSET 0, OK 1, ERROR 2. */
const STATUS_CODE: Readonly<Record<LiveSpanStatus, number>> = { UNSET: 0, OK: 1, ERROR: 2 }
/** SPAN_KIND_INTERNAL: what MLflow's spans are. */
const KIND_INTERNAL = 1

export interface OtlpSpan {
  readonly traceId: string
  readonly spanId: string
  readonly parentSpanId?: string
  readonly name: string
  readonly kind: number
  readonly startTimeUnixNano: string
  readonly endTimeUnixNano: string
  readonly attributes: readonly OtlpKeyValue[]
  readonly events: readonly {
    readonly name: string
    readonly timeUnixNano: string
    readonly attributes: readonly OtlpKeyValue[]
  }[]
  readonly status: { readonly code: number; readonly message?: string }
}

export interface OtlpTraceRequest {
  readonly resourceSpans: readonly {
    readonly resource: { readonly attributes: readonly OtlpKeyValue[] }
    readonly scopeSpans: readonly {
      readonly scope: { readonly name: string; readonly version?: string }
      readonly spans: readonly OtlpSpan[]
    }[]
  }[]
}

const keyValues = (record: Readonly<Record<string, JsonValue>>): OtlpKeyValue[] =>
  Object.entries(record).map(([key, value]) => ({ key, value: toAnyValue(value) }))

/** One ended span in OTLP/JSON. */
export function spanToOtlp(span: LiveSpan): OtlpSpan {
  const { code, message } = span.status
  return {
    traceId: span.otelTraceId,
    spanId: span.spanId,
    ...(span.parentSpanId !== undefined && { parentSpanId: span.parentSpanId }),
    name: span.name,
    kind: KIND_INTERNAL,
    startTimeUnixNano: span.startTimeUnixNano.toString(),
    endTimeUnixNano: (span.endTimeUnixNano ?? span.startTimeUnixNano).toString(),
    attributes: keyValues(span.attributes),
    events: span.events.map((e) => ({
      name: e.name,
      timeUnixNano: e.timeUnixNano.toString(),
      attributes: keyValues(e.attributes),
    })),
    status: message ? { code: STATUS_CODE[code], message } : { code: STATUS_CODE[code] },
  }
}

/** The body of `POST /v1/traces`: the spans under keel's resource and scope. */
export function otlpTraceRequest(spans: readonly OtlpSpan[], scopeVersion?: string): OtlpTraceRequest {
  return {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'keel-sdk' } }] },
        scopeSpans: [
          { scope: scopeVersion === undefined ? { name: 'keel' } : { name: 'keel', version: scopeVersion }, spans },
        ],
      },
    ],
  }
}
