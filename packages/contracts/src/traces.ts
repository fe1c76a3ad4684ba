/**
 * Traces (MLflow 3's tracing): a trace is one request through an application, its spans the steps
 * inside it (a model call, a tool, a retrieval). keel keeps the trace's info, tags, metadata and
 * assessments beside its spans; spans keep OpenTelemetry's shape, attribute values included, so
 * what an OTLP client sent comes back exactly.
 */

export const TRACE_STATES = ['STATE_UNSPECIFIED', 'OK', 'ERROR', 'IN_PROGRESS'] as const
export type TraceState = (typeof TRACE_STATES)[number]

/** MLflow's trace ids: `tr-` and the OpenTelemetry trace id in hex. */
export const TRACE_ID_PREFIX = 'tr-'

/** Well-known keys of traces' tags and metadata (MLflow's TraceTagKey and TraceMetadataKey). */
export const TRACE_KEYS = {
  traceName: 'mlflow.traceName',
  artifactLocation: 'mlflow.artifactLocation',
  spansLocation: 'mlflow.trace.spansLocation',
  sourceRun: 'mlflow.sourceRun',
  infoFinalized: 'mlflow.trace.infoFinalized',
  traceInputs: 'mlflow.traceInputs',
  traceOutputs: 'mlflow.traceOutputs',
  user: 'mlflow.trace.user',
  session: 'mlflow.trace.session',
  spanType: 'mlflow.spanType',
  spanInputs: 'mlflow.spanInputs',
  spanOutputs: 'mlflow.spanOutputs',
  traceRequestId: 'mlflow.traceRequestId',
} as const

/** The value of the spans-location tag when the spans are rows of the tracking store. */
export const SPANS_IN_TRACKING_STORE = 'TRACKING_STORE'

/** An OpenTelemetry attribute value (AnyValue), one of its kinds or none. int64s are decimal strings. */
export type OtelValue =
  | { readonly stringValue: string }
  | { readonly boolValue: boolean }
  | { readonly intValue: string }
  | { readonly doubleValue: number }
  | { readonly bytesValue: string }
  | { readonly arrayValue: readonly OtelValue[] }
  | { readonly kvlistValue: readonly OtelAttribute[] }
  | Readonly<Record<string, never>>

export interface OtelAttribute {
  readonly key: string
  readonly value: OtelValue
}

export type SpanStatusCode = 'UNSET' | 'OK' | 'ERROR'

export interface SpanEvent {
  readonly name: string
  /** Nanoseconds since the epoch, as a decimal string (they do not fit a double exactly). */
  readonly timeUnixNano: string
  readonly attributes: readonly OtelAttribute[]
}

export interface SpanLink {
  readonly traceId: string
  readonly spanId: string
  readonly attributes: readonly OtelAttribute[]
}

export interface TraceSpan {
  /** The MLflow trace id (`tr-…`) the span belongs to. */
  readonly traceId: string
  /** OpenTelemetry's trace id, 32 hex digits. */
  readonly otelTraceId: string
  /** 16 hex digits. */
  readonly spanId: string
  readonly parentSpanId?: string
  readonly name: string
  /** MLflow's span type (`mlflow.spanType`: LLM, CHAIN, TOOL, …), UNKNOWN when none. */
  readonly spanType: string
  /** OpenTelemetry's span kind number (0 unspecified, 1 internal, …). */
  readonly kind?: number
  readonly traceState?: string
  readonly startTimeUnixNano: string
  readonly endTimeUnixNano?: string
  readonly status: { readonly code: SpanStatusCode; readonly message?: string }
  readonly attributes: readonly OtelAttribute[]
  readonly events: readonly SpanEvent[]
  readonly links?: readonly SpanLink[]
}

export interface AssessmentSource {
  readonly sourceType: string
  readonly sourceId?: string
}

export interface AssessmentError {
  readonly errorCode?: string
  readonly errorMessage?: string
  readonly stackTrace?: string
}

/** Feedback (a judgement of the trace) or an expectation (the ground truth), as MLflow keeps them. */
export interface Assessment {
  readonly assessmentId: string
  readonly traceId: string
  readonly name: string
  readonly spanId?: string
  readonly source: AssessmentSource
  readonly createTimeMs: number
  readonly lastUpdateTimeMs: number
  readonly feedback?: { readonly value?: unknown; readonly error?: AssessmentError }
  readonly expectation?: {
    readonly value?: unknown
    readonly serializedValue?: { readonly serializationFormat?: string; readonly value?: string }
  }
  readonly rationale?: string
  readonly metadata?: Readonly<Record<string, string>>
  /** The assessment this one overrides. */
  readonly overrides?: string
  readonly valid?: boolean
  readonly runId?: string
}

export interface TraceInfo {
  readonly traceId: string
  readonly experimentId: string
  readonly clientRequestId?: string
  /** When the trace started, in epoch milliseconds. */
  readonly requestTimeMs: number
  /** How long it ran, in milliseconds; absent while it is in progress. */
  readonly executionDurationMs?: number
  readonly state: TraceState
  readonly requestPreview?: string
  readonly responsePreview?: string
  readonly metadata: Readonly<Record<string, string>>
  readonly tags: Readonly<Record<string, string>>
  readonly assessments: readonly Assessment[]
}

export interface Trace {
  readonly info: TraceInfo
  readonly spans: readonly TraceSpan[]
}
