/**
 * Traces over SQL (migration 0013). Every write is one write transaction; a trace's info, tags,
 * metadata, spans, assessments and run links go together. Spans and assessments are kept as JSON
 * text beside the columns that filters read.
 */
import type { Assessment, TraceInfo, TraceSpan, TraceState } from '@keel/contracts'
import { TRACE_KEYS, SPANS_IN_TRACKING_STORE } from '@keel/contracts'
import { type ColumnType, type Kysely, type Selectable, sql } from 'kysely'
import type {
  SpanSummary,
  TraceDeletion,
  TraceInfoPatch,
  TraceSearchQuery,
  TraceStore,
} from '../../tracing/trace-store.js'
import type { Database } from '../database.js'
import type { DialectOps } from '../dialect.js'
import { chunk, withWriteTransaction } from '../sql-util.js'
import { traceFilterSql, traceOrderSql } from './trace-search-sql.js'

type Int64 = ColumnType<number, number | bigint, number | bigint>

interface TracesTable {
  trace_id: string
  experiment_id: number
  client_request_id: string | null
  request_time: Int64
  execution_duration: Int64 | null
  state: string
  request_preview: string | null
  response_preview: string | null
}

interface TraceKeyValueTable {
  trace_id: string
  key: string
  value: string
}

interface TraceSpansTable {
  trace_id: string
  span_id: string
  parent_span_id: string | null
  name: string
  span_type: string
  status: string
  start_time_ms: Int64
  content: string
}

interface TraceAssessmentsTable {
  assessment_id: string
  trace_id: string
  name: string
  kind: string
  value: string | null
  created_ms: Int64
  content: string
}

interface TraceRunLinksTable {
  trace_id: string
  run_id: string
}

/** A type, not an interface: Kysely's table map needs the index signature a type alias has. */
export type TraceTables = {
  traces: TracesTable
  trace_tags: TraceKeyValueTable
  trace_metadata: TraceKeyValueTable
  trace_spans: TraceSpansTable
  trace_assessments: TraceAssessmentsTable
  trace_run_links: TraceRunLinksTable
}

type TraceDb = Kysely<TraceTables>

const KEY_VALUE_TABLES = ['trace_tags', 'trace_metadata'] as const
const TRACE_TABLES = [
  'trace_tags',
  'trace_metadata',
  'trace_spans',
  'trace_assessments',
  'trace_run_links',
  'traces',
] as const

function assessmentRow(a: Assessment): Selectable<TraceAssessmentsTable> {
  const value = a.feedback ? a.feedback.value : a.expectation?.value
  return {
    assessment_id: a.assessmentId,
    trace_id: a.traceId,
    name: a.name,
    kind: a.expectation ? 'expectation' : 'feedback',
    value: value === undefined ? null : JSON.stringify(value),
    created_ms: a.createTimeMs,
    content: JSON.stringify(a),
  }
}

function spanRow(span: TraceSpan): Selectable<TraceSpansTable> {
  return {
    trace_id: span.traceId,
    span_id: span.spanId,
    parent_span_id: span.parentSpanId ?? null,
    name: span.name,
    span_type: span.spanType,
    status: span.status.code,
    start_time_ms: Number(BigInt(span.startTimeUnixNano) / 1_000_000n),
    content: JSON.stringify(span),
  }
}

export class SqlTraceStore implements TraceStore {
  private readonly db: TraceDb

  constructor(
    db: Kysely<Database>,
    private readonly ops: DialectOps,
  ) {
    this.db = db.withTables<TraceTables>() as unknown as TraceDb
  }

  private write<T>(fn: (tx: TraceDb) => Promise<T>): Promise<T> {
    return withWriteTransaction(this.db, this.ops, fn)
  }

  async putTraceInfo(info: TraceInfo): Promise<TraceInfo> {
    await this.write(async (tx) => {
      const existing = await tx
        .selectFrom('traces')
        .select('trace_id')
        .where('trace_id', '=', info.traceId)
        .executeTakeFirst()
      const row = {
        client_request_id: info.clientRequestId ?? null,
        request_time: info.requestTimeMs,
        execution_duration: info.executionDurationMs ?? null,
        state: info.state,
        request_preview: info.requestPreview ?? null,
        response_preview: info.responsePreview ?? null,
      }
      if (existing) await tx.updateTable('traces').set(row).where('trace_id', '=', info.traceId).execute()
      else
        await tx
          .insertInto('traces')
          .values({ trace_id: info.traceId, experiment_id: Number(info.experimentId), ...row })
          .execute()
      await this.upsertKeyValues(tx, 'trace_tags', info.traceId, info.tags)
      await this.upsertKeyValues(tx, 'trace_metadata', info.traceId, info.metadata)
      // An assessment sent again (the same id) replaces the stored one.
      for (const a of info.assessments) {
        const { assessment_id, ...rest } = assessmentRow(a)
        await tx
          .insertInto('trace_assessments')
          .values({ assessment_id, ...rest })
          .onConflict((oc) => oc.column('assessment_id').doUpdateSet(rest))
          .execute()
      }
    })
    return (await this.getTraceInfo(info.traceId))!
  }

  async patchTraceInfo(traceId: string, patch: TraceInfoPatch): Promise<boolean> {
    return this.write(async (tx) => {
      const row = {
        ...(patch.requestTimeMs !== undefined && { request_time: patch.requestTimeMs }),
        ...(patch.executionDurationMs !== undefined && { execution_duration: patch.executionDurationMs }),
        ...(patch.state !== undefined && { state: patch.state }),
        ...(patch.clientRequestId !== undefined && { client_request_id: patch.clientRequestId }),
        ...(patch.requestPreview !== undefined && { request_preview: patch.requestPreview }),
        ...(patch.responsePreview !== undefined && { response_preview: patch.responsePreview }),
      }
      const exists = await tx.selectFrom('traces').select('trace_id').where('trace_id', '=', traceId).executeTakeFirst()
      if (!exists) return false
      if (Object.keys(row).length > 0) await tx.updateTable('traces').set(row).where('trace_id', '=', traceId).execute()
      await this.upsertKeyValues(tx, 'trace_tags', traceId, patch.tags ?? {})
      await this.upsertKeyValues(tx, 'trace_metadata', traceId, patch.metadata ?? {})
      return true
    })
  }

  private async upsertKeyValues(
    tx: TraceDb,
    table: (typeof KEY_VALUE_TABLES)[number],
    traceId: string,
    values: Readonly<Record<string, string>>,
  ): Promise<void> {
    const rows = Object.entries(values).map(([key, value]) => ({ trace_id: traceId, key, value }))
    for (const part of chunk(rows, 3)) {
      await tx
        .insertInto(table)
        .values(part)
        .onConflict((oc) => oc.columns(['trace_id', 'key']).doUpdateSet({ value: (eb) => eb.ref('excluded.value') }))
        .execute()
    }
  }

  async getTraceInfo(traceId: string): Promise<TraceInfo | undefined> {
    return (await this.getTraceInfos([traceId]))[0]
  }

  async getTraceInfos(traceIds: readonly string[]): Promise<TraceInfo[]> {
    const ids = [...new Set(traceIds)]
    if (ids.length === 0) return []
    const found = new Map<string, TraceInfo>()
    for (const part of chunk(ids, 1, 500)) {
      const [rows, tags, metadata, assessments] = await Promise.all([
        this.db.selectFrom('traces').selectAll().where('trace_id', 'in', part).execute(),
        this.db.selectFrom('trace_tags').selectAll().where('trace_id', 'in', part).orderBy('key').execute(),
        this.db.selectFrom('trace_metadata').selectAll().where('trace_id', 'in', part).orderBy('key').execute(),
        this.db
          .selectFrom('trace_assessments')
          .select(['trace_id', 'content'])
          .where('trace_id', 'in', part)
          .orderBy('created_ms')
          .orderBy('assessment_id')
          .execute(),
      ])
      const grouped = <T extends { trace_id: string }>(items: T[]) => {
        const m = new Map<string, T[]>()
        for (const item of items) m.set(item.trace_id, [...(m.get(item.trace_id) ?? []), item])
        return m
      }
      const tagsOf = grouped(tags)
      const metadataOf = grouped(metadata)
      const assessmentsOf = grouped(assessments)
      for (const r of rows) {
        found.set(r.trace_id, {
          traceId: r.trace_id,
          experimentId: String(r.experiment_id),
          ...(r.client_request_id !== null && { clientRequestId: r.client_request_id }),
          requestTimeMs: Number(r.request_time),
          ...(r.execution_duration !== null && { executionDurationMs: Number(r.execution_duration) }),
          state: r.state as TraceState,
          ...(r.request_preview !== null && { requestPreview: r.request_preview }),
          ...(r.response_preview !== null && { responsePreview: r.response_preview }),
          tags: Object.fromEntries((tagsOf.get(r.trace_id) ?? []).map((t) => [t.key, t.value])),
          metadata: Object.fromEntries((metadataOf.get(r.trace_id) ?? []).map((t) => [t.key, t.value])),
          assessments: (assessmentsOf.get(r.trace_id) ?? []).map((a) => JSON.parse(a.content) as Assessment),
        })
      }
    }
    return traceIds.flatMap((id) => {
      const info = found.get(id)
      return info ? [info] : []
    })
  }

  async logSpans(
    batches: readonly { summary: SpanSummary; spans: readonly TraceSpan[] }[],
  ): Promise<{ refused: string[] }> {
    const refused: string[] = []
    await this.write(async (tx) => {
      for (const { summary, spans } of batches) {
        const existing = await tx
          .selectFrom('traces')
          .select(['experiment_id'])
          .where('trace_id', '=', summary.traceId)
          .executeTakeFirst()
        if (existing && String(existing.experiment_id) !== summary.experimentId) {
          refused.push(summary.traceId)
          continue
        }
        const finalized =
          existing !== undefined &&
          (await tx
            .selectFrom('trace_metadata')
            .select('key')
            .where('trace_id', '=', summary.traceId)
            .where('key', '=', TRACE_KEYS.infoFinalized)
            .executeTakeFirst()) !== undefined
        if (!existing) {
          await tx
            .insertInto('traces')
            .values({
              trace_id: summary.traceId,
              experiment_id: Number(summary.experimentId),
              client_request_id: null,
              request_time: summary.requestTimeMs,
              execution_duration: summary.executionDurationMs ?? null,
              state: summary.state,
              request_preview: summary.requestPreview ?? null,
              response_preview: summary.responsePreview ?? null,
            })
            .execute()
        } else if (!finalized) {
          // Spans arrive in parts: the earliest start and, once the root arrived, its end and status.
          const current = await tx
            .selectFrom('traces')
            .select(['request_time', 'state'])
            .where('trace_id', '=', summary.traceId)
            .executeTakeFirstOrThrow()
          const rootArrived = summary.state !== 'IN_PROGRESS'
          await tx
            .updateTable('traces')
            .set({
              request_time: Math.min(Number(current.request_time), summary.requestTimeMs),
              ...(rootArrived && {
                state: summary.state,
                execution_duration: summary.executionDurationMs ?? null,
                ...(summary.requestPreview !== undefined && { request_preview: summary.requestPreview }),
                ...(summary.responsePreview !== undefined && { response_preview: summary.responsePreview }),
              }),
            })
            .where('trace_id', '=', summary.traceId)
            .execute()
        }
        if (!finalized) {
          await this.upsertKeyValues(tx, 'trace_tags', summary.traceId, summary.tags)
          await this.upsertKeyValues(tx, 'trace_metadata', summary.traceId, summary.metadata)
        }
        await this.upsertKeyValues(tx, 'trace_tags', summary.traceId, {
          [TRACE_KEYS.spansLocation]: SPANS_IN_TRACKING_STORE,
        })
        for (const part of chunk(spans.map(spanRow), 8)) {
          await tx
            .insertInto('trace_spans')
            .values(part)
            .onConflict((oc) =>
              oc.columns(['trace_id', 'span_id']).doUpdateSet({
                parent_span_id: (eb) => eb.ref('excluded.parent_span_id'),
                name: (eb) => eb.ref('excluded.name'),
                span_type: (eb) => eb.ref('excluded.span_type'),
                status: (eb) => eb.ref('excluded.status'),
                start_time_ms: (eb) => eb.ref('excluded.start_time_ms'),
                content: (eb) => eb.ref('excluded.content'),
              }),
            )
            .execute()
        }
      }
    })
    return { refused }
  }

  async getSpans(traceIds: readonly string[]): Promise<Map<string, TraceSpan[]>> {
    const out = new Map<string, TraceSpan[]>(traceIds.map((id) => [id, []]))
    for (const part of chunk([...new Set(traceIds)], 1, 500)) {
      const rows = await this.db
        .selectFrom('trace_spans')
        .select(['trace_id', 'content'])
        .where('trace_id', 'in', part)
        .orderBy('trace_id')
        .orderBy('start_time_ms')
        .orderBy('span_id')
        .execute()
      for (const r of rows) out.get(r.trace_id)?.push(JSON.parse(r.content) as TraceSpan)
    }
    // Within a millisecond, by the exact start.
    for (const spans of out.values())
      spans.sort((a, b) => {
        const d = BigInt(a.startTimeUnixNano) - BigInt(b.startTimeUnixNano)
        return d < 0n ? -1 : d > 0n ? 1 : a.spanId < b.spanId ? -1 : 1
      })
    return out
  }

  async setTag(traceId: string, key: string, value: string): Promise<boolean> {
    return this.patchTraceInfo(traceId, { tags: { [key]: value } })
  }

  async deleteTag(traceId: string, key: string): Promise<boolean> {
    return this.write(async (tx) => {
      const result = await tx
        .deleteFrom('trace_tags')
        .where('trace_id', '=', traceId)
        .where('key', '=', key)
        .executeTakeFirst()
      return Number(result.numDeletedRows) > 0
    })
  }

  async search(query: TraceSearchQuery): Promise<{ items: TraceInfo[]; hasMore: boolean }> {
    if (query.experimentIds.length === 0) return { items: [], hasMore: false }
    const experimentIds = query.experimentIds.map(Number)
    const where = query.filter ? sql` AND ${traceFilterSql(query.filter, this.ops)}` : sql``
    const order = traceOrderSql(query.orderBy)
    const rows = await sql<{ trace_id: string }>`SELECT t.trace_id FROM traces t
      WHERE t.experiment_id IN (${sql.join(experimentIds)})${where}
      ORDER BY ${sql.join(order)}
      LIMIT ${query.limit + 1} OFFSET ${query.offset}`.execute(this.db)
    const ids = rows.rows.map((r) => r.trace_id)
    const hasMore = ids.length > query.limit
    return { items: await this.getTraceInfos(ids.slice(0, query.limit)), hasMore }
  }

  async deleteTraces(deletion: TraceDeletion): Promise<number> {
    return this.write(async (tx) => {
      let select = tx.selectFrom('traces').select('trace_id').where('experiment_id', '=', Number(deletion.experimentId))
      if (deletion.traceIds)
        select = select.where('trace_id', 'in', deletion.traceIds.length > 0 ? deletion.traceIds : [''])
      if (deletion.maxTimestampMs !== undefined) select = select.where('request_time', '<=', deletion.maxTimestampMs)
      select = select.orderBy('request_time').orderBy('trace_id')
      if (deletion.maxTraces !== undefined) select = select.limit(deletion.maxTraces)
      const ids = (await select.execute()).map((r) => r.trace_id)
      for (const part of chunk(ids, 1, 500)) {
        for (const table of TRACE_TABLES) await tx.deleteFrom(table).where('trace_id', 'in', part).execute()
      }
      return ids.length
    })
  }

  async linkToRun(traceIds: readonly string[], runId: string): Promise<string[]> {
    return this.write(async (tx) => {
      const found = new Set(
        traceIds.length === 0
          ? []
          : (await tx.selectFrom('traces').select('trace_id').where('trace_id', 'in', traceIds).execute()).map(
              (r) => r.trace_id,
            ),
      )
      const rows = [...found].map((trace_id) => ({ trace_id, run_id: runId }))
      if (rows.length > 0)
        await tx
          .insertInto('trace_run_links')
          .values(rows)
          .onConflict((oc) => oc.columns(['trace_id', 'run_id']).doNothing())
          .execute()
      return traceIds.filter((id) => !found.has(id))
    })
  }

  async addAssessment(assessment: Assessment): Promise<void> {
    await this.write((tx) => tx.insertInto('trace_assessments').values(assessmentRow(assessment)).execute())
  }

  async getAssessment(traceId: string, assessmentId: string): Promise<Assessment | undefined> {
    const row = await this.db
      .selectFrom('trace_assessments')
      .select('content')
      .where('trace_id', '=', traceId)
      .where('assessment_id', '=', assessmentId)
      .executeTakeFirst()
    return row && (JSON.parse(row.content) as Assessment)
  }

  async replaceAssessment(assessment: Assessment): Promise<boolean> {
    return this.write(async (tx) => {
      const { assessment_id, trace_id, ...rest } = assessmentRow(assessment)
      const result = await tx
        .updateTable('trace_assessments')
        .set(rest)
        .where('trace_id', '=', trace_id)
        .where('assessment_id', '=', assessment_id)
        .executeTakeFirst()
      return Number(result.numUpdatedRows) > 0
    })
  }

  async deleteAssessment(traceId: string, assessmentId: string): Promise<boolean> {
    return this.write(async (tx) => {
      const result = await tx
        .deleteFrom('trace_assessments')
        .where('trace_id', '=', traceId)
        .where('assessment_id', '=', assessmentId)
        .executeTakeFirst()
      return Number(result.numDeletedRows) > 0
    })
  }
}
