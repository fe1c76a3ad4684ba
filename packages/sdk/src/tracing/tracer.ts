/**
 * `Tracer`: MLflow's `@mlflow.trace` for TypeScript. `trace(name, fn)` runs `fn` inside a span,
 * `traced(fn)` wraps a function so that every call is one, and `startSpan` opens a span for code
 * that is not one function. Spans started while another runs (the same async context, through
 * `AsyncLocalStorage`) become its children. When a trace's root span ends, the trace is sent in
 * the background: its spans as OTLP/JSON to `/v1/traces`, then its info (StartTraceV3). Sending
 * never makes the traced code fail: errors go to `onTraceExportError`. `flush()` waits for it.
 */
import { AsyncLocalStorage } from 'node:async_hooks'
import {
  type Assessment,
  type Page,
  TRACE_KEYS,
  type Trace,
  type TraceInfo,
  type TraceInfoWire,
  msToDuration,
  msToTimestamp,
} from '@keel/contracts'
import { spanToOtlp } from './otlp.js'
import { namedArguments, parameterNames, preview } from './preview.js'
import { LiveSpan, SPAN_KEYS, type SpanType, type TraceRecord, randomHexId } from './span.js'
import { type LogFeedbackOptions, type SearchTracesOptions, TracingClient } from './tracing-client.js'
import { jsonText, truncate } from './values.js'

/** MLflow's limit of a trace metadata value (`MAX_CHARS_IN_TRACE_INFO_METADATA`). */
export const METADATA_MAX_LENGTH = 250

export interface TraceOptions {
  /** MLflow's span type (default UNKNOWN, as `@mlflow.trace`). */
  readonly spanType?: SpanType
  /** Attributes of the span, any JSON value each. */
  readonly attributes?: Readonly<Record<string, unknown>>
  /** The span's inputs (`mlflow.spanInputs`). */
  readonly inputs?: unknown
  /**
   * The experiment of a new trace (ignored for a child span). Default: the experiment of the
   * active run, else of `setExperiment`, else `MLFLOW_EXPERIMENT_NAME`/`MLFLOW_EXPERIMENT_ID`, else "0".
   */
  readonly experimentId?: string
  /** The parent span. Default: the current span (of the enclosing `trace`); `null` starts a new trace. */
  readonly parent?: LiveSpan | null
}

export interface TracedOptions<A extends readonly unknown[]> extends Omit<TraceOptions, 'inputs'> {
  /** The span's name (default: the function's name). */
  readonly name?: string
  /**
   * The inputs of a call. Default: the arguments keyed by the function's parameter names, as
   * MLflow records them (`arg0`, `arg1`, … when the names cannot be read from its source).
   */
  readonly inputs?: (...args: A) => unknown
}

export type SearchTracesQuery = Partial<SearchTracesOptions>

export interface TracerOptions {
  /**
   * Called when a finished trace could not be sent (or only in part). Default: a process warning.
   * The traced code never sees these errors.
   */
  readonly onTraceExportError?: (error: unknown, traceId: string) => void
}

/** What a tracer asks of its owner (a `Keel`): the connection, and the context a trace starts in. */
export interface TracerContext {
  readonly client: () => TracingClient
  /** The run active when a trace starts: its experiment is the trace's, its id `mlflow.sourceRun`. */
  readonly activeRun?: () => { readonly runId: string; readonly experimentId: string } | undefined
  /** The experiment chosen so far (`setExperiment`), known without a request. */
  readonly experimentId?: () => string | undefined
  /** The default experiment when none of the above is known (from the environment; may ask the server). */
  readonly defaultExperimentId?: () => Promise<string | undefined>
  /** Metadata every trace gets (`mlflow.user`, `mlflow.source.*`). */
  readonly traceMetadata?: () => Promise<Readonly<Record<string, string>>>
}

const isPromiseLike = (value: unknown): value is PromiseLike<unknown> =>
  (typeof value === 'object' || typeof value === 'function') &&
  value !== null &&
  typeof (value as { then?: unknown }).then === 'function'

export class Tracer {
  private readonly context: TracerContext
  private readonly current = new AsyncLocalStorage<LiveSpan>()
  private readonly pending = new Set<Promise<void>>()
  private readonly experiments = new WeakMap<TraceRecord, Promise<string>>()

  /** Takes a `TracingClient` (traces then go to experiment "0" unless told otherwise), or a context. */
  constructor(
    context: TracerContext | TracingClient,
    private readonly options: TracerOptions = {},
  ) {
    this.context = context instanceof TracingClient ? { client: () => context } : context
  }

  /** The REST client of traces (get, search, tags, feedback). */
  get client(): TracingClient {
    return this.context.client()
  }

  /** The span of the enclosing `trace`/`traced`/`withActiveSpan`, if any (MLflow's `get_current_active_span`). */
  activeSpan(): LiveSpan | undefined {
    const span = this.current.getStore()
    return span?.ended ? undefined : span
  }

  /**
   * Runs `fn` inside a new span and returns what it returns (a promise for an async `fn`, settled
   * after the span ended). The span's outputs are the (awaited) result unless `fn` set them; when
   * `fn` throws or rejects, the span records the error (status ERROR, an `exception` event) and
   * the error is rethrown as it was.
   */
  trace<T>(name: string, fn: (span: LiveSpan) => T, options: TraceOptions = {}): T {
    const span = this.startSpan(name, options)
    return this.runIn(span, () => fn(span))
  }

  /**
   * Wraps `fn` so that each call runs inside a span named after it (like `@mlflow.trace`), its
   * arguments recorded as the inputs and its result as the outputs. `this` is passed through.
   */
  traced<A extends unknown[], R>(fn: (...args: A) => R, options: TracedOptions<A> = {}): (...args: A) => R {
    const tracer = this
    const name = options.name ?? (fn.name || 'anonymous')
    const names = options.inputs ? undefined : parameterNames(fn)
    const { inputs, name: _name, ...spanOptions } = options
    const wrapper = function (this: unknown, ...args: A): R {
      const span = tracer.startSpan(name, spanOptions)
      span.setAttribute(SPAN_KEYS.functionName, fn.name || name)
      try {
        span.setInputs(inputs ? inputs(...args) : namedArguments(names, args))
      } catch (error) {
        span.setAttribute('keel.inputsError', String(error))
      }
      return tracer.runIn(span, () => fn.apply(this, args))
    }
    Object.defineProperty(wrapper, 'name', { value: fn.name || name })
    return wrapper
  }

  /**
   * Starts a span that the caller ends (`span.end({ outputs })`), for code that is not one
   * function. Its parent is the current span unless `parent` says otherwise; the span does not
   * become the current span itself: run code under it with `withActiveSpan(span, fn)`.
   */
  startSpan(name: string, options: TraceOptions = {}): LiveSpan {
    const parent = options.parent === undefined ? this.activeSpan() : (options.parent ?? undefined)
    const record = parent?.record ?? this.newTrace(options.experimentId)
    const span = new LiveSpan(name, record, parent, options.spanType ?? 'UNKNOWN', (s) => this.spanEnded(s))
    if (parent === undefined) record.root = span
    if (options.attributes) span.setAttributes(options.attributes)
    if (options.inputs !== undefined) span.setInputs(options.inputs)
    return span
  }

  /** Runs `fn` with `span` as the current span, so that spans started inside become its children. */
  withActiveSpan<T>(span: LiveSpan, fn: () => T): T {
    return this.current.run(span, fn)
  }

  /** Waits until every finished trace has been sent (or failed to be, see `onTraceExportError`). */
  async flush(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending])
  }

  // ---- reading traces back (see TracingClient) ----

  getTrace(traceId: string): Promise<Trace> {
    return this.client.getTrace(traceId)
  }

  /** One page of traces; `experimentIds` defaults to the experiment new traces go to. */
  async searchTraces(query: SearchTracesQuery = {}): Promise<Page<TraceInfo>> {
    const experimentIds = query.experimentIds ?? [
      this.newTraceExperiment(
        undefined,
        this.safely(() => this.context.activeRun?.()),
      ) ??
        (await this.context.defaultExperimentId?.()) ??
        '0',
    ]
    return this.client.searchTraces({ ...query, experimentIds })
  }

  setTraceTag(traceId: string, key: string, value: string): Promise<void> {
    return this.client.setTraceTag(traceId, key, value)
  }

  deleteTraceTag(traceId: string, key: string): Promise<void> {
    return this.client.deleteTraceTag(traceId, key)
  }

  logFeedback(traceId: string, name: string, value: unknown, options?: LogFeedbackOptions): Promise<Assessment> {
    return this.client.logFeedback(traceId, name, value, options)
  }

  // ---- internals ----

  /** The experiment a trace starting now goes to, when known without a request (MLflow's order). */
  private newTraceExperiment(
    explicit: string | undefined,
    run: { readonly experimentId: string } | undefined,
  ): string | undefined {
    return explicit ?? run?.experimentId ?? this.safely(() => this.context.experimentId?.())
  }

  private newTrace(experimentId: string | undefined): TraceRecord {
    const run = this.safely(() => this.context.activeRun?.())
    return {
      otelTraceId: randomHexId(16),
      experimentId: this.newTraceExperiment(experimentId, run),
      sourceRunId: run?.runId,
      spans: [],
      root: undefined,
      exported: false,
    }
  }

  /** Tracing must not break the traced code: a context hook that throws counts as "unknown". */
  private safely<T>(get: () => T): T | undefined {
    try {
      return get()
    } catch {
      return undefined
    }
  }

  private runIn<T>(span: LiveSpan, call: () => T): T {
    let result: T
    try {
      result = this.current.run(span, call)
    } catch (error) {
      span.recordException(error)
      span.end()
      throw error
    }
    if (!isPromiseLike(result)) {
      this.finish(span, result)
      return result
    }
    return Promise.resolve(result).then(
      (value) => {
        this.finish(span, value)
        return value
      },
      (error: unknown) => {
        span.recordException(error)
        span.end()
        throw error
      },
    ) as T
  }

  private finish(span: LiveSpan, result: unknown): void {
    if (result !== undefined && !span.hasOutputs) span.setOutputs(result)
    span.end()
  }

  /** The root's end sends the trace; a span that ends after its root is sent on its own. */
  private spanEnded(span: LiveSpan): void {
    const record = span.record
    if (span === record.root) {
      record.exported = true
      this.track(span.traceId, () => this.exportTrace(record, span))
    } else if (record.exported) {
      this.track(span.traceId, () => this.exportSpans(record, [span]))
    }
  }

  private track(traceId: string, send: () => Promise<void>): void {
    const job: Promise<void> = Promise.resolve()
      .then(send)
      .catch((error: unknown) => this.report(error, traceId))
      .finally(() => this.pending.delete(job))
    this.pending.add(job)
  }

  private report(error: unknown, traceId: string): void {
    try {
      if (this.options.onTraceExportError) this.options.onTraceExportError(error, traceId)
      else process.emitWarning(`keel: trace ${traceId} could not be sent: ${String(error)}`)
    } catch {
      // the reporter itself failed: nothing else to tell
    }
  }

  /** The trace's experiment: as chosen when it started, else the default (resolved once per trace). */
  private resolveExperiment(record: TraceRecord): Promise<string> {
    if (record.experimentId !== undefined) return Promise.resolve(record.experimentId)
    let resolved = this.experiments.get(record)
    if (resolved === undefined) {
      resolved = Promise.resolve()
        .then(() => this.context.defaultExperimentId?.())
        .then((id) => id ?? '0')
      this.experiments.set(record, resolved)
    }
    return resolved
  }

  private async exportSpans(record: TraceRecord, spans: readonly LiveSpan[]): Promise<void> {
    const experimentId = await this.resolveExperiment(record)
    await this.context.client().logSpans(experimentId, spans.map(spanToOtlp))
  }

  /** The spans that have ended (others follow when they end), then the trace's info. */
  private async exportTrace(record: TraceRecord, root: LiveSpan): Promise<void> {
    const experimentId = await this.resolveExperiment(record)
    const errors: unknown[] = []
    await this.exportSpans(
      record,
      record.spans.filter((s) => s.ended),
    ).catch((error: unknown) => errors.push(error))
    await this.context
      .client()
      .startTrace(await this.traceInfo(record, root, experimentId))
      .catch((error: unknown) => errors.push(error))
    if (errors.length === 1) throw errors[0]
    if (errors.length > 1) throw new AggregateError(errors, `${errors.length} requests failed`)
  }

  private async traceInfo(record: TraceRecord, root: LiveSpan, experimentId: string): Promise<TraceInfoWire> {
    const base = await Promise.resolve()
      .then(() => this.context.traceMetadata?.())
      .catch(() => undefined)
    const { inputs, outputs } = root
    const startMs = Number(root.startTimeUnixNano / 1_000_000n)
    const endNs = root.endTimeUnixNano ?? root.startTimeUnixNano
    return {
      trace_id: root.traceId,
      trace_location: { type: 'MLFLOW_EXPERIMENT', mlflow_experiment: { experiment_id: experimentId } },
      request_time: msToTimestamp(startMs),
      execution_duration: msToDuration(Number((endNs - root.startTimeUnixNano) / 1_000_000n)),
      state: root.status.code === 'ERROR' ? 'ERROR' : 'OK',
      trace_metadata: {
        ...base,
        'mlflow.trace_schema.version': '3',
        [TRACE_KEYS.traceInputs]: truncate(jsonText(inputs), METADATA_MAX_LENGTH),
        [TRACE_KEYS.traceOutputs]: truncate(jsonText(outputs), METADATA_MAX_LENGTH),
        ...(record.sourceRunId !== undefined && { [TRACE_KEYS.sourceRun]: record.sourceRunId }),
      },
      tags: { [TRACE_KEYS.traceName]: root.name },
      ...(inputs !== undefined && { request_preview: preview(inputs, 'user') }),
      ...(outputs !== undefined && { response_preview: preview(outputs, 'assistant') }),
    }
  }
}
