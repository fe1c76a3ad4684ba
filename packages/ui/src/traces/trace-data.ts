/**
 * Traces for the UI: what a trace's info (TraceInfo v3 in proto-JSON) says, read once, and the
 * loaders of the traces list and of one trace over the public API (`tracingApi`).
 */
import {
  type ParsedResponseOf,
  TRACE_KEYS,
  type TraceState,
  durationToMs,
  timestampToMs,
  tracingApi,
  trackingApi,
} from '@keel/contracts'
import { call } from '../api/client'
import { filterString } from '../registry/registry-data'
import { type TracesView, orderByTerm } from './view-state'

type TraceInfoOut = NonNullable<ParsedResponseOf<typeof tracingApi.searchTracesV3>['traces']>[number]
type AssessmentOut = NonNullable<TraceInfoOut['assessments']>[number]
export type TraceOut = ParsedResponseOf<typeof tracingApi.getTrace>['trace']

export interface AssessmentView {
  readonly id: string
  readonly name: string
  readonly kind: 'feedback' | 'expectation'
  /** The feedback's or expectation's value (plain JSON), undefined when it has none. */
  readonly value: unknown
  /** A feedback's error (a judge that failed), in words. */
  readonly error: string | undefined
  readonly rationale: string
  readonly sourceType: string
  readonly sourceId: string
  readonly createTimeMs: number | undefined
  readonly spanId: string | undefined
}

export interface TraceRow {
  readonly traceId: string
  readonly experimentId: string | undefined
  /** `mlflow.traceName`. */
  readonly name: string | undefined
  readonly requestPreview: string
  readonly responsePreview: string
  readonly state: TraceState
  readonly requestTimeMs: number | undefined
  readonly durationMs: number | undefined
  /** The run the trace was made in (metadata `mlflow.sourceRun`). */
  readonly runId: string | undefined
  readonly tags: Readonly<Record<string, string>>
  readonly metadata: Readonly<Record<string, string>>
  readonly assessments: readonly AssessmentView[]
}

function safely<T>(read: () => T): T | undefined {
  try {
    return read()
  } catch {
    return undefined
  }
}

export function assessmentFromWire(a: AssessmentOut): AssessmentView {
  const error = a.feedback?.error
  return {
    id: a.assessment_id ?? '',
    name: a.assessment_name,
    kind: a.expectation ? 'expectation' : 'feedback',
    value: a.expectation ? (a.expectation.value ?? a.expectation.serialized_value?.value) : a.feedback?.value,
    error: error ? [error.error_code, error.error_message].filter(Boolean).join(': ') || 'error' : undefined,
    rationale: a.rationale ?? '',
    sourceType: (a.source?.source_type ?? '').replace(/^SOURCE_TYPE_UNSPECIFIED$/, ''),
    sourceId: a.source?.source_id ?? '',
    createTimeMs: a.create_time ? safely(() => timestampToMs(a.create_time!)) : undefined,
    spanId: a.span_id || undefined,
  }
}

export function traceRowFromWire(t: TraceInfoOut): TraceRow {
  const tags = t.tags ?? {}
  const metadata = t.trace_metadata ?? {}
  return {
    traceId: t.trace_id,
    experimentId: t.trace_location?.mlflow_experiment?.experiment_id,
    name: tags[TRACE_KEYS.traceName] || undefined,
    requestPreview: t.request_preview ?? '',
    responsePreview: t.response_preview ?? '',
    state: t.state ?? 'STATE_UNSPECIFIED',
    requestTimeMs: t.request_time ? safely(() => timestampToMs(t.request_time!)) : undefined,
    durationMs: t.execution_duration ? safely(() => durationToMs(t.execution_duration!)) : undefined,
    runId: metadata[TRACE_KEYS.sourceRun] || undefined,
    tags,
    metadata,
    assessments: (t.assessments ?? []).map(assessmentFromWire),
  }
}

/** A trace id as the table shows it: `tr-` and the first 8 hex digits. */
export function shortTraceId(traceId: string): string {
  const m = /^(tr-)?([0-9a-f]{8})[0-9a-f]{8,}$/i.exec(traceId)
  return m ? `${m[1] ?? ''}${m[2]}…` : traceId
}

/** Tags a user set (MLflow's and keel's own bookkeeping left out). */
export function userTags(tags: Readonly<Record<string, string>>): [string, string][] {
  return Object.entries(tags).filter(([k]) => !k.startsWith('mlflow.') && !k.startsWith('keel.'))
}

export interface TracesPage {
  readonly rows: readonly TraceRow[]
  readonly nextPageToken: string | undefined
  /** The names of the runs the page's traces came from, by run id (those the API found). */
  readonly runNames: ReadonlyMap<string, string>
}

export async function searchTraces(experimentId: string, view: TracesView, signal: AbortSignal): Promise<TracesPage> {
  const token = view.pages.at(-1)
  const res = await call(
    tracingApi.searchTracesV3,
    {
      locations: [{ type: 'MLFLOW_EXPERIMENT', mlflow_experiment: { experiment_id: experimentId } }],
      ...(view.filter && { filter: view.filter }),
      max_results: view.size,
      order_by: [orderByTerm(view.order)],
      ...(token && { page_token: token }),
    },
    signal,
  )
  const rows = (res.traces ?? []).map(traceRowFromWire)
  return { rows, nextPageToken: res.next_page_token || undefined, runNames: await runNames(rows, signal) }
}

/** The runs' names, in one search; a run that cannot be read (deleted for good, no permission) goes without. */
async function runNames(rows: readonly TraceRow[], signal: AbortSignal): Promise<Map<string, string>> {
  const ids = [...new Set(rows.flatMap((r) => (r.runId ? [r.runId] : [])))]
  const names = new Map<string, string>()
  if (ids.length === 0) return names
  const experiments = [...new Set(rows.flatMap((r) => (r.experimentId ? [r.experimentId] : [])))]
  try {
    const res = await call(
      trackingApi.searchRuns,
      {
        experiment_ids: experiments,
        filter: `attributes.run_id IN (${ids.map(filterString).join(', ')})`,
        run_view_type: 'ALL',
        max_results: ids.length,
      },
      signal,
    )
    for (const run of res.runs ?? []) if (run.info.run_name) names.set(run.info.run_id, run.info.run_name)
  } catch (e) {
    if (signal.aborted) throw e
  }
  return names
}

export async function getTrace(traceId: string, signal: AbortSignal): Promise<TraceOut> {
  return (await call(tracingApi.getTrace, { trace_id: traceId }, signal)).trace
}
