/**
 * `LiveSpan`: one step of a trace while it runs (MLflow's LiveSpan). It records its inputs,
 * outputs, attributes, events and status; `end()` stamps its end time and hands it to the tracer,
 * which sends the whole trace when its root span ends.
 */
import { TRACE_ID_PREFIX, TRACE_KEYS } from '@keel/contracts'
import { type JsonValue, toJsonValue } from './values.js'

/** MLflow's span types (`mlflow.entities.SpanType`); any other string is allowed too. */
export const SPAN_TYPES = [
  'LLM',
  'CHAIN',
  'AGENT',
  'TOOL',
  'CHAT_MODEL',
  'RETRIEVER',
  'PARSER',
  'EMBEDDING',
  'RERANKER',
  'MEMORY',
  'UNKNOWN',
  'WORKFLOW',
  'TASK',
  'GUARDRAIL',
  'EVALUATOR',
] as const
export type SpanType = (typeof SPAN_TYPES)[number] | (string & Record<never, never>)

export type LiveSpanStatus = 'UNSET' | 'OK' | 'ERROR'

export interface LiveSpanEvent {
  readonly name: string
  readonly timeUnixNano: bigint
  readonly attributes: Readonly<Record<string, JsonValue>>
}

/** MLflow's span attribute keys beyond those of `TRACE_KEYS`. */
export const SPAN_KEYS = {
  functionName: 'mlflow.spanFunctionName',
  logLevel: 'mlflow.spanLogLevel',
} as const

/** MLflow's SpanLogLevel: DEBUG 10, INFO 20, ERROR 40. */
const LOG_LEVEL = { debug: 10, info: 20, error: 40 } as const
/** Span types MLflow shows at INFO by default (`default_log_level_for_span_type`); others are DEBUG. */
const INFO_SPAN_TYPES: ReadonlySet<string> = new Set(['LLM', 'CHAT_MODEL', 'TOOL', 'RETRIEVER', 'AGENT', 'EMBEDDING'])

/** Random hex id of `bytes` bytes, never all zeros (an invalid id in OpenTelemetry). */
export function randomHexId(bytes: number): string {
  const buffer = new Uint8Array(bytes)
  do globalThis.crypto.getRandomValues(buffer)
  while (buffer.every((b) => b === 0))
  return Array.from(buffer, (b) => b.toString(16).padStart(2, '0')).join('')
}

const EPOCH_NS_AT_LOAD = BigInt(Date.now()) * 1_000_000n
const HRTIME_AT_LOAD = process.hrtime.bigint()

/** Now, in nanoseconds since the epoch: the wall clock at load plus the monotonic clock since. */
export function nowNs(): bigint {
  return EPOCH_NS_AT_LOAD + (process.hrtime.bigint() - HRTIME_AT_LOAD)
}

/** What the spans of one trace share; the tracer keeps one per trace. */
export interface TraceRecord {
  readonly otelTraceId: string
  /** The experiment chosen when the trace started, if it was known then. */
  experimentId: string | undefined
  /** The run that was active when the trace started (`mlflow.sourceRun`). */
  readonly sourceRunId: string | undefined
  readonly spans: LiveSpan[]
  root: LiveSpan | undefined
  /** True once the root span ended and the trace was handed to the exporter. */
  exported: boolean
}

/** The span's end: whatever the user's function produced and how it finished. */
export interface EndSpanOptions {
  /** Outputs to record (left as they are when omitted). */
  readonly outputs?: unknown
  /** Default: OK, unless the span recorded an error. */
  readonly status?: LiveSpanStatus
  readonly attributes?: Readonly<Record<string, unknown>>
}

export class LiveSpan {
  readonly spanId: string
  readonly parentSpanId: string | undefined
  readonly startTimeUnixNano: bigint
  private endNs: bigint | undefined
  private readonly attributeValues = new Map<string, JsonValue>()
  private readonly eventList: LiveSpanEvent[] = []
  private statusCode: LiveSpanStatus = 'UNSET'
  private statusText: string | undefined
  private outputsRecorded = false

  /** @internal Spans are made by a `Tracer` (`trace`, `traced`, `startSpan`). */
  constructor(
    readonly name: string,
    /** @internal */
    readonly record: TraceRecord,
    parent: LiveSpan | undefined,
    spanType: SpanType,
    private readonly onEnd: (span: LiveSpan) => void,
  ) {
    this.spanId = randomHexId(8)
    this.parentSpanId = parent?.spanId
    this.startTimeUnixNano = nowNs()
    this.attributeValues.set(TRACE_KEYS.traceRequestId, this.traceId)
    this.attributeValues.set(TRACE_KEYS.spanType, spanType)
    record.spans.push(this)
  }

  /** MLflow's trace id: `tr-` and the OpenTelemetry trace id. */
  get traceId(): string {
    return `${TRACE_ID_PREFIX}${this.record.otelTraceId}`
  }

  /** OpenTelemetry's trace id, 32 hex digits. */
  get otelTraceId(): string {
    return this.record.otelTraceId
  }

  get isRoot(): boolean {
    return this.parentSpanId === undefined
  }

  get ended(): boolean {
    return this.endNs !== undefined
  }

  get endTimeUnixNano(): bigint | undefined {
    return this.endNs
  }

  get status(): { readonly code: LiveSpanStatus; readonly message?: string } {
    return this.statusText === undefined
      ? { code: this.statusCode }
      : { code: this.statusCode, message: this.statusText }
  }

  get spanType(): string {
    return String(this.attributeValues.get(TRACE_KEYS.spanType))
  }

  /** The inputs as recorded (JSON), undefined when none were. */
  get inputs(): JsonValue | undefined {
    return this.attributeValues.get(TRACE_KEYS.spanInputs)
  }

  /** The outputs as recorded (JSON), undefined when none were. */
  get outputs(): JsonValue | undefined {
    return this.attributeValues.get(TRACE_KEYS.spanOutputs)
  }

  /** True once outputs were recorded (by `setOutputs` or `end({ outputs })`). */
  get hasOutputs(): boolean {
    return this.outputsRecorded
  }

  /** Every attribute as recorded (JSON values), MLflow's own included. */
  get attributes(): Readonly<Record<string, JsonValue>> {
    return Object.fromEntries(this.attributeValues)
  }

  get events(): readonly LiveSpanEvent[] {
    return this.eventList
  }

  setSpanType(spanType: SpanType): this {
    return this.setAttribute(TRACE_KEYS.spanType, spanType)
  }

  /** Records the inputs (`mlflow.spanInputs`), copied as JSON now. */
  setInputs(inputs: unknown): this {
    return this.setAttribute(TRACE_KEYS.spanInputs, inputs)
  }

  /** Records the outputs (`mlflow.spanOutputs`), copied as JSON now. */
  setOutputs(outputs: unknown): this {
    if (!this.ended) this.outputsRecorded = true
    return this.setAttribute(TRACE_KEYS.spanOutputs, outputs)
  }

  /**
   * Sets an attribute to any value JSON can hold (copied now; objects and arrays stay structured).
   * Ignored once the span has ended, and for a value JSON has no place for (undefined, a function).
   */
  setAttribute(key: string, value: unknown): this {
    if (this.ended) return this
    const json = toJsonValue(value)
    if (json !== undefined) this.attributeValues.set(key, json)
    return this
  }

  setAttributes(attributes: Readonly<Record<string, unknown>>): this {
    for (const [key, value] of Object.entries(attributes)) this.setAttribute(key, value)
    return this
  }

  addEvent(name: string, attributes: Readonly<Record<string, unknown>> = {}, timeUnixNano: bigint = nowNs()): this {
    if (this.ended) return this
    const values: Record<string, JsonValue> = {}
    for (const [key, value] of Object.entries(attributes)) {
      const json = toJsonValue(value)
      if (json !== undefined) values[key] = json
    }
    this.eventList.push({ name, timeUnixNano, attributes: values })
    return this
  }

  setStatus(code: LiveSpanStatus, message?: string): this {
    if (this.ended) return this
    this.statusCode = code
    this.statusText = message
    return this
  }

  /**
   * Records an error as MLflow does: an `exception` event (`exception.type`, `exception.message`,
   * `exception.stacktrace`) and the status ERROR with the message `Type: message`.
   */
  recordException(error: unknown): this {
    if (this.ended) return this
    const { type, message, stacktrace } = describeError(error)
    this.addEvent('exception', {
      'exception.message': message,
      'exception.type': type,
      'exception.stacktrace': stacktrace,
    })
    this.attributeValues.set(SPAN_KEYS.logLevel, LOG_LEVEL.error)
    return this.setStatus('ERROR', `${type}: ${message}`)
  }

  /**
   * Ends the span now: sets `outputs` and `attributes` if given, the status (OK unless it is
   * ERROR, as MLflow's `@trace` does), and MLflow's default log level. Later calls do nothing.
   */
  end(options: EndSpanOptions = {}): void {
    if (this.ended) return
    if (options.attributes) this.setAttributes(options.attributes)
    if ('outputs' in options) this.setOutputs(options.outputs)
    if (options.status !== undefined) this.setStatus(options.status)
    if (this.statusCode !== 'ERROR') this.statusCode = 'OK'
    if (!this.attributeValues.has(SPAN_KEYS.logLevel)) {
      this.attributeValues.set(
        SPAN_KEYS.logLevel,
        INFO_SPAN_TYPES.has(this.spanType) ? LOG_LEVEL.info : LOG_LEVEL.debug,
      )
    }
    this.endNs = nowNs()
    this.onEnd(this)
  }
}

/** An error's type, message and stack trace, as MLflow's `SpanEvent.from_exception` records them. */
export function describeError(error: unknown): { type: string; message: string; stacktrace: string } {
  if (error instanceof Error) {
    const type = error.name || error.constructor?.name || 'Error'
    return { type, message: error.message, stacktrace: error.stack ?? `${type}: ${error.message}` }
  }
  let message: string
  try {
    message = typeof error === 'string' ? error : (JSON.stringify(error) ?? String(error))
  } catch {
    message = String(error)
  }
  const type =
    error === null ? 'null' : typeof error === 'object' ? (error.constructor?.name ?? 'Object') : typeof error
  return { type, message, stacktrace: message }
}
