/**
 * `TracingClient`: the trace half of MLflow's `MlflowClient`, one method per endpoint of
 * `tracingApi`, plus the OTLP endpoint spans go to. camelCase entities in and out.
 */
import {
  type Assessment,
  KeelError,
  type Page,
  type Trace,
  type TraceInfo,
  type TraceInfoWire,
  msToTimestamp,
  tracingApi as api,
} from '@keel/contracts'
import { HttpClient, type HttpOptions } from '../http.js'
import { assessmentEntityFromWire, traceFromWire, traceInfoFromWire } from './convert.js'
import { type OtlpSpan, otlpTraceRequest } from './otlp.js'
import { SDK_VERSION } from '../version.js'

/** Where MLflow's server takes OTLP spans, and the header naming their experiment. */
export const OTLP_TRACES_PATH = '/v1/traces'
export const EXPERIMENT_ID_HEADER = 'x-mlflow-experiment-id'

export interface SearchTracesOptions {
  readonly experimentIds: readonly string[]
  /** MLflow's trace filter, e.g. `trace.status = 'OK'` or ``tags.`team` = 'ml'``. */
  readonly filter?: string
  readonly maxResults?: number
  /** e.g. `['timestamp_ms DESC']` (MLflow's default order). */
  readonly orderBy?: readonly string[]
  readonly pageToken?: string
}

/** Who or what judged (MLflow's AssessmentSource); the type defaults to CODE, as in MLflow. */
export interface FeedbackSource {
  readonly sourceType?: 'HUMAN' | 'LLM_JUDGE' | 'CODE' | (string & Record<never, never>)
  readonly sourceId?: string
}

export interface LogFeedbackOptions {
  readonly rationale?: string
  readonly source?: FeedbackSource
  /** The span the feedback is about (default: the whole trace). */
  readonly spanId?: string
  readonly metadata?: Readonly<Record<string, string>>
}

export class TracingClient {
  readonly http: HttpClient

  /** Takes HTTP options (tracking URI, auth, retries, timeouts) or an existing `HttpClient`. */
  constructor(options: HttpOptions | HttpClient = {}) {
    this.http = options instanceof HttpClient ? options : new HttpClient(options)
  }

  /**
   * Sends spans as OTLP/JSON to `<tracking uri>/v1/traces`, in the experiment `experimentId`.
   * Throws when the server refuses them, in whole or in part (`partialSuccess.rejectedSpans`).
   */
  async logSpans(experimentId: string, spans: readonly OtlpSpan[]): Promise<void> {
    if (spans.length === 0) return
    const body = JSON.stringify(otlpTraceRequest(spans, SDK_VERSION))
    const response = await this.http.send(`${this.http.baseUrl}${OTLP_TRACES_PATH}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', [EXPERIMENT_ID_HEADER]: experimentId },
      body: () => body,
    })
    const text = await response.text()
    let rejected: { rejectedSpans?: unknown; errorMessage?: unknown } | undefined
    try {
      rejected = (JSON.parse(text) as { partialSuccess?: typeof rejected }).partialSuccess
    } catch {
      rejected = undefined // an empty or non-JSON 2xx body: accepted
    }
    const count = Number(rejected?.rejectedSpans ?? 0)
    if (count > 0) {
      throw new KeelError(
        'INVALID_PARAMETER_VALUE',
        `POST ${OTLP_TRACES_PATH} rejected ${count} of ${spans.length} spans: ${String(rejected?.errorMessage ?? '')}`,
      )
    }
  }

  /** Records a trace's info (StartTraceV3); returns it as the server stored it. */
  async startTrace(info: TraceInfoWire): Promise<TraceInfo> {
    const res = await this.http.call(api.startTraceV3, { trace: { trace_info: info } })
    return traceInfoFromWire(res.trace.trace_info)
  }

  /** A trace with its spans. */
  async getTrace(traceId: string): Promise<Trace> {
    return traceFromWire((await this.http.call(api.getTrace, { trace_id: traceId })).trace)
  }

  /** A trace's info, without its spans. */
  async getTraceInfo(traceId: string): Promise<TraceInfo> {
    return traceInfoFromWire((await this.http.call(api.getTraceInfoV3, { trace_id: traceId })).trace.trace_info)
  }

  /** One page of the traces of some experiments (their info, without spans). */
  async searchTraces(options: SearchTracesOptions): Promise<Page<TraceInfo>> {
    const res = await this.http.call(api.searchTracesV3, {
      locations: options.experimentIds.map((experimentId) => ({
        type: 'MLFLOW_EXPERIMENT',
        mlflow_experiment: { experiment_id: experimentId },
      })),
      filter: options.filter,
      max_results: options.maxResults,
      order_by: options.orderBy && [...options.orderBy],
      page_token: options.pageToken,
    })
    const items = (res.traces ?? []).map(traceInfoFromWire)
    return res.next_page_token ? { items, nextPageToken: res.next_page_token } : { items }
  }

  async setTraceTag(traceId: string, key: string, value: string): Promise<void> {
    await this.http.call(api.setTraceTagV3, { trace_id: traceId, key, value })
  }

  async deleteTraceTag(traceId: string, key: string): Promise<void> {
    await this.http.call(api.deleteTraceTagV3, { trace_id: traceId, key })
  }

  /**
   * Logs feedback on a trace (or one of its spans), like `mlflow.log_feedback`: a value (a number,
   * a boolean, a string, or any JSON value), with an optional rationale and source.
   */
  async logFeedback(
    traceId: string,
    name: string,
    value: unknown,
    options: LogFeedbackOptions = {},
  ): Promise<Assessment> {
    const now = msToTimestamp(Date.now())
    const res = await this.http.call(api.createAssessment, {
      trace_id: traceId,
      assessment: {
        assessment_name: name,
        trace_id: traceId,
        ...(options.spanId !== undefined && { span_id: options.spanId }),
        source: {
          source_type: options.source?.sourceType ?? 'CODE',
          ...(options.source?.sourceId !== undefined && { source_id: options.source.sourceId }),
        },
        create_time: now,
        last_update_time: now,
        feedback: { value },
        ...(options.rationale !== undefined && { rationale: options.rationale }),
        ...(options.metadata !== undefined && { metadata: { ...options.metadata } }),
      },
    })
    return assessmentEntityFromWire(res.assessment, traceId)
  }
}
