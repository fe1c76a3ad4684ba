/**
 * Where traces live: their info, tags, metadata, spans, assessments and run links. One SQL
 * implementation (sql/tracing/sql-trace-store.ts) on every engine; test/conformance/
 * trace-store-conformance.ts is the contract.
 */
import type { Assessment, TraceInfo, TraceSpan, TraceState } from '@keel/contracts'
import type { FilterExpr } from '../search/index.js'

/** What the spans of one trace say about it, for a trace that has no info yet (or no final one). */
export interface SpanSummary {
  readonly traceId: string
  readonly experimentId: string
  /** The earliest span start, in ms. */
  readonly requestTimeMs: number
  /** The root span's duration, in ms, once it ended. */
  readonly executionDurationMs?: number
  /** From the root span's status; IN_PROGRESS while the root span has not arrived. */
  readonly state: TraceState
  /** Tags the root span carries (`mlflow.traceName`, …). */
  readonly tags: Readonly<Record<string, string>>
  readonly metadata: Readonly<Record<string, string>>
  readonly requestPreview?: string
  readonly responsePreview?: string
}

export interface TraceOrder {
  readonly key:
    | 'timestamp_ms'
    | 'execution_time_ms'
    | 'end_time_ms'
    | 'status'
    | 'request_id'
    | 'name'
    | 'run_id'
    | 'experiment_id'
  readonly ascending: boolean
}

export interface TraceSearchQuery {
  readonly experimentIds: readonly string[]
  readonly filter?: FilterExpr
  readonly orderBy: readonly TraceOrder[]
  readonly offset: number
  readonly limit: number
}

export interface TraceDeletion {
  readonly experimentId: string
  readonly traceIds?: readonly string[]
  /** Traces that started at or before this time (with maxTraces: the oldest of them first). */
  readonly maxTimestampMs?: number
  readonly maxTraces?: number
}

/** A change of a trace's info; absent fields stay; tags and metadata are added (or replaced) by key. */
export interface TraceInfoPatch {
  readonly requestTimeMs?: number
  readonly executionDurationMs?: number
  readonly state?: TraceState
  readonly clientRequestId?: string
  readonly requestPreview?: string
  readonly responsePreview?: string
  readonly tags?: Readonly<Record<string, string>>
  readonly metadata?: Readonly<Record<string, string>>
}

export interface TraceStore {
  /**
   * Records a trace's info: a new trace, or, for one its spans created first, the info replaces
   * what the spans said and tags and metadata are merged by key (what the info names wins).
   * Assessments are added. Returns the info as stored.
   */
  putTraceInfo(info: TraceInfo): Promise<TraceInfo>
  /** Changes the info of a trace that exists; false if it does not. */
  patchTraceInfo(traceId: string, patch: TraceInfoPatch): Promise<boolean>
  getTraceInfo(traceId: string): Promise<TraceInfo | undefined>
  /** Infos of those of `traceIds` that exist, in the order asked. */
  getTraceInfos(traceIds: readonly string[]): Promise<TraceInfo[]>
  /**
   * Stores spans (a span sent again replaces the stored one). A trace without info gets one made
   * from its summary; a trace whose info is not final (no `mlflow.trace.infoFinalized` metadata)
   * has its time, duration and state taken from the summary. Each trace gets the tag saying its
   * spans are in this store. Traces of another experiment than the summary's are left alone and
   * returned.
   */
  logSpans(batches: readonly { summary: SpanSummary; spans: readonly TraceSpan[] }[]): Promise<{ refused: string[] }>
  /** The spans of each trace, ordered by start time. */
  getSpans(traceIds: readonly string[]): Promise<Map<string, TraceSpan[]>>
  /** false if the trace does not exist. */
  setTag(traceId: string, key: string, value: string): Promise<boolean>
  /** false if the trace or the tag does not exist. */
  deleteTag(traceId: string, key: string): Promise<boolean>
  search(query: TraceSearchQuery): Promise<{ items: TraceInfo[]; hasMore: boolean }>
  /** Deletes traces with all their rows; returns how many. */
  deleteTraces(deletion: TraceDeletion): Promise<number>
  /** Links traces that exist to a run; returns the ids that do not exist. */
  linkToRun(traceIds: readonly string[], runId: string): Promise<string[]>
  addAssessment(assessment: Assessment): Promise<void>
  getAssessment(traceId: string, assessmentId: string): Promise<Assessment | undefined>
  /** Replaces a stored assessment; false if it does not exist. */
  replaceAssessment(assessment: Assessment): Promise<boolean>
  deleteAssessment(traceId: string, assessmentId: string): Promise<boolean>
}
