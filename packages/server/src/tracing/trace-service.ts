/**
 * Traces: recorded by MLflow's client as OTLP spans (`POST /v1/traces`) and a trace info
 * (StartTraceV3), or by older clients through the v2 start/end calls; read back with their spans,
 * searched with MLflow's trace filter language, tagged, judged (assessments) and linked to runs.
 * Every trace belongs to an experiment, which must exist and be active to take new traces.
 */
import { randomUUID } from 'node:crypto'
import {
  type Assessment,
  type AssessmentInput,
  type Experiment,
  KeelError,
  type OtelAttribute,
  type OtelValue,
  type Page,
  type Trace,
  type TraceInfo,
  type TraceSpan,
  type TraceState,
  TRACE_ID_PREFIX,
  TRACE_KEYS,
} from '@keel/contracts'
import { decodePageToken, toPage } from '../paging/page-token.js'
import { validateMaxResults } from '../paging/max-results.js'
import { TRACE_SEARCH, parseFilter, parseOrderBy, type Readable, readableIds } from '../search/index.js'
import type { OtlpSpan } from './otlp.js'
import type { SpanSummary, TraceOrder, TraceStore } from './trace-store.js'

export interface TraceServiceDeps {
  readonly store: TraceStore
  /** The experiment of this id; throws RESOURCE_DOES_NOT_EXIST. */
  experiment(experimentId: string): Promise<Experiment>
  /** Throws RESOURCE_DOES_NOT_EXIST unless the run exists. */
  requireRun(runId: string): Promise<void>
}

export interface TraceSearch {
  readonly experimentIds: readonly string[]
  readonly filter?: string
  readonly maxResults?: number
  readonly orderBy?: readonly string[]
  readonly pageToken?: string
  readonly readable?: Readable
}

/** MLflow's default page of traces, and the most one page holds. */
export const TRACES_DEFAULT_MAX_RESULTS = 100
export const TRACES_MAX_RESULTS = 500
/** The longest request and response previews kept, as MLflow truncates them. */
const PREVIEW_LENGTH = 1000
/** How many traces link-to-run and batch reads take at once (MLflow's limits). */
export const TRACES_PER_BATCH = 100

/** 1 to 64 characters, no '/', blanks or NUL (a trace id is a path segment of MLflow's routes). */
const TRACE_ID_PATTERN = new RegExp(`^[^\\s/${String.fromCharCode(0)}]{1,64}$`)

const notFound = (traceId: string) => KeelError.notFound(`Trace with ID '${traceId}' not found.`)

export class TraceService {
  constructor(private readonly deps: TraceServiceDeps) {}

  private get store(): TraceStore {
    return this.deps.store
  }

  private async activeExperiment(experimentId: string): Promise<Experiment> {
    const experiment = await this.deps.experiment(experimentId)
    if (experiment.lifecycleStage !== 'active') {
      throw KeelError.invalid(
        `The experiment ${experimentId} must be in the 'active' state. Current state is ${experiment.lifecycleStage}.`,
      )
    }
    return experiment
  }

  private artifactTag(experiment: Experiment, traceId: string): Record<string, string> {
    return {
      [TRACE_KEYS.artifactLocation]: `${experiment.artifactLocation.replace(/\/+$/, '')}/traces/${traceId}/artifacts`,
    }
  }

  /** StartTraceV3: the client's finished trace info (its spans come by OTLP, before or after). */
  async startTrace(info: TraceInfo): Promise<TraceInfo> {
    checkTraceId(info.traceId)
    const experiment = await this.activeExperiment(info.experimentId)
    const existing = await this.store.getTraceInfo(info.traceId)
    if (existing && existing.experimentId !== experiment.experimentId) {
      throw KeelError.invalid(
        `Trace '${info.traceId}' belongs to experiment ${existing.experimentId}, not ${info.experimentId}`,
      )
    }
    const now = Date.now()
    return this.store.putTraceInfo({
      ...info,
      experimentId: experiment.experimentId,
      ...(info.requestPreview !== undefined && { requestPreview: clip(info.requestPreview) }),
      ...(info.responsePreview !== undefined && { responsePreview: clip(info.responsePreview) }),
      tags: { ...info.tags, ...this.artifactTag(experiment, info.traceId) },
      metadata: { ...info.metadata, [TRACE_KEYS.infoFinalized]: 'true' },
      assessments: info.assessments.map((a) => ({
        ...a,
        traceId: info.traceId,
        assessmentId: a.assessmentId || newAssessmentId(),
        createTimeMs: a.createTimeMs || now,
        lastUpdateTimeMs: a.lastUpdateTimeMs || now,
      })),
    })
  }

  /** MLflow 2's StartTrace: a new trace, in progress. */
  async startTraceV2(input: {
    experimentId: string
    timestampMs?: number
    metadata: Readonly<Record<string, string>>
    tags: Readonly<Record<string, string>>
  }): Promise<TraceInfo> {
    const experiment = await this.activeExperiment(input.experimentId)
    const traceId = `${TRACE_ID_PREFIX}${randomUUID().replaceAll('-', '')}`
    return this.store.putTraceInfo({
      traceId,
      experimentId: experiment.experimentId,
      requestTimeMs: input.timestampMs ?? Date.now(),
      state: 'IN_PROGRESS',
      metadata: { ...input.metadata },
      tags: { ...input.tags, ...this.artifactTag(experiment, traceId) },
      assessments: [],
    })
  }

  /** MLflow 2's EndTrace: the end time, status, and more metadata and tags. */
  async endTraceV2(
    traceId: string,
    input: {
      timestampMs?: number
      state: TraceState
      metadata: Readonly<Record<string, string>>
      tags: Readonly<Record<string, string>>
    },
  ): Promise<TraceInfo> {
    const info = await this.getInfo(traceId)
    const end = input.timestampMs ?? Date.now()
    await this.store.patchTraceInfo(traceId, {
      executionDurationMs: Math.max(0, end - info.requestTimeMs),
      state: input.state,
      metadata: input.metadata,
      tags: input.tags,
    })
    return this.getInfo(traceId)
  }

  async getInfo(traceId: string): Promise<TraceInfo> {
    const info = await this.store.getTraceInfo(traceId)
    if (!info) throw notFound(traceId)
    return info
  }

  async get(traceId: string): Promise<Trace> {
    const info = await this.getInfo(traceId)
    const spans = await this.store.getSpans([traceId])
    return { info, spans: spans.get(traceId) ?? [] }
  }

  /** The traces of those ids that exist (and that the caller may read), with their spans. */
  async batchGet(traceIds: readonly string[], readable?: Readable): Promise<Trace[]> {
    const infos = await this.batchGetInfos(traceIds, readable)
    const spans = await this.store.getSpans(infos.map((i) => i.traceId))
    return infos.map((info) => ({ info, spans: spans.get(info.traceId) ?? [] }))
  }

  async batchGetInfos(traceIds: readonly string[], readable?: Readable): Promise<TraceInfo[]> {
    if (traceIds.length > TRACES_PER_BATCH) {
      throw KeelError.invalid(`At most ${TRACES_PER_BATCH} trace ids may be requested at once, got ${traceIds.length}`)
    }
    const infos = await this.store.getTraceInfos(traceIds)
    return readable ? infos.filter((i) => readableIds([i.experimentId], readable).length > 0) : infos
  }

  async search(query: TraceSearch): Promise<Page<TraceInfo>> {
    if (query.experimentIds.length === 0) {
      throw KeelError.invalid('At least one experiment id (a location) must be given to search traces')
    }
    const limit = validateMaxResults(query.maxResults || undefined, TRACES_DEFAULT_MAX_RESULTS, TRACES_MAX_RESULTS)
    const offset = decodePageToken(query.pageToken)
    const filter = parseFilter(query.filter, TRACE_SEARCH)
    const orderBy: TraceOrder[] = parseOrderBy(query.orderBy, TRACE_SEARCH).map((c) => ({
      key: c.key as TraceOrder['key'],
      ascending: c.ascending,
    }))
    const experimentIds = readableIds(query.experimentIds, query.readable)
    if (experimentIds.length === 0) return { items: [] }
    const result = await this.store.search({ experimentIds, ...(filter && { filter }), orderBy, offset, limit })
    return toPage(result.items, offset, result.hasMore)
  }

  async deleteTraces(input: {
    experimentId: string
    traceIds?: readonly string[]
    maxTimestampMs?: number
    maxTraces?: number
  }): Promise<number> {
    // MLflow takes one of the two; keel takes both too (the traces among the ids that are old enough).
    if (input.traceIds === undefined && input.maxTimestampMs === undefined) {
      throw KeelError.invalid(
        'One of `max_timestamp_millis` and `request_ids` must be specified: delete traces by id, or those before a time.',
      )
    }
    await this.deps.experiment(input.experimentId)
    return this.store.deleteTraces({
      experimentId: input.experimentId,
      ...(input.traceIds !== undefined && { traceIds: input.traceIds }),
      ...(input.maxTimestampMs !== undefined && { maxTimestampMs: input.maxTimestampMs }),
      ...(input.maxTraces && { maxTraces: input.maxTraces }),
    })
  }

  async setTag(traceId: string, key: string, value: string): Promise<void> {
    if (!(await this.store.setTag(traceId, key, value))) throw notFound(traceId)
  }

  async deleteTag(traceId: string, key: string): Promise<void> {
    if (await this.store.deleteTag(traceId, key)) return
    await this.getInfo(traceId)
    throw KeelError.notFound(`No trace tag with key '${key}' for trace with ID '${traceId}'`)
  }

  async linkToRun(traceIds: readonly string[], runId: string): Promise<void> {
    if (traceIds.length > TRACES_PER_BATCH) {
      throw KeelError.invalid(
        `Cannot link more than ${TRACES_PER_BATCH} traces to a run in a single request. Got ${traceIds.length} traces.`,
      )
    }
    await this.deps.requireRun(runId)
    const missing = await this.store.linkToRun(traceIds, runId)
    if (missing.length > 0) throw notFound(missing[0]!)
  }

  // ---- assessments ----

  async createAssessment(traceId: string, input: AssessmentInput): Promise<Assessment> {
    await this.getInfo(traceId)
    checkAssessment(input)
    const now = Date.now()
    const assessment: Assessment = {
      ...input,
      assessmentId: newAssessmentId(),
      traceId,
      createTimeMs: input.createTimeMs ?? now,
      lastUpdateTimeMs: input.lastUpdateTimeMs ?? now,
      valid: input.valid ?? true,
    }
    if (assessment.overrides) {
      const old = await this.getAssessment(traceId, assessment.overrides)
      await this.store.replaceAssessment({ ...old, valid: false })
    }
    await this.store.addAssessment(assessment)
    return assessment
  }

  async getAssessment(traceId: string, assessmentId: string): Promise<Assessment> {
    const found = await this.store.getAssessment(traceId, assessmentId)
    if (!found) throw KeelError.notFound(`Assessment with ID '${assessmentId}' not found for trace '${traceId}'`)
    return found
  }

  /** Changes the fields `paths` names (MLflow's update_mask). */
  async updateAssessment(
    traceId: string,
    assessmentId: string,
    change: Partial<AssessmentInput>,
    paths: readonly string[],
  ): Promise<Assessment> {
    const current = await this.getAssessment(traceId, assessmentId)
    let next: Assessment = { ...current, lastUpdateTimeMs: Date.now() }
    for (const path of paths) {
      switch (path) {
        case 'assessment_name':
          if (!change.name) throw KeelError.invalid('assessment_name must not be empty')
          next = { ...next, name: change.name }
          break
        // An assessment is one or the other: naming the other kind turns it into that kind.
        case 'feedback':
          next = { ...withoutKey(next, 'expectation'), feedback: change.feedback ?? {} }
          break
        case 'expectation':
          next = { ...withoutKey(next, 'feedback'), expectation: change.expectation ?? {} }
          break
        case 'rationale':
          next =
            change.rationale === undefined ? withoutKey(next, 'rationale') : { ...next, rationale: change.rationale }
          break
        case 'metadata':
          next = { ...next, metadata: { ...next.metadata, ...change.metadata } }
          break
        default:
          throw KeelError.invalid(
            `Updating '${path}' of an assessment is not supported; update_mask may name assessment_name, feedback, expectation, rationale and metadata.`,
          )
      }
    }
    await this.store.replaceAssessment(next)
    return next
  }

  async deleteAssessment(traceId: string, assessmentId: string): Promise<void> {
    const current = await this.getAssessment(traceId, assessmentId)
    await this.store.deleteAssessment(traceId, assessmentId)
    // Deleting an override makes the assessment it replaced count again.
    if (current.overrides) {
      const old = await this.store.getAssessment(traceId, current.overrides)
      if (old) await this.store.replaceAssessment({ ...old, valid: true })
    }
  }

  // ---- OTLP ----

  /** Spans from an OTLP export, for traces of `experimentId`. Returns how many were stored. */
  async logSpans(experimentId: string, otlpSpans: readonly OtlpSpan[]): Promise<number> {
    if (otlpSpans.length === 0) return 0
    await this.activeExperiment(experimentId)
    const byTrace = new Map<string, TraceSpan[]>()
    for (const s of otlpSpans) {
      const span = toTraceSpan(s)
      byTrace.set(span.traceId, [...(byTrace.get(span.traceId) ?? []), span])
    }
    const batches = [...byTrace].map(([traceId, spans]) => ({
      summary: summarize(traceId, experimentId, spans),
      spans,
    }))
    const { refused } = await this.store.logSpans(batches)
    if (refused.length > 0) {
      throw KeelError.invalid(
        `Trace '${refused[0]}' belongs to another experiment than ${experimentId}; its spans were not stored`,
      )
    }
    return otlpSpans.length
  }
}

function newAssessmentId(): string {
  return `a-${randomUUID().replaceAll('-', '')}`
}

function withoutKey<T extends object, K extends keyof T>(o: T, key: K): T {
  const { [key]: _, ...rest } = o
  return rest as T
}

function clip(text: string): string {
  return text.length <= PREVIEW_LENGTH ? text : text.slice(0, PREVIEW_LENGTH)
}

function checkTraceId(traceId: string): void {
  if (!TRACE_ID_PATTERN.test(traceId)) {
    throw KeelError.invalid(`Invalid trace id '${traceId.slice(0, 80)}': 1 to 64 characters, no '/', blanks or NUL`)
  }
}

function checkAssessment(a: AssessmentInput): void {
  if (!a.name) throw KeelError.invalid("Missing value for required parameter 'assessment.assessment_name'.")
  if ((a.feedback === undefined) === (a.expectation === undefined)) {
    throw KeelError.invalid('Exactly one of `expectation` or `feedback` should be specified.')
  }
}

/** The value of a string attribute, JSON-decoded as MLflow encodes its own attributes. */
function stringAttribute(attributes: readonly OtelAttribute[], key: string): string | undefined {
  const value = attributes.find((a) => a.key === key)?.value
  if (!value || !('stringValue' in value)) return undefined
  try {
    const decoded: unknown = JSON.parse(value.stringValue)
    return typeof decoded === 'string' ? decoded : value.stringValue
  } catch {
    return value.stringValue
  }
}

/** An attribute's value as JSON text (MLflow's client sends its own attributes JSON-encoded). */
function jsonText(attributes: readonly OtelAttribute[], key: string): string | undefined {
  const value = attributes.find((a) => a.key === key)?.value
  if (!value) return undefined
  if ('stringValue' in value) return value.stringValue
  return JSON.stringify(plain(value))
}

function plain(v: OtelValue): unknown {
  if ('stringValue' in v) return v.stringValue
  if ('boolValue' in v) return v.boolValue
  if ('intValue' in v) return Number(v.intValue)
  if ('doubleValue' in v) return v.doubleValue
  if ('bytesValue' in v) return v.bytesValue
  if ('arrayValue' in v) return v.arrayValue.map(plain)
  if ('kvlistValue' in v) return Object.fromEntries(v.kvlistValue.map((a) => [a.key, plain(a.value)]))
  return null
}

function toTraceSpan(s: OtlpSpan): TraceSpan {
  const named = stringAttribute(s.attributes, TRACE_KEYS.traceRequestId)
  const traceId = named && TRACE_ID_PATTERN.test(named) ? named : `${TRACE_ID_PREFIX}${s.otelTraceId}`
  return {
    traceId,
    otelTraceId: s.otelTraceId,
    spanId: s.spanId,
    ...(s.parentSpanId !== undefined && { parentSpanId: s.parentSpanId }),
    name: s.name,
    spanType: stringAttribute(s.attributes, TRACE_KEYS.spanType) ?? 'UNKNOWN',
    ...(s.kind !== undefined && { kind: s.kind }),
    ...(s.traceState !== undefined && { traceState: s.traceState }),
    startTimeUnixNano: s.startTimeUnixNano,
    ...(s.endTimeUnixNano !== undefined && { endTimeUnixNano: s.endTimeUnixNano }),
    status: s.status,
    attributes: s.attributes,
    events: s.events,
    ...(s.links.length > 0 && { links: s.links }),
  }
}

const TRACE_TAG_PREFIX = 'mlflow.traceTag.'

function summarize(traceId: string, experimentId: string, spans: readonly TraceSpan[]): SpanSummary {
  const ms = (nanos: string) => Number(BigInt(nanos) / 1_000_000n)
  const root = spans.find((s) => s.parentSpanId === undefined)
  const requestTimeMs = Math.min(...spans.map((s) => ms(s.startTimeUnixNano)))
  if (!root) return { traceId, experimentId, requestTimeMs, state: 'IN_PROGRESS', tags: {}, metadata: {} }
  const tags: Record<string, string> = { [TRACE_KEYS.traceName]: root.name }
  for (const a of root.attributes) {
    if (a.key.startsWith(TRACE_TAG_PREFIX))
      tags[a.key.slice(TRACE_TAG_PREFIX.length)] = stringAttribute([a], a.key) ?? ''
  }
  const inputs = jsonText(root.attributes, TRACE_KEYS.spanInputs)
  const outputs = jsonText(root.attributes, TRACE_KEYS.spanOutputs)
  const ended = root.endTimeUnixNano !== undefined
  return {
    traceId,
    experimentId,
    requestTimeMs: ms(root.startTimeUnixNano),
    ...(ended && { executionDurationMs: ms(root.endTimeUnixNano!) - ms(root.startTimeUnixNano) }),
    state: !ended ? 'IN_PROGRESS' : root.status.code === 'ERROR' ? 'ERROR' : 'OK',
    tags,
    metadata: { 'mlflow.trace_schema.version': '3' },
    ...(inputs !== undefined && { requestPreview: clip(inputs) }),
    ...(outputs !== undefined && { responsePreview: clip(outputs) }),
  }
}
